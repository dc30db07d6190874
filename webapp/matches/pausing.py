"""What a family's consent does to its matches.

A running match rests on the family's consent. When the family withdraws it, every running
match of the family is *paused* (status ``paused``, step reason ``consent_withdrawn``): the
volunteer sees no family details any more and is told by e-mail (without family details).
The coordinator then ends the match, or records new consent through the family's intake
form, which *resumes* it to the status it was paused from.

Every move goes through :func:`.lifecycle.claim` (one conditional UPDATE per match). The
functions that take part in a caller's transaction (:func:`pause_for_consent`) issue their
claims before the caller writes anything else, so that a lost race (the claim rolls the
transaction back) loses nothing the caller cannot simply do again.
"""
from __future__ import annotations

from .. import audit
from ..extensions import db
from ..links import external_url
from ..models import User
from ..models.families import Family
from ..models.matches import Match, MatchEvent
from .approval import Refused
from .lifecycle import claim

PAUSE_REASON = "consent_withdrawn"
RESUME_REASON = "consent_given"
RUNNING = ("approved", "introduced", "active")  # what a withdrawal pauses


def match_coordinator(match: Match) -> User | None:
    """The coordinator the volunteer turns to: who introduced the match, else who made it."""
    by_id = db.session.execute(db.select(MatchEvent.by_id).where(
        MatchEvent.match_id == match.id, MatchEvent.to_status == "introduced",
        MatchEvent.by_id.is_not(None)).order_by(MatchEvent.id.desc()).limit(1)).scalar()
    by_id = by_id or match.created_by_id
    return db.session.get(User, by_id) if by_id else None


def pause_for_consent(family: Family, user_id: int | None) -> list[Match]:
    """Pause every running match of ``family``, in the caller's transaction (no commit).

    Call before writing anything else: a lost race raises :class:`Refused` after the
    transaction was rolled back (see :func:`.lifecycle.claim`); the caller starts again."""
    matches = db.session.execute(db.select(Match).where(
        Match.family_id == family.id, Match.status.in_(RUNNING))
        .order_by(Match.id)).scalars().all()
    for match in matches:
        claim(match, "paused", user_id, reason=PAUSE_REASON)
    return matches


def notify_paused(matches: list[Match], by: User | None) -> None:
    """Tell each match's volunteer that the match is paused (in the caller's transaction)."""
    _notify(matches, "match_paused", "email/match_paused", by)


def resume(match: Match, user_id: int, *, commit: bool = True) -> None:
    """Resume a paused match once the family's consent stands again; the volunteer is told.

    Refused (``no_consent``) while it does not, and (``illegal_transition``) when the match
    is not paused any more."""
    if not match.family.may_match:
        raise Refused("no_consent")
    target = match.resumes_to
    if target is None:
        raise Refused("illegal_transition", current=match.status, wanted="active")
    claim(match, target, user_id, reason=RESUME_REASON)
    audit.record("update", "match", match.id, fields=["status"], user_id=user_id,
                 reason=RESUME_REASON)
    _notify([match], "match_resumed", "email/match_resumed", db.session.get(User, user_id))
    if commit:
        db.session.commit()


def resume_after_consent(family: Family, user_id: int) -> list[Match]:
    """After new consent was recorded (and committed): resume the family's paused matches,
    each in its own transaction. A match someone else ended or resumed meanwhile is left
    alone. Returns the matches resumed."""
    if not family.may_match:
        return []
    ids = db.session.execute(db.select(Match.id).where(
        Match.family_id == family.id, Match.status == "paused")
        .order_by(Match.id)).scalars().all()
    resumed = []
    for match_id in ids:
        match = db.session.get(Match, match_id)
        try:
            resume(match, user_id)
        except Refused:
            db.session.rollback()
            continue
        resumed.append(match)
    return resumed


def _notify(matches: list[Match], kind: str, template: str, by: User | None) -> None:
    from ..mail import compose_email
    from ..messaging.outbox import write
    rows = []
    for match in matches:
        user = match.volunteer.user if match.volunteer else None
        if user is None or not user.email or not user.active:
            continue
        contact = match_coordinator(match) or by
        rows.append(compose_email(
            user, kind, template, programme_name=match.programme.name, coordinator=contact,
            link=external_url("matches.my_match", match_id=match.id)))
    if rows:
        write(rows)
        for row in rows:
            audit.record("create", "message", row.id, fields=["recipient", "subject"],
                         user_id=by.id if by else None)
