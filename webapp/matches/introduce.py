"""Introducing an approved match: both messages are prepared from the database, previewed,
and written to the outbox in the same transaction that marks the match "introduced".

When no parent of the family can read, the family's side is by default a call script (said by
the coordinator or a sleutelpersoon, printed with the Dutch beside it) instead of a text in the
family's channel; it is written and claimed exactly like the written introduction."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..families.services import shares_profile
from ..messaging import labels
from ..messaging.intro import (CannotSend, IntroContext, PreparedMessages, prepare_introduction,
                               send_prepared)
from ..models import Message
from ..models.matches import Match
from ..models.base import utcnow
from .approval import Refused
from .lifecycle import claim


# How the introduction reaches the family: its own channel, or a call script.
WRITTEN, CALL = "written", "call"


def nobody_reads(family) -> bool:
    """No parent of the family can read (recorded at intake as "no"; "a little" reads, an
    unanswered question is not taken as "no"). Then the introduction offers a call script
    and makes it the default."""
    return bool(family.parents) and all(p.can_read == "no" for p in family.parents)


def family_routes(family) -> list[str]:
    """The ways the introduction may reach ``family``; the first is the default."""
    return [CALL, WRITTEN] if nobody_reads(family) else [WRITTEN]


def context_for(match: Match, *, family_note: str = "", volunteer_note: str = "",
                first_visit_at: datetime | None = None, address_confirmed: bool = False,
                fallback_language: str | None = None, route: str = WRITTEN) -> IntroContext:
    """The introduction's values; ``route`` "call" (only where :func:`family_routes` offers
    it) makes the family's side a call script."""
    family, volunteer, programme = match.family, match.volunteer, match.programme
    channel = family.message_channel or "letter"
    if route == CALL and CALL in family_routes(family):
        channel = CALL
    parent = family.parents[0].name if family.parents else ""
    user = volunteer.user
    today = date.today()
    return IntroContext(
        programme_type=programme.type.code, programme_name=programme.name,
        organisation_name=programme.organisation.name, parent_first_name=parent,
        volunteer_first_name=user.name.split()[0], family_language=family.message_language or "nl",
        family_channel=channel, family_contact=family.contact_detail,
        # The family's one point of contact: the person recorded at intake (with their
        # number), else the coordinator who introduces the match (number from My details).
        contact_name=family.contact_person or current_user.name,
        contact_phone=(family.contact_phone or "") if family.contact_person
        else (current_user.phone or ""),
        volunteer_email=user.email, volunteer_language=user.locale or "nl",
        first_visit_at=first_visit_at, family_note=family_note, volunteer_note=volunteer_note,
        address=family.address, address_confirmed=address_confirmed,
        coordinator_name=current_user.name, coordinator_email=current_user.email,
        coordinator_phone=current_user.phone or "",
        family_reference=family.reference, family_area=family.pc4 or "",
        children_ages=sorted((c.age_years(today) for c in family.children), reverse=True),
        family_languages=family.languages(), family_needs=list(family.needs or []),
        share_profile=shares_profile(family),
        fallback_language=fallback_language or None, programme_id=programme.id,
        family_id=family.id, volunteer_user_id=user.id, match_id=match.id)


def prepare(match: Match, **options) -> PreparedMessages:
    """Both messages as they will arrive. For a family in which nobody reads, a written
    message says why it is not the default."""
    prepared = prepare_introduction(context_for(match, **options))
    family = match.family
    if prepared.family.channel != CALL and nobody_reads(family):
        channel = labels.CHANNEL_LABELS.get(prepared.family.channel, prepared.family.channel)
        prepared.family.notes.insert(0, _(
            "No parent in this family can read (recorded at intake), so a message by "
            "%(channel)s may not reach them. That is why the call script is the default. "
            "Choose the written message only if someone will read it to them.",
            channel=str(channel)))
    return prepared


def intro_batch_key(match_id: int) -> str:
    """The batch of a match's introduction messages (kept by resends on purpose too)."""
    return f"match-{match_id}-intro"


def intro_messages(match: Match) -> list[Message]:
    """The introduction messages of ``match`` and their resends, oldest first."""
    return list(db.session.execute(db.select(Message).where(
        Message.batch_key == intro_batch_key(match.id)).order_by(Message.id)).scalars())


def intro_report(match: Match) -> list[dict]:
    """The introduction as the match page shows it: per side the latest message (a resend
    on purpose stands in for the message it resends), whether it failed, why in plain
    words, and whether it can be sent again from the outbox."""
    rows = intro_messages(match)
    replaced = {m.resend_of_id for m in rows if m.resend_of_id}
    return [{"message": m, "failed": m.status == "failed",
             "problem": labels.failure_in_words(m) if m.status == "failed" else None,
             "resendable": m.status in labels.RESENDABLE_STATUSES
             and m.kind not in labels.HIDDEN_KINDS}
            for m in rows if m.id not in replaced]


def introduce(match: Match, prepared: PreparedMessages, user_id: int) -> list:
    """Write both messages and mark the match introduced, in one transaction — once.

    The "introduced" step is claimed first with a conditional UPDATE
    (:func:`.lifecycle.claim`): of two requests sending at the same moment, the second is
    refused and writes nothing. The messages carry a unique ``dedupe_key`` per match and
    side, so even a path around the claim cannot commit a second batch."""
    if not prepared.ok:
        raise CannotSend(prepared.problems)
    try:
        claim(match, "introduced", user_id)
        prepared.batch_key = intro_batch_key(match.id)
        rows = send_prepared(prepared, created_by=user_id, dedupe_key=f"intro:{match.id}")
        if prepared.context.address_confirmed:
            match.address_confirmed_at = utcnow()
        match.first_visit_at = prepared.context.first_visit_at
        audit.record("update", "match", match.id, fields=["status"], user_id=user_id)
        db.session.commit()
    except IntegrityError:  # another request wrote this introduction first
        db.session.rollback()
        raise Refused("illegal_transition", current=match.status, wanted="introduced") from None
    except Exception:
        db.session.rollback()
        raise
    return rows
