"""Families: storing intake data, consent, enrolments, and what matching reads.

Every function that reads a family page or changes family data writes an audit entry (field
names only, never values). Access is checked by the callers through ``webapp.access``; the
functions here assume the caller may do what it asks.

For the matching run:
- :func:`waiting_requests` — requests of a programme that may be matched now;
- :func:`active_volunteer_count` — volunteers a family has across *all* programmes;
- :func:`overload_count` / :func:`remaining_capacity` — the family's overload cap;
- :func:`minimal_profile` — what a matched volunteer may see.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import update

from ..audit import family_viewed, record
from ..extensions import db
from ..models import (
    Child,
    Consent,
    Family,
    FamilyRequest,
    FamilyRequestEvent,
    Parent,
    Programme,
    User,
)
from ..models.base import utcnow

DEFAULT_WAIT_AFTER_HOUSING = timedelta(weeks=8)

# Family columns the intake form writes (field names are what the audit log records).
FAMILY_FIELDS = (
    "referral_source", "country_of_origin", "community", "religion", "housed_on", "pc4",
    "postcode_letters", "address", "max_volunteers", "existing_support_counts",
    "support_social_worker", "support_other_programmes", "support_formal_care",
    "contact_person", "contact_phone", "message_channel", "contact_detail", "message_language",
    "pref_volunteer_gender", "pref_language", "pref_not_own_community", "groups_to_avoid",
    "preferred_dagdelen", "needs", "needs_note", "not_before",
)
URGENCIES = (0, 1, 2)  # normal, high, urgent: FamilyRequest.priority


class FamilyError(ValueError):
    """A change that cannot be made; the (translated) message says why."""


# --- writes -------------------------------------------------------------------------------

def create_family(data: dict, programme: Programme, user: User) -> Family:
    """Record a referred family and enrol it (waiting) in ``programme``."""
    family = Family(created_by_id=user.id, referral_source=data["referral_source"])
    db.session.add(family)
    fields = _apply(family, data, user)
    req = FamilyRequest(family=family, programme=programme,
                        priority=_urgency(data.get("urgency")), note=data.get("programme_note"))
    req.events.append(FamilyRequestEvent(from_status=None, to_status="waiting", by_id=user.id))
    db.session.add(req)
    db.session.flush()
    record("create", "family", family.id, fields=fields)
    record("create", "family_request", req.id, fields=["programme_id", "status"]
           + (["note"] if req.note else []))
    db.session.commit()
    return family


def update_family(family: Family, data: dict, user: User,
                  programme_ids: set[int] | None = None) -> list[str]:
    """Apply an edited intake; returns the names of the fields that changed.

    ``data["urgency"]`` is written to the family's open requests in ``programme_ids`` (the
    editor's programmes; see :func:`set_urgency`). New consent (for matching) resumes the
    matches paused when consent was withdrawn."""
    fields = _apply(family, data, user)
    if fields:
        record("update", "family", family.id, fields=fields)
    if programme_ids is not None and "urgency" in data:
        changed = set_urgency(family, data["urgency"], programme_ids)
        if changed:
            for rid in changed:
                record("update", "family_request", rid, fields=["priority"])
            fields = sorted(set(fields) | {"urgency"})
    db.session.commit()
    if "consent" in fields:
        from ..matches.pausing import resume_after_consent
        resume_after_consent(family, user.id)
    return fields


def _urgency(value) -> int:
    value = int(value or 0)
    if value not in URGENCIES:
        raise FamilyError(_("Please choose an urgency from the list."))
    return value


def set_urgency(family: Family, urgency, programme_ids: set[int]) -> list[int]:
    """Set the urgency of the family's open (waiting or matched) requests in
    ``programme_ids`` — the one stored value the family list and the matching run read.
    Returns the ids of the requests that changed."""
    value = _urgency(urgency)
    changed = []
    for req in family.requests:
        if req.active and req.programme_id in programme_ids and (req.priority or 0) != value:
            req.priority = value
            changed.append(req.id)
    return changed


def _apply(family: Family, data: dict, user: User) -> list[str]:
    """Write ``data`` onto ``family``; returns the names of changed fields."""
    before = {f: getattr(family, f) for f in FAMILY_FIELDS} if family.id is not None else {}
    family.referral_source = data["referral_source"]
    new_consent = data.get("consent")
    changed: list[str] = []
    if new_consent is not None:
        candidate = Consent(recorded_by_id=user.id, **new_consent)
        current = family.consent
        if current is None or current.withdrawn_at is not None or not candidate.same_as(current):
            family.consents.append(candidate)
            changed.append("consent")
        values = {k: data[k] for k in FAMILY_FIELDS if k in data}
        if values.get("not_before") is None and values.get("housed_on"):
            values["not_before"] = values["housed_on"] + DEFAULT_WAIT_AFTER_HOUSING
        for key, value in values.items():
            setattr(family, key, value)
        changed += _replace_people(family, data)
    if family.id is not None:  # compared by value: autoflush may already have run
        changed += [f for f in FAMILY_FIELDS if getattr(family, f) != before[f]]
    else:
        changed += [f for f in FAMILY_FIELDS if getattr(family, f, None) not in (None, "", [])]
    return sorted(set(changed))


def _replace_people(family: Family, data: dict) -> list[str]:
    """Replace parents and children when they differ; returns ["parents"]/["children"]."""
    changed = []
    old_parents = [(p.name, p.gender, p.languages, p.dutch_level, p.can_read)
                   for p in family.parents]
    new_parents = [(p["name"], p["gender"], p["languages"], p["dutch_level"], p["can_read"])
                   for p in data.get("parents", [])]
    if old_parents != new_parents:
        family.parents = []
        for i, p in enumerate(data.get("parents", [])):
            parent = Parent(position=i, gender=p["gender"], languages=p["languages"],
                            dutch_level=p["dutch_level"], can_read=p["can_read"])
            parent.set_name(p["name"])
            family.parents.append(parent)
        changed.append("parents")
    old_children = sorted((c.birth_year, c.birth_month, c.gender) for c in family.children)
    new_children = sorted((c["birth_year"], c["birth_month"], c["gender"])
                          for c in data.get("children", []))
    if old_children != new_children:
        family.children = [Child(**c) for c in data.get("children", [])]
        changed.append("children")
    return changed


def withdraw_consent(family: Family, user: User) -> None:
    """Withdraw consent: matching and messaging stop at once; the withdrawal is recorded.

    The family's running matches rest on this consent: they are paused in the same
    transaction (the volunteer sees no family details any more) and their volunteers are
    told by e-mail (:mod:`webapp.matches.pausing`). The withdrawal and each pause are
    conditional updates: of two requests withdrawing at once, one does it, the other is
    told there is nothing to withdraw; a match that moved meanwhile (e.g. ended) is read
    again and the whole is done once more."""
    from ..matches import pausing
    from ..matches.approval import Refused
    for _attempt in range(5):
        # the family row is locked first, as approvals lock it: a match being approved
        # right now is committed before this reads the running matches, or sees no consent
        db.session.execute(db.select(Family.id).where(Family.id == family.id)
                           .with_for_update(key_share=True))  # FOR NO KEY UPDATE
        consent = family.consent
        if consent is None or consent.withdrawn_at is not None:
            raise FamilyError(_("There is no consent to withdraw."))
        now = utcnow()
        claimed = db.session.execute(
            update(Consent).where(Consent.id == consent.id, Consent.withdrawn_at.is_(None))
            .values(withdrawn_at=now, withdrawn_by_id=user.id)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:  # withdrawn by someone else just now
            db.session.rollback()
            raise FamilyError(_("There is no consent to withdraw."))
        try:
            paused = pausing.pause_for_consent(family, user.id)
        except Refused:  # a match moved meanwhile; everything was rolled back: again
            continue
        break
    else:  # pragma: no cover - five lost races in a row
        raise FamilyError(_("The family's matches changed just now. Please try again."))
    consent.withdrawn_at, consent.withdrawn_by_id = now, user.id
    record("update", "family", family.id, fields=["consent.withdrawn_at"],
           reason="consent_withdrawn")
    for match in paused:
        record("update", "match", match.id, fields=["status"], user_id=user.id,
               reason="consent_withdrawn")
    # at once: queued messages are cancelled and open proposals no longer hold
    from ..messaging.outbox import cancel_for
    from ..models.matches import Proposal
    cancel_for("family", family.id, "consent_withdrawn")
    for proposal in db.session.execute(db.select(Proposal).filter_by(
            family_id=family.id, status="proposed")).scalars():
        proposal.status, proposal.stale_reason = "stale", "no_consent"
    pausing.notify_paused(paused, user)
    db.session.commit()


def enrol(family: Family, programme: Programme, user: User) -> FamilyRequest:
    """Enrol ``family`` (again) in ``programme`` as waiting."""
    req = db.session.execute(db.select(FamilyRequest).filter_by(
        family_id=family.id, programme_id=programme.id)).scalar_one_or_none()
    if req is not None and req.active:
        raise FamilyError(_("The family is already enrolled in %(name)s.", name=programme.name))
    if req is None:
        from ..access import visible_programme_ids
        req = FamilyRequest(family=family, programme=programme,
                            priority=family.urgency_in(visible_programme_ids(user)))
        req.events.append(FamilyRequestEvent(from_status=None, to_status="waiting",
                                             by_id=user.id))
        db.session.add(req)
    else:
        req.move_to("waiting", user.id)
    db.session.flush()
    record("create", "family_request", req.id, fields=["programme_id", "status"])
    db.session.commit()
    return req


def update_request(req: FamilyRequest, status: str, note: str | None, user: User) -> list[str]:
    """Change a request's status (with history) and this programme's note."""
    fields = []
    if status != req.status:
        try:
            req.move_to(status, user.id)
        except ValueError:
            raise FamilyError(_("This change of status is not possible.")) from None
        fields.append("status")
    note = (note or "").strip() or None
    if note != req.note:
        req.note = note
        fields.append("note")
    if fields:
        record("update", "family_request", req.id, fields=fields)
    db.session.commit()
    return fields


def delete_family(family: Family, user: User) -> None:
    """Delete a family and everything about it (the audit log keeps only the reference)."""
    fid = family.id
    db.session.delete(family)
    record("delete", "family", fid, fields=["*"])
    db.session.commit()


# --- reads ------------------------------------------------------------------------------

def family_page(family: Family, programme_ids: set[int], user: User) -> dict:
    """What a coordinator sees on the family page; the read is audited.

    Requests of other programmes are not shown: only the number of volunteers the family
    has through them (for the overload cap) and the point of contact.
    """
    own = [r for r in family.requests if r.programme_id in programme_ids]
    others = [r for r in family.requests if r.programme_id not in programme_ids]
    family_viewed(family, "family_detail")
    return {
        "family": family, "requests": own,
        "other_active_volunteers": active_volunteer_count(
            family, programme_ids={r.programme_id for r in others}),
        "active_volunteers": active_volunteer_count(family),
        "overload": overload_count(family),
        "remaining": remaining_capacity(family),
        "history": sorted((e for r in own for e in r.events), key=lambda e: (e.at, e.id)),
    }


# --- for the matching run ---------------------------------------------------------------

def waiting_requests(programme: Programme, today: date | None = None) -> list[FamilyRequest]:
    """Requests of ``programme`` that are waiting, whose family gave consent for matching
    (not withdrawn) and whose "not before" date has come.

    Ordered by priority (high first), then longest waiting.
    """
    today = today or date.today()
    latest = (db.select(db.func.max(Consent.id)).where(Consent.family_id == Family.id)
              .correlate(Family).scalar_subquery())
    query = (db.select(FamilyRequest).join(Family).join(Consent, Consent.id == latest)
             .where(FamilyRequest.programme_id == programme.id,
                    FamilyRequest.status == "waiting",
                    Consent.purpose_matching.is_(True),
                    Consent.withdrawn_at.is_(None),
                    db.or_(Family.not_before.is_(None), Family.not_before <= today))
             .order_by(FamilyRequest.priority.desc(), FamilyRequest.waiting_since,
                       FamilyRequest.id))
    return list(db.session.execute(query).scalars())


def active_volunteer_count(family: Family, programme_ids: set[int] | None = None) -> int:
    """Volunteers the family has through Koppel now (active matches), across *all*
    programmes and organisations, or only ``programme_ids`` when given."""
    from ..models.matches import ACTIVE_MATCH_STATUSES, Match
    query = db.select(db.func.count(Match.id)).where(
        Match.family_id == family.id, Match.status.in_(ACTIVE_MATCH_STATUSES))
    if programme_ids is not None:
        if not programme_ids:
            return 0
        query = query.where(Match.programme_id.in_(programme_ids))
    return int(db.session.execute(query).scalar_one())


def overload_count(family: Family) -> int:
    """What counts toward the family's cap: Koppel volunteers, plus existing support when
    the coordinator said it counts."""
    return family.volunteers_counted(active_volunteer_count(family))


def remaining_capacity(family: Family) -> int:
    """How many more volunteers the family wants now (0: no new match)."""
    return family.room_left(active_volunteer_count(family))


def minimal_profile(family: Family, reveal_address: bool = False,
                    today: date | None = None) -> dict:
    """What a matched volunteer may see: first names, children's ages, languages,
    neighbourhood (PC4 and place; the address only once the coordinator introduced them),
    needs and the preferences that matter for visits. Nothing else — no country, community,
    religion, contact details, notes or groups to avoid."""
    from matching.geo import default_table
    today = today or date.today()
    place = None
    if family.pc4:
        table = default_table()
        try:
            place = table.place(family.pc4) if hasattr(table, "place") \
                else table.municipality(family.pc4)
        except ValueError:
            place = None
    profile = {
        "reference": family.reference,
        "parents": [{"name": p.name, "languages": [x["code"] for x in p.languages],
                     "dutch_level": p.dutch_level, "can_read": p.can_read}
                    for p in family.parents],
        "children_ages": sorted((c.age_years(today) for c in family.children), reverse=True),
        "languages": family.languages(),
        "neighbourhood": {"pc4": family.pc4, "place": place},
        "needs": list(family.needs or []),
        "preferred_dagdelen": list(family.preferred_dagdelen or []),
        "pref_language": family.pref_language,
    }
    if reveal_address:
        profile["address"] = address_of(family)
    return profile


def address_of(family: Family) -> dict | None:
    """The family's address for a visit (street, postcode), without empty parts; ``None``
    when nothing is recorded."""
    postcode = " ".join(p for p in (family.pc4, family.postcode_letters) if p)
    street = (family.address or "").strip()
    if not street and not postcode:
        return None
    return {"street": street, "postcode": postcode}


def shares_profile(family: Family) -> bool:
    """The family agreed to share a short profile with its volunteer (consent standing)."""
    c = family.consent
    return bool(c and c.withdrawn_at is None and c.purpose_share_profile)


def can_message(family: Family) -> bool:
    """May an introduction message be sent to this family now (consent stands)?"""
    return family.may_message
