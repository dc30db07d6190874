"""Anonymisation and retention: one function per subject, used by both the daily retention
job and erasure on request.

:func:`anonymise_family` and :func:`anonymise_volunteer` remove names, contact details,
notes, free text, special-category data and exact dates, and keep only facts that reports
need (programme, year or year-month, languages, counts) in ``anonymised_facts``. They are
idempotent (a second call changes nothing and returns ``False``), never touch the audit log
except to add one ``anonymise`` entry (ids and field names only), and cancel and blank the
outbox messages of the subject.

:func:`enforce_retention` finds what is due under each organisation's retention settings and
anonymises it (or, with ``dry_run``, only lists references and counts).
"""
from __future__ import annotations

import calendar
import copy
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app

from matching.model import age_band

from ..audit import record
from ..extensions import db
from ..models import (
    Family,
    FamilyRequest,
    Message,
    Organisation,
    Programme,
    ReminderLog,
    SessionSignup,
    User,
    UserSession,
    Volunteer,
    VolunteerStatus,
)
from ..models.base import utcnow
from ..models.matches import (
    ACTIVE_MATCH_STATUSES,
    Concern,
    ContactMoment,
    Match,
    MatchingRun,
    Proposal,
    Rejection,
)
from ..models.privacy import LegalHold

DEFAULT_FAMILY_MONTHS = 12
DEFAULT_VOLUNTEER_MONTHS = 24
# A self-registration whose e-mail address was never confirmed is kept this long (the
# confirmation link lasts 48 hours; a new one can be asked for by registering again).
UNCONFIRMED_DAYS = 30
RETENTION = "retention"
PENDING_MESSAGE_STATUSES = ("queued", "retrying", "manual")


class LegalHoldError(Exception):
    """The family has an open legal hold (a Veilig Thuis report): nothing is anonymised."""


# --- small helpers ------------------------------------------------------------------------

def family_ref(family_id: int) -> str:
    return f"G-{family_id:05d}"


def volunteer_ref(volunteer_id: int) -> str:
    return f"V-{volunteer_id:05d}"


