"""The introduction of a match: one message to the family (in the family's language, through
the family's channel) and one to the volunteer (by e-mail, in the volunteer's language).

The match workflow builds an :class:`IntroContext` from its records, shows the coordinator the
result of :func:`prepare_introduction` (rendered exactly as it will arrive), lets them edit the
free text and choose a fallback language, prepares again, and calls :func:`send_prepared` in
the same transaction that marks the match introduced.

For a family in which no parent reads, the family's side can be a call script instead
(``family_channel="call"``, kind ``family_call_script``): a manual message the coordinator or a
sleutelpersoon says on the phone, printed with the Dutch text beside it.

The volunteer never gets the family's address before the coordinator has confirmed the first
visit: ``address`` is blanked here unless ``address_confirmed`` is set, whatever the template.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from ..audit import record
from ..models import Message
from ..vocab import LANGUAGES, THEMES
from . import channels
from .compose import PreparedMessage, compose, format_when
from .outbox import can_message, write


@dataclass
class IntroContext:
    """Everything the two introduction messages need, as plain values."""

    programme_type: str  # homestart, mim, steunouder, spelaanhuis, trio, … (others: generic)
    programme_name: str
    organisation_name: str
    parent_first_name: str
    volunteer_first_name: str
    family_language: str
    family_channel: str  # email / sms / whatsapp / letter, or "call" (a call script)
    family_contact: str | None  # e-mail address or phone number for that channel
    contact_name: str  # the family's one point of contact
    contact_phone: str
    volunteer_email: str | None
    volunteer_language: str = "nl"
    first_visit_at: datetime | None = None  # None: still to be agreed by phone
    family_note: str = ""  # the coordinator's free text to the family
    volunteer_note: str = ""  # … and to the volunteer
    address: str | None = None
    address_confirmed: bool = False
    coordinator_name: str = ""
    coordinator_phone: str = ""
    coordinator_email: str = ""
    family_reference: str = ""
    family_area: str = ""
    children_ages: list[int] = field(default_factory=list)
    family_languages: list[str] = field(default_factory=list)  # codes
    family_needs: list[str] = field(default_factory=list)  # theme codes
    # The family agreed to share a short profile with the volunteer: without it the
    # volunteer's message leaves out the parent's name, area, ages, languages and needs.
    share_profile: bool = True
    fallback_language: str | None = None  # the coordinator's explicit choice
    programme_id: int | None = None
    family_id: int | None = None
    volunteer_user_id: int | None = None
    match_id: int | None = None


@dataclass
class PreparedMessages:
    """The two previews; ``ok`` when both can be sent."""

    family: PreparedMessage
    volunteer: PreparedMessage
    context: IntroContext
    batch_key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def ok(self) -> bool:
        return self.family.ok and self.volunteer.ok

    @property
    def problems(self) -> list[str]:
        return self.family.problems + self.volunteer.problems


class CannotSend(Exception):
    """Sending was refused; ``problems`` are translated sentences for the coordinator."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _family_values(ctx: IntroContext):
    def values(language: str) -> dict:
        return {"parent_name": ctx.parent_first_name, "volunteer_name": ctx.volunteer_first_name,
                "programme_name": ctx.programme_name,
                "organisation_name": ctx.organisation_name,
                "first_visit": format_when(ctx.first_visit_at, language),
                "contact_name": ctx.contact_name, "contact_phone": ctx.contact_phone,
                "personal_note": ctx.family_note.strip()}
    return values


def _volunteer_values(ctx: IntroContext):
    def values(language: str) -> dict:
        with force_locale(language if language in ("nl", "en", "ar") else "nl"):
            langs = ", ".join(str(LANGUAGES.get(c, c)) for c in ctx.family_languages)
            needs = ", ".join(str(THEMES.get(c, c)) for c in ctx.family_needs)
        profile = {"parent_name": ctx.parent_first_name, "family_area": ctx.family_area,
                   "children_ages": ", ".join(str(a) for a in ctx.children_ages) or "–",
                   "family_languages": langs or "–", "family_needs": needs or "–"}
        if not ctx.share_profile:  # only what is needed to meet (the texts guard these)
            profile = dict.fromkeys(profile, "")
        return {"volunteer_name": ctx.volunteer_first_name,
                "programme_name": ctx.programme_name,
                "organisation_name": ctx.organisation_name,
                "family_reference": ctx.family_reference, **profile,
                "first_visit": format_when(ctx.first_visit_at, language),
                "address": (ctx.address or "") if ctx.address_confirmed else "",
                "address_confirmed": bool(ctx.address_confirmed and ctx.address),
                "coordinator_name": ctx.coordinator_name,
                "coordinator_phone": ctx.coordinator_phone,
                "coordinator_email": ctx.coordinator_email,
                "personal_note": ctx.volunteer_note.strip()}
    return values


