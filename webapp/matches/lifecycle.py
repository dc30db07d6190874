"""The life of a match after approval: introduced → active → ended, and what the volunteer
reports along the way (contact moments, concerns). Ending a match frees capacity at once:
capacity is counted from active matches, never stored."""
from __future__ import annotations

from datetime import date

from .. import audit
from ..extensions import db
from ..models.matches import (ACTIVE_MATCH_STATUSES, END_REASONS, Concern, ContactMoment,
                              IllegalTransition, Match)
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


def _move(match: Match, status: str, user_id: int, *, reason: str | None = None,
          commit: bool = True) -> None:
    try:
        match.move_to(status, user_id, reason=reason)
    except IllegalTransition as exc:
        raise Refused("illegal_transition", current=exc.current, wanted=exc.wanted) from None
    if commit:
        audit.record("update", "match", match.id, fields=["status"], user_id=user_id)
        db.session.commit()


def add_contact_moment(match: Match, *, happened_on: date, minutes: int, themes: list[str],
                       note: str | None, today: date | None = None) -> ContactMoment:
    today = today or date.today()
    if not match.is_active or match.status == "approved":
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
    if not match.is_active:
        raise Refused("match_not_running")
    row = Concern(match_id=match.id, text=text.strip(), urgent=urgent)
    db.session.add(row)
    db.session.flush()
    audit.record("create", "concern", row.id, fields=["text", "urgent"])
    db.session.commit()
    return row
