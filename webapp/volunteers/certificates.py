"""Uploaded training certificates and VOG scans on disk, encrypted at rest.

Files live in ``instance/uploads/certificates/`` under a random name. Their content is a
Fernet token made with the app's field-encryption keys (:mod:`webapp.crypto`, MultiFernet:
the first key encrypts, every configured key decrypts), so a copy of the upload folder shows
nothing without the keys.

Files stored before encryption at rest (plain PDF/PNG/JPEG, recognised by their first bytes)
are still read as they are; ``flask --app wsgi keys encrypt-files`` encrypts them in place
(:func:`encrypt_plain_files`), and ``flask --app wsgi keys rotate`` re-encrypts every file
under the first key (:func:`rotate_files`), encrypting plain ones on the way.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app

from .. import crypto

# Plain files of before encryption at rest, by their first bytes (the upload accepts only
# these types). A Fernet token starts with "gAAAAA" and never with one of these.
PLAIN_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def directory() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _is_plain(data: bytes) -> bool:
    return data.startswith(PLAIN_SIGNATURES)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step: a reader sees the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def store(content: bytes, ext: str) -> Path:
    """Write a new certificate (encrypted) under a random name; returns its path."""
    path = directory() / f"{secrets.token_hex(16)}.{ext}"
    _write_atomically(path, crypto.encrypt_bytes(content))
    return path


def read(path: Path) -> bytes:
    """The original bytes of a stored certificate (decrypted; a plain legacy file as is).
    Raises :class:`webapp.crypto.KeyError_` when the keys cannot decrypt it."""
    data = path.read_bytes()
    return data if _is_plain(data) else crypto.decrypt_bytes(data)


def _files() -> list[Path]:
    return sorted(p for p in directory().iterdir() if p.is_file() and not p.name.startswith("."))


def encrypt_plain_files() -> int:
    """Encrypt every plain (legacy) certificate in place; returns how many. Idempotent."""
    done = 0
    for path in _files():
        data = path.read_bytes()
        if _is_plain(data):
            _write_atomically(path, crypto.encrypt_bytes(data))
            done += 1
    return done


def _rotated(data: bytes) -> bytes:
    return crypto.encrypt_bytes(data) if _is_plain(data) else crypto.rotate_bytes(data)


def rotate_files() -> int:
    """Re-encrypt every certificate under the primary key (plain ones are encrypted);
    returns how many files were written. Every file is checked first, so a file the keys
    cannot read stops the rotation (``KeyError_``) before any file is rewritten."""
    files = _files()
    for path in files:  # check pass: raises on a file the keys cannot read
        _rotated(path.read_bytes())
    for path in files:
        _write_atomically(path, _rotated(path.read_bytes()))
    return len(files)
