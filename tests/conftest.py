"""Shared fixtures: an app on a migrated SQLite database per test, and optional PostgreSQL
and Redis (from ``TEST_DATABASE_URL`` / ``TEST_REDIS_URL``), skipped with a clear message
when they are not running."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from webapp.auth.passwords import use_fast_hashing

use_fast_hashing()  # argon2id with tiny parameters: the suite hashes hundreds of passwords
TEST_KEYS = [Fernet.generate_key().decode()]
TEST_INDEX_KEY = "test-index-key"


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "ENCRYPTION_KEYS": TEST_KEYS,
        "INDEX_KEY": TEST_INDEX_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "MAIL_SERVER": None,
        "SERVER_NAME": "koppel.test",
        "REQUIRE_2FA_STAFF": False,  # dedicated tests in tests/web/test_security_*.py turn it on
    }


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file migrated once per test session with the real Alembic migrations."""
    from flask_migrate import upgrade

    from webapp import create_app
    tmp = tmp_path_factory.mktemp("template")
    path = tmp / "template.sqlite3"
    app = create_app(base_config(tmp, f"sqlite:///{path}"))
    with app.app_context():
        upgrade(revision="heads")
    return path


def make_app(tmp_path: Path, database_url: str, **overrides):
    from webapp import create_app
    cfg = base_config(tmp_path, database_url)
    cfg.update(overrides)
    return create_app(cfg)


@pytest.fixture
def app(tmp_path, migrated_sqlite, request):
    db_file = tmp_path / "koppel.sqlite3"
    shutil.copy(migrated_sqlite, db_file)
    overrides = getattr(request, "param", None) or {}
    app = make_app(tmp_path, f"sqlite:///{db_file}", **overrides)
    with app.app_context():
        yield app
        from webapp.extensions import db
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two organisations with programmes, a coordinator in each, an admin and a volunteer."""
    from tests.factories import build_world
    return build_world()


@pytest.fixture
def login(client):
    def do(email: str, password: str = "correct horse battery"):
        return client.post("/login", data={"email": email, "password": password})
    return do


# --- PostgreSQL -------------------------------------------------------------------------

def _pg_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def pg_admin_url():
    url = _pg_url()
    if not url:
        pytest.skip("PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
    import sqlalchemy as sa
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # not running here
        pytest.skip(f"PostgreSQL tests skipped: {url} is not reachable ({exc.__class__.__name__})")
    return url


@pytest.fixture
def pg_url(pg_admin_url):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa
    name = "koppel_t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with engine.connect() as conn:
        conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.fixture
def pg_app(tmp_path, pg_url):
    """An app on a migrated, empty PostgreSQL database."""
    from flask_migrate import upgrade
    app = make_app(tmp_path, pg_url)
    with app.app_context():
        upgrade(revision="heads")
        yield app
        from webapp.extensions import db
        db.session.remove()
        db.engine.dispose()


# --- Redis --------------------------------------------------------------------------------

def _per_worker(url: str) -> str:
    """``url`` with a database number of its own for each pytest-xdist worker (gw0: the
    given one, gw1: one below, …), so parallel workers never flush or drain each other's
    queues."""
    import re
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker[2:]) if worker[2:].isdigit() else 0
    m = re.match(r"^(.*/)(\d+)$", url)
    if not m or offset == 0:
        return url
    return f"{m.group(1)}{max(0, int(m.group(2)) - offset)}"


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("Redis tests skipped: TEST_REDIS_URL is not set")
    url = _per_worker(url)
    from redis import Redis
    try:
        conn = Redis.from_url(url, socket_connect_timeout=2)
        conn.ping()
    except Exception as exc:
        pytest.skip(f"Redis tests skipped: {url} is not reachable ({exc.__class__.__name__})")
    conn.flushdb()
    yield url
    conn.flushdb()
