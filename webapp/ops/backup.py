"""Backups: ``flask --app wsgi backup create`` / ``backup restore``.

A backup is one ``.tar`` file holding the database dump (``pg_dump`` custom format on
PostgreSQL, SQLite's online backup otherwise) and ``manifest.json`` with the migration
revision and the *fingerprints* of the encryption keys in use. The keys themselves are never
in the backup: encrypted fields stay unreadable without them, so keep the keys (environment or
``instance/encryption.keys``, ``instance/index.key``) in a separate, safe place. Restore checks
that the configured keys match the fingerprints and refuses a non-empty database.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from ..extensions import db


class BackupError(RuntimeError):
    """A backup cannot be made or restored; the message says why."""


def key_fingerprints() -> dict:
    def fp(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()[:16]
    return {"encryption": [fp(k) for k in current_app.config["ENCRYPTION_KEYS"]],
            "index": fp(current_app.config["INDEX_KEY"])}


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        db.session.rollback()
        return None


def _pg_args(url) -> tuple[list[str], dict]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    if url.username:
        args += ["-U", url.username]
    return args + ["-d", url.database], env


def create(output: Path) -> dict:
    """Write a backup of the configured database to ``output``; returns the manifest."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    manifest = {"created_at": datetime.now(timezone.utc).isoformat(), "dialect": url.get_backend_name(),
                "revision": _revision(), "keys": key_fingerprints(), "format": 1}
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database.dump"
        if url.get_backend_name() == "postgresql":
            args, env = _pg_args(url)
            result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "-f", str(dump),
                                     *args], env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        elif url.get_backend_name() == "sqlite":
            db.session.remove()
            source = sqlite3.connect(url.database)
            target = sqlite3.connect(dump)
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:
            raise BackupError(f"no backup method for {url.get_backend_name()}")
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w") as tar:
            tar.add(dump, arcname="database.dump")
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    os.chmod(output, 0o600)
    return manifest


def read_manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def restore(path: Path, *, allow_other_keys: bool = False) -> dict:
    """Restore ``path`` into the configured (empty) database."""
    manifest = read_manifest(path)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["dialect"] != url.get_backend_name():
        raise BackupError(f"this backup is of a {manifest['dialect']} database, the configured "
                          f"one is {url.get_backend_name()}")
    if manifest["keys"] != key_fingerprints() and not allow_other_keys:
        raise BackupError("the configured encryption keys are not the keys of this backup: "
                          "encrypted fields would be unreadable (configure the backup's keys, "
                          "or pass --allow-other-keys to restore anyway)")
    tables = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    if tables:
        raise BackupError("the database is not empty; restore only into an empty database")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(path) as tar:
            tar.extract("database.dump", tmp, filter="data")
        dump = Path(tmp) / "database.dump"
        db.session.remove()
        db.engine.dispose()
        if url.get_backend_name() == "postgresql":
            args, env = _pg_args(url)
            result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *args,
                                     str(dump)], env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
        else:
            shutil.copy(dump, url.database)
    return manifest
