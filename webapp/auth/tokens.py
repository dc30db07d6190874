"""Signed, expiring tokens for password reset and e-mail confirmation.

A reset token embeds a fingerprint of the current password hash, so it stops working the
moment it has been used (the hash changes): single use without a table.
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
