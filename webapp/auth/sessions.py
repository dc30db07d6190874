"""Server-side login sessions: creating, checking (idle timeout) and revoking them.

The signed Flask cookie carries only a random session id; the row in ``user_session`` decides
whether it is still valid. A cookie copied before logout is therefore refused after logout.
"""
from __future__ import annotations

import functools
import hashlib
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..jobs import job
from ..models import User, UserSession
from ..models.base import utcnow

SESSION_KEY = "sid"
_TOUCH_EVERY = timedelta(seconds=60)


def idle_limit(user: User) -> timedelta:
    minutes = (current_app.config["IDLE_MINUTES_STAFF"] if user.is_staff
               else current_app.config["IDLE_MINUTES_VOLUNTEER"])
    return timedelta(minutes=minutes)


def start_session(user: User) -> UserSession:
    """Log ``user`` in with a fresh session id (the old cookie contents are discarded)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    row = UserSession(user_id=user.id, user_agent=(request.user_agent.string or "")[:200])
    user.last_login_at = row.created_at = utcnow()  # the admins' user list shows it
    db.session.add(row)
    db.session.commit()
    session[SESSION_KEY] = row.id
    session.permanent = False
    login_user(user, remember=False)
    return row


def end_session() -> None:
    """Revoke the current session row and clear the cookie."""
    sid = session.get(SESSION_KEY)
    if sid:
        row = db.session.get(UserSession, sid)
        if row and row.revoked_at is None:
            row.revoked_at = utcnow()
            db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def revoke_all(user: User, except_id: str | None = None) -> int:
    """Revoke every open session of ``user`` (deactivation, password change)."""
    now = utcnow()
    rows = db.session.execute(
        db.select(UserSession).filter_by(user_id=user.id, revoked_at=None)).scalars().all()
    count = 0
    for row in rows:
        if row.id != except_id:
            row.revoked_at = now
            count += 1
    return count


def current_session_id() -> str | None:
    return session.get(SESSION_KEY)


def session_handle(session_id: str) -> str:
    """A public name of a session row for the "my sessions" list.

    The row id is the secret the cookie carries, so it is never put into a page or a URL."""
    return hashlib.sha256(("koppel-session:" + session_id).encode()).hexdigest()[:20]


def open_sessions(user: User) -> list[UserSession]:
    """``user``'s sessions that are neither revoked nor idle past the limit, newest first."""
    cutoff = utcnow() - idle_limit(user)
    return list(db.session.execute(
        db.select(UserSession).filter_by(user_id=user.id, revoked_at=None)
        .where(UserSession.last_seen_at >= cutoff)
        .order_by(UserSession.last_seen_at.desc())).scalars())


def revoke_handle(user: User, handle: str) -> bool:
    """Revoke ``user``'s open session with this public handle (False: no such session)."""
    for row in open_sessions(user):
        if session_handle(row.id) == handle:
            row.revoked_at = utcnow()
            db.session.commit()
            return True
    return False


@functools.cache
def _session_statement():
    """The session, its user and a coordinator's programmes in one query. It runs on every
    request, so it is built once (on first use, when the mappers are configured)."""
    return (db.select(UserSession).where(UserSession.id == db.bindparam("sid"))
            .options(joinedload(UserSession.user).joinedload(User.programmes)))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    sid = session.get(SESSION_KEY)
    if not sid:
        return None
    row = db.session.execute(_session_statement(), {"sid": sid}).unique().scalar_one_or_none()
    if row is None or row.revoked_at is not None or str(row.user_id) != str(user_id):
        return None
    user = row.user
    if user is None or not user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > idle_limit(user):
        row.revoked_at = now
        db.session.commit()
        return None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return user


@job("purge_sessions")
def purge_sessions(ctx, days: int = 30) -> dict:
    """Delete session rows revoked or idle for more than ``days`` days (daily housekeeping)."""
    cutoff = utcnow() - timedelta(days=days)
    ids = db.session.execute(db.select(UserSession.id).where(db.or_(
        UserSession.revoked_at < cutoff, UserSession.last_seen_at < cutoff))).scalars().all()
    total = len(ids) or 1
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.session.execute(db.delete(UserSession).where(UserSession.id.in_(chunk)))
        ctx.progress((start + len(chunk)) * 100 // total, "deleting")
    db.session.commit()
    return {"deleted": len(ids)}