# The kind of the family's message per channel: a call script is said, not read.
FAMILY_KINDS = {"call": "family_call_script"}


def prepare_introduction(ctx: IntroContext) -> PreparedMessages:
    """Both messages, rendered exactly as they will arrive (nothing is stored)."""
    # The Dutch text is kept for every family message: the back of a letter, the column
    # beside a call script, and the printed copy any family may ask for.
    family = compose(kind=FAMILY_KINDS.get(ctx.family_channel, "family_intro"),
                     audience="family", channel=ctx.family_channel,
                     language=ctx.family_language, contact=ctx.family_contact,
                     recipient_name=ctx.parent_first_name, values_for=_family_values(ctx),
                     programme_id=ctx.programme_id, programme_type=ctx.programme_type,
                     fallback_language=ctx.fallback_language, with_dutch=True)
    volunteer = compose(kind="volunteer_intro", audience="volunteer", channel="email",
                        language=ctx.volunteer_language, contact=ctx.volunteer_email,
                        recipient_name=ctx.volunteer_first_name,
                        values_for=_volunteer_values(ctx), programme_id=ctx.programme_id,
                        programme_type=ctx.programme_type, auto_fallback="nl")
    return PreparedMessages(family=family, volunteer=volunteer, context=ctx)


def _row(prepared: PreparedMessage, *, party_type: str, party_id: int | None,
         user_id: int | None, ctx: IntroContext, batch_key: str, created_by: int | None,
         dedupe_key: str | None = None) -> Message:
    manual = prepared.channel in channels.MANUAL_CHANNELS
    recipient = prepared.recipient or (_("(phone call)") if prepared.channel == "call"
                                       else _("(printed letter)"))
    return Message(kind=prepared.kind, channel=prepared.channel, recipient=recipient,
                   recipient_name=prepared.recipient_name, language=prepared.language,
                   subject=prepared.subject, body_text=prepared.text, body_html=prepared.html,
                   body_text_nl=prepared.text_nl, status="manual" if manual else "queued",
                   user_id=user_id, created_by_id=created_by, programme_id=ctx.programme_id,
                   party_type=party_type, party_id=party_id, batch_key=batch_key,
                   dedupe_key=dedupe_key)


def send_prepared(prepared: PreparedMessages, *, created_by: int | None = None,
                  dedupe_key: str | None = None) -> list[Message]:
    """Write both messages to the outbox in the current transaction (the caller commits with
    its own change; delivery starts after the commit). Raises :class:`CannotSend` — and
    writes nothing — when a message has a problem or consent stands in the way.

    With ``dedupe_key`` (e.g. ``intro:<match id>``) the rows get the unique keys
    ``<key>:family`` and ``<key>:volunteer``: a second batch for the same introduction
    fails with an ``IntegrityError`` instead of being sent."""
    if not prepared.ok:
        raise CannotSend(prepared.problems)
    ctx = prepared.context
    rows = [
        _row(prepared.family, party_type="family", party_id=ctx.family_id, user_id=None,
             ctx=ctx, batch_key=prepared.batch_key, created_by=created_by,
             dedupe_key=f"{dedupe_key}:family" if dedupe_key else None),
        _row(prepared.volunteer, party_type="volunteer", party_id=ctx.volunteer_user_id,
             user_id=ctx.volunteer_user_id, ctx=ctx, batch_key=prepared.batch_key,
             created_by=created_by,
             dedupe_key=f"{dedupe_key}:volunteer" if dedupe_key else None),
    ]
    if not can_message(rows[0]):
        raise CannotSend([_("This family has withdrawn consent: no message is sent.")])
    write(rows)
    for row in rows:
        record("create", "message", row.id, fields=["recipient", "subject", "body_text"],
               user_id=created_by)
    return rows
