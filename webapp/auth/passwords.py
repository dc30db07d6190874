"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106).

Tests may call :func:`use_fast_hashing` to use tiny parameters; production never does.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_state = {"hasher": PasswordHasher()}
# Hash verified against when the account does not exist, so both paths take the same time.
_state["dummy"] = _state["hasher"].hash("koppel-dummy-password")


def use_fast_hashing() -> None:
    """Cheap argon2id parameters, for test suites only."""
    _state["hasher"] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _state["dummy"] = _state["hasher"].hash("koppel-dummy-password")


def hash_password(password: str) -> str:
    return _state["hasher"].hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _state["hasher"].verify(stored or _state["dummy"], password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _state["hasher"].check_needs_rehash(stored)