def add_months(when: datetime, months: int) -> datetime:
    """``when`` plus ``months`` calendar months (the day clamped to the month's length)."""
    index = when.year * 12 + when.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _month(value):
    """A date or datetime coarsened to the first day of its month (``None`` stays)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return datetime(value.year, value.month, 1)
    return date(value.year, value.month, 1)


def _ym(value) -> str | None:
    return f"{value.year:04d}-{value.month:02d}" if value is not None else None


def open_hold(family: Family) -> LegalHold | None:
    return db.session.execute(db.select(LegalHold).where(
        LegalHold.family_id == family.id, LegalHold.released_at.is_(None))
        .order_by(LegalHold.id).limit(1)).scalar_one_or_none()


def _audit(object_type: str, object_id: int, fields, reason: str, by: User | None) -> None:
    # user_id 0 is never a user: passing it keeps record() from taking the request's user
    # when the system (the retention job) acts; stored as NULL.
    entry = record("anonymise", object_type, object_id, fields=fields, reason=reason,
                   user_id=by.id if by is not None else 0)
    if by is None:
        entry.user_id = None


# --- shared scrubbing ---------------------------------------------------------------------

def _not_to(party_types: tuple[str, ...]):
    """SQL: a message whose recipient is not of ``party_types`` (or is not recorded)."""
    return db.or_(Message.party_type.is_(None), Message.party_type.not_in(party_types))


def _scrub_messages(condition, reason: str, other_side) -> int:
    """Cancel what has not gone out and blank every message matching ``condition`` — and
    the messages to the other side prepared with them (``other_side``: a condition on the
    recipient; an introduction's copy to the volunteer describes the family, and the
    family's names the volunteer). Never the messages to others of the same kind that
    share a ``batch_key``: every family of a group round (``round-<id>``) or of a meeting
    (``meeting-<id>``) gets its own invitation or reminder, which says nothing about the
    others."""
    rows = db.session.execute(db.select(Message).where(condition)).scalars().all()
    batches = {r.batch_key for r in rows if r.batch_key}
    if batches:
        seen = {r.id for r in rows}
        rows += [r for r in db.session.execute(db.select(Message).where(
            Message.batch_key.in_(batches), other_side)).scalars() if r.id not in seen]
    for row in rows:
        if row.status in PENDING_MESSAGE_STATUSES:
            row.status, row.next_attempt_at = "cancelled", None
        row.recipient, row.recipient_name = "", None
        row.subject, row.body_text, row.body_html, row.body_text_nl = "", "", None, None
        row.last_error, row.provider_ref = reason, None
        for attempt in row.attempts_log:
            attempt.detail = None
    return len(rows)


def _scrub_runs(*, family_id: int | None = None, volunteer_id: int | None = None) -> int:
    """Replace the subject's entries in stored run snapshots by a stub (id only)."""
    changed = 0
    runs = db.session.execute(db.select(MatchingRun).where(
        db.or_(MatchingRun.snapshot.is_not(None), MatchingRun.summary.is_not(None)))).scalars()
    for run in runs:
        snap = copy.deepcopy(run.snapshot) if run.snapshot else None
        summary = copy.deepcopy(run.summary) if run.summary else None
        touched = False
        if snap and family_id is not None:
            for i, item in enumerate(snap.get("requests") or []):
                if str(item.get("family_id")) == str(family_id):
                    snap["requests"][i] = {"id": item.get("id"), "family_id": item.get(
                        "family_id"), "anonymised": True}
                    touched = True
        if snap and volunteer_id is not None:
            for i, item in enumerate(snap.get("volunteers") or []):
                if str(item.get("id")) == str(volunteer_id):
                    snap["volunteers"][i] = {"id": item.get("id"), "anonymised": True}
                    touched = True
        if summary and family_id is not None:
            for item in (summary.get("unmatched") or {}).values():
                if str(item.get("family")) == str(family_id):
                    item["hints"] = [{"code": h.get("code"), "count": h.get("count"),
                                      "params": {}} for h in item.get("hints") or []]
                    touched = True
        if touched:
            run.snapshot, run.summary = snap, summary
            changed += 1
    return changed


def _strip_proposals(condition) -> None:
    """Keep the factor codes and points of proposals, drop their details (distances,
    age differences, languages) and exact decision times."""
    for p in db.session.execute(db.select(Proposal).where(condition)).scalars():
        p.factors = [{"code": f.get("code"), "points": f.get("points"), "params": {}}
                     for f in p.factors or []]
        p.decided_at = _month(p.decided_at)
        if p.status == "proposed":
            p.status, p.stale_reason = "stale", "anonymised"


def _end_matches(matches, by: User | None, reason: str) -> None:
    for m in matches:
        if m.status in ACTIVE_MATCH_STATUSES:
            m.move_to("ended", by.id if by else None, reason=reason)


# --- families -----------------------------------------------------------------------------

FAMILY_CLEARED = (
    "country_of_origin", "community", "religion", "housed_on", "pc4", "postcode_letters",
    "address", "contact_person", "contact_phone", "message_channel", "contact_detail",
    "groups_to_avoid",
    "needs_note", "not_before", "support_social_worker",
)


def anonymise_family(family: Family, reason: str, by: User | None, *,
                     commit: bool = True, now: datetime | None = None) -> bool:
    """Anonymise ``family`` for ``reason`` (``"retention"`` or an erasure reason code).

    Returns ``False`` when it was anonymised already (nothing changes). Raises
    :class:`LegalHoldError` while a legal hold is open.
    """
    if family.anonymised_at is not None:
        return False
    if open_hold(family) is not None:
        raise LegalHoldError(family_ref(family.id))
    now = now or utcnow()
    by_id = by.id if by else None
    matches = db.session.execute(db.select(Match).where(
        Match.family_id == family.id).order_by(Match.id)).scalars().all()
    _end_matches(matches, by, "other")
    for req in family.requests:
        if req.active:
            req.move_to("ended", by_id, now=now)
    moments = db.session.execute(db.select(ContactMoment).join(Match).where(
        Match.family_id == family.id)).scalars().all()
    ends = [m.ended_at for m in matches if m.ended_at] + [
        r.ended_at or r.created_at for r in family.requests]
    genders = Counter(p.gender or "?" for p in family.parents)
    facts = {
        "reason": "retention" if reason == RETENTION else "erasure",
        "referred": _ym(family.created_at),
        "ended": _ym(max(ends)) if ends else None,
        "programmes": sorted({r.programme_id for r in family.requests}),
        "referral_source": family.referral_source,
        "languages": family.languages(),
        "message_language": family.message_language,
        "parents": len(family.parents),
        "parent_genders": dict(sorted(genders.items())),
        "children": len(family.children),
        "children_age_bands": sorted(age_band(c.age_years(now.date()))
                                     for c in family.children),
        "matches": len(matches),
        "contact_moments": len(moments),
        "contact_minutes": sum(m.minutes or 0 for m in moments),
    }

    # the outbox, run snapshots and proposals
    _scrub_messages(db.and_(Message.party_type == "family", Message.party_id == family.id),
                    "anonymised", other_side=_not_to(("family",)))
    _scrub_runs(family_id=family.id)
    _strip_proposals(Proposal.family_id == family.id)

    # the family itself
    for name in FAMILY_CLEARED:
        setattr(family, name, None)
    family.needs, family.preferred_dagdelen = [], []
    family.support_other_programmes = 0
    for req in family.requests:  # the urgency
        req.priority = 0
    family.support_formal_care = family.existing_support_counts = False
    family.pref_volunteer_gender, family.pref_language = "any", "none"
    family.pref_not_own_community = False
    family.created_at = _month(family.created_at)
    family.parents = []
    family.children = []
    for consent in family.consents:
        consent.asked_on = _month(consent.asked_on)
        consent.recorded_at = _month(consent.recorded_at)
        consent.withdrawn_at = _month(consent.withdrawn_at)
    for req in family.requests:
        req.note = None
        req.waiting_since, req.created_at = _month(req.waiting_since), _month(req.created_at)
        req.ended_at = _month(req.ended_at)
        for event in req.events:
            event.at = _month(event.at)
    for m in matches:
        m.override_reason = m.evaluation_coordinator = m.evaluation_volunteer = None
        for name in ("approved_at", "introduced_at", "address_confirmed_at", "activated_at",
                     "ended_at"):
            setattr(m, name, _month(getattr(m, name)))
        for event in m.events:
            event.at = _month(event.at)
    for cm in moments:
        cm.note, cm.themes = None, []
        cm.happened_on, cm.created_at = _month(cm.happened_on), _month(cm.created_at)
    match_ids = [m.id for m in matches] or [-1]
    for concern in db.session.execute(db.select(Concern).where(
            Concern.match_id.in_(match_ids))).scalars():
        # the text and every follow-up note go; an open concern is closed with the family
        concern.text = ""
        if concern.handled_at is None:
            concern.handled_at, concern.handled_by_id = now, by_id
        concern.created_at, concern.handled_at = _month(concern.created_at), _month(
            concern.handled_at)
        concern.acknowledged_at = _month(concern.acknowledged_at)
        for action in concern.actions:
            action.text, action.at = None, _month(action.at)
    for rej in db.session.execute(db.select(Rejection).where(
            Rejection.family_id == family.id)).scalars():
        rej.note, rej.at = None, _month(rej.at)
    for hold in db.session.execute(db.select(LegalHold).where(
            LegalHold.family_id == family.id)).scalars():
        hold.reported_on = _month(hold.reported_on)
        hold.recorded_at, hold.released_at = _month(hold.recorded_at), _month(hold.released_at)

    family.anonymised_at, family.anonymised_facts = now, facts
    _audit("family", family.id, ["*"], RETENTION if reason == RETENTION
           else f"erasure: {reason}", by)
    if commit:
        db.session.commit()
    return True


# --- volunteers ---------------------------------------------------------------------------

VOLUNTEER_CLEARED = (
    "phone", "birth_year", "gender", "pc4", "postcode_letters", "dutch_level",
    "origin_country", "origin_region", "community", "arrival_year", "religion", "occupation",
    "motivation", "notes",
    "paused_until", "calendar_token", "calendar_token_index",
)


def placeholder_email() -> str:
    """A random address that cannot be turned back into the old one (nor receive mail)."""
    return f"anonymised-{secrets.token_hex(16)}@anonymised.invalid"


def _certificate_dir() -> Path:
    return Path(current_app.instance_path) / "uploads" / "certificates"


def anonymise_volunteer(volunteer: Volunteer, reason: str, by: User | None, *,
                        commit: bool = True, now: datetime | None = None) -> bool:
    """Anonymise ``volunteer`` and deactivate their account. ``False``: done already."""
    if volunteer.anonymised_at is not None:
        return False
    now = now or utcnow()
    user = volunteer.user
    matches = db.session.execute(db.select(Match).where(
        Match.volunteer_id == volunteer.id).order_by(Match.id)).scalars().all()
    _end_matches(matches, by, "volunteer_stopped")
    moments = db.session.execute(db.select(ContactMoment).join(Match).where(
        Match.volunteer_id == volunteer.id)).scalars().all()
    facts = {
        "reason": "retention" if reason == RETENTION else "erasure",
        "registered": str(volunteer.created_at.year) if volunteer.created_at else None,
        "left": _ym(volunteer.left_at or now),
        "programmes": sorted(p.id for p in volunteer.programmes),
        "languages": sorted(volunteer.languages or {}),
        "matches": len(matches),
        "contact_moments": len(moments),
        "contact_minutes": sum(m.minutes or 0 for m in moments),
        "trainings": sorted({c.item for c in volunteer.completions if c.state == "verified"}),
    }

    msg_rule = db.or_(Message.user_id == user.id, db.and_(
        Message.party_type.in_(("volunteer", "user")), Message.party_id == user.id))
    _scrub_messages(msg_rule, "anonymised", other_side=_not_to(("volunteer", "user")))
    _scrub_runs(volunteer_id=volunteer.id)
    _strip_proposals(db.or_(Proposal.volunteer_id == volunteer.id,
                            Proposal.volunteer2_id == volunteer.id))

    for name in VOLUNTEER_CLEARED:
        setattr(volunteer, name, None)
    volunteer.religion_for_matching = volunteer.refugee_background = False
    volunteer.parenting_experience, volunteer.dagdelen, volunteer.themes = [], [], []
    volunteer.status = VolunteerStatus.left.value
    volunteer.left_at = _month(volunteer.left_at or now)
    volunteer.consent_at = _month(volunteer.consent_at)
    volunteer.created_at = _month(volunteer.created_at)
    for c in volunteer.completions:
        if c.certificate_file:
            (_certificate_dir() / Path(c.certificate_file).name).unlink(missing_ok=True)
        c.certificate_file = c.certificate_type = c.rejection_reason = None
        c.completed_on, c.verified_at = _month(c.completed_on), _month(c.verified_at)
        c.created_at = _month(c.created_at)
    for v in volunteer.vogs:
        v.issued_on, v.created_at = _month(v.issued_on), _month(v.created_at)
    for chk in volunteer.additional_checks:
        chk.note, chk.done_on, chk.created_at = None, _month(chk.done_on), _month(chk.created_at)
    for s in db.session.execute(db.select(SessionSignup).filter_by(
            volunteer_id=volunteer.id)).scalars():
        s.created_at = _month(s.created_at)
    db.session.execute(db.delete(ReminderLog).where(ReminderLog.volunteer_id == volunteer.id))
    for m in matches:
        m.evaluation_volunteer = None
    for cm in moments:
        cm.note = None

    # the account: no name, no address that leads back, no way in
    user.set_email(placeholder_email())
    user.name = volunteer_ref(volunteer.id)
    user.active = False
    user.password_hash = None
    user.locale = None
    user.email_confirmed_at = user.password_changed_at = None
    user.created_at = _month(user.created_at)
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))

    volunteer.anonymised_at, volunteer.anonymised_facts = now, facts
    _audit("volunteer", volunteer.id, ["*"], RETENTION if reason == RETENTION
           else f"erasure: {reason}", by)
    if commit:
        db.session.commit()
    return True


