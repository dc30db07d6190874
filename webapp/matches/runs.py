"""Starting a matching run and the job that carries it out.

The job reports three stages (building candidates → solving → explaining), stores the inputs'
snapshot with the run, and turns the solution into proposals. Only ``matching/`` decides.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError

from matching.explain import diagnose, explain_matches
from matching.scoring import Scorer
from matching.problem import TrioProblem
from matching.solve import solve
from matching.trio_inputs import build_trio_problem, trio_scorer
from matching.trios import solve_trios

from ..extensions import db
from ..jobs import enqueue, give_up_if_dead, job, on_failure, queue_state
from ..models import Job, Programme
from ..models.base import utcnow
from ..models.matches import MatchingRun, Proposal
from .inputs import build_inputs

SOLVE_SECONDS = 20


class RunRefused(Exception):
    """A run cannot start (another one for this programme is under way)."""


def start_run(programme: Programme, user_id: int, *, municipality: str | None = None,
              urgent_only: bool = False) -> MatchingRun:
    """Record a run and enqueue it. Refused while another run of the programme is under way
    (a unique constraint guards this, so two coordinators cannot both start one)."""
    run = MatchingRun(programme_id=programme.id, created_by_id=user_id, running=1,
                      scope={"municipality": municipality or None, "urgent_only": urgent_only},
                      kind="trios" if programme.effective_rules.get("trios") else "pairs")
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RunRefused() from None
    row = enqueue("matching_run", run.id, created_by=user_id)
    run = db.session.get(MatchingRun, run.id)
    run.job_id = row.id
    db.session.commit()
    return run


def retry_run(run: MatchingRun, user_id: int) -> MatchingRun:
    """Start the same run again (after a failure), with the same scope."""
    programme = db.session.get(Programme, run.programme_id)
    return start_run(programme, user_id, municipality=run.scope.get("municipality"),
                     urgent_only=bool(run.scope.get("urgent_only")))


def check_run(run: MatchingRun) -> MatchingRun:
    """A run shown as under way whose job's process died is marked failed here (and so can
    be started again), instead of showing "running" until the daily reaper comes."""
    if run.status in ("queued", "running") and run.job is not None \
            and give_up_if_dead(run.job):
        db.session.refresh(run)
    return run


def stopped_unexpectedly(run: MatchingRun) -> bool:
    """The run failed because the process carrying it died (not because of its inputs)."""
    return run.status == "failed" and run.error == Job.WORKER_LOST


def waiting_for_queue(run: MatchingRun) -> bool:
    """The run waits because the job queue (Redis) cannot be reached at the moment."""
    return run.status == "queued" and queue_state() == "down"


def _factor_json(factors) -> list[dict]:
    return [{"code": f.code, "points": int(f.points), "params": dict(f.params)} for f in factors]


def _diagnosis_json(diag) -> dict:
    out = {}
    for d in diag.requests:
        ex = d.exclusions
        out[d.request] = {
            "family": d.family, "volunteers": ex.volunteers, "candidates": ex.candidates,
            "excluded": dict(ex.excluded), "only": dict(ex.only),
            "blockers": list(d.blockers),
            "hints": [{"code": h.code, "count": h.count, "params": dict(h.params)}
                      for h in d.hints]}
    return out


def _pairs(ctx, run, programme, scorer, inputs):
    """Volunteer–family pairs: candidates → exact solver → explained proposals."""
    candidates = scorer.candidates(inputs.requests)
    ctx.progress(35, "solving")
    solution = solve(candidates.to_problem(), time_limit=SOLVE_SECONDS)
    ctx.progress(70, "explaining")
    explanations = explain_matches(candidates, solution)
    by_id = {r.id: r for r in inputs.requests}
    for m in solution.matches:
        req = by_id[m.family]
        cand = candidates.find(m.volunteer, m.family)
        db.session.add(Proposal(
            run_id=run.id, programme_id=programme.id, family_request_id=int(req.id),
            family_id=int(req.family_id), volunteer_id=int(m.volunteer), score=m.score,
            hours_per_week=float(cand.hours_per_week if cand else 0),
            factors=_factor_json(explanations.get((m.volunteer, m.family), ()))))
    return solution, len(candidates)


def _trios(ctx, run, programme, scorer, inputs):
    """Nieuwkomer + oudkomer + Dutch volunteer: feasible triples → trio solver."""
    problem, why = build_trio_problem(scorer, inputs.requests)
    ctx.progress(35, "solving")
    solution = solve_trios(TrioProblem.from_json(problem), time_limit=SOLVE_SECONDS)
    ctx.progress(70, "explaining")
    by_id = {r.id: r for r in inputs.requests}
    hours = float(inputs.rules.hours_per_match or 0)
    for t in solution.trios:
        req = by_id[t.family]
        factors = (_factor_json(why.get(("fo", t.family, t.oudkomer), ()))
                   + _factor_json(why.get(("fd", t.family, t.dutch), ()))
                   + [{"code": "trio_pair", "points": int(why.get(("od", t.oudkomer, t.dutch), 0)),
                       "params": {}}])
        db.session.add(Proposal(
            run_id=run.id, programme_id=programme.id, family_request_id=int(req.id),
            family_id=int(req.family_id), volunteer_id=int(t.oudkomer),
            volunteer2_id=int(t.dutch), score=t.score, hours_per_week=hours, factors=factors))
    count = len(problem["family_oudkomer"]) + len(problem["family_dutch"])
    return solution, count


@job("matching_run")
def run_matching(ctx, run_id: int) -> dict:
    """Build candidates, solve, explain, and store proposals for run ``run_id``."""
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.status in ("finished", "failed"):
        return {"status": getattr(run, "status", "missing")}
    try:
        run.status = "running"
        db.session.commit()
        ctx.progress(5, "building")
        today = date.today()
        programme = db.session.get(Programme, run.programme_id)
        inputs = build_inputs(programme, run.scope or {}, today)
        scorer = Scorer(inputs.volunteers, {inputs.programme_code: inputs.rules}, today)
        if run.kind == "trios":
            # the trio rule (the oudkomer bridges the language) for proposals and diagnosis
            scorer = trio_scorer(scorer)
            solution, count = _trios(ctx, run, programme, scorer, inputs)
        else:
            solution, count = _pairs(ctx, run, programme, scorer, inputs)
        diagnosis = diagnose(scorer, inputs.requests, solution)
        run.snapshot = inputs.snapshot()
        run.summary = {
            "status": solution.status, "served_priority": solution.served_priority,
            "score": solution.score, "bound": solution.bound,
            "solve_seconds": round(solution.solve_seconds, 3),
            "requests": len(inputs.requests), "volunteers": len(inputs.volunteers),
            "candidates": count, "proposals": len(getattr(solution, "matches", None)
                                                   or getattr(solution, "trios", ())),
            "unmatched": _diagnosis_json(diagnosis),
            "bottlenecks": dict(diagnosis.bottlenecks)}
        run.status, run.running, run.finished_at = "finished", None, utcnow()
        ctx.progress(95, "explaining")
        db.session.commit()
        return {"proposals": run.summary["proposals"]}
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(MatchingRun, run_id)
        run.status, run.running, run.finished_at = "failed", None, utcnow()
        run.error = f"{type(exc).__name__}: {exc}"[:1000]
        db.session.commit()
        raise


@on_failure("matching_run")
def free_run(job_row) -> None:
    """A run whose worker died is marked failed (nothing of it was stored) and can be retried."""
    run = db.session.execute(db.select(MatchingRun).filter_by(job_id=job_row.id)).scalar_one_or_none()
    if run is not None and run.status in ("queued", "running"):
        run.status, run.running, run.finished_at = "failed", None, utcnow()
        run.error = job_row.error
