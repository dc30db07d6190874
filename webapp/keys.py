"""Encryption keys: ``flask --app wsgi keys new`` and ``flask --app wsgi keys rotate``.

Rotating a key:
1. ``flask --app wsgi keys new`` prints a fresh key;
2. put it first in ``KOPPEL_ENCRYPTION_KEYS`` (or ``instance/encryption.keys``), keeping the
   old key after it: ``new,old`` — the app now writes with the new key and reads both;
3. ``flask --app wsgi keys rotate`` re-encrypts every encrypted value under the new key,
   and every uploaded certificate file (``instance/uploads/certificates/``);
4. remove the old key.

``flask --app wsgi keys encrypt-files`` encrypts certificate files stored in plain text
before encryption at rest (idempotent; downloads read both kinds until then).

``rotate`` is generic: it finds every column of type :class:`~webapp.crypto.EncryptedText`
in the metadata, so columns added by any area are included without a list to maintain.
It runs in one transaction: all values are rotated, or none.
"""
from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask
from flask.cli import AppGroup

from . import crypto
from .extensions import db

keys_cli = AppGroup("keys", help="Encryption keys: make a new one, re-encrypt with it.")

BATCH = 500


def encrypted_columns(metadata: sa.MetaData | None = None) -> list[tuple[sa.Table, sa.Column]]:
    """Every (table, column) whose type is EncryptedText, in a stable order."""
    metadata = metadata if metadata is not None else db.metadata
    found = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            if isinstance(column.type, crypto.EncryptedText):
                found.append((table, column))
    return found


def rotate_all(session=None) -> dict[str, int]:
    """Re-encrypt every stored encrypted value under the primary key; commit at the end.

    Returns the number of values rotated per ``table.column``. Raises
    :class:`webapp.crypto.KeyError_` (and changes nothing) when a value cannot be read with
    the configured keys.
    """
    session = session or db.session
    counts: dict[str, int] = {}
    try:
        for table, column in encrypted_columns():
            pk = list(table.primary_key.columns)
            raw = sa.type_coerce(column, sa.Text).label("token")  # the stored token, as is
            rows = session.execute(sa.select(*pk, raw).where(column.isnot(None))).all()
            n = 0
            for start in range(0, len(rows), BATCH):
                for row in rows[start:start + BATCH]:
                    try:
                        new = crypto.rotate_token(row.token)
                    except Exception as exc:
                        raise crypto.KeyError_(
                            f"{table.name}.{column.name}: a value cannot be decrypted with the "
                            f"configured keys") from exc
                    where = sa.and_(*[c == row._mapping[c.name] for c in pk])
                    session.execute(table.update().where(where).values(
                        {column.name: sa.literal(new, sa.Text)}))
                    n += 1
            counts[f"{table.name}.{column.name}"] = n
        session.commit()
    except Exception:
        session.rollback()
        raise
    return counts


@keys_cli.command("new")
def new_key_cmd():
    """Print a fresh Fernet key (put it first in KOPPEL_ENCRYPTION_KEYS)."""
    click.echo(Fernet.generate_key().decode())


@keys_cli.command("rotate")
def rotate_cmd():
    """Re-encrypt every encrypted column of every model under the first configured key."""
    try:
        counts = rotate_all()
    except crypto.KeyError_ as exc:
        click.echo(f"keys rotate: {exc}; nothing was changed.", err=True)
        sys.exit(1)
    for name, n in counts.items():
        click.echo(f"{name}: {n}")
    click.echo(f"rotated {sum(counts.values())} value(s) in {len(counts)} column(s)")
    from .volunteers import certificates
    try:
        files = certificates.rotate_files()
    except crypto.KeyError_ as exc:
        click.echo(f"keys rotate: certificates: {exc}; no file was changed.", err=True)
        sys.exit(1)
    click.echo(f"rotated {files} certificate file(s)")


@keys_cli.command("encrypt-files")
def encrypt_files_cmd():
    """Encrypt uploaded certificates still stored in plain text (from before encryption at
    rest) in place, with the first configured key. Safe to run again."""
    from .volunteers import certificates
    click.echo(f"{certificates.encrypt_plain_files()} file(s) encrypted")


def register_cli(app: Flask) -> None:
    """Add the ``keys`` command group to ``app``."""
    app.cli.add_command(keys_cli)
