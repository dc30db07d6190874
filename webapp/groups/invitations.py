"""Invitations: choose candidate parents, confirm the choice, send personal invitations in
their language through the family's channel (the messaging outbox), cancel an invitation sent
by mistake (with one apology), record answers and follow-ups.

Sending writes the message rows and marks the invitations in one transaction: after the
commit, delivery starts (at most once per row); nothing is written when the coordinator's
request cannot be carried out. Access is checked by the caller (``webapp.access``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

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


def chosen(round_: GroupRound, parent_ids: list[int]) -> list[Parent]:
    """The candidates among ``parent_ids`` (in candidate order); other ids are ignored."""
    wanted = set(parent_ids)
    return [p for p in candidates(round_) if p.id in wanted]


def _compose(kind: str, round_: GroupRound, family: Family, parent: Parent, *,
             with_dutch: bool | None = None):
    channel = family.message_channel or "letter"
    return compose(kind=kind, audience="family", channel=channel,
                   language=family.message_language or "nl",
                   contact=family.contact_detail, recipient_name=parent.name,
                   values_for=_values(round_, parent),
                   programme_id=round_.programme_id,
                   programme_type=round_.programme.type.code,
                   with_dutch=channel == "letter" if with_dutch is None else with_dutch)


@dataclass
class Preview:
    """What the coordinator confirms: the chosen parents, who cannot be invited and why,
    and one sample invitation per language (with the Dutch text beside it)."""

    parents: list[Parent]
    problems: dict[int, list[str]]  # parent id -> why it cannot be sent
    samples: list  # PreparedMessage, one per language


def preview(round_: GroupRound, parents: list[Parent]) -> Preview:
    """Compose (without writing anything) the invitation of each chosen parent."""
    problems, samples, seen = {}, [], set()
    for parent in parents:
        prepared = _compose("group_invitation", round_, parent.family, parent,
                            with_dutch=True)
        if prepared.problems:
            problems[parent.id] = list(prepared.problems)
        elif prepared.language not in seen:
            seen.add(prepared.language)
            samples.append(prepared)
    return Preview(parents=parents, problems=problems, samples=samples)


def invite(round_: GroupRound, parent_ids: list[int], user_id: int) -> "SendResult":
    """The confirmed step: add invitations for the chosen candidates and send exactly
    those (others already on the list are left as they are)."""
    rows = select(round_, parent_ids, user_id)
    if not rows:
        return SendResult()
    return send(round_, user_id, invitation_ids=[inv.id for inv in rows])


def message_group_name(round_: GroupRound, group=None) -> str:
    """The group's name inside a message to a parent: the programme's name (a proper
    name, the same in every language), with the group's number in the round. The names the
    coordinator sees ("Moeders Arabisch 1", the round's name) are Dutch words and are not
    put into a letter in another language."""
    name = round_.programme.name
    if group is None:
        return name
    number = next((n for n, g in enumerate(round_.groups, 1) if g.id == group.id), None)
    return f"{name} {number}" if number else name


def _values(round_: GroupRound, parent: Parent):
    def values(language: str) -> dict:
        return {"parent_name": parent.name, "group_name": message_group_name(round_),
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


def _claim(inv: Invitation, now) -> bool:
    """Mark ``inv`` sent unless someone else did: one conditional UPDATE (``… WHERE sent_at
    IS NULL``). On PostgreSQL a second sender waits for the first's row lock and then
    matches no row; on SQLite the UPDATE takes the database's write lock."""
    result = db.session.execute(
        update(Invitation).where(Invitation.id == inv.id, Invitation.sent_at.is_(None))
        .values(sent_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def send(round_: GroupRound, user_id: int, invitation_ids: list[int] | None = None
         ) -> SendResult:
    """Send the round's unsent invitations (or only ``invitation_ids``): one message each,
    in the family's language through its channel. Invitations that cannot be sent (no
    template in that language, no usable contact, no consent) are listed with the reason
    and stay unsent; the others are written to the outbox and committed together.

    Exactly once: each invitation is claimed with a conditional UPDATE before its message
    is made (in id order, so two senders never wait for each other in a circle), and the
    message carries the unique ``dedupe_key`` ``invitation:<id>``. Of two senders at the
    same moment, the second finds every invitation taken and writes nothing."""
    result = SendResult()
    rows = []
    now = utcnow()
    invitations = db.session.execute(
        db.select(Invitation).where(Invitation.round_id == round_.id)
        .order_by(Invitation.id).execution_options(populate_existing=True)).scalars().all()
    for inv in invitations:
        if inv.sent_at is not None or inv.cancelled_at is not None or (
                invitation_ids is not None and inv.id not in invitation_ids):
            continue
        family = inv.family
        prepared = _compose("group_invitation", round_, family, inv.parent)
        problems = list(prepared.problems)
        row = None
        if not problems:
            row = message_row(prepared, family=family, programme_id=round_.programme_id,
                              user_id=user_id, batch_key=f"round-{round_.id}")
            row.dedupe_key = f"invitation:{inv.id}"
            if not can_message(row):
                problems.append(_("This family has withdrawn consent: no message is sent."))
        if problems:
            result.problems.append((inv, problems))
            continue
        if not _claim(inv, now):
            continue  # sent by someone else a moment ago
        rows.append((inv, row))
    try:
        write([row for _inv, row in rows])
        for inv, row in rows:
            inv.message_id, inv.sent_at = row.id, now
            record("create", "message", row.id, fields=["recipient", "subject", "body_text"],
                   user_id=user_id)
            result.sent.append(inv)
        db.session.commit()
    except IntegrityError:  # an invitation's message was written by another sender first
        db.session.rollback()
        return SendResult(problems=result.problems)
    return result


@dataclass
class CancelResult:
    """``cancelled``: this call cancelled the invitation (false: already cancelled);
    ``apology``: the message written; ``problems``: why no apology could be made."""

    cancelled: bool = False
    apology: Message | None = None
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.cancelled


def cancel(inv: Invitation, user_id: int) -> CancelResult:
    """Cancel an invitation sent by mistake; a sent one gets a short apology in the
    family's language through the outbox. Exactly once: the conditional UPDATE ``… WHERE
    cancelled_at IS NULL`` lets one caller through (on PostgreSQL the others wait for its row
    lock and then match no row), and the apology carries the unique ``dedupe_key``
    ``invitation-cancel:<id>``."""
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation).where(Invitation.id == inv.id, Invitation.cancelled_at.is_(None))
        .values(cancelled_at=now, cancelled_by_id=user_id)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not claimed:
        db.session.rollback()
        return CancelResult()
    db.session.refresh(inv)
    result = CancelResult(cancelled=True)
    if inv.sent_at is not None:
        prepared = _compose("group_cancel", inv.round, inv.family, inv.parent)
        result.problems = list(prepared.problems)
        if not result.problems:
            row = message_row(prepared, family=inv.family, programme_id=inv.round.programme_id,
                              user_id=user_id, batch_key=f"round-{inv.round_id}")
            row.dedupe_key = f"invitation-cancel:{inv.id}"
            if can_message(row):
                result.apology = row
            else:
                result.problems.append(_("This family has withdrawn consent: no message is "
                                         "sent."))
    try:
        if result.apology is not None:
            write([result.apology])
            record("create", "message", result.apology.id,
                   fields=["recipient", "subject", "body_text"], user_id=user_id)
        record("update", "invitation", inv.id, fields=["cancelled_at"], user_id=user_id)
        db.session.commit()
    except IntegrityError:  # the apology was written by another caller first
        db.session.rollback()
        return CancelResult()
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
        if inv.cancelled_at is not None:
            continue
        if inv.sent_at is not None or inv.answer != "none":
            counts[inv.answer] += 1
    return counts


def language_of(parent: Parent) -> str:
    langs = [item.get("code") for item in parent.languages or [] if item.get("code")]
    return langs[0] if langs else "nl"


def language_name(code: str) -> str:
    return str(LANGUAGES.get(code, code))


def language_label(parent: Parent) -> str:
    return ", ".join(str(LANGUAGES.get(item.get("code"), item.get("code")))
                     for item in parent.languages or [])


def settled_default(today: date | None = None) -> date:
    """The seed invites everyone who settled "in recent years": three years by default."""
    today = today or date.today()
    return today.replace(year=today.year - 3)
