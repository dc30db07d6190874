"""Trios: nieuwkomer family + oudkomer + Dutch volunteer (three-index assignment, NP-hard).

Same lexicographic objective as pairs (served priority — one family priority per trio —
then total score), handled as one weight per triple ``w = priority * BIG + score`` (``BIG``
exceeds any score difference).  ``time_limit`` covers everything from the call on.

Common start: prune triples that can never help (negative priority, priority 0 without a
positive score, zero capacities); warm starts by greedy and by a two-stage flow
decomposition; a proven upper bound from the 2-D projections (family–oudkomer and
family–Dutch b-matchings valued by their best triple are relaxations).

Up to ``LP_MAX_TRIPLES`` triples (e.g. the ap3 benchmark, n ≤ 50) — exact:

1. LP relaxation (GLOP); its duals give a Lagrangian bound recomputed exactly in numpy
   (:func:`matching.lp.lagrangian_bound`, valid for any duals) and reduced costs;
2. MIP (SCIP) on the triples with the best reduced costs → a strong incumbent;
3. reduced-cost fixing: triples whose forcing caps the bound at or below the incumbent are
   removed — exact — and the MIP on the rest proves the optimum (or gives a bound: any
   better solution uses kept triples only, so ``max(incumbent, MIP bound)`` is proven).

Above it (the full LP takes ~1 minute at 350,000 triples) — bounded gap:

1. served priority: Lagrangian relaxation of the Dutch capacities, whose subproblem is an
   exact family–oudkomer min-cost flow; relaxed solutions are repaired by giving the chosen
   pairs Dutch volunteers with a second flow;
2. score at that served priority ``P``: column generation on the LP ``max score, caps,
   served >= P`` (GLOP dual simplex on a growing set of triples, priced on *all* triples);
   each round's duals give a proven Lagrangian bound for the full problem;
3. a dual-guided heuristic (the relaxation priced with the LP multipliers, served price
   raised step by step) and CP-SAT on the generated columns, hinted with the incumbent.

``bound`` is always proven: a bound on the score given the solution's served priority.
``optimal`` only when the score reaches it.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from . import lp
from .flow import bmatch
from .problem import Trio, TrioProblem, TrioSolution

DEFAULT_TIME_LIMIT = 60.0
DEFAULT_WORKERS = 2  # this machine has 2 cores
DEFAULT_MIP = "scip"
LP_SOLVER = "glop"
LP_MAX_TRIPLES = 150_000  # above: Lagrangian relaxation instead of the LP (LP too slow)
GLOP_PARAMS = "use_dual_simplex: true"  # about 3x faster than primal on these LPs


class _Arrays:
    """Index arrays for the useful triples of a trio problem."""

    def __init__(self, problem: TrioProblem):
        fi = {f.id: i for i, f in enumerate(problem.families)}
        oi = {o.id: i for i, o in enumerate(problem.oudkomers)}
        di = {d.id: i for i, d in enumerate(problem.dutch)}
        t = problem.triples
        n = len(t)
        f = np.fromiter((fi[x.family] for x in t), dtype=np.int64, count=n)
        o = np.fromiter((oi[x.oudkomer] for x in t), dtype=np.int64, count=n)
        d = np.fromiter((di[x.dutch] for x in t), dtype=np.int64, count=n)
        s = np.fromiter((x.score for x in t), dtype=np.int64, count=n)
        fprio = np.array([x.priority for x in problem.families], dtype=np.int64)
        big_cap = max(n, 1)

        def caps(vals):
            return np.array([big_cap if c is None else c for c in vals], dtype=np.int64)

        fcap = caps([x.trio_cap for x in problem.families])
        ocap = caps([x.max_trios for x in problem.oudkomers])
        dcap = caps([x.max_trios for x in problem.dutch])
        p = fprio[f] if n else np.zeros(0, dtype=np.int64)
        keep = ((p > 0) | ((p == 0) & (s > 0))) & (fcap[f] > 0) & (ocap[o] > 0) & (dcap[d] > 0)
        self.idx = np.flatnonzero(keep)
        self.f, self.o, self.d, self.s, self.p = f[keep], o[keep], d[keep], s[keep], p[keep]
        self.fcap = np.minimum(fcap, np.bincount(self.f, minlength=len(fcap)))
        self.ocap = np.minimum(ocap, np.bincount(self.o, minlength=len(ocap)))
        self.dcap = np.minimum(dcap, np.bincount(self.d, minlength=len(dcap)))
        # One unit of priority outweighs any score difference: a family's trios score at
        # most fcap * max|s| in absolute value.
        fmax = np.zeros(len(fcap), dtype=np.int64)
        np.maximum.at(fmax, self.f, np.abs(self.s))
        self.big = 2 * int((fmax * self.fcap).sum()) + 1
        self.weight = np.where(self.p > 0, self.p * self.big + self.s, self.s)

    def key(self, sel: np.ndarray) -> tuple[int, int]:
        return int(self.p[sel].sum()), int(self.s[sel].sum())


def _best_per_pair(a: np.ndarray, b: np.ndarray, w: np.ndarray, nb: int):
    """Per distinct (a, b) pair: the position of its maximum-weight triple."""
    key = a * nb + b
    order = np.lexsort((-w, key))
    ks = key[order]
    first = np.r_[True, ks[1:] != ks[:-1]]
    return order[first]


def _greedy(t: _Arrays, order: np.ndarray, fixed: list[int] = ()) -> np.ndarray:
    fl, ol, dl = t.fcap.tolist(), t.ocap.tolist(), t.dcap.tolist()
    f, o, d = t.f.tolist(), t.o.tolist(), t.d.tolist()
    chosen = []
    taken = set()
    for i in list(fixed) + order.tolist():
        if i in taken:
            continue
        if fl[f[i]] > 0 and ol[o[i]] > 0 and dl[d[i]] > 0:
            fl[f[i]] -= 1
            ol[o[i]] -= 1
            dl[d[i]] -= 1
            chosen.append(i)
            taken.add(i)
    return np.array(sorted(chosen), dtype=np.int64)


def _decomposition(t: _Arrays, order: np.ndarray) -> np.ndarray:
    """Two-stage flow heuristic: family–oudkomer pairs first, then their Dutch volunteers."""
    if len(t.f) == 0:
        return np.zeros(0, dtype=np.int64)
    nf, no = len(t.fcap), len(t.ocap)
    rep = _best_per_pair(t.f, t.o, t.weight, no)
    chosen_pairs = rep[bmatch(t.f[rep], t.o[rep], t.weight[rep], t.fcap, t.ocap)]
    pair_key = t.f[chosen_pairs] * no + t.o[chosen_pairs]
    keys = t.f * no + t.o
    srt = np.argsort(pair_key)
    at = np.clip(np.searchsorted(pair_key[srt], keys), 0, max(len(pair_key) - 1, 0))
    mask = (pair_key[srt][at] == keys) if len(pair_key) else np.zeros(len(keys), dtype=bool)
    pos = np.flatnonzero(mask)
    left = srt[at[pos]]
    sel = pos[bmatch(left, t.d[pos], t.weight[pos], np.ones(len(pair_key), dtype=np.int64),
                     t.dcap)]
    del nf
    return _greedy(t, order, fixed=sel.tolist())


def _projection_bound(t: _Arrays) -> int:
    """Upper bound on the total weight from the 2-D projections (each is a relaxation: a
    set of trios maps to a family–oudkomer and to a family–Dutch b-matching).  Arcs are the
    pairs valued by their best triple when a pair can carry at most one trio (family or
    partner capacity 1), else every triple is its own arc (a multigraph: still exact)."""
    if len(t.f) == 0:
        return 0
    best = None
    for other, ocap in ((t.o, t.ocap), (t.d, t.dcap)):
        if _one_per_pair(t.fcap, ocap, t.f, other):
            rep = _best_per_pair(t.f, other, t.weight, len(ocap))
        else:
            rep = np.arange(len(t.f))
        sel = rep[bmatch(t.f[rep], other[rep], t.weight[rep], t.fcap, ocap)]
        val = int(t.weight[sel].sum())
        best = val if best is None else min(best, val)
    return best


def _one_per_pair(fcap: np.ndarray, ocap: np.ndarray, f: np.ndarray, o: np.ndarray) -> bool:
    """True when no family–partner pair can appear in two trios (one side has cap 1)."""
    return bool((np.minimum(fcap[f], ocap[o]) <= 1).all())


def _rows(t: _Arrays) -> lp.Rows:
    """Capacity rows of the trio model: family, oudkomer and Dutch volunteer caps."""
    return lp.Rows.concat([lp.group_rows(t.f, t.fcap), lp.group_rows(t.o, t.ocap),
                           lp.group_rows(t.d, t.dcap)])


def _mip(t: _Arrays, rows: lp.Rows, keep: np.ndarray, incumbent: np.ndarray, seconds: float,
         solver: str) -> tuple[np.ndarray | None, float | None, bool]:
    """MIP over the triples ``keep`` (sorted positions) hinted with ``incumbent``.

    Returns (selection as positions into ``t`` or None, proven bound on the restricted
    problem or None, proven optimal on the restricted problem)."""
    sub = rows.restrict(keep)
    hint = np.isin(keep, incumbent).astype(np.float64)
    res = lp.solve(t.weight[keep].astype(np.float64), sub, integral=True, solver=solver,
                   seconds=seconds, hint=hint)
    sel = keep[np.flatnonzero(res.x > 0.5)] if res.x is not None else None
    if sel is not None and not _feasible(t, sel):
        sel = None
    bound = None if res.bound is None else res.bound
    return sel, bound, res.status == "OPTIMAL" and sel is not None


def _feasible(t: _Arrays, sel: np.ndarray) -> bool:
    """True when ``sel`` respects every capacity (a guard on solver output)."""
    return all((np.bincount(arr[sel], minlength=len(cap)) <= cap).all()
               for arr, cap in ((t.f, t.fcap), (t.o, t.ocap), (t.d, t.dcap)))


class _Lagrange:
    """Lagrangian relaxation of the Dutch-volunteer capacities.

    With multipliers ``lam[d] >= 0`` on the Dutch capacities (and ``mu >= 0`` on a served
    priority floor ``sum p x >= P``), the relaxed problem decomposes: each family–oudkomer
    pair takes its best triple under the adjusted weight ``c = s + mu p - lam[d]`` (or
    ``p - lam[d]`` for the served objective), and the pairs form a family–oudkomer
    b-matching solved exactly by min-cost flow.  For *any* integral ``lam, mu >= 0`` the
    value ``sum lam·dcap - mu P + flow`` is a proven upper bound (weak duality); subgradient
    steps make it tight.  The relaxed solutions, repaired, are primal heuristics.
    """

    def __init__(self, t: _Arrays):
        self.t = t
        key = t.f * len(t.ocap) + t.o
        self.order = np.argsort(key, kind="stable")
        ks = key[self.order]
        self.starts = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1] if len(ks) else \
            np.zeros(0, dtype=np.int64)
        self.pf = t.f[self.order][self.starts]
        self.po = t.o[self.order][self.starts]
        self.counts = np.diff(np.r_[self.starts, len(ks)])
        self.one_per_pair = _one_per_pair(t.fcap, t.ocap, t.f, t.o)
        self.pair_of = np.empty(len(ks), dtype=np.int64)
        self.pair_of[self.order] = np.repeat(np.arange(len(self.starts)), self.counts)

    def assign(self, sel: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Primal heuristic: keep the family–oudkomer pairs of ``sel`` and give them Dutch
        volunteers by an exact b-matching (pair → Dutch volunteer, weights ``weight``),
        then fill greedily."""
        t = self.t
        flag = np.zeros(len(self.starts), dtype=bool)
        flag[self.pair_of[sel]] = True
        pos = np.flatnonzero(flag[self.pair_of])
        ids = np.cumsum(flag) - 1
        left = ids[self.pair_of[pos]]
        chosen = pos[bmatch(left, t.d[pos], t.weight[pos],
                            np.ones(int(flag.sum()), dtype=np.int64), t.dcap)]
        return _greedy(t, order, fixed=chosen.tolist())

    def relaxed(self, c: np.ndarray) -> np.ndarray:
        """Positions (into ``t``) of an optimal solution of the relaxed problem for the
        integer adjusted weights ``c`` (one per triple)."""
        t = self.t
        if not self.one_per_pair:  # a pair may carry several trios: every triple an arc
            return bmatch(t.f, t.o, c, t.fcap, t.ocap)
        cs = c[self.order]
        mx = np.maximum.reduceat(cs, self.starts)
        is_max = cs == np.repeat(mx, self.counts)
        pos = np.flatnonzero(is_max)
        grp = np.searchsorted(self.starts, pos, side="right") - 1
        first = np.r_[True, grp[1:] != grp[:-1]]
        arg = self.order[pos[first]]  # one best triple per pair
        chosen = bmatch(self.pf, self.po, mx, t.fcap, t.ocap)
        return arg[chosen]

    def run(self, seconds: float, lower, served_floor: int | None,
            on_primal, scale: int = 100) -> tuple[float, np.ndarray, float]:
        """Subgradient optimisation for ``seconds``.  Objective: served priority when
        ``served_floor`` is None, else score subject to served >= ``served_floor``.
        ``lower()`` is the best known objective value (for the step length); ``on_primal``
        receives relaxed solutions.  Multipliers live on a grid of ``1/scale`` so that the
        flow weights stay integral and the bound is computed exactly.
        Returns (best bound, its lam, its mu) with lam and mu in objective units."""
        t = self.t
        stop = time.perf_counter() + seconds
        nd = len(t.dcap)
        lam = np.zeros(nd, dtype=np.int64)  # in units of 1/scale
        mu = 0 if served_floor is None else scale
        base = scale * (t.p if served_floor is None else t.s)
        best = (math.inf, lam.copy(), mu)
        theta, stall, it = 1.0, 0, 0
        while time.perf_counter() < stop:
            it += 1
            c = base + mu * t.p - lam[t.d]
            sel = self.relaxed(c)
            use = np.bincount(t.d[sel], minlength=nd)
            L_int = int((lam * t.dcap).sum()) + int(c[sel].sum())
            if served_floor is not None:
                L_int -= mu * served_floor
            L = L_int / scale
            if L < best[0] - 1e-12:
                best, stall = (L, lam.copy(), mu), 0
                if math.floor(L + 1e-9) <= lower():
                    break  # the bound meets the incumbent: nothing left to prove
            else:
                stall += 1
                if stall >= 8:
                    theta, stall = theta / 2, 0
            if it % 3 == 1:
                on_primal(sel, c)
            g = (t.dcap - use).astype(np.float64)
            g[(lam == 0) & (g > 0)] = 0.0
            gmu = 0.0
            if served_floor is not None:
                gmu = float(served_floor - t.p[sel].sum())
                if mu == 0 and gmu > 0:
                    gmu = 0.0
            norm = float((g * g).sum() + gmu * gmu)
            if norm == 0 or theta < 1e-4:
                break  # the relaxed solution is feasible and complementary: optimal
            step = scale * theta * max(L - lower(), 0.5) / norm
            lam = np.maximum(0, np.rint(lam - step * g)).astype(np.int64)
            if served_floor is not None:
                mu = max(0, int(round(mu - step * gmu)))
        L, lam_b, mu_b = best
        return L, lam_b / scale, mu_b / scale


