"""Signed, expiring tokens for password reset and e-mail confirmation.

A reset token embeds a fingerprint of the current password hash, so it stops working the
moment it has been used (the hash changes): single use without a table.

Choosing a password has one page (``/reset-password/<token>``) for two kinds of link, each
with its own salt and lifetime (:data:`PASSWORD_PURPOSES`): ``reset`` (forgot password, one
hour) and ``invite`` (an admin's invitation, 72 hours). One kind cannot be read as the other.
The fingerprint also holds ``invited_at`` once set, so sending an invitation again stops the
earlier link.
"""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import User


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"koppel-{purpose}")


def _fingerprint(user: User) -> str:
    basis = f"{user.password_hash or ''}|{user.email_confirmed_at or ''}|{user.active}"
    if user.invited_at is not None:  # (so links of accounts never invited stay as they were)
        basis += f"|{user.invited_at.isoformat()}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def read_token(token: str, purpose: str, max_age_seconds: int) -> User | None:
    """The user a valid token is for, or None when it is bad, expired or already used."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


# Links that lead to the page where one chooses a password: purpose → max. age in seconds.
PASSWORD_PURPOSES = {
    "reset": lambda config: config["RESET_TOKEN_MINUTES"] * 60,
    "invite": lambda config: config["INVITE_TOKEN_HOURS"] * 3600,
}


def read_password_token(token: str) -> tuple[User | None, str | None]:
    """(user, purpose) of a valid password-reset or invitation link; (None, None) when it
    is bad, expired or used already."""
    for purpose, max_age in PASSWORD_PURPOSES.items():
        user = read_token(token, purpose, max_age(current_app.config))
        if user is not None:
            return user, purpose
    return None, None
