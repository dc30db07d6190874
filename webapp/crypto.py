"""Application-level encryption of sensitive fields, and blind indexes for looking them up.

Values are encrypted with ``cryptography``'s MultiFernet: the first configured key encrypts,
every configured key decrypts, so keys can be rotated (``flask --app wsgi keys rotate``).
A stolen database dump shows only Fernet tokens. Equality look-ups (an e-mail address at
login) use an HMAC of the normalised value under a separate index key.
"""
from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.types import Text, TypeDecorator

_state: dict = {"fernet": None, "index_key": None}


class KeyError_(RuntimeError):
    """Raised when encryption is used before keys are configured or a token cannot be read."""


def configure(keys: list[str], index_key: str) -> None:
    """Install the keys (first one encrypts) and the blind-index key."""
    if not keys:
        raise KeyError_("no encryption key configured")
    _state["fernet"] = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    _state["index_key"] = index_key.encode()


def _fernet() -> MultiFernet:
    if _state["fernet"] is None:
        raise KeyError_("encryption keys are not configured")
    return _state["fernet"]


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise KeyError_("a stored value cannot be decrypted with the configured keys") from exc


def encrypt_bytes(data: bytes) -> bytes:
    """A Fernet token (bytes) of ``data``, for files (uploaded certificates)."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise KeyError_("a stored file cannot be decrypted with the configured keys") from exc


def rotate_bytes(token: bytes) -> bytes:
    """Re-encrypt a file's token under the primary key."""
    try:
        return _fernet().rotate(token)
    except InvalidToken as exc:
        raise KeyError_("a stored file cannot be decrypted with the configured keys") from exc


def rotate_token(token: str) -> str:
    """Re-encrypt ``token`` under the primary key."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def blind_index(value: str) -> str:
    """A keyed hash of the normalised value, for equality look-ups of encrypted fields."""
    if _state["index_key"] is None:
        raise KeyError_("index key is not configured")
    norm = value.strip().lower().encode("utf-8")
    return hmac.new(_state["index_key"], norm, hashlib.sha256).hexdigest()


class EncryptedText(TypeDecorator):
    """A text column stored encrypted; ``None`` stays ``NULL``."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return encrypt(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decrypt(value)
