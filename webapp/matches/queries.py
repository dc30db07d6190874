"""Read-only queries for the matching pages (kept out of the views)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..families.services import waiting_requests
from ..models import Programme
from ..models.families import Family, FamilyRequest
from ..models.matches import MatchingRun, Proposal
from ..models.volunteers import Volunteer, volunteer_programmes
from ..volunteers.readiness import readiness_for
from .inputs import family_load
from .texts import BOTTLENECKS, hint_text, rule_text


def programme_volunteers(programme: Programme) -> list[Volunteer]:
    today = date.today()
    vols = db.session.execute(
        db.select(Volunteer).join(volunteer_programmes,
                                  volunteer_programmes.c.volunteer_id == Volunteer.id)
        .where(volunteer_programmes.c.programme_id == programme.id)).scalars().all()
    return sorted((v for v in vols if v.matchable_on(today)), key=lambda v: v.name.lower())


def programme_overview(programme: Programme) -> dict:
    """Who is waiting, who is available and ready, and the recent runs."""
    today = date.today()
    waiting = waiting_requests(programme, today)
    vols = programme_volunteers(programme)
    ready = readiness_for(vols, on=today, programmes=[programme])
    ready_count = sum(1 for v in vols if ready[v.id][programme.id].ready)
    runs = db.session.execute(db.select(MatchingRun).filter_by(programme_id=programme.id)
                              .order_by(MatchingRun.id.desc()).limit(10)).scalars().all()
    all_waiting = db.session.execute(db.select(db.func.count(FamilyRequest.id)).where(
        FamilyRequest.programme_id == programme.id,
        FamilyRequest.status == "waiting")).scalar_one()
    return {"waiting": waiting[:50], "waiting_count": len(waiting),
            "waiting_not_yet": all_waiting - len(waiting), "volunteer_count": len(vols),
            "ready_count": ready_count, "runs": runs, "today": today,
            "running": next((r for r in runs if r.running), None)}


def proposals_query(run: MatchingRun, status: str):
    """A page's proposals with their family and volunteers loaded in batches (no query per
    row)."""
    query = db.select(Proposal).where(Proposal.run_id == run.id).options(
        selectinload(Proposal.family),
        selectinload(Proposal.volunteer).selectinload(Volunteer.user),
        selectinload(Proposal.volunteer2).selectinload(Volunteer.user))
    if status in ("proposed", "approved", "rejected", "stale", "replaced"):
        query = query.where(Proposal.status == status)
    return query.order_by(Proposal.score.desc(), Proposal.id)


def pending_proposals_query(programme_ids):
    """Proposals in ``programme_ids`` waiting for a decision (status ``proposed``), newest
    run first, best score first; family, volunteers and programme loaded in batches."""
    return (db.select(Proposal)
            .where(Proposal.programme_id.in_(programme_ids or {-1}),
                   Proposal.status == "proposed")
            .options(selectinload(Proposal.family),
                     selectinload(Proposal.volunteer).selectinload(Volunteer.user),
                     selectinload(Proposal.volunteer2).selectinload(Volunteer.user),
                     selectinload(Proposal.run).selectinload(MatchingRun.programme))
            .order_by(Proposal.run_id.desc(), Proposal.score.desc(), Proposal.id))


def unmatched(run: MatchingRun) -> list[dict]:
    """The run's unmatched families with the diagnosis, in words."""
    out = []
    data = (run.summary or {}).get("unmatched", {})
    if not data:
        return out
    reqs = {str(r.id): r for r in db.session.execute(db.select(FamilyRequest).where(
        FamilyRequest.id.in_([int(k) for k in data]))).scalars()}
    # "already proposed to another family" is only true when the run proposed someone (runs
    # stored before this was checked may say it regardless).
    proposed_any = db.session.execute(db.select(Proposal.id).where(
        Proposal.run_id == run.id).limit(1)).first() is not None
    for key, diag in data.items():
        req = reqs.get(key)
        if req is None:
            continue
        excluded = sorted(((rule_text(rule), n) for rule, n in diag.get("excluded", {}).items()
                           if n), key=lambda kv: -kv[1])
        out.append({"request": req, "family": req.family, "hints": [
            hint_text(h) for h in diag.get("hints", [])
            if h.get("code") != "capacity" or proposed_any], "excluded": excluded,
            "volunteers": diag.get("volunteers", 0)})
    return out


def bottlenecks(run: MatchingRun) -> list[tuple[str, int]]:
    return [(str(BOTTLENECKS.get(k, k)), n)
            for k, n in ((run.summary or {}).get("bottlenecks") or {}).items()]


def warnings_for(proposals: list[Proposal]) -> dict[int, list[str]]:
    """Per proposal: the family's cap nearly reached; the volunteer's training expiring."""
    if not proposals:
        return {}
    today = date.today()
    loads = family_load([p.family_id for p in proposals])
    vols = [p.volunteer for p in proposals]
    programmes = {p.programme_id: db.session.get(Programme, p.programme_id) for p in proposals}
    ready = readiness_for(vols, on=today, programmes=list(programmes.values()))
    out: dict[int, list[str]] = {}
    for p in proposals:
        notes = []
        family: Family = p.family
        used = family.volunteers_counted(loads.get(family.id, 0))
        if used + 1 >= (family.max_volunteers or 0):
            notes.append(_("After this match the family has %(n)s of the %(max)s volunteers "
                           "they want at once.", n=used + 1, max=family.max_volunteers))
        r = ready.get(p.volunteer_id, {}).get(p.programme_id)
        for item in (r.expiring if r else ()):
            days = (item.expires_on - today).days
            notes.append(_("%(item)s expires in %(days)s days.", item=item.item, days=days)
                         if days >= 0 else _("%(item)s has expired (grace period).",
                                             item=item.item))
        if notes:
            out[p.id] = notes
    return out
