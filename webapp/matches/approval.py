"""Approving, rejecting and swapping proposals, and matching by hand — safely.

Every approval re-checks, inside one transaction that holds row locks on the family and the
volunteer (``SELECT … FOR UPDATE`` on PostgreSQL), that consent, the volunteer's capacity and
hours and the family's overload cap (across all programmes) still hold. Two coordinators
approving conflicting proposals at the same moment therefore cannot both succeed: the second
waits for the first, then sees its match and is refused. A proposal that no longer holds is
marked ``stale`` with the reason, never applied.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from matching.scoring import Scorer

from .. import audit
from ..extensions import db
from ..models import Programme
from ..models.base import utcnow
from ..models.families import Family, FamilyRequest
from ..models.matches import ACTIVE_MATCH_STATUSES, REJECTION_REASONS, Match, Proposal, Rejection
from ..models.volunteers import Volunteer
from ..volunteers.readiness import readiness_for
from .inputs import family_input, programme_code, programme_rules, volunteer_profile

# Rules that no written reason can override: consent is the family's, capacity is a promise.
NOT_OVERRIDABLE = frozenset({"no_consent"})


class Refused(Exception):
    """An action cannot be done; ``code`` names why (translated by the views)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def _lock(model, row_id):
    """The row, read afresh and locked until the transaction ends.

    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite has no row locks (``FOR UPDATE`` is
    dropped): a write that changes nothing takes the database's write lock instead, so
    there too a second approval waits for the first and then sees its match. Callers lock
    in one order — family, request, proposal, volunteers by id — so two approvals never
    wait for each other in a circle (a deadlock)."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = model.__table__.name
        db.session.execute(db.text(f'UPDATE "{table}" SET id = id WHERE id = :id'),
                           {"id": row_id})
    return db.session.execute(
        db.select(model).where(model.id == row_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()


def capacity_problem(family: Family, volunteer: Volunteer, req: FamilyRequest | None,
                     hours: float, new_for_family: int = 1, today: date | None = None) -> str | None:
    """Why this match may not start now (consent, capacity, hours, overload), or None.

    Call with the family and volunteer rows locked."""
    today = today or date.today()
    if not family.may_match:
        return "no_consent"
    if not volunteer.matchable_on(today):
        return "volunteer_unavailable"
    if req is not None and req.status != "waiting":
        return "request_not_waiting"
    active = db.session.execute(
        db.select(Match).where(Match.status.in_(ACTIVE_MATCH_STATUSES),
                               db.or_(Match.volunteer_id == volunteer.id,
                                      Match.family_id == family.id))).scalars().all()
    mine = [m for m in active if m.volunteer_id == volunteer.id]
    if any(m.family_id == family.id for m in mine):
        return "already_matched"
    if len(mine) >= (volunteer.max_families or 0):
        return "volunteer_full"
    if hours and volunteer.hours_per_week and \
            sum(m.hours_per_week for m in mine) + hours > volunteer.hours_per_week + 1e-9:
        return "volunteer_hours"
    family_count = sum(1 for m in active if m.family_id == family.id)
    if new_for_family > family.room_left(family_count):
        return "family_overload"
    return None


def rule_problems(req: FamilyRequest, volunteer: Volunteer, today: date | None = None
                  ) -> list[str]:
    """The hard rules of ``matching/`` that this pair breaks (empty: a valid candidate)."""
    today = today or date.today()
    programme = db.session.get(Programme, req.programme_id)
    code = programme_code(programme)
    readiness = readiness_for([volunteer], on=today, programmes=[programme])[volunteer.id]
    profile = volunteer_profile(volunteer, {code: readiness[programme.id]}, (0, 0.0))
    rejected = frozenset(str(v) for (v,) in db.session.execute(
        db.select(Rejection.volunteer_id).filter_by(family_id=req.family_id)))
    request = family_input(req, programme, rejected, 0, today)
    scorer = Scorer([profile], {code: programme_rules(programme)}, today)
    ex = scorer.exclusions(request)
    return sorted(rule for rule, n in ex.excluded.items() if n)


def _create_match(*, family: Family, volunteer: Volunteer, req: FamilyRequest, user_id: int,
                  hours: float, score: int | None, proposal: Proposal | None = None,
                  trio_key: str | None = None, override_reason: str | None = None) -> Match:
    match = Match(programme_id=req.programme_id, family_id=family.id, family_request_id=req.id,
                  volunteer_id=volunteer.id, proposal_id=proposal.id if proposal else None,
                  hours_per_week=hours, score=score, created_by_id=user_id, trio_key=trio_key,
                  override_reason=override_reason)
    db.session.add(match)
    db.session.flush()
    audit.record("create", "match", match.id, fields=["family_id", "volunteer_id", "programme_id"],
                 user_id=user_id)
    return match


def approve(proposal_id: int, user_id: int) -> list[Match]:
    """Approve one proposal in its own transaction; raises :class:`Refused` (stale) if it no
    longer holds. Returns the new match rows (two for a trio)."""
    try:
        head = db.session.execute(db.select(Proposal.family_id, Proposal.family_request_id)
                                  .where(Proposal.id == proposal_id)).first()
        if head is None:
            raise Refused("not_found")
        # The family (and its request) first: approvals of proposals for one family queue
        # up here, before any of them locks a proposal the winner marks stale below.
        family = _lock(Family, head.family_id)
        req = _lock(FamilyRequest, head.family_request_id)
        proposal = _lock(Proposal, proposal_id)
        if proposal is None:
            raise Refused("not_found")
        if proposal.status != "proposed":
            raise Refused("not_open", status=proposal.status)
        ids = [proposal.volunteer_id] + ([proposal.volunteer2_id] if proposal.volunteer2_id
                                         else [])
        locked = {vid: _lock(Volunteer, vid) for vid in sorted(set(ids))}
        volunteers = [locked[vid] for vid in ids]
        share = proposal.hours_per_week
        problem = None
        for i, vol in enumerate(volunteers):
            problem = capacity_problem(family, vol, req, share,
                                       new_for_family=len(volunteers) if i == 0 else 0)
            if problem:
                break
        if problem:
            proposal.status, proposal.stale_reason = "stale", problem
            proposal.decided_at = utcnow()
            db.session.commit()
            raise Refused("stale", reason=problem)
        trio_key = str(uuid.uuid4()) if len(volunteers) > 1 else None
        matches = [_create_match(family=family, volunteer=vol, req=req, user_id=user_id,
                                 hours=share, score=proposal.score, proposal=proposal,
                                 trio_key=trio_key) for vol in volunteers]
        req.move_to("matched", user_id)
        proposal.status, proposal.decided_by_id, proposal.decided_at = "approved", user_id, utcnow()
        # other open proposals for this request are now moot
        for other in db.session.execute(db.select(Proposal).where(
                Proposal.family_request_id == req.id, Proposal.status == "proposed",
                Proposal.id != proposal.id)).scalars():
            other.status, other.stale_reason = "stale", "request_not_waiting"
        db.session.commit()
        return matches
    except Exception:
        db.session.rollback()  # releases the row locks; a stale mark was committed already
        raise


@dataclass
class BulkResult:
    approved: int
    refused: list[tuple[int, str]]


def approve_many(proposal_ids: list[int], user_id: int) -> BulkResult:
    """"Approve all shown": each in its own transaction; refusals are reported, not fatal."""
    done, refused = 0, []
    for pid in proposal_ids:
        try:
            approve(pid, user_id)
            done += 1
        except Refused as exc:
            refused.append((pid, exc.params.get("reason") or exc.code))
    return BulkResult(done, refused)


def reject(proposal: Proposal, user_id: int, reason: str, note: str | None) -> Rejection:
    """Reject a proposal; the pair is remembered and never proposed again."""
    if reason not in REJECTION_REASONS:
        raise Refused("bad_reason")
    if proposal.status != "proposed":
        raise Refused("not_open", status=proposal.status)
    proposal.status, proposal.decided_by_id, proposal.decided_at = "rejected", user_id, utcnow()
    rows = [remember_rejection(proposal.family_id, proposal.volunteer_id, proposal.programme_id,
                               reason, note, user_id)]
    if proposal.volunteer2_id:
        rows.append(remember_rejection(proposal.family_id, proposal.volunteer2_id,
                                       proposal.programme_id, reason, note, user_id))
    audit.record("update", "proposal", proposal.id, fields=["status", "rejection"],
                 user_id=user_id)
    db.session.commit()
    return rows[0]


def remember_rejection(family_id: int, volunteer_id: int, programme_id: int, reason: str,
                       note: str | None, user_id: int) -> Rejection:
    row = db.session.execute(db.select(Rejection).filter_by(
        family_id=family_id, volunteer_id=volunteer_id)).scalar_one_or_none()
    if row is None:
        row = Rejection(family_id=family_id, volunteer_id=volunteer_id,
                        programme_id=programme_id, reason=reason, note=note or None, by_id=user_id)
        db.session.add(row)
    return row


def shortlist(proposal: Proposal, limit: int = 5, today: date | None = None) -> list[dict]:
    """Other candidate volunteers for the proposal's family, best first, from current data:
    [{"volunteer": Volunteer, "score": int, "factors": [...]}]."""
    from .inputs import build_inputs
    today = today or date.today()
    programme = db.session.get(Programme, proposal.programme_id)
    req = db.session.get(FamilyRequest, proposal.family_request_id)
    inputs = build_inputs(programme, {}, today)
    request = next((r for r in inputs.requests if r.id == str(req.id)), None)
    if request is None:
        return []
    taken = {str(v) for (v,) in db.session.execute(
        db.select(Proposal.volunteer_id).where(Proposal.run_id == proposal.run_id,
                                               Proposal.status.in_(("proposed", "approved"))))}
    scorer = Scorer(inputs.volunteers, {inputs.programme_code: inputs.rules}, today)
    ranked = sorted(scorer.candidates([request]), key=lambda c: -c.score)
    out = []
    for cand in ranked:
        if cand.volunteer in taken:
            continue
        vol = db.session.get(Volunteer, int(cand.volunteer))
        out.append({"volunteer": vol, "score": cand.score, "hours": cand.hours_per_week,
                    "factors": [{"code": f.code, "points": f.points, "params": dict(f.params)}
                                for f in cand.factors]})
        if len(out) >= limit:
            break
    return out


def swap(proposal: Proposal, volunteer_id: int, user_id: int) -> Proposal:
    """Replace the proposed volunteer by one from the shortlist (a new open proposal)."""
    if proposal.status != "proposed":
        raise Refused("not_open", status=proposal.status)
    options = {item["volunteer"].id: item for item in shortlist(proposal, limit=50)}
    choice = options.get(volunteer_id)
    if choice is None:
        raise Refused("not_a_candidate")
    proposal.status, proposal.decided_by_id, proposal.decided_at = "replaced", user_id, utcnow()
    new = Proposal(run_id=proposal.run_id, programme_id=proposal.programme_id,
                   family_request_id=proposal.family_request_id, family_id=proposal.family_id,
                   volunteer_id=volunteer_id, score=choice["score"], factors=choice["factors"],
                   hours_per_week=choice["hours"])
    db.session.add(new)
    audit.record("update", "proposal", proposal.id, fields=["volunteer_id"], user_id=user_id)
    db.session.commit()
    return new


def manual_match(req: FamilyRequest, volunteer: Volunteer, user_id: int,
                 override_reason: str | None = None) -> Match:
    """Match by hand. The same hard rules are checked; broken rules need a written reason,
    which is kept (encrypted) on the match and in the audit log. Consent and capacity
    cannot be overridden."""
    problems = rule_problems(req, volunteer)
    blocking = [p for p in problems if p in NOT_OVERRIDABLE]
    if blocking:
        raise Refused("rule", rules=blocking)
    reason = (override_reason or "").strip()
    if problems and len(reason) < 10:
        raise Refused("override_needed", rules=problems)
    programme = db.session.get(Programme, req.programme_id)
    hours = float(programme.effective_rules.get("hours_per_match") or 0)
    family = _lock(Family, req.family_id)
    req = _lock(FamilyRequest, req.id)
    volunteer = _lock(Volunteer, volunteer.id)
    problem = capacity_problem(family, volunteer, req, hours)
    if problem:
        db.session.rollback()
        raise Refused("capacity", reason=problem)
    match = _create_match(family=family, volunteer=volunteer, req=req, user_id=user_id,
                          hours=hours, score=None,
                          override_reason=reason if problems else None)
    if problems:
        audit.record("override", "match", match.id, fields=problems,
                     reason=audit.OVERRIDE_REASON, user_id=user_id)
    req.move_to("matched", user_id)
    db.session.commit()
    return match