# --- retention ----------------------------------------------------------------------------

@dataclass
class DueItem:
    """One subject in a retention report: a reference and dates, never personal data."""

    kind: str  # family / volunteer
    id: int
    reference: str
    ended: str | None  # year-month the retention period started
    due_on: date | None
    organisation_ids: list[int]
    held: bool = False


@dataclass
class RetentionReport:
    now: datetime
    dry_run: bool
    families: list[DueItem] = field(default_factory=list)
    volunteers: list[DueItem] = field(default_factory=list)
    held: list[DueItem] = field(default_factory=list)
    anonymised_families: int = 0
    anonymised_volunteers: int = 0

    def for_organisations(self, ids: set[int]) -> RetentionReport:
        keep = lambda items: [i for i in items if set(i.organisation_ids) & ids]
        return RetentionReport(self.now, self.dry_run, keep(self.families),
                               keep(self.volunteers), keep(self.held))

    def as_dict(self) -> dict:
        def items(rows):
            return [{"reference": r.reference, "ended": r.ended,
                     "due_on": r.due_on.isoformat() if r.due_on else None} for r in rows]
        return {"now": self.now.isoformat(timespec="seconds"), "dry_run": self.dry_run,
                "families_due": len(self.families), "volunteers_due": len(self.volunteers),
                "families_on_hold": len(self.held),
                "anonymised_families": self.anonymised_families,
                "anonymised_volunteers": self.anonymised_volunteers,
                "families": items(self.families), "volunteers": items(self.volunteers),
                "on_hold": items(self.held)}


