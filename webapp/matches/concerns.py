"""A volunteer's concern about a family, and how it reaches someone.

Raising a concern stores it (text encrypted); an urgent one also e-mails every active
coordinator of the match's programme at once, through the outbox, in the same transaction
(no coordinator: the active admins of the programme's organisation). The e-mail names only
the family's reference and links to Koppel: never the concern's text nor anything about
the family.

Coordinators see the open concerns of their programmes (a badge in the menu, an item on
the home page), acknowledge one (the volunteer then sees it was read), write down what was
done (:class:`~webapp.models.matches.ConcernAction`, encrypted, never shown to the
volunteer) and close it. Acknowledging and closing happen exactly once: each is one
conditional ``UPDATE … WHERE acknowledged_at IS NULL`` (``handled_at IS NULL``); of two
coordinators clicking at the same moment one wins, the other is told it was done already.
Every step is audited with a code (``concern_raised``, ``concern_notified``,
``concern_acknowledged``, ``concern_note``, ``concern_closed``).
"""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import case, update
from sqlalchemy.orm import selectinload

from .. import audit
from ..access import visible_programme_ids
from ..extensions import db
from ..links import external_url
from ..models import Role, User, coordinator_programmes
from ..models.base import utcnow
from ..models.matches import Concern, ConcernAction, Match
from ..models.volunteers import Volunteer
from .approval import Refused

MAX_TEXT = 4000
SHOW = ("open", "closed", "all")
MAIL_KIND = "concern_urgent"


# --- raising a concern ---------------------------------------------------------------------

def notify_recipients(programme) -> list[User]:
    """Who an urgent concern in ``programme`` is mailed to: its active coordinators, or,
    when it has none, the active admins of its organisation."""
    coordinators = db.session.execute(
        db.select(User).join(coordinator_programmes,
                             coordinator_programmes.c.user_id == User.id)
        .where(coordinator_programmes.c.programme_id == programme.id,
               User.role == Role.coordinator.value, User.active.is_(True))
        .order_by(User.id)).scalars().all()
    if coordinators:
        return list(coordinators)
    return list(db.session.execute(db.select(User).where(
        User.role == Role.admin.value, User.active.is_(True),
        User.organisation_id == programme.organisation_id).order_by(User.id)).scalars())


def raise_concern(match: Match, text: str, urgent: bool, *,
                  user_id: int | None = None) -> Concern:
    """Store the volunteer's concern; if urgent, write one e-mail per recipient to the
    outbox in the same transaction (delivered right after the commit). Commits."""
    if not match.is_active:
        raise Refused("match_not_running")
    text = (text or "").strip()
    if not text:
        raise Refused("empty_concern")
    if len(text) > MAX_TEXT:
        raise Refused("text_too_long", max=MAX_TEXT)
    row = Concern(match_id=match.id, text=text, urgent=bool(urgent))
    db.session.add(row)
    db.session.flush()
    audit.record("create", "concern", row.id, fields=["text", "urgent"],
                 reason="concern_raised", user_id=user_id)
    if row.urgent:
        _notify(row, match)
    db.session.commit()
    return row


def _notify(concern: Concern, match: Match) -> None:
    from ..mail import compose_email
    from ..messaging.outbox import write
    link = external_url("matches.concern_detail", concern_id=concern.id)
    reference = match.family.reference
    messages = []
    for user in notify_recipients(match.programme):
        msg = compose_email(user, MAIL_KIND, "email/concern_urgent", reference=reference,
                            link=link)
        msg.programme_id = match.programme_id
        msg.dedupe_key = f"concern:{concern.id}:{user.id}"
        messages.append(msg)
    if messages:
        write(messages)
    audit.record("create", "concern", concern.id, fields=["notification"],
                 reason="concern_notified")


# --- following it up -------------------------------------------------------------------------

