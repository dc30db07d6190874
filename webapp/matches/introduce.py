"""Introducing an approved match: both messages are prepared from the database, previewed,
and written to the outbox in the same transaction that marks the match "introduced"."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import current_user

from ..extensions import db
from ..messaging.intro import IntroContext, PreparedMessages, prepare_introduction, send_prepared
from ..models.matches import Match
from ..models.base import utcnow
from .approval import Refused


def context_for(match: Match, *, family_note: str = "", volunteer_note: str = "",
                first_visit_at: datetime | None = None, address_confirmed: bool = False,
                fallback_language: str | None = None) -> IntroContext:
    family, volunteer, programme = match.family, match.volunteer, match.programme
    parent = family.parents[0].name if family.parents else ""
    user = volunteer.user
    today = date.today()
    return IntroContext(
        programme_type=programme.type.code, programme_name=programme.name,
        organisation_name=programme.organisation.name, parent_first_name=parent,
        volunteer_first_name=user.name.split()[0], family_language=family.message_language or "nl",
        family_channel=family.message_channel or "letter", family_contact=family.contact_detail,
        contact_name=family.contact_person or current_user.name,
        contact_phone="", volunteer_email=user.email, volunteer_language=user.locale or "nl",
        first_visit_at=first_visit_at, family_note=family_note, volunteer_note=volunteer_note,
        address=family.address, address_confirmed=address_confirmed,
        coordinator_name=current_user.name, coordinator_email=current_user.email,
        family_reference=family.reference, family_area=family.pc4 or "",
        children_ages=sorted((c.age_years(today) for c in family.children), reverse=True),
        family_languages=family.languages(), family_needs=list(family.needs or []),
        fallback_language=fallback_language or None, programme_id=programme.id,
        family_id=family.id, volunteer_user_id=user.id, match_id=match.id)


def prepare(match: Match, **options) -> PreparedMessages:
    return prepare_introduction(context_for(match, **options))


def introduce(match: Match, prepared: PreparedMessages, user_id: int) -> list:
    """Write both messages and mark the match introduced, in one transaction."""
    if match.status != "approved":
        raise Refused("illegal_transition", current=match.status, wanted="introduced")
    rows = send_prepared(prepared, created_by=user_id)
    match.move_to("introduced", user_id)
    if prepared.context.address_confirmed:
        match.address_confirmed_at = utcnow()
    db.session.commit()
    return rows