def _org_months() -> dict[int, tuple[int, int]]:
    """organisation id → (family months, volunteer months)."""
    return {oid: (fm or DEFAULT_FAMILY_MONTHS, vm or DEFAULT_VOLUNTEER_MONTHS)
            for oid, fm, vm in db.session.execute(db.select(
                Organisation.id, Organisation.retention_family_months,
                Organisation.retention_volunteer_months))}


def _programme_orgs() -> dict[int, int]:
    return dict(db.session.execute(db.select(Programme.id, Programme.organisation_id)).all())


def families_due(now: datetime) -> tuple[list[DueItem], list[DueItem]]:
    """(due, due but on legal hold). A family is due when nothing is active any more (no
    waiting or matched request, no active match) and the longest retention period of the
    organisations it was enrolled with has passed since the later of its last match's end
    and its last request's end. Where several organisations were involved, the longest
    period applies."""
    months, prog_org = _org_months(), _programme_orgs()
    active = db.select(FamilyRequest.family_id).where(FamilyRequest.status.in_(
        ("waiting", "matched")))
    active_match = db.select(Match.family_id).where(Match.status.in_(ACTIVE_MATCH_STATUSES))
    match_end = dict(db.session.execute(db.select(Match.family_id, db.func.max(
        Match.ended_at)).group_by(Match.family_id)).all())
    held_ids = set(db.session.execute(db.select(LegalHold.family_id).where(
        LegalHold.released_at.is_(None))).scalars())
    rows = db.session.execute(db.select(FamilyRequest.family_id, FamilyRequest.programme_id,
                                        FamilyRequest.ended_at, FamilyRequest.created_at)
                              .join(Family, Family.id == FamilyRequest.family_id)
                              .where(Family.anonymised_at.is_(None),
                                     FamilyRequest.family_id.not_in(active),
                                     FamilyRequest.family_id.not_in(active_match))).all()
    per_family: dict[int, dict] = {}
    for fid, pid, ended_at, created_at in rows:
        info = per_family.setdefault(fid, {"end": None, "orgs": set()})
        end = ended_at or created_at
        info["end"] = end if info["end"] is None else max(info["end"], end)
        if pid in prog_org:
            info["orgs"].add(prog_org[pid])
    due, held = [], []
    for fid, info in sorted(per_family.items()):
        end = max(x for x in (info["end"], match_end.get(fid)) if x is not None)
        period = max((months.get(o, (DEFAULT_FAMILY_MONTHS, 0))[0] for o in info["orgs"]),
                     default=DEFAULT_FAMILY_MONTHS)
        due_at = add_months(end, period)
        if due_at <= now:
            item = DueItem("family", fid, family_ref(fid), _ym(end), due_at.date(),
                           sorted(info["orgs"]), held=fid in held_ids)
            (held if item.held else due).append(item)
    return due, held


