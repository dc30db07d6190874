"""CP-SAT solver for pair problems whose hour loads bind (a generalised assignment problem).

Lexicographic (served priority first, then score):

1. the min-cost flow without hours is a relaxation: its served priority ``p_ub`` is an upper
   bound; when the warm start (best of greedy and the repaired flow solution) reaches it,
   served priority is proven without search;
2. otherwise, optimistically, CP-SAT maximises the score with served priority fixed to
   ``p_ub`` (a strong exactly-one model when everyone is served), giving up after
   ``OPTIMISTIC_SHARE`` of the time without a solution; then one hinted CP-SAT run maximises
   ``priority * BIG + score`` for the rest (served priority proven when the weight bound
   rules out serving more; the score bound is ``bound - served * BIG``);
3. with served priority fixed: when everyone must be served (GAP-like), a short CP-SAT run
   gives an incumbent, the LP relaxation's Lagrangian bound (:mod:`matching.lp`, valid for
   any duals) fixes candidates by reduced cost, and CP-SAT continues on the kept ones;
   otherwise CP-SAT maximises the score, hinted.

Only volunteers whose hours can bind get an hour constraint; count constraints only where
they can bind; family groups (cross-request caps) are constraints.  A CP-SAT bound is used
only from runs that found a solution.  ``optimal`` is reported only when both levels are
proven; ``bound`` is a proven bound on the score given the served priority.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from .core import Prepared, lexicographic_big, make_solution, prepare
from .flow import flow_select
from .greedy import greedy_select, repair_select
from .problem import Problem, Solution

DEFAULT_TIME_LIMIT = 30.0
DEFAULT_WORKERS = 2  # this machine has 2 cores; 8 workers were slower


def _groups(keys: np.ndarray, n: int) -> list[np.ndarray]:
    """For each key 0..n-1 the positions where ``keys`` equals it."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(n)]


def _lex_key(prep: Prepared, sel: np.ndarray) -> tuple[int, int]:
    return int(prep.prio[sel].sum()), int(prep.score[sel].sum())


OPTIMISTIC_SHARE = 0.3  # time share for "everyone the relaxation serves is served"
EXTRA_PARAMS: dict[str, object] = {}  # extra CP-SAT parameters (experiments, tuning)


def _params(solver: cp_model.CpSolver, seconds: float, workers: int, log: bool) -> None:
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.log_search_progress = log
    for name, value in EXTRA_PARAMS.items():
        setattr(solver.parameters, name, value)


def build_model(prep: Prepared, nv: int, nf: int) -> tuple[cp_model.CpModel, list]:
    """The assignment model: one Boolean per kept candidate and the capacity constraints."""
    model = cp_model.CpModel()
    m = len(prep.vol)
    x = [model.new_bool_var(f"x{i}") for i in range(m)]
    by_vol = _groups(prep.vol, nv)
    by_fam = _groups(prep.fam, nf)
    for v, pos in enumerate(by_vol):
        if len(pos) == 0:
            continue
        vars_ = [x[i] for i in pos.tolist()]
        # A volunteer takes at most max_families new families.
        if prep.vcap[v] < len(pos):
            model.add(sum(vars_) <= int(prep.vcap[v]))
        # A volunteer works at most hours_per_week hours (only where it can bind).
        if prep.binding[v]:
            model.add(cp_model.LinearExpr.weighted_sum(vars_, prep.load[pos].tolist())
                      <= int(prep.vhours[v]))
    for f, pos in enumerate(by_fam):
        # A family gets at most max_new_volunteers volunteers (overload cap).
        if 0 < len(pos) and prep.fcap[f] < len(pos):
            model.add(sum(x[i] for i in pos.tolist()) <= int(prep.fcap[f]))
    add_group_constraints(model, x, prep.grp, prep.gcap, prep.vol)
    return model, x


def add_group_constraints(model: cp_model.CpModel, x: list, grp: np.ndarray | None,
                          gcap: np.ndarray | None, vol: np.ndarray) -> None:
    """Cross-request caps: a family group's requests together within the group's cap, and a
    volunteer at most once per group."""
    if grp is None or not (grp >= 0).any():
        return
    ing = np.flatnonzero(grp >= 0)
    for g, pos in enumerate(_groups(grp[ing], len(gcap))):
        if len(pos) > gcap[g]:
            # The family's requests together take at most its overload cap.
            model.add(sum(x[i] for i in ing[pos].tolist()) <= int(gcap[g]))
    key = vol[ing] * len(gcap) + grp[ing]
    order = np.argsort(key, kind="stable")
    ks = key[order]
    bounds = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1, len(ks)]
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if hi - lo > 1:
            # Never the same volunteer twice for one family.
            model.add_at_most_one(x[i] for i in ing[order[lo:hi]].tolist())