def acknowledge(concern: Concern, user_id: int) -> None:
    """Record that ``user_id`` read the concern, exactly once. Commits; raises
    :class:`Refused` (``concern_already_read``) when someone did already."""
    now = utcnow()
    result = db.session.execute(
        update(Concern).where(Concern.id == concern.id, Concern.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=user_id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise Refused("concern_already_read")
    db.session.add(ConcernAction(concern_id=concern.id, kind="acknowledged", by_id=user_id,
                                 at=now))
    audit.record("update", "concern", concern.id,
                 fields=["acknowledged_at", "acknowledged_by_id"],
                 reason="concern_acknowledged", user_id=user_id)
    db.session.commit()
    db.session.expire(concern)


def add_note(concern: Concern, user_id: int, text: str) -> ConcernAction:
    """Write down a step taken (who did what, when) on an open concern. Commits."""
    text = _checked_text(text, required=True)
    still_open = db.session.execute(db.select(Concern.id).where(
        Concern.id == concern.id, Concern.handled_at.is_(None))).scalar_one_or_none()
    if still_open is None:
        raise Refused("concern_closed")
    action = ConcernAction(concern_id=concern.id, kind="note", text=text, by_id=user_id,
                           at=utcnow())
    db.session.add(action)
    db.session.flush()
    audit.record("update", "concern", concern.id, fields=["actions"],
                 reason="concern_note", user_id=user_id)
    db.session.commit()
    db.session.expire(concern)
    return action


def close(concern: Concern, user_id: int, text: str | None = None) -> None:
    """Close the concern exactly once (marking it read too, if nobody had), with an
    optional closing note. Commits; raises :class:`Refused` (``concern_closed``) when
    someone closed it already."""
    text = _checked_text(text, required=False)
    now = utcnow()
    unread = Concern.acknowledged_at.is_(None)
    result = db.session.execute(
        update(Concern).where(Concern.id == concern.id, Concern.handled_at.is_(None))
        .values(handled_at=now, handled_by_id=user_id,
                acknowledged_at=case((unread, now), else_=Concern.acknowledged_at),
                acknowledged_by_id=case((unread, user_id), else_=Concern.acknowledged_by_id))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise Refused("concern_closed")
    db.session.add(ConcernAction(concern_id=concern.id, kind="closed", text=text,
                                 by_id=user_id, at=now))
    audit.record("update", "concern", concern.id,
                 fields=["handled_at", "handled_by_id"] + (["text"] if text else []),
                 reason="concern_closed", user_id=user_id)
    db.session.commit()
    db.session.expire(concern)


def _checked_text(text: str | None, *, required: bool) -> str | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise Refused("empty_note")
        return None
    if len(text) > MAX_TEXT:
        raise Refused("text_too_long", max=MAX_TEXT)
    return text


# --- what coordinators see ---------------------------------------------------------------

def concerns_query(user, show: str = "open"):
    """The concerns of ``user``'s programmes (``show``: open / closed / all): open ones
    urgent first, then the oldest first; with their match, family, volunteer and programme
    loaded in batches."""
    ids = visible_programme_ids(user) or {-1}
    query = (db.select(Concern).join(Match, Concern.match_id == Match.id)
             .where(Match.programme_id.in_(ids))
             .options(selectinload(Concern.match).selectinload(Match.family),
                      selectinload(Concern.match).selectinload(Match.programme),
                      selectinload(Concern.match).selectinload(Match.volunteer)
                      .selectinload(Volunteer.user)))
    if show == "open":
        return query.where(Concern.handled_at.is_(None)).order_by(
            Concern.urgent.desc(), Concern.created_at, Concern.id)
    if show == "closed":
        query = query.where(Concern.handled_at.is_not(None))
    return query.order_by(Concern.created_at.desc(), Concern.id.desc())


def open_counts_query(programme_ids):
    """A ``select`` of (open concerns, of which urgent) in ``programme_ids``."""
    return (db.select(db.func.count(Concern.id),
                      db.func.coalesce(db.func.sum(case((Concern.urgent.is_(True), 1),
                                                        else_=0)), 0))
            .join(Match, Concern.match_id == Match.id)
            .where(Match.programme_id.in_(programme_ids or {-1}),
                   Concern.handled_at.is_(None)))


def badge_counts() -> tuple[int, int]:
    """(open, urgent) concerns for the menu badge of the current staff user (one query;
    the menu asks once per page), (0, 0) for anyone else."""
    if not (has_request_context() and current_user.is_authenticated
            and current_user.is_staff):
        return 0, 0
    ids = visible_programme_ids(current_user)
    if not ids:
        return 0, 0
    total, urgent = db.session.execute(open_counts_query(ids)).one()
    return int(total or 0), int(urgent or 0)