def volunteers_due(now: datetime) -> list[DueItem]:
    """Volunteers who left at least their organisations' retention period ago (the longest
    one of the organisations of their programmes, else their account's organisation) and
    have no active match."""
    from ..models.volunteers import volunteer_programmes
    months, prog_org = _org_months(), _programme_orgs()
    active_match = db.select(Match.volunteer_id).where(Match.status.in_(ACTIVE_MATCH_STATUSES))
    rows = db.session.execute(db.select(Volunteer.id, Volunteer.left_at, User.organisation_id)
                              .join(User, User.id == Volunteer.user_id)
                              .where(Volunteer.anonymised_at.is_(None),
                                     Volunteer.status == VolunteerStatus.left.value,
                                     Volunteer.left_at.is_not(None),
                                     Volunteer.id.not_in(active_match))).all()
    progs: dict[int, set[int]] = {}
    for vid, pid in db.session.execute(db.select(volunteer_programmes.c.volunteer_id,
                                                 volunteer_programmes.c.programme_id)):
        progs.setdefault(vid, set()).add(pid)
    due = []
    for vid, left_at, user_org in sorted(rows):
        orgs = {prog_org[p] for p in progs.get(vid, ()) if p in prog_org}
        if not orgs and user_org is not None:
            orgs = {user_org}
        period = max((months.get(o, (0, DEFAULT_VOLUNTEER_MONTHS))[1] for o in orgs),
                     default=DEFAULT_VOLUNTEER_MONTHS)
        due_at = add_months(left_at, period)
        if due_at <= now:
            due.append(DueItem("volunteer", vid, volunteer_ref(vid), _ym(left_at),
                               due_at.date(), sorted(orgs)))
    return due + unconfirmed_due(now, progs, prog_org)