def _repair(t: _Arrays, sel: np.ndarray, c: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Feasible trios from a relaxed selection: keep its triples by adjusted weight while
    capacities allow, then fill greedily."""
    first = sel[np.argsort(-c[sel], kind="stable")]
    return _greedy(t, order, fixed=first.tolist())


def solve_trios(problem: TrioProblem, time_limit: float | None = None, *,
                workers: int = DEFAULT_WORKERS, solver: str = DEFAULT_MIP,
                method: str = "auto", log: bool = False) -> TrioSolution:
    """Best trios under the lexicographic objective; see the module docstring.

    ``method``: ``"lp"`` (LP bound, reduced-cost fixing, exact MIP), ``"lagrange"``
    (Lagrangian bound with flow subproblems, candidate-reduced CP-SAT) or ``"auto"`` (the
    LP up to ``LP_MAX_TRIPLES`` triples, where it solves in seconds, else Lagrange).

    ``time_limit`` (default 60 s) covers everything from the call on: array building,
    heuristics, the LP or Lagrangian bound, reduced-cost fixing and the MIP.  ``solver`` is
    the MIP solver of the last stage (``"scip"`` or ``"highs"``).
    """
    started = time.perf_counter()
    limit = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    deadline = started + limit

    def left() -> float:
        return deadline - time.perf_counter()

    def note(msg: str) -> None:
        if log:
            print(f"[trios {time.perf_counter() - started:7.2f} s] {msg}", flush=True)

    t = _Arrays(problem)
    n = len(t.f)
    if n == 0:
        return _solution(problem, t, np.zeros(0, dtype=np.int64), "optimal", 0, started)
    w = t.weight

    def val(sel: np.ndarray) -> int:
        return int(w[sel].sum())

    order = np.lexsort((-t.s, -t.p))
    best = _greedy(t, order)
    upper = _projection_bound(t)  # proven upper bound on the total weight
    if val(best) < upper and left() > 0.1 * limit:
        best = max((best, _decomposition(t, order)), key=val)
    note(f"{n} triples, incumbent {val(best)}, projection bound {upper}")
    score_bound = None  # proven bound on the score given the incumbent's served priority
    if method not in ("auto", "lp", "lagrange"):
        raise ValueError(f"unknown method {method!r}")
    if method == "lp" or (method == "auto" and n <= LP_MAX_TRIPLES):
        best, upper = _lp_and_mip(t, best, upper, limit, left, note, solver)
    else:
        best, score_bound = _lagrange_and_mip(t, best, order, limit, left, note, solver,
                                              workers)
    served = t.key(best)[0]
    # A bound on the score given the served priority: weight = served * BIG + score.
    bound = upper - served * t.big
    if score_bound is not None:
        bound = min(bound, score_bound)
    status = "optimal" if t.key(best)[1] >= bound else "feasible"
    return _solution(problem, t, best, status, bound, started)


def _lp_and_mip(t, best, upper, limit, left, note, solver):
    """LP bound and reduced-cost fixing, then an exact MIP on the kept triples."""
    w = t.weight
    n = len(w)

    def val(sel: np.ndarray) -> int:
        return int(w[sel].sum())

    rows = _rows(t)
    if val(best) >= upper or left() <= 0.05:
        return best, upper
    res = lp.solve(w.astype(np.float64), rows, integral=False, solver=LP_SOLVER,
                   seconds=min(left(), 0.5 * limit))
    note(f"LP {res.status} {res.objective}")
    if res.duals is None:
        return best, upper
    L, d = lp.lagrangian_bound(w, rows, res.duals)
    upper = min(upper, math.floor(L + 1e-9 * (1 + abs(L))))
    if val(best) < upper and left() > 0.05:
        # A good incumbent from the triples with the smallest reduced costs.
        k = min(n, max(20 * len(t.fcap), 4 * int(t.fcap.sum()), n // 5))
        cand = np.union1d(np.argsort(-d, kind="stable")[:k], best)
        sel, _, _ = _mip(t, rows, cand, best, min(left(), 0.25 * limit), solver)
        if sel is not None and val(sel) > val(best):
            best = sel
        note(f"restricted MIP on {len(cand)}: incumbent {val(best)}, bound {upper}")
    if val(best) < upper and left() > 0.05:
        # Reduced-cost fixing: a triple whose forcing caps the Lagrangian bound at or below
        # the incumbent can only be in solutions no better than it.
        slack = 1e-9 * (1 + abs(L))
        keep = np.flatnonzero(L + np.minimum(d, 0.0) >= val(best) + 1 - slack)
        keep = np.union1d(keep, best)
        note(f"fixing keeps {len(keep)} of {n}")
        sel, b, proven = _mip(t, rows, keep, best, left(), solver)
        note(f"MIP: {None if sel is None else val(sel)}, bound {b}, proven {proven}")
        inc = val(best)
        if sel is not None and val(sel) > inc:
            best = sel
        if proven:
            upper = min(upper, max(inc, val(best)))
        elif b is not None and math.isfinite(b):
            # Solutions better than ``inc`` use only kept triples.
            upper = min(upper, max(inc, math.floor(b + 1e-6)))
    return best, upper


def _cpsat_reduced(t: _Arrays, keep: np.ndarray, best: np.ndarray, served: int,
                   seconds: float, workers: int, caps=None) -> np.ndarray | None:
    """CP-SAT on the triples ``keep``: served priority at least ``served``, maximise the
    score, hinted with ``best`` (positions; those outside ``keep`` are ignored).  ``caps``
    (family, oudkomer, Dutch capacities) default to the problem's."""
    if seconds <= 0.1:
        return None
    stop = time.perf_counter() + seconds  # model building counts toward the limit
    model = cp_model.CpModel()
    m = len(keep)
    x = [model.new_bool_var("") for _ in range(m)]
    caps = caps or (t.fcap, t.ocap, t.dcap)
    for arr, cap in zip((t.f, t.o, t.d), caps):
        a = arr[keep]
        srt = np.argsort(a, kind="stable")
        bounds = np.r_[0, np.flatnonzero(np.diff(a[srt])) + 1, m]
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            k = int(a[srt[lo]])
            if hi - lo > cap[k]:
                # Each family / oudkomer / Dutch volunteer within its trio capacity.
                model.add(sum(x[i] for i in srt[lo:hi].tolist()) <= int(cap[k]))
    pk = t.p[keep]
    pos = np.flatnonzero(pk > 0)
    if served > 0:
        model.add(cp_model.LinearExpr.weighted_sum([x[i] for i in pos.tolist()],
                                                   pk[pos].tolist()) >= served)
    model.maximize(cp_model.LinearExpr.weighted_sum(x, t.s[keep].tolist()))
    on = np.isin(keep, best)
    for v, b in zip(x, on.tolist()):
        model.add_hint(v, b)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, stop - time.perf_counter())
    solver.parameters.num_workers = max(1, workers)
    st = solver.solve(model)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    sel = keep[np.flatnonzero([solver.boolean_value(v) for v in x])]
    return sel if _feasible(t, sel) else None


