"""CP-SAT solver for pair problems whose hour loads bind (a generalised assignment problem).

Lexicographic, in two phases on one model:

1. maximise served priority.  The min-cost flow without hours is a relaxation, so its served
   priority is an upper bound; when the warm start (best of greedy and the repaired flow
   solution) reaches it, phase 1 is proven without search.
2. fix served priority to the phase-1 value and maximise the score, hinted with the best
   phase-1 solution.

Only volunteers whose hours can bind get an hour constraint; count constraints are only
added where they can bind.  ``optimal`` is reported only when both phases are proven;
``bound`` is CP-SAT's proven bound on the score (tightened by the flow relaxation when
served priority equals the relaxation's).
"""

from __future__ import annotations

import math
import threading
import time

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


def _params(solver: cp_model.CpSolver, seconds: float, workers: int, log: bool) -> None:
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.log_search_progress = log


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
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
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
                          seconds=budget, give_up_after=0.5 * budget, **kw)
        if sel is not None:
            best, p_best, proven1 = sel, p_ub, True
            bound, proven2 = b, st == cp_model.OPTIMAL
        else:
            # Phase 1: maximise served priority (below the relaxation if that is infeasible).
            st, sel, b = _run(prep, nv, nf, objective="served", hint=best,
                              served_le=p_ub - 1 if st == cp_model.INFEASIBLE else None,
                              seconds=0.5 * left(), **kw)
            if sel is not None and key(sel) > key(best):
                best = sel
            p_best = key(best)[0]
            proven1 = st == cp_model.OPTIMAL or (b is not None and p_best >= b)
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
