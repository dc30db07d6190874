"""Faults around Redis and background jobs (issue 13): a stopped Redis never locks anyone out
(the rate limiter falls back to memory and says so), a killed job is recognised from its
heartbeat and can be started again, the worker runs rq's scheduler, and ``/metrics`` answers
only admins and direct loopback requests."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.web.test_faults import own_redis  # noqa: F401  (fixture: a private redis-server)
from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]
CLOSED = "redis://127.0.0.1:1/0"  # a closed loopback port: connection refused at once
REDIS_DOWN = {"REDIS_URL": CLOSED, "RATELIMIT_STORAGE_URI": CLOSED}
FALLBACK = "memory fallback (redis unreachable)"


def _login(client, email, password="correct horse battery"):
    return client.post("/login", data={"email": email, "password": password})


# --- 1. Redis down: the rate limiter falls back to memory, nobody is locked out -------------

@pytest.mark.parametrize("app", [REDIS_DOWN], indirect=True)
def test_login_and_forgot_password_work_with_redis_down(app, client, world, caplog,
                                                        monkeypatch):
    caplog.set_level(logging.INFO)
    # Alembic's fileConfig (the session's migration) disables loggers that existed then
    monkeypatch.setattr(logging.getLogger("flask-limiter"), "disabled", False)
    wrong = _login(client, world.coord_a.email, "wrong password")
    assert wrong.status_code == 200  # the form again, not a 500
    ok = _login(client, world.coord_a.email)
    assert ok.status_code == 302 and "/dashboard" in ok.headers["Location"]
    client.post("/logout")
    forgot = client.post("/forgot-password", data={"email": world.volunteer.email})
    assert forgot.status_code == 302
    # said once in the logs, not on every request
    fallbacks = [r for r in caplog.records if r.levelno == logging.WARNING
                 and "falling back to in-memory" in r.getMessage()]
    assert len(fallbacks) == 1
    # and /healthz names it; the app is degraded, not down (it still serves every page)
    health = client.get("/healthz")
    body = health.get_json()
    assert health.status_code == 200
    assert body["status"] == "degraded" and body["rate_limiter"] == FALLBACK
    assert body["database"] == "ok" and body["queue"] == "down"


@pytest.mark.parametrize("app", [REDIS_DOWN], indirect=True)
def test_memory_fallback_still_limits_login_failures(app, client, world):
    codes = [_login(client, world.coord_a.email, "wrong").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def test_limiter_counts_in_the_real_redis_when_it_runs(tmp_path, migrated_sqlite, redis_url):
    import shutil

    from redis import Redis

    from tests.factories import build_world
    shutil.copy(migrated_sqlite, tmp_path / "db.sqlite3")
    app = make_app(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", REDIS_URL=redis_url,
                   RATELIMIT_STORAGE_URI=redis_url)
    with app.app_context():
        world = build_world()
        client = app.test_client()
        assert _login(client, world.coord_a.email, "wrong").status_code == 200
        assert any(b"LIMITER" in key for key in Redis.from_url(redis_url).keys("*"))
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {"status": "ok", "database": "ok", "queue": "ok",
                                     "rate_limiter": "redis"}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("app", [REDIS_DOWN], indirect=True)
def test_starting_a_run_with_redis_down_keeps_it_and_says_so(app, client, world):
    from webapp.models.matches import MatchingRun
    _login(client, world.coord_a.email)
    resp = client.post(f"/programmes/{world.prog_a.id}/matching", data={})
    assert resp.status_code == 302
    run = db.session.execute(db.select(MatchingRun)).scalar_one()
    assert run.status == "queued" and run.job.status == "queued"  # kept for `jobs requeue`
    page = client.get(f"/runs/{run.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The job queue cannot be reached" in page


# Tests with a real rq worker use a Redis server of their own (``own_redis``): a worker on
# the shared test Redis would also take other test runs' jobs from the same queue name.

# --- 2. a killed job is recognised as dead and can be started again ------------------------

def _running_run(world, *, started_ago: timedelta, beat_ago: timedelta | None):
    from webapp.models import Job
    from webapp.models.base import utcnow
    from webapp.models.matches import MatchingRun
    run = MatchingRun(programme_id=world.prog_a.id, created_by_id=world.coord_a.id, running=1,
                      status="running")
    db.session.add(run)
    db.session.flush()
    job = Job(name="matching_run", args=[run.id], status="running", progress=35,
              stage="solving", started_at=utcnow() - started_ago,
              heartbeat_at=None if beat_ago is None else utcnow() - beat_ago,
              created_by_id=world.coord_a.id)
    db.session.add(job)
    db.session.flush()
    run.job_id = job.id
    db.session.commit()
    return run.id, job.id


def test_inline_job_without_heartbeat_is_shown_as_stopped_and_can_be_retried(app, client,
                                                                             world):
    from webapp.models.matches import MatchingRun
    run_id, job_id = _running_run(world, started_ago=timedelta(minutes=10),
                                  beat_ago=timedelta(minutes=9))
    _login(client, world.coord_a.email)
    assert client.get(f"/jobs/{job_id}").get_json()["status"] == "failed"
    page = client.get(f"/runs/{run_id}?lang=en").get_data(as_text=True)
    assert "stopped unexpectedly" in page and f"/runs/{run_id}/retry" in page
    db.session.expire_all()
    run = db.session.get(MatchingRun, run_id)
    assert run.status == "failed" and run.running is None
    again = client.post(f"/runs/{run_id}/retry")
    assert again.status_code == 302
    assert db.session.execute(db.select(db.func.count(MatchingRun.id))).scalar() == 2


def test_inline_job_with_a_recent_heartbeat_is_still_running(app, client, world):
    from webapp.models import Job
    run_id, job_id = _running_run(world, started_ago=timedelta(minutes=30),
                                  beat_ago=timedelta(seconds=5))
    _login(client, world.coord_a.email)
    assert client.get(f"/jobs/{job_id}").get_json()["status"] == "running"
    page = client.get(f"/runs/{run_id}?lang=en").get_data(as_text=True)
    assert "stopped unexpectedly" not in page and "data-job-url" in page
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "running"


def test_running_job_writes_heartbeats(app, world):
    """An in-process job beats while it runs (the row says the process is alive)."""
    from webapp.jobs import REGISTRY, execute, job
    from webapp.models import Job
    release, started = threading.Event(), threading.Event()

    @job("test_wait")
    def wait_for_release(ctx):
        started.set()
        release.wait(10)
        return {"ok": True}

    app.config["JOB_HEARTBEAT_SECONDS"] = 0.1
    try:
        row = Job(name="test_wait", args=[])
        db.session.add(row)
        db.session.commit()
        job_id = row.id

        def run():
            with app.app_context():
                execute(job_id)
        thread = threading.Thread(target=run)
        thread.start()
        assert started.wait(10)
        first = None
        for _ in range(50):
            db.session.expire_all()
            beat = db.session.get(Job, job_id).heartbeat_at
            first = first or beat
            if beat and first and beat > first:
                break
            time.sleep(0.1)
        assert first is not None and beat > first
        release.set()
        thread.join(10)
        db.session.expire_all()
        assert db.session.get(Job, job_id).status == "finished"
    finally:
        release.set()
        REGISTRY.pop("test_wait", None)


def test_dead_job_is_given_up_once(pg_app):
    """Twenty page views at once find the same dead job: it is failed once, its run freed
    once."""
    from tests.factories import build_world
    from webapp.jobs import ON_FAILURE, give_up_if_dead
    from webapp.models import Job
    world = build_world()
    run_id, job_id = _running_run(world, started_ago=timedelta(minutes=10),
                                  beat_ago=timedelta(minutes=10))
    calls = []
    original = ON_FAILURE["matching_run"]
    ON_FAILURE["matching_run"] = lambda row: (calls.append(row.id), original(row))
    barrier = threading.Barrier(20)
    results, errors = [], []

    def view():
        try:
            barrier.wait(10)
            with pg_app.app_context():
                row = db.session.get(Job, job_id)
                results.append(give_up_if_dead(row))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    try:
        threads = [threading.Thread(target=view) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        ON_FAILURE["matching_run"] = original
    assert not errors and results.count(True) == 1 and calls == [job_id]
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "failed"


def _slow_worker(app, redis_url, pidfile):
    """A real `flask worker --burst` whose matching solve hangs (writing the horse's pid)."""
    script = f"""
import json, os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from webapp import create_app
app = create_app(json.loads(sys.argv[1]))
import webapp.matches.runs as runs
def hang(*a, **k):
    with open({str(pidfile)!r}, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(120)
runs.solve = runs.solve_trios = hang
result = app.test_cli_runner().invoke(args=["worker", "--burst"])
sys.exit(result.exit_code)
"""
    cfg = {k: app.config[k] for k in ("TESTING", "SECRET_KEY", "ENCRYPTION_KEYS", "INDEX_KEY",
                                      "SQLALCHEMY_DATABASE_URI", "SERVER_NAME")}
    cfg.update(INSTANCE_PATH=app.instance_path, REDIS_URL=redis_url)
    return subprocess.Popen([sys.executable, "-c", script, json.dumps(cfg)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for(path: Path, proc) -> int:
    for _ in range(600):
        if path.exists() and path.read_text():
            return int(path.read_text())
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read()[-3000:])
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("the job never started: " + proc.communicate()[1][-3000:])


def _start_run_on_redis(app, world, redis_url):
    from webapp.matches.runs import start_run
    app.config["REDIS_URL"] = redis_url
    run = start_run(world.prog_a, world.coord_a.id)
    return run.id, run.job_id


@pytest.mark.redis
def test_killed_work_horse_is_reported_from_rq(app, client, world, own_redis, tmp_path):
    """The horse dies (OOM killer, SIGKILL): rq marks its job failed; the run page says the
    run stopped unexpectedly at once, not an hour later."""
    from webapp.models.matches import MatchingRun
    redis_url = own_redis.url
    run_id, job_id = _start_run_on_redis(app, world, redis_url)
    proc = _slow_worker(app, redis_url, tmp_path / "horse.pid")
    try:
        horse = _wait_for(tmp_path / "horse.pid", proc)
        os.kill(horse, signal.SIGKILL)
        # rq marks the job failed once it sees its work horse die; on a loaded machine the
        # burst worker may take a while to exit after that, so wait for the verdict instead.
        from redis import Redis
        from rq.job import Job as RqJob
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if RqJob.fetch(job_id, connection=Redis.from_url(redis_url)).get_status() in (
                        "failed", "stopped", "canceled"):
                    break
            except Exception:
                pass
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    _login(client, world.coord_a.email)
    assert client.get(f"/jobs/{job_id}").get_json()["status"] == "failed"
    page = client.get(f"/runs/{run_id}?lang=en").get_data(as_text=True)
    assert "stopped unexpectedly" in page and f"/runs/{run_id}/retry" in page
    db.session.expire_all()
    assert db.session.get(MatchingRun, run_id).running is None


@pytest.mark.redis
def test_killed_worker_is_recognised_from_rq_heartbeat(app, client, world, own_redis,
                                                       tmp_path):
    """The whole worker dies (machine reboot): rq's job heartbeat stops; once it is older
    than the grace period the job is dead."""
    from webapp.models import Job
    redis_url = own_redis.url
    run_id, job_id = _start_run_on_redis(app, world, redis_url)
    proc = _slow_worker(app, redis_url, tmp_path / "horse.pid")
    try:
        _wait_for(tmp_path / "horse.pid", proc)
        assert proc.poll() is None, proc.stderr.read()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    _login(client, world.coord_a.email)
    # the heartbeat is recent: still running
    assert client.get(f"/jobs/{job_id}").get_json()["status"] == "running"
    app.config["JOB_HEARTBEAT_GRACE"] = 1
    time.sleep(1.5)
    assert client.get(f"/jobs/{job_id}").get_json()["status"] == "failed"
    page = client.get(f"/runs/{run_id}?lang=en").get_data(as_text=True)
    assert "stopped unexpectedly" in page
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "failed"


def test_heartbeat_column_exists_on_postgresql(pg_app):
    import sqlalchemy as sa
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("job")}
    assert "heartbeat_at" in columns


# --- 3. the worker runs rq's scheduler, so enqueue_in retries run ---------------------------

@pytest.mark.redis
def test_worker_runs_scheduled_jobs(app, world, own_redis):
    """`flask worker --burst` moves due `enqueue_in` jobs (delivery retries) to the queue and
    runs them: it runs rq's scheduler."""
    from redis import Redis
    from rq import Queue

    from tests.web.test_infra import _run_worker
    from webapp.jobs import QUEUE_NAME
    from webapp.models import Job
    redis_url = own_redis.url
    app.config["REDIS_URL"] = redis_url
    row = Job(name="purge_sessions", args=[30])
    db.session.add(row)
    db.session.commit()
    Queue(QUEUE_NAME, connection=Redis.from_url(redis_url)).enqueue_in(
        timedelta(seconds=0), "webapp.jobs.perform", row.id, job_id=row.id)
    result = _run_worker(app, redis_url)
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    assert db.session.get(Job, row.id).status == "finished"


# --- 4. /metrics: admins and direct loopback only ---------------------------------------------

def test_metrics_for_admins_and_loopback_only(app, client, world):
    outside = {"REMOTE_ADDR": "10.1.2.3"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    for who in (world.coord_a, world.org_admin, world.volunteer):
        _login(client, who.email)
        assert client.get("/metrics", environ_base=outside).status_code == 404, who.email
        client.post("/logout")
    _login(client, world.admin.email)
    assert client.get("/metrics", environ_base=outside).status_code == 200


@pytest.mark.parametrize("hops", [0, 1])
def test_metrics_forwarded_through_a_loopback_proxy_is_not_loopback(tmp_path, migrated_sqlite,
                                                                    hops):
    import shutil
    shutil.copy(migrated_sqlite, tmp_path / "db.sqlite3")
    app = make_app(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", PROXY_HOPS=hops)
    client = app.test_client()
    local = {"REMOTE_ADDR": "127.0.0.1"}
    for forwarded_for in ("203.0.113.9", "127.0.0.1", "127.0.0.1, 203.0.113.9"):
        resp = client.get("/metrics", environ_base=local,
                          headers={"X-Forwarded-For": forwarded_for})
        assert resp.status_code == 404, forwarded_for
    assert client.get("/metrics", environ_base=local,
                      headers={"Forwarded": "for=203.0.113.9"}).status_code == 404
    assert client.get("/metrics", environ_base=local).status_code == 200
    with app.app_context():
        db.engine.dispose()
