"""PostgreSQL and Redis: migrations on an empty database, real rq workers, health."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from webapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_upgrade_on_empty_postgresql(pg_app):
    import sqlalchemy as sa
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"user", "organisation", "programme", "job", "message", "audit_entry",
            "alembic_version"} <= tables
    # and the app works on it
    from tests.factories import build_world
    world = build_world()
    client = pg_app.test_client()
    client.post("/login", data={"email": world.coord_a.email, "password": world.password})
    assert client.get("/dashboard").status_code == 200
    assert client.get("/healthz").get_json()["database"] == "ok"


def test_audit_log_is_append_only_on_postgresql(pg_app):
    import sqlalchemy as sa
    from webapp.audit import record
    record("read", "family", 1, user_id=None)
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("UPDATE audit_entry SET action = 'x'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM audit_entry"))
    db.session.rollback()
    assert db.session.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar() == 1


def test_audit_log_is_append_only_on_sqlite(app):
    import sqlalchemy as sa
    from webapp.audit import record
    record("read", "family", 1, user_id=None)
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError):
        db.session.execute(sa.text("DELETE FROM audit_entry"))
    db.session.rollback()


def _worker_env(app, redis_url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "KOPPEL_ENCRYPTION_KEYS": ",".join(app.config["ENCRYPTION_KEYS"]),
        "KOPPEL_INDEX_KEY": app.config["INDEX_KEY"],
        "KOPPEL_INSTANCE": app.instance_path,
        "KOPPEL_BASE_URL": "http://koppel.test",  # production mode needs it to start
    })
    return env


def _run_worker(app, redis_url):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"], cwd=ROOT,
        env=_worker_env(app, redis_url), capture_output=True, text=True, timeout=120)


@pytest.mark.redis
def test_job_runs_in_real_rq_worker_with_progress(app, world, redis_url):
    from redis import Redis
    from rq.job import Job as RqJob

    from webapp.jobs import enqueue
    from webapp.models import Job, UserSession
    from webapp.models.base import utcnow
    app.config["REDIS_URL"] = redis_url
    old = utcnow() - timedelta(days=40)
    for _ in range(3):
        db.session.add(UserSession(user_id=world.volunteer.id, created_at=old, last_seen_at=old))
    db.session.add(UserSession(user_id=world.volunteer.id))
    db.session.commit()
    row = enqueue("purge_sessions", 30)
    assert db.session.get(Job, row.id).status == "queued"  # committed before the worker runs
    result = _run_worker(app, redis_url)
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    done = db.session.get(Job, row.id)
    assert done.status == "finished" and done.progress == 100 and done.result == {"deleted": 3}
    assert db.session.execute(db.select(db.func.count(UserSession.id))).scalar() == 1
    meta = RqJob.fetch(row.id, connection=Redis.from_url(redis_url)).meta
    assert meta["progress"] == 100 and meta["stage"] == "deleting"


@pytest.mark.redis
def test_email_delivered_by_worker(app, world, redis_url):
    from webapp.mail import queue_email
    from webapp.models import Message
    app.config["REDIS_URL"] = redis_url
    with app.test_request_context():
        msg = queue_email(world.volunteer, "password_reset", "email/password_reset",
                          link="http://x/reset", minutes=60)
    assert db.session.get(Message, msg.id).status == "queued"
    assert _run_worker(app, redis_url).returncode == 0
    db.session.expire_all()
    assert db.session.get(Message, msg.id).status == "local"


@pytest.mark.redis
def test_healthz_with_redis(app, client, redis_url):
    app.config["REDIS_URL"] = redis_url
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "queue": "ok",
                                                 "rate_limiter": "memory"}


def test_unreachable_redis_keeps_job_queued_for_later(app, world):
    from webapp.jobs import enqueue
    from webapp.models import Job
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    row = enqueue("purge_sessions", 30)
    assert db.session.get(Job, row.id).status == "queued"


def test_check_db_names_the_problem(tmp_path):
    env = dict(os.environ, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
               KOPPEL_INSTANCE=str(tmp_path), KOPPEL_BASE_URL="http://koppel.test")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check-db"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "not reachable" in result.stderr and "Traceback" not in result.stderr


def test_models_and_migrations_agree(app):
    """Every model change has its migration (what `flask db check` says)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_one_migration_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1