def _tighten_full_cover(model: cp_model.CpModel, x: list, prep: Prepared, nf: int,
                        served: int) -> None:
    """When the proven served priority is the largest possible, every family with a positive
    priority is full: state it as equalities (exactly-one for caps of 1), a much stronger
    model for CP-SAT than the single served-priority equation (GAP-like instances)."""
    fam_prio = np.zeros(nf, dtype=np.int64)
    fam_prio[prep.fam] = prep.prio
    full = np.flatnonzero(fam_prio > 0)
    if served != int((fam_prio[full] * prep.fcap[full]).sum()):
        return
    for f, pos in enumerate(_groups(prep.fam, nf)):
        if fam_prio[f] > 0 and len(pos):
            # Every family is served to its cap (implied by the served priority).
            model.add(sum(x[i] for i in pos.tolist()) == int(prep.fcap[f]))


def _is_full_cover(prep: Prepared, nf: int, served: int) -> bool:
    """True when ``served`` is only reachable with every positive-priority family at its cap."""
    fam_prio = np.zeros(nf, dtype=np.int64)
    fam_prio[prep.fam] = prep.prio
    full = np.flatnonzero(fam_prio > 0)
    return served == int((fam_prio[full] * prep.fcap[full]).sum())


FIX_WARMUP = 0.25  # share of the time for the first CP-SAT run (an incumbent to fix with)
FIX_MAX_KEEP = 0.5  # restart on the kept candidates only when fixing removes at least half


def _phase2_fixing(prep: Prepared, nv: int, nf: int, served: int, best: np.ndarray, left,
                   kw) -> tuple[np.ndarray, int | None, bool]:
    """Score phase when every family must be served (GAP-like), with LP reduced-cost fixing.

    1. CP-SAT on the full model for ``FIX_WARMUP`` of the time → incumbent ``inc``;
    2. the LP relaxation (GLOP; exact cover rows, count and hour rows) gives, from its duals,
       a proven Lagrangian bound and reduced costs; every candidate whose forcing caps the
       bound below ``inc + 1`` is removed (it is in no better solution);
    3. CP-SAT on the kept candidates: optimal or infeasible there proves the optimum.
    Returns (selection, proven bound or None, proven optimal)."""
    from . import lp

    def score(sel: np.ndarray) -> int:
        return int(prep.score[sel].sum())

    st, sel, bound = _run(prep, nv, nf, objective="score", served_eq=served, hint=best,
                          seconds=FIX_WARMUP * left(), **kw)
    if sel is not None and score(sel) >= score(best):
        best = sel
    if st == cp_model.OPTIMAL:
        return best, score(best), True
    fam_prio = np.zeros(nf, dtype=np.int64)
    fam_prio[prep.fam] = prep.prio
    hours = np.flatnonzero(prep.binding[prep.vol])
    rows = lp.Rows.concat([
        lp.Rows(prep.fam, np.arange(len(prep.fam)), np.ones(len(prep.fam)),
                np.where(fam_prio > 0, prep.fcap, -np.inf).astype(np.float64),
                prep.fcap.astype(np.float64)),
        lp.group_rows(prep.vol, prep.vcap),
        lp.Rows(prep.vol[hours], hours, prep.load[hours].astype(np.float64),
                np.full(nv, -np.inf), np.where(prep.binding, prep.vhours, np.inf)
                .astype(np.float64)),
    ])
    w = prep.score.astype(np.float64)
    res = lp.solve(w, rows, integral=False, solver="glop", seconds=min(left(), 5.0))
    if res.duals is None:
        return best, bound, False
    L, d = lp.lagrangian_bound(w, rows, res.duals)
    lp_bound = math.floor(L + 1e-9 * (1 + abs(L)))
    bound = lp_bound if bound is None else min(bound, lp_bound)
    inc = score(best)
    if inc >= bound:
        return best, bound, True
    keep = np.union1d(np.flatnonzero(L + np.minimum(d, 0.0) >= inc + 1 - 1e-9 * (1 + abs(L))),
                      best)
    if len(keep) > FIX_MAX_KEEP * len(prep.vol):
        # Fixing removes too little to pay for a restart: back to the full model.
        st, sel, b = _run(prep, nv, nf, objective="score", served_eq=served, hint=best,
                          seconds=left(), **kw)
        if sel is not None and score(sel) >= score(best):
            best = sel
        if b is not None:
            bound = min(bound, b)
        return best, bound, st == cp_model.OPTIMAL or score(best) >= bound
    sub = replace(prep, idx=prep.idx[keep], vol=prep.vol[keep], fam=prep.fam[keep],
                  score=prep.score[keep], load=prep.load[keep], prio=prep.prio[keep],
                  grp=None if prep.grp is None else prep.grp[keep])
    hint = np.flatnonzero(np.isin(keep, best))
    st, sel, b = _run(sub, nv, nf, objective="score", served_eq=served, hint=hint,
                      seconds=left(), **kw)
    if st == cp_model.INFEASIBLE:  # no solution better than the incumbent exists
        return best, inc, True
    if sel is not None and score(keep[sel]) > inc:
        best = keep[sel]
    if st == cp_model.OPTIMAL:
        return best, score(best), True
    if b is not None:  # better solutions use kept candidates only
        bound = min(bound, max(inc, b))
    return best, bound, score(best) >= bound


