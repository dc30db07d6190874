"""Operations: request ids and JSON logs, /metrics, backups (SQLite and PostgreSQL) with the
encryption keys kept outside the backup."""
from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_INDEX_KEY, make_app
from tests.factories import make_family
from webapp import crypto
from webapp.extensions import db


def test_request_id_is_returned_and_kept_from_proxy(client):
    resp = client.get("/healthz")
    assert len(resp.headers["X-Request-ID"]) == 32
    resp = client.get("/healthz", headers={"X-Request-ID": "proxy-id-12345"})
    assert resp.headers["X-Request-ID"] == "proxy-id-12345"
    resp = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert resp.headers["X-Request-ID"] != "bad id <script>"


def test_json_log_line_carries_request_id(app):
    from webapp.ops.observability import JsonFormatter
    record = logging.LogRecord("koppel", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    with app.test_request_context("/x", headers={"X-Request-ID": "abcdefgh1234"}):
        from flask import g
        g.request_id = "abcdefgh1234"
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["request_id"] == "abcdefgh1234"
    assert line["path"] == "/x" and line["level"] == "INFO"


def test_metrics_on_loopback_only(app, client, world):
    client.get("/login")
    body = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert 'koppel_request_seconds_count{endpoint="auth.login"' in body
    assert "koppel_jobs_failed" in body and "koppel_queue_length" in body
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    app.config["METRICS_TOKEN"] = "s3cret-token"
    ok = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                    headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200


def _restore_into(tmp_path, url, backup, keys, **kw):
    from webapp.ops.backup import restore
    other = make_app(tmp_path, url, ENCRYPTION_KEYS=keys, INDEX_KEY=TEST_INDEX_KEY)
    with other.app_context():
        return other, restore(backup, **kw)


def _roundtrip(app, world, tmp_path, target_url, prepare_target):
    from webapp.ops.backup import BackupError, create
    family_id = make_family(world.prog_a, world.coord_a, address="Kooilaan 12").id
    backup = tmp_path / "b" / "koppel.tar"
    manifest = create(backup)
    assert manifest["revision"] and backup.stat().st_mode & 0o777 == 0o600
    # the key is not in the backup
    assert app.config["ENCRYPTION_KEYS"][0].encode() not in backup.read_bytes()
    keys = list(app.config["ENCRYPTION_KEYS"])
    # another key: refused unless explicitly allowed, and then the fields are unreadable
    from cryptography.fernet import Fernet
    wrong = [Fernet.generate_key().decode()]
    prepare_target()
    with pytest.raises(BackupError, match="keys"):
        _restore_into(tmp_path / "w", target_url, backup, wrong)
    crypto.configure(keys, TEST_INDEX_KEY)
    restored_app, _ = _restore_into(tmp_path / "r", target_url, backup, keys)
    with restored_app.app_context():
        from webapp.models.families import Family
        again = db.session.get(Family, family_id)
        assert again.address == "Kooilaan 12" and again.parents[0].name == "Rasha"
        raw = db.session.execute(sa.text("SELECT address FROM family")).scalar()
        assert "Kooilaan" not in raw
        with pytest.raises(BackupError, match="not empty"):
            from webapp.ops.backup import restore
            restore(backup)
        crypto.configure(wrong, TEST_INDEX_KEY)
        db.session.expire_all()
        with pytest.raises(crypto.KeyError_):
            db.session.get(Family, family_id).address  # noqa: B018
        crypto.configure(keys, TEST_INDEX_KEY)
        db.session.remove()
        db.engine.dispose()


def test_backup_and_restore_sqlite(app, world, tmp_path):
    target = tmp_path / "restored.sqlite3"
    _roundtrip(app, world, tmp_path, f"sqlite:///{target}", lambda: None)


@pytest.mark.postgres
def test_backup_and_restore_postgresql(pg_app, tmp_path, pg_admin_url):
    import uuid
    from tests.factories import build_world
    world = build_world()
    name = "koppel_r_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        _roundtrip(pg_app, world, tmp_path, url, lambda: None)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n"), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