def unconfirmed_due(now: datetime, progs: dict[int, set[int]], prog_org: dict[int, int]
                    ) -> list[DueItem]:
    """Self-registrations whose address was not confirmed within :data:`UNCONFIRMED_DAYS`:
    the person never started, and the address may not even be theirs."""
    cutoff = now - timedelta(days=UNCONFIRMED_DAYS)
    rows = db.session.execute(db.select(Volunteer.id, Volunteer.created_at)
                              .join(User, User.id == Volunteer.user_id)
                              .where(Volunteer.anonymised_at.is_(None),
                                     Volunteer.source == "registration",
                                     User.email_confirmed_at.is_(None),
                                     Volunteer.created_at <= cutoff)).all()
    return [DueItem("volunteer", vid, volunteer_ref(vid), _ym(created),
                    (created + timedelta(days=UNCONFIRMED_DAYS)).date(),
                    sorted({prog_org[p] for p in progs.get(vid, ()) if p in prog_org}))
            for vid, created in sorted(rows)]


def enforce_retention(*, dry_run: bool = False, now: datetime | None = None) -> RetentionReport:
    """Anonymise every family and volunteer whose retention period has passed (each in its
    own transaction). Idempotent: what is anonymised is never due again."""
    now = now or utcnow()
    fams, held = families_due(now)
    vols = volunteers_due(now)
    report = RetentionReport(now, dry_run, fams, vols, held)
    if dry_run:
        return report
    for item in fams:
        family = db.session.get(Family, item.id)
        try:
            if anonymise_family(family, RETENTION, None, now=now):
                report.anonymised_families += 1
        except LegalHoldError:  # a hold recorded since the list was made
            db.session.rollback()
    for item in vols:
        volunteer = db.session.get(Volunteer, item.id)
        if anonymise_volunteer(volunteer, RETENTION, None, now=now):
            report.anonymised_volunteers += 1
    return report

