"""Subject access: everything Koppel holds about one family or one volunteer, as plain data
(JSON, and the printable page renders the same data), including the audit entries of who
read or changed it.

Values are decrypted here — the export is for the person it is about; making it is audited
(``export``). Audit IP addresses are left out (they are the staff's, not the subject's).
"""
from __future__ import annotations

from datetime import date, datetime

from ..extensions import db
from ..families.services import FAMILY_FIELDS
from ..messaging.labels import HIDDEN_KINDS
from ..models import AuditEntry, Family, Message, Programme, User, Volunteer
from ..models.base import utcnow
from ..models.matches import Concern, ContactMoment, Match, Proposal
from ..models.privacy import ErasureRequest, LegalHold
from ..models.volunteers import ReminderLog, SessionSignup
from ..volunteers.services import PROFILE_FIELDS
from .lifecycle import family_ref, volunteer_ref


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _programme_names(ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(db.select(Programme.id, Programme.name).where(
        Programme.id.in_(ids))).all())


def audit_entries(pairs: list[tuple[str, list]]) -> list[dict]:
    """Audit entries about any of ``(object_type, ids)``, oldest first: when, who (name and
    role), what, which record and fields."""
    conds = [db.and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(
        [str(i) for i in ids])) for kind, ids in pairs if ids]
    if not conds:
        return []
    rows = db.session.execute(db.select(AuditEntry, User.name, User.role)
                              .outerjoin(User, User.id == AuditEntry.user_id)
                              .where(db.or_(*conds))
                              .order_by(AuditEntry.at, AuditEntry.id)).all()
    return [{"at": e.at, "who": name or "system", "role": role or "system",
             "action": e.action, "record": f"{e.object_type} #{e.object_id}",
             "fields": ", ".join(e.fields or []), "reason": e.reason or ""}
            for e, name, role in rows]


# Bodies of HIDDEN_KINDS (webapp.messaging.labels) carry login links: never exported, not
# even to the person themselves.


def _messages(rows) -> list[dict]:
    return [{"id": m.id, "kind": m.kind, "channel": m.channel, "language": m.language,
             "status": m.status, "created_at": m.created_at, "sent_at": m.sent_at,
             "recipient": m.recipient, "subject": m.subject,
             "body_text": None if m.kind in HIDDEN_KINDS else m.body_text}
            for m in rows]


def _volunteer_messages(volunteer: Volunteer) -> list[Message]:
    user = volunteer.user
    return db.session.execute(db.select(Message).where(db.or_(
        Message.user_id == user.id, db.and_(Message.party_type.in_(("volunteer", "user")),
                                            Message.party_id == user.id)))
        .order_by(Message.id)).scalars().all()


def families_in_volunteer_export(volunteer: Volunteer) -> list[int]:
    """The families whose data a volunteer's export shows (the introductions they got)."""
    from ..messaging.outbox import families_named
    return families_named(_volunteer_messages(volunteer))


