"""The life of a match after approval: introduced → active → ended, and what the volunteer
reports along the way (contact moments, concerns). Ending a match frees capacity at once:
capacity is counted from active matches, never stored."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update

from .. import audit
from ..extensions import db
from ..models.matches import (ACTIVE_MATCH_STATUSES, END_REASONS, TRANSITIONS, Concern,
                              ContactMoment, IllegalTransition, Match)
from ..vocab import THEMES
from .approval import Refused

# Reasons after which the family usually still wants a volunteer (back on the waiting list).
BACK_TO_WAITING = frozenset({"volunteer_stopped", "mismatch"})


def mark_introduced(match: Match, user_id: int) -> None:
    """Record that the family and volunteer were introduced (messages sent)."""
    _move(match, "introduced", user_id)


def activate(match: Match, user_id: int) -> None:
    _move(match, "active", user_id)


def end(match: Match, user_id: int, reason: str, *, evaluation: str | None = None,
        family_needs_more: bool | None = None) -> None:
    """End a match; the family's request goes back to waiting or ends."""
    if reason not in END_REASONS:
        raise Refused("bad_reason")
    _move(match, "ended", user_id, reason=reason, commit=False)
    if evaluation:
        match.evaluation_coordinator = evaluation
    req = match.family_request
    if req is not None and req.status == "matched":
        others = db.session.execute(db.select(db.func.count(Match.id)).where(
            Match.family_request_id == req.id, Match.id != match.id,
            Match.status.in_(ACTIVE_MATCH_STATUSES))).scalar_one()
        if not others:
            again = reason in BACK_TO_WAITING if family_needs_more is None else family_needs_more
            req.move_to("waiting" if again else "ended", user_id)
    audit.record("update", "match", match.id, fields=["status", "end_reason"]
                 + (["evaluation_coordinator"] if evaluation else []), user_id=user_id)
    db.session.commit()


def claim(match: Match, status: str, user_id: int | None, *,
          reason: str | None = None) -> None:
    """Move ``match`` to ``status`` exactly once, in the current transaction (the caller
    commits).

    The move is one conditional UPDATE (``… WHERE id = :id AND status = :read``), issued
    before anything else is written: two requests that both read "approved" cannot both
    move on. On PostgreSQL the second waits for the first's row lock and then matches no
    row; on SQLite the UPDATE takes the database's write lock, with the same result. The
    loser's transaction is rolled back and :class:`Refused` raised; nothing is written."""
    current = match.status
    if status not in TRANSITIONS.get(current, set()) or (
            current == "paused" and status != "ended" and status != match.resumes_to):
        raise Refused("illegal_transition", current=current, wanted=status)
    result = db.session.execute(
        update(Match).where(Match.id == match.id, Match.status == current)
        .values(status=status).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()  # also expires ``match``: its status is read again below
        raise Refused("illegal_transition", current=match.status, wanted=status)
    try:  # the row is ours now: timestamps and the step, written with the caller's commit
        match.move_to(status, user_id, reason=reason)
    except IllegalTransition as exc:  # pragma: no cover - checked above
        raise Refused("illegal_transition", current=exc.current, wanted=exc.wanted) from None


def _move(match: Match, status: str, user_id: int, *, reason: str | None = None,
          commit: bool = True) -> None:
    claim(match, status, user_id, reason=reason)
    if commit:
        audit.record("update", "match", match.id, fields=["status"], user_id=user_id)
        db.session.commit()


def add_contact_moment(match: Match, *, happened_on: date, minutes: int, themes: list[str],
                       note: str | None, today: date | None = None) -> ContactMoment:
    today = today or date.today()
    if match.status not in ("introduced", "active"):  # not before, not paused, not after
        raise Refused("match_not_running")
    if happened_on > today:
        raise Refused("future_date")
    if not 1 <= minutes <= 24 * 60:
        raise Refused("bad_minutes")
    if any(t not in THEMES for t in themes):
        raise Refused("bad_theme")
    row = ContactMoment(match_id=match.id, happened_on=happened_on, minutes=minutes,
                        themes=list(themes), note=note or None)
    db.session.add(row)
    db.session.commit()
    return row


def raise_concern(match: Match, text: str, urgent: bool) -> Concern:
    """The volunteer's concern: see :func:`.concerns.raise_concern` (an urgent one is
    mailed to the programme's coordinators at once)."""
    from .concerns import raise_concern as store_and_notify
    return store_and_notify(match, text, urgent)