def _hint(model: cp_model.CpModel, x: list, sel: np.ndarray) -> None:
    model.clear_hints()
    on = np.zeros(len(x), dtype=bool)
    on[sel] = True
    for var, val in zip(x, on.tolist()):
        model.add_hint(var, val)


def _values(solver: cp_model.CpSolver, x: list) -> np.ndarray:
    return np.flatnonzero(np.array([solver.boolean_value(v) for v in x], dtype=bool))


class _StopIfNoSolution(cp_model.CpSolverSolutionCallback):
    """Stops the search after ``seconds`` unless a solution has been found by then."""

    def __init__(self, solver: cp_model.CpSolver, seconds: float):
        super().__init__()
        self.found = False
        self._timer = threading.Timer(max(0.01, seconds), self._maybe_stop, args=(solver,))
        self._timer.daemon = True

    def _maybe_stop(self, solver: cp_model.CpSolver) -> None:
        if not self.found:
            solver.stop_search()

    def on_solution_callback(self) -> None:
        self.found = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()


def _run(prep: Prepared, nv: int, nf: int, *, objective: str, served_eq: int | None = None,
         served_ge: int | None = None, served_le: int | None = None,
         hint: np.ndarray | None = None, seconds: float, workers: int, log: bool,
         give_up_after: float | None = None) -> tuple[int, np.ndarray | None, int | None]:
    """Build and solve one CP-SAT model; returns (status, selection or None, bound or None)."""
    model, x = build_model(prep, nv, nf)
    pos_prio = np.flatnonzero(prep.prio > 0)
    served = cp_model.LinearExpr.weighted_sum([x[i] for i in pos_prio.tolist()],
                                              prep.prio[pos_prio].tolist())
    if served_eq is not None:
        # Served priority fixed to its proven (or assumed) optimum.
        model.add(served == served_eq)
        _tighten_full_cover(model, x, prep, nf, served_eq)
    if served_ge is not None:
        model.add(served >= served_ge)
    if served_le is not None:
        model.add(served <= served_le)
    if objective == "served":
        model.maximize(served)
    elif objective == "weighted":  # priority * BIG + score: both phases in one run
        big = lexicographic_big(prep)
        model.maximize(cp_model.LinearExpr.weighted_sum(
            x, (np.where(prep.prio > 0, prep.prio * big, 0) + prep.score).tolist()))
    else:
        model.maximize(cp_model.LinearExpr.weighted_sum(x, prep.score.tolist()))
    if hint is not None:
        _hint(model, x, hint)
    solver = cp_model.CpSolver()
    _params(solver, seconds, workers, log)
    if give_up_after is not None:
        cb = _StopIfNoSolution(solver, give_up_after)
        cb.start()
        status = solver.solve(model, cb)
        cb.cancel()
    else:
        status = solver.solve(model)
    sel = _values(solver, x) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
    bound = None
    # Only a solved or feasible run has a meaningful bound: after a stop without a solution
    # (UNKNOWN) CP-SAT may report 0, which is not a bound.
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        b = solver.best_objective_bound
        if math.isfinite(b) and abs(b) < 2**62:
            bound = math.floor(b + 1e-6)
    return status, sel, bound