def family_export(family: Family, programme_ids: set[int]) -> dict:
    """Everything about ``family``; requests, matches and messages of other programmes
    than ``programme_ids`` are only counted (each organisation answers for its own)."""
    own = [r for r in family.requests if r.programme_id in programme_ids]
    names = _programme_names(r.programme_id for r in family.requests)
    matches = db.session.execute(db.select(Match).where(
        Match.family_id == family.id, Match.programme_id.in_(programme_ids or {-1}))
        .order_by(Match.id)).scalars().all()
    match_ids = [m.id for m in matches]
    moments = db.session.execute(db.select(ContactMoment).where(
        ContactMoment.match_id.in_(match_ids or [-1])).order_by(
        ContactMoment.happened_on)).scalars().all()
    concerns = db.session.execute(db.select(Concern).where(
        Concern.match_id.in_(match_ids or [-1])).order_by(Concern.id)).scalars().all()
    messages = db.session.execute(db.select(Message).where(
        Message.party_type == "family", Message.party_id == family.id,
        db.or_(Message.programme_id.in_(programme_ids or {-1}),
               Message.programme_id.is_(None))).order_by(Message.id)).scalars().all()
    proposals = db.session.execute(db.select(Proposal.id).where(
        Proposal.family_id == family.id)).scalars().all()
    holds = db.session.execute(db.select(LegalHold).where(
        LegalHold.family_id == family.id).order_by(LegalHold.id)).scalars().all()
    erasures = db.session.execute(db.select(ErasureRequest).where(
        ErasureRequest.subject_type == "family", ErasureRequest.subject_id == family.id)
        .order_by(ErasureRequest.id)).scalars().all()
    data = {
        "kind": "family",
        "reference": family_ref(family.id),
        "generated_at": utcnow(),
        "family": {"created_at": family.created_at, "anonymised_at": family.anonymised_at,
                   **{f: getattr(family, f) for f in FAMILY_FIELDS}},
        "anonymised_facts": family.anonymised_facts,
        "parents": [{"name": p.name, "gender": p.gender,
                     "languages": [x.get("code") for x in p.languages or []],
                     "dutch_level": p.dutch_level, "can_read": p.can_read}
                    for p in family.parents],
        "children": [{"birth_year": c.birth_year, "birth_month": c.birth_month,
                      "gender": c.gender} for c in family.children],
        "consents": [{"asked_on": c.asked_on, "language": c.language,
                      "explained_by": c.explained_by, "purpose_matching": c.purpose_matching,
                      "purpose_share_profile": c.purpose_share_profile,
                      "purpose_contact_school": c.purpose_contact_school,
                      "special_category": c.special_category, "recorded_at": c.recorded_at,
                      "withdrawn_at": c.withdrawn_at} for c in family.consents],
        "requests": [{"programme": names.get(r.programme_id), "status": r.status,
                      "urgency": r.priority, "waiting_since": r.waiting_since, "ended_at": r.ended_at, "note": r.note,
                      "history": ", ".join(f"{e.at:%Y-%m-%d} {e.to_status}" for e in r.events)}
                     for r in own],
        "other_programmes": len(family.requests) - len(own),
        "matches": [{"id": m.id, "programme": names.get(m.programme_id),
                     "volunteer": m.volunteer.name, "status": m.status,
                     "approved_at": m.approved_at, "ended_at": m.ended_at,
                     "end_reason": m.end_reason, "hours_per_week": m.hours_per_week,
                     "evaluation_coordinator": m.evaluation_coordinator,
                     "evaluation_volunteer": m.evaluation_volunteer} for m in matches],
        "contact_moments": [{"match": cm.match_id, "happened_on": cm.happened_on,
                             "minutes": cm.minutes, "themes": cm.themes, "note": cm.note}
                            for cm in moments],
        "concerns": [{"match": c.match_id, "created_at": c.created_at, "urgent": c.urgent,
                      "text": c.text, "handled_at": c.handled_at} for c in concerns],
        "messages": _messages(messages),
        "legal_holds": [{"kind": h.kind, "reported_on": h.reported_on,
                         "recorded_at": h.recorded_at, "released_at": h.released_at}
                        for h in holds],
        "erasure_requests": [{"at": e.at, "reason": e.reason, "outcome": e.outcome}
                             for e in erasures],
        "audit": audit_entries([
            ("family", [family.id]), ("family_request", [r.id for r in family.requests]),
            ("match", match_ids), ("proposal", proposals),
            ("concern", [c.id for c in concerns]), ("message", [m.id for m in messages])]),
    }
    return _plain(data)


