"""Invitations: choose candidate parents, send personal invitations in their language
through the family's channel (the messaging outbox), record answers and follow-ups.

Sending writes the message rows and marks the invitations in one transaction: after the
commit, delivery starts (at most once per row); nothing is written when the coordinator's
request cannot be carried out. Access is checked by the caller (``webapp.access``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from ..audit import record
from ..extensions import db
from ..messaging import channels
from ..messaging.compose import compose, format_when
from ..messaging.outbox import can_message, write
from ..models import Family, FamilyRequest, Message, Parent
from ..models.base import utcnow
from ..models.groups import ANSWERS, GroupRound, Invitation, InvitationFollowUp
from ..vocab import DAGDELEN, LANGUAGES
from .texts import FOLLOW_UP_CHANNELS


class GroupsError(ValueError):
    """A change that cannot be made: ``code`` (see ``texts.refusal_text``) and params."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def in_municipality(family: Family, municipality: str | None) -> bool:
    """Is the family's PC4 in ``municipality`` (no municipality given: yes)?"""
    if not municipality:
        return True
    from matching.geo import UnknownPostcode, default_table
    try:
        return bool(family.pc4) and \
            default_table().municipality(family.pc4).lower() == municipality.lower()
    except UnknownPostcode:
        return False


def candidates(round_: GroupRound) -> list[Parent]:
    """Parents of families enrolled (waiting or matched) in the round's programme, living in
    its municipality, settled since ``settled_since``, whose consent stands, and not invited
    yet in this round."""
    invited = {i.parent_id for i in round_.invitations}
    families = db.session.execute(
        db.select(Family).join(FamilyRequest)
        .where(FamilyRequest.programme_id == round_.programme_id,
               FamilyRequest.status.in_(("waiting", "matched")))
        .order_by(Family.id)).scalars().all()
    out = []
    for family in families:
        if not family.may_message or not in_municipality(family, round_.municipality):
            continue
        if round_.settled_since and (family.housed_on is None
                                     or family.housed_on < round_.settled_since):
            continue
        out += [p for p in family.parents if p.id not in invited and p.gender in ("f", "m")]
    return out


def select(round_: GroupRound, parent_ids: list[int], user_id: int) -> list[Invitation]:
    """Add invitations (not sent yet) for the chosen candidates; others are ignored."""
    allowed = {p.id: p for p in candidates(round_)}
    rows = []
    for pid in parent_ids:
        parent = allowed.get(pid)
        if parent is None:
            continue
        inv = Invitation(round=round_, family_id=parent.family_id, parent_id=parent.id,
                         slots=list(parent.family.preferred_dagdelen or []))
        db.session.add(inv)
        rows.append(inv)
    db.session.flush()
    for inv in rows:
        record("create", "invitation", inv.id, fields=["parent_id"], user_id=user_id)
    db.session.commit()
    return rows


def _values(round_: GroupRound, parent: Parent):
    def values(language: str) -> dict:
        return {"parent_name": parent.name, "group_name": round_.name,
                "programme_name": round_.programme.name,
                "organisation_name": round_.programme.organisation.name,
                "meeting_date": format_when(round_.first_meeting_on, language),
                "meeting_place": round_.place, "meeting_topic": "",
                "language_support": "", "contact_name": round_.contact_name,
                "contact_phone": round_.contact_phone, "personal_note": ""}
    return values


def message_row(prepared, *, family: Family, programme_id: int, user_id: int | None,
                batch_key: str | None = None) -> Message:
    """A prepared family message as an outbox row (letters and WhatsApp: by hand)."""
    manual = prepared.channel in channels.MANUAL_CHANNELS
    return Message(kind=prepared.kind, channel=prepared.channel,
                   recipient=prepared.recipient or _("(printed letter)"),
                   recipient_name=prepared.recipient_name, language=prepared.language,
                   subject=prepared.subject, body_text=prepared.text,
                   body_html=prepared.html, body_text_nl=prepared.text_nl,
                   status="manual" if manual else "queued", created_by_id=user_id,
                   programme_id=programme_id, party_type="family", party_id=family.id,
                   batch_key=batch_key)