def _served_row(t: _Arrays, served: int) -> lp.Rows:
    """The row ``sum p x >= served`` over all triples."""
    n = len(t.p)
    return lp.Rows(np.zeros(n, dtype=np.int64), np.arange(n), t.p.astype(np.float64),
                   np.array([float(served)]), np.array([math.inf]))


def _top_per_pair(lag: _Lagrange, value: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best triples (by ``value``) of every family–oudkomer pair."""
    vs = value[lag.order]
    pair = lag.pair_of[lag.order]
    o2 = np.lexsort((-vs, pair))
    grp = pair[o2]
    starts = np.r_[0, np.flatnonzero(np.diff(grp)) + 1]
    cnt = np.diff(np.r_[starts, len(grp)])
    rank = np.arange(len(grp)) - np.repeat(starts, cnt)
    return np.sort(lag.order[o2[rank < k]])


def _lagrange_and_mip(t, best, order, limit, left, note, solver, workers):
    """Large instances (the full LP is too slow):

    1. served priority: Lagrangian relaxation of the Dutch capacities (flow subproblems),
       its relaxed solutions repaired into trios — the incumbent with the most served;
    2. score at that served priority ``P``: column generation on the LP ``max score, caps,
       served >= P`` (GLOP dual simplex on a growing set of triples, priced on *all*
       triples); every round's duals give a proven Lagrangian bound on the full problem;
    3. CP-SAT on the generated columns (served >= P), hinted with the incumbent.
    Returns (selection, proven bound on the score given its served priority, or None)."""
    lag = _Lagrange(t)
    state = {"best": best}

    def key(sel):
        return t.key(sel)

    def take(sel, c):
        cand = lag.assign(sel, order)
        if key(cand) > key(state["best"]):
            state["best"] = cand

    # 1. Served priority.
    b1, _, _ = lag.run(max(0.0, min(0.15 * limit, left() - 0.6 * limit)),
                       lambda: key(state["best"])[0], None, take, scale=1000)
    best = state["best"]
    served = key(best)[0]
    note(f"served: incumbent {served}, Lagrangian bound {b1:.3f}")
    # 2. Column generation for the score at served >= P.
    rows = lp.Rows.concat([_rows(t), _served_row(t, served)])
    w = t.s.astype(np.float64)
    cols = np.union1d(_top_per_pair(lag, t.s, 1), best)
    score_bound = None
    duals = None
    cg_stop = time.perf_counter() + max(0.0, min(0.4 * limit, left() - 0.25 * limit))
    rounds = 0
    while time.perf_counter() < cg_stop:
        rounds += 1
        res = lp.solve(w[cols], rows.restrict(cols), integral=False, solver="glop",
                       seconds=cg_stop - time.perf_counter(), params=GLOP_PARAMS)
        if res.duals is None:
            break
        L, d, u = lp.lagrangian_bound(w, rows, res.duals, with_multipliers=True)
        nfo = len(t.fcap) + len(t.ocap)
        duals = (u[nfo:nfo + len(t.dcap)], -u[-1])  # Dutch capacities, served floor
        b = math.floor(L + 1e-9 * (1 + abs(L)))
        score_bound = b if score_bound is None else min(score_bound, b)
        new = np.setdiff1d(np.flatnonzero(d > 1e-6), cols)
        note(f"column generation {rounds}: {len(cols)} columns, LP {res.objective:.1f}, "
             f"bound {score_bound}, {len(new)} new")
        if len(new) == 0 or key(best)[1] >= score_bound:
            break
        cols = np.union1d(cols, new[np.argsort(-d[new])[:max(2000, len(cols) // 4)]])
    if score_bound is not None and key(best)[1] >= score_bound:
        return best, score_bound
    # 3. Dual-guided heuristic: the relaxation priced with the LP's multipliers (served
    # price raised step by step until the served floor holds), Dutch volunteers reassigned.
    if duals is not None:
        lam, mu = duals
        for factor in (1.0, 1.01, 1.03, 1.06, 1.1, 1.2, 1.4, 2.0):
            if left() <= 1.0:
                break
            c = np.rint(100 * (t.s + factor * mu * t.p - lam[t.d])).astype(np.int64)
            cand = lag.assign(lag.relaxed(c), order)
            if key(cand) > key(best):
                best = cand
            note(f"dual-guided x{factor}: {key(cand)}; incumbent {key(best)}")
    # 4. CP-SAT on the generated columns, hinted with the incumbent (MIP solvers do not
    # find solutions on ~40,000 columns within a minute; CP-SAT improves a hint).
    if left() > 1.0:
        cols = np.union1d(cols, best)
        note(f"CP-SAT on {len(cols)} triples")
        sel = _cpsat_reduced(t, cols, best, key(best)[0], left() - 0.3, workers)
        if sel is not None and _feasible(t, sel) and key(sel) > key(best):
            best = sel
        note(f"final: incumbent {key(best)}")
    if key(best)[0] < served:  # cannot happen (the incumbent only improves); be safe
        score_bound = None
    return best, score_bound


def _solution(problem: TrioProblem, t: _Arrays, sel: np.ndarray, status: str,
              bound: int | None, started: float) -> TrioSolution:
    triples = problem.triples
    chosen = sorted(t.idx[sel].tolist())
    trios = tuple(Trio(triples[i].family, triples[i].oudkomer, triples[i].dutch,
                       triples[i].score) for i in chosen)
    prio = {f.id: f.priority for f in problem.families}
    served = sum(prio[x.family] for x in trios)
    score = sum(x.score for x in trios)
    if bound is not None and bound < score:
        bound = score
    matched = {x.family for x in trios}
    unmatched = tuple(f.id for f in problem.families if f.id not in matched)
    return TrioSolution(status, served, score, bound, trios, unmatched,
                        time.perf_counter() - started, "trios-cpsat")


def solve_trios_greedy(problem: TrioProblem) -> TrioSolution:
    """Greedy baseline for trios (benchmarks)."""
    started = time.perf_counter()
    t = _Arrays(problem)
    order = np.lexsort((-t.s, -t.p))
    return _solution(problem, t, _greedy(t, order), "feasible", None, started)