def volunteer_export(volunteer: Volunteer, *, for_self: bool = False) -> dict:
    """Everything about ``volunteer`` and their account. For the volunteer themselves
    (``for_self``) the families they worked with appear by reference only, and the
    coordinator's evaluation of a match (about the family) is left out."""
    user = volunteer.user
    matches = db.session.execute(db.select(Match).where(
        Match.volunteer_id == volunteer.id).order_by(Match.id)).scalars().all()
    match_ids = [m.id for m in matches]
    names = _programme_names({p.id for p in volunteer.programmes}
                             | {m.programme_id for m in matches})
    moments = db.session.execute(db.select(ContactMoment).where(
        ContactMoment.match_id.in_(match_ids or [-1])).order_by(
        ContactMoment.happened_on)).scalars().all()
    signups = db.session.execute(db.select(SessionSignup).filter_by(
        volunteer_id=volunteer.id).order_by(SessionSignup.id)).scalars().all()
    reminders = db.session.execute(db.select(ReminderLog).filter_by(
        volunteer_id=volunteer.id).order_by(ReminderLog.id)).scalars().all()
    messages = _volunteer_messages(volunteer)
    proposals = db.session.execute(db.select(Proposal.id).where(db.or_(
        Proposal.volunteer_id == volunteer.id, Proposal.volunteer2_id == volunteer.id)))\
        .scalars().all()
    erasures = db.session.execute(db.select(ErasureRequest).where(
        ErasureRequest.subject_type == "volunteer", ErasureRequest.subject_id == volunteer.id)
        .order_by(ErasureRequest.id)).scalars().all()
    data = {
        "kind": "volunteer",
        "reference": volunteer_ref(volunteer.id),
        "generated_at": utcnow(),
        "account": {"name": user.name, "email": user.email, "role": user.role,
                    "locale": user.locale, "active": user.active,
                    "created_at": user.created_at,
                    "email_confirmed_at": user.email_confirmed_at},
        "profile": {**{f: getattr(volunteer, f) for f in PROFILE_FIELDS},
                    "status": volunteer.status, "paused_until": volunteer.paused_until,
                    "left_at": volunteer.left_at, "consent_at": volunteer.consent_at,
                    "consent_version": volunteer.consent_version, "source": volunteer.source,
                    "notes": volunteer.notes, "created_at": volunteer.created_at,
                    "anonymised_at": volunteer.anonymised_at},
        "anonymised_facts": volunteer.anonymised_facts,
        "programmes": [p.name for p in volunteer.programmes],
        "training": [{"item": c.item, "part": c.part, "completed_on": c.completed_on,
                      "source": c.source, "state": c.state,
                      "rejection_reason": c.rejection_reason,
                      "certificate": bool(c.certificate_file)} for c in volunteer.completions],
        "vogs": [{"issued_on": v.issued_on, "screening_profile": v.screening_profile,
                  "free_vog_scheme": v.free_vog_scheme, "original_seen": v.original_seen}
                 for v in volunteer.vogs],
        "additional_checks": [{"done_on": c.done_on, "kind": c.kind, "note": c.note}
                              for c in volunteer.additional_checks],
        "sessions": [{"session": s.session.title, "starts_at": s.session.starts_at,
                      "status": s.status, "attended": s.attended} for s in signups],
        "reminders": [{"item": r.item, "sent_on": r.sent_on} for r in reminders],
        "matches": [{"id": m.id, "programme": names.get(m.programme_id),
                     "family": family_ref(m.family_id), "status": m.status,
                     "approved_at": m.approved_at, "ended_at": m.ended_at,
                     "end_reason": m.end_reason, "hours_per_week": m.hours_per_week,
                     "evaluation_volunteer": m.evaluation_volunteer,
                     **({} if for_self else {
                         "evaluation_coordinator": m.evaluation_coordinator})}
                    for m in matches],
        "contact_moments": [{"match": cm.match_id, "happened_on": cm.happened_on,
                             "minutes": cm.minutes, "themes": cm.themes, "note": cm.note}
                            for cm in moments],
        "messages": _messages(messages),
        "erasure_requests": [{"at": e.at, "reason": e.reason, "outcome": e.outcome}
                             for e in erasures],
        "audit": audit_entries([
            ("volunteer", [volunteer.id]), ("user", [user.id]),
            ("training_completion", [c.id for c in volunteer.completions]),
            ("volunteer_vog", [v.id for v in volunteer.vogs]),
            ("additional_check", [c.id for c in volunteer.additional_checks]),
            ("match", match_ids), ("proposal", proposals),
            ("message", [m.id for m in messages])]),
    }
    return _plain(data)
