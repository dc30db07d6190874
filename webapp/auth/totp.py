"""The second factor: time-based one-time codes (TOTP, RFC 6238) and recovery codes.

* The shared secret is 160 random bits, stored encrypted (``User.totp_secret``).
* A code is accepted for the current 30-second step and one step either side (clock drift),
  and only for a step later than the last accepted one (``User.totp_last_step``): a code seen
  over someone's shoulder, or replayed from a proxy log, does not work a second time.
* The QR code is drawn here, as SVG, by ``segno``: the secret never leaves the server except
  to the user's own browser.
* Recovery codes: ten random codes of 50 bits each, shown once; only their argon2id hashes are
  stored, and a used code is removed.
* Both are one-time under concurrency too: the step is stored, and a recovery code struck off,
  by a conditional ``UPDATE`` (compare-and-set) in the caller's transaction, so of two
  requests carrying the same code at the same moment exactly one gets ``rowcount == 1``.
"""
from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from .passwords import hash_password, verify_password

ISSUER = "Koppel"
STEP = 30
DRIFT_STEPS = 1
RECOVERY_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 10  # 31^10 ≈ 2^49.5


def new_secret() -> str:
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as a ``data:image/svg+xml`` URI (CSP allows ``img-src data:``)."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def matching_step(secret: str, code: str, *, after: int | None,
                  now: float | None = None) -> int | None:
    """The step at which ``code`` is valid (within the drift window and after ``after``)."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    step_now = current_step(now)
    found = None
    for step in range(step_now - DRIFT_STEPS, step_now + DRIFT_STEPS + 1):
        expected = totp.at(step * STEP)
        # compare every candidate (no early exit) so timing says nothing about which matched
        if hmac.compare_digest(expected, code) and (after is None or step > after):
            found = step
    return found


def _compare_and_set(user, condition, **values) -> bool:
    """``UPDATE user SET values WHERE id = user.id AND condition``; True when it changed the
    row. In the caller's transaction: a concurrent request doing the same waits for its
    commit (PostgreSQL row lock, SQLite write lock) and then finds the condition false."""
    from ..extensions import db
    from ..models import User

    result = db.session.execute(
        sa.update(User).where(User.id == user.id, condition).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    for name, value in values.items():  # keep the loaded object in step, without a 2nd write
        set_committed_value(user, name, value)
    return True


def verify_totp(user, code: str, now: float | None = None) -> bool:
    """Check a code of ``user``'s authenticator app and remember its step (no replays, also
    not by a second request with the same code at the same moment). The caller commits."""
    from ..models import User

    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, after=user.totp_last_step, now=now)
    if step is None:
        return False
    return _compare_and_set(
        user, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        totp_last_step=step)


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """(codes to show once, hashes to store)."""
    codes = []
    for _i in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes, [hash_password(_normalise(c)) for c in codes]


def _stored_recovery_codes(user) -> tuple[str | None, list[str]]:
    """(the stored JSON text exactly as the database holds it, the hashes in it)."""
    import json

    from ..extensions import db
    from ..models import User

    raw = db.session.execute(sa.select(sa.cast(User.recovery_codes, sa.Text))
                             .where(User.id == user.id)).scalar()
    hashes = json.loads(raw) if raw else None
    return raw, list(hashes) if isinstance(hashes, list) else []


def use_recovery_code(user, code: str) -> bool:
    """Accept one of ``user``'s unused recovery codes and strike it off. The caller commits.

    The list is written back only if it is still the one read (compare-and-set on its stored
    text), so the same code used twice at once logs in once, and two different codes used at
    once are both struck off (the later write retries on the fresh list)."""
    from ..models import User

    code = _normalise(code)
    if len(code) != _RECOVERY_LENGTH or not all(ch in _RECOVERY_ALPHABET for ch in code):
        return False
    raw, hashes = _stored_recovery_codes(user)
    match = next((stored for stored in hashes if verify_password(stored, code)), None)
    for _attempt in range(2 * RECOVERY_COUNT):  # each miss means another request wrote first
        if match is None or match not in hashes:
            return False
        remaining = [h for h in hashes if h != match]
        if _compare_and_set(user, sa.cast(User.recovery_codes, sa.Text) == raw,
                            recovery_codes=remaining):
            return True
        raw, hashes = _stored_recovery_codes(user)
    return False


def verify_second_factor(user, code: str) -> str | None:
    """"totp" or "recovery" when ``code`` is a valid second factor of ``user``; else None."""
    if verify_totp(user, code):
        return "totp"
    if use_recovery_code(user, code):
        return "recovery"
    return None


def enable(user, secret: str, step: int) -> list[str]:
    """Switch TOTP on for ``user`` with a confirmed secret; returns new recovery codes."""
    from ..models.base import utcnow

    codes, hashes = new_recovery_codes()
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    user.recovery_codes = hashes
    return codes


def disable(user) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    user.recovery_codes = None


def requires_second_factor(user, config) -> bool:
    """Must ``user`` have TOTP before they may use Koppel (staff, when the flag is on)?"""
    return bool(config.get("REQUIRE_2FA_STAFF", True)) and user.is_staff