def solve_cpsat(problem: Problem, time_limit: float | None = None, *,
                prep: Prepared | None = None, workers: int = DEFAULT_WORKERS,
                log: bool = False) -> Solution:
    """Solve with hour loads; see the module docstring for the method and the guarantees."""
    started = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    deadline = started + limit
    prep = prep if prep is not None else prepare(problem)
    nv, nf = len(problem.volunteers), len(problem.families)
    m = len(prep.vol)
    if m == 0:
        return make_solution(problem, prep.idx[:0], "optimal", 0, started, "cpsat")

    def left() -> float:
        return max(0.01, deadline - time.perf_counter())

    def key(sel: np.ndarray) -> tuple[int, int]:
        return _lex_key(prep, sel)

    # Relaxation (hours ignored) and warm starts.
    relax = flow_select(prep, nv, nf)
    p_ub, s_relax = key(relax)
    if not prep.hours_bind:  # the relaxation is exact
        return make_solution(problem, prep.idx[relax], "optimal", s_relax, started, "cpsat")
    best = max((greedy_select(prep), repair_select(prep, relax)), key=key)
    kw = dict(workers=workers, log=log)

    p_best = key(best)[0]
    proven1 = p_best >= p_ub
    bound: int | None = None
    proven2 = False
    if not proven1:
        # Optimistic: assume the relaxation's served priority is attainable and optimise the
        # score directly (strong exactly-one model); give up if no solution comes quickly.
        budget = left()
        st, sel, b = _run(prep, nv, nf, objective="score", served_eq=p_ub, hint=best,
                          seconds=budget, give_up_after=OPTIMISTIC_SHARE * budget, **kw)
        if sel is not None:
            best, p_best, proven1 = sel, p_ub, True
            bound, proven2 = b, st == cp_model.OPTIMAL
        else:
            # Both phases in one run: maximise priority * BIG + score (served first), below
            # the relaxation's served priority when that was proven infeasible.
            st, sel, b = _run(prep, nv, nf, objective="weighted", hint=best,
                              served_le=p_ub - 1 if st == cp_model.INFEASIBLE else None,
                              seconds=left(), **kw)
            if sel is not None and key(sel) > key(best):
                best = sel
            p_best = key(best)[0]
            if b is not None:
                big = lexicographic_big(prep)
                lo = int(np.minimum(prep.score, 0).sum())  # no score is below this
                # No solution serves more: its weight would exceed the proven bound.
                proven1 = b < (p_best + 1) * big + lo
                # Given this served priority, the score is at most b - served * BIG.
                bound = b - p_best * big
                proven2 = key(best)[1] >= bound
    if (not proven2 and proven1 and left() > 0.5 and not prep.has_groups
            and _is_full_cover(prep, nf, p_best)):
        # GAP-like: everyone served; LP bound and reduced-cost fixing, then CP-SAT.
        best, b, proven2 = _phase2_fixing(prep, nv, nf, p_best, best, left, kw)
        if b is not None:
            bound = b if bound is None else min(bound, b)
    if not proven2 and left() > 0.02 and (bound is None or key(best)[1] < bound):
        # Phase 2: fix served priority (at least it when unproven), maximise the score.
        st, sel, b = _run(prep, nv, nf, objective="score",
                          served_eq=p_best if proven1 else None,
                          served_ge=None if proven1 else p_best,
                          hint=best, seconds=left(), **kw)
        if sel is not None and key(sel) >= key(best):
            best = sel
        if b is not None:
            bound = b if bound is None else min(bound, b)
        proven2 = st == cp_model.OPTIMAL
    if proven1 and p_best == p_ub:
        bound = s_relax if bound is None else min(bound, s_relax)
    score = key(best)[1]
    if bound is not None and score >= bound:
        proven2 = True
    status_s = "optimal" if (proven1 and proven2) else "feasible"
    return make_solution(problem, prep.idx[best], status_s, bound, started, "cpsat")


def solve_naive(problem: Problem, time_limit: float | None = None, *,
                workers: int = DEFAULT_WORKERS) -> Solution:
    """Baseline: one CP-SAT model of everything, no preprocessing, no hint, single objective
    ``priority * BIG + score``.  For benchmarks only."""
    started = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    a = problem.arrays
    nv, nf = len(problem.volunteers), len(problem.families)
    m = len(a.vol)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(m)]
    by_vol = _groups(a.vol, nv)
    by_fam = _groups(a.fam, nf)
    for v, pos in enumerate(by_vol):
        vars_ = [x[i] for i in pos.tolist()]
        if a.vol_max[v] >= 0:
            model.add(sum(vars_) <= int(a.vol_max[v]))
        if a.vol_hours[v] >= 0:
            model.add(cp_model.LinearExpr.weighted_sum(vars_, a.load[pos].tolist())
                      <= int(a.vol_hours[v]))
    for f, pos in enumerate(by_fam):
        if a.fam_max[f] >= 0:
            model.add(sum(x[i] for i in pos.tolist()) <= int(a.fam_max[f]))
    if a.fam_group is not None:
        add_group_constraints(model, x, a.fam_group[a.fam],
                              np.where(a.group_max < 0, m, a.group_max), a.vol)
    prep = prepare(problem)
    big = lexicographic_big(prep)
    weight = (a.fam_priority[a.fam] * big + a.score).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(x, weight))
    solver = cp_model.CpSolver()
    _params(solver, limit, workers, False)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        sol = make_solution(problem, np.zeros(0, dtype=np.int64), "no_solution_in_time", None,
                            started, "naive-cpsat")
        return sol
    sel = _values(solver, x)
    served = int(a.fam_priority[a.fam[sel]].sum())
    wbound = math.floor(solver.best_objective_bound + 1e-6)
    bound = wbound - served * big  # valid bound on score given this served priority
    st = "optimal" if status == cp_model.OPTIMAL else "feasible"
    return make_solution(problem, sel, st, bound, started, "naive-cpsat")