@dataclass
class SendResult:
    sent: list[Invitation] = field(default_factory=list)
    problems: list[tuple[Invitation, list[str]]] = field(default_factory=list)


def send(round_: GroupRound, user_id: int, invitation_ids: list[int] | None = None
         ) -> SendResult:
    """Send the round's unsent invitations (or only ``invitation_ids``): one message each,
    in the family's language through its channel. Invitations that cannot be sent (no
    template in that language, no usable contact, no consent) are listed with the reason
    and stay unsent; the others are written to the outbox and committed together."""
    result = SendResult()
    rows = []
    for inv in round_.invitations:
        if inv.sent_at is not None or (invitation_ids is not None
                                       and inv.id not in invitation_ids):
            continue
        family = inv.family
        prepared = compose(kind="group_invitation", audience="family",
                           channel=family.message_channel or "letter",
                           language=family.message_language or "nl",
                           contact=family.contact_detail, recipient_name=inv.parent.name,
                           values_for=_values(round_, inv.parent),
                           programme_id=round_.programme_id,
                           programme_type=round_.programme.type.code,
                           with_dutch=(family.message_channel or "letter") == "letter")
        problems = list(prepared.problems)
        row = None
        if not problems:
            row = message_row(prepared, family=family, programme_id=round_.programme_id,
                              user_id=user_id, batch_key=f"round-{round_.id}")
            if not can_message(row):
                problems.append(_("This family has withdrawn consent: no message is sent."))
        if problems:
            result.problems.append((inv, problems))
            continue
        rows.append((inv, row))
    write([row for _inv, row in rows])
    now = utcnow()
    for inv, row in rows:
        inv.message_id, inv.sent_at = row.id, now
        record("create", "message", row.id, fields=["recipient", "subject", "body_text"],
               user_id=user_id)
        result.sent.append(inv)
    db.session.commit()
    return result


def record_answer(inv: Invitation, answer: str, slots: list[str], family_wish: str,
                  user_id: int) -> None:
    """Store the parent's answer and when they can come; unknown codes change nothing."""
    if answer not in ANSWERS or family_wish not in ("any", "together", "apart") \
            or any(s not in DAGDELEN for s in slots):
        raise GroupsError("invalid")
    if answer != inv.answer:
        inv.answered_at = utcnow() if answer != "none" else None
    inv.answer, inv.slots, inv.family_wish = answer, sorted(slots), family_wish
    record("update", "invitation", inv.id, fields=["answer", "slots", "family_wish"],
           user_id=user_id)
    db.session.commit()


def add_follow_up(inv: Invitation, channel: str, note: str | None, user_id: int
                  ) -> InvitationFollowUp:
    """Record a follow-up (letter, phone, WhatsApp, visit)."""
    if channel not in FOLLOW_UP_CHANNELS:
        raise GroupsError("invalid")
    row = InvitationFollowUp(invitation=inv, channel=channel,
                             note=(note or "").strip() or None, by_id=user_id)
    db.session.add(row)
    db.session.flush()
    record("create", "invitation_follow_up", row.id, fields=["channel", "note"],
           user_id=user_id)
    db.session.commit()
    return row


def answer_counts(round_: GroupRound) -> dict[str, int]:
    counts = dict.fromkeys(ANSWERS, 0)
    for inv in round_.invitations:
        if inv.sent_at is not None or inv.answer != "none":
            counts[inv.answer] += 1
    return counts


def language_of(parent: Parent) -> str:
    langs = [item.get("code") for item in parent.languages or [] if item.get("code")]
    return langs[0] if langs else "nl"


def language_label(parent: Parent) -> str:
    return ", ".join(str(LANGUAGES.get(item.get("code"), item.get("code")))
                     for item in parent.languages or [])


def settled_default(today: date | None = None) -> date:
    """The seed invites everyone who settled "in recent years": three years by default."""
    today = today or date.today()
    return today.replace(year=today.year - 3)
