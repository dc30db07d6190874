"""Faults: Redis down and back (nothing lost), a worker that dies mid-job (never half-applied),
PostgreSQL connections dropped (the app reconnects by itself)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test alone (so stopping it disturbs nobody)."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("fault tests skipped: no redis-server on this machine")
    port = _free_port()

    def start():
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return proc
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")
    state = {"proc": start()}

    class Handle:
        url = f"redis://127.0.0.1:{port}/0"

        def stop(self):
            state["proc"].terminate()
            state["proc"].wait(10)

        def start(self):
            state["proc"] = start()
    yield Handle()
    state["proc"].terminate()


def test_redis_down_then_back_loses_nothing(app, client, world, own_redis):
    from tests.web.test_infra import _run_worker
    from webapp.jobs import enqueue, requeue_pending
    from webapp.models import Job, Message
    from webapp.mail import queue_email
    app.config["REDIS_URL"] = own_redis.url
    own_redis.stop()
    # the web app stays up and says the queue is down
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["queue"] == "down"
    assert health.get_json()["status"] == "degraded"
    assert client.get("/login").status_code == 200
    with app.test_request_context():
        msg = queue_email(world.volunteer, "password_reset", "email/password_reset",
                          link="http://x/reset", minutes=60)
    job = enqueue("purge_sessions", 30)
    assert db.session.get(Job, job.id).status == "queued"
    assert db.session.get(Message, msg.id).status == "queued"
    own_redis.start()
    assert client.get("/healthz").get_json()["queue"] == "ok"
    assert requeue_pending() >= 2
    assert _run_worker(app, own_redis.url).returncode == 0
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "finished"
    assert db.session.get(Message, msg.id).status == "local"  # delivered (no SMTP: local outbox)


def test_worker_killed_mid_run_is_marked_failed_never_half_applied(app, world):
    """A matching run stores its proposals in one commit at the end. If the worker dies
    during the run, nothing of it is stored; the reaper marks it failed and it can be retried."""
    from webapp.jobs import reap_stale
    from webapp.models import Job
    from webapp.models.base import utcnow
    from webapp.models.matches import MatchingRun, Proposal
    run = MatchingRun(programme_id=world.prog_a.id, created_by_id=world.coord_a.id, running=1,
                      status="running")
    db.session.add(run)
    db.session.flush()
    job = Job(name="matching_run", args=[run.id], status="running",
              started_at=utcnow() - timedelta(hours=2), created_by_id=world.coord_a.id)
    db.session.add(job)
    db.session.flush()
    run.job_id = job.id
    db.session.commit()
    assert reap_stale(60) == 1
    db.session.expire_all()
    run = db.session.get(MatchingRun, run.id)
    assert run.status == "failed" and run.running is None and "worker stopped" in run.error
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar() == 0
    # and the programme is free for a new run
    from webapp.matches.runs import start_run
    assert start_run(world.prog_a, world.coord_a.id).status == "finished"


def test_killed_worker_process_leaves_no_proposals(app, world, tmp_path):
    """A real worker process killed (SIGKILL) while solving: no proposal rows appear."""
    from tests.factories import make_family, make_volunteer, ready_records
    from datetime import date
    from webapp.models.matches import MatchingRun, Proposal
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=10))
    make_family(world.prog_a, world.coord_a)
    run = MatchingRun(programme_id=world.prog_a.id, created_by_id=world.coord_a.id, running=1)
    db.session.add(run)
    db.session.commit()
    script = f"""
import json, os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
from webapp import create_app
from tests.conftest import base_config
import matching.solve as s
cfg = json.loads(sys.argv[1])
app = create_app(cfg)
with app.app_context():
    import webapp.matches.runs as runs
    runs.solve = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    from webapp.jobs import enqueue
    enqueue("matching_run", {run.id})
"""
    cfg = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "ENCRYPTION_KEYS", "INDEX_KEY",
                                      "SQLALCHEMY_DATABASE_URI", "SERVER_NAME")}
    cfg["INSTANCE_PATH"] = app.instance_path
    import json
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(cfg)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr[-2000:]
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar() == 0
    assert db.session.get(MatchingRun, run.id).status == "running"  # until the reaper comes


@pytest.mark.postgres
def test_app_reconnects_after_postgresql_drops_connections(pg_app, pg_url):
    import sqlalchemy as sa
    client = pg_app.test_client()
    assert client.get("/healthz").status_code == 200
    # between requests the connection rests in the pool (in production each request has its
    # own app context; here the fixture's outer context holds the session, so end it)
    db.session.remove()
    name = sa.engine.make_url(pg_url).database
    admin = sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # what a server restart does to every open connection
        killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = :n AND pid <> pg_backend_pid()"),
                              {"n": name}).scalar()
    admin.dispose()
    assert killed >= 1
    # pool_pre_ping notices the dead connection and opens a new one: no error for the user
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["database"] == "ok"
