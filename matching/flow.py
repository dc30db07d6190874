"""Exact solver for the pair problem without binding hour loads: OR-Tools min-cost flow.

Network: source → volunteer (capacity ``max_families``) → family (one arc per candidate,
capacity 1, cost ``-(priority * BIG + score)``) → sink (capacity ``max_new_volunteers``),
plus a zero-cost bypass arc source → sink so that a unit of flow is only routed through a
candidate when that is beneficial.  With ``BIG`` larger than any possible score difference
(see :func:`matching.core.lexicographic_big`) the minimum cost flow maximises served priority
first and score second.  The constraint matrix is totally unimodular, so the integral flow
is optimal for the lexicographic objective: the status is ``optimal`` and ``bound`` equals
``score``.  Priority-0 candidates are used only with a positive score; candidates of
families with a negative priority are never used (they would lower served priority).
"""

from __future__ import annotations

import time

import numpy as np
from ortools.graph.python import linear_sum_assignment, min_cost_flow

from .core import Prepared, arc_weights, lexicographic_big, make_solution, prepare
from .problem import Problem, Solution


class FlowError(RuntimeError):
    """The min-cost-flow solver could not solve the network (e.g. cost range overflow)."""


def bmatch(left: np.ndarray, right: np.ndarray, weight: np.ndarray, lcap: np.ndarray,
           rcap: np.ndarray) -> np.ndarray:
    """Maximum-weight bipartite b-matching by min-cost flow.

    Arc ``i`` joins ``left[i]`` and ``right[i]`` with integer ``weight[i]`` and capacity 1;
    node capacities ``lcap``/``rcap``.  Only beneficial arcs (positive weight) are used.
    Returns the positions of the arcs in an optimal matching.
    """
    m = len(left)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    nl, nr = len(lcap), len(rcap)
    source, sink = nl + nr, nl + nr + 1
    ls = np.flatnonzero(lcap > 0)
    rs = np.flatnonzero(rcap > 0)
    supply = int(min(lcap.sum(), rcap.sum()))
    tails = np.concatenate([left, np.full(len(ls), source), nl + rs, [source]])
    heads = np.concatenate([nl + right, ls, np.full(len(rs), sink), [sink]])
    caps = np.concatenate([np.ones(m, dtype=np.int64), lcap[ls], rcap[rs], [supply]])
    costs = np.concatenate([-np.asarray(weight, dtype=np.int64),
                            np.zeros(len(ls) + len(rs) + 1, dtype=np.int64)])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                              caps.astype(np.int64), costs)
    smcf.set_node_supply(source, supply)
    smcf.set_node_supply(sink, -supply)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise FlowError(f"min-cost flow status {status}")
    flows = smcf.flows(np.arange(m, dtype=np.int32))
    return np.flatnonzero(flows > 0)


def grouped_bmatch(prep: Prepared, nv: int, nf: int, weight: np.ndarray) -> np.ndarray:
    """Like :func:`bmatch` with family groups (cross-request caps), still a min-cost flow.

    Network: source → volunteer (``vcap``) → [volunteer, group] node (capacity 1: never the
    same volunteer twice within a group) → family (candidate arc, capacity 1) → group node
    (``fcap``) → sink (``gcap``).  Families without a group keep their arc volunteer →
    family → sink.  Returns the positions of the candidates with flow.
    """
    m = len(prep.vol)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    ng = len(prep.gcap)
    grp = prep.grp
    ing = grp >= 0
    # [volunteer, group] nodes for the distinct pairs of grouped candidates.
    vg_key = prep.vol[ing] * ng + grp[ing]
    uniq, inv = np.unique(vg_key, return_inverse=True)
    nvg = len(uniq)
    base_g, base_vg = nv + nf, nv + nf + ng
    source, sink = base_vg + nvg, base_vg + nvg + 1
    tails = prep.vol.copy()
    tails[ing] = base_vg + inv
    heads = nv + prep.fam
    fam_group = np.full(nf, -1, dtype=np.int64)
    fam_group[prep.fam] = grp
    fs = np.flatnonzero(prep.fcap > 0)
    fhead = np.where(fam_group[fs] >= 0, base_g + fam_group[fs], sink)
    ls = np.flatnonzero(prep.vcap > 0)
    gs = np.flatnonzero(prep.gcap > 0)
    supply = int(min(prep.vcap.sum(), prep.fcap.sum()))
    tails = np.concatenate([tails, uniq // ng, np.full(len(ls), source), nv + fs,
                            base_g + gs, [source]])
    heads = np.concatenate([heads, base_vg + np.arange(nvg), ls, fhead, np.full(len(gs), sink),
                            [sink]])
    caps = np.concatenate([np.ones(m + nvg, dtype=np.int64), prep.vcap[ls], prep.fcap[fs],
                           prep.gcap[gs], [supply]])
    costs = np.concatenate([-np.asarray(weight, dtype=np.int64),
                            np.zeros(nvg + len(ls) + len(fs) + len(gs) + 1, dtype=np.int64)])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                              caps.astype(np.int64), costs)
    smcf.set_node_supply(source, supply)
    smcf.set_node_supply(sink, -supply)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise FlowError(f"min-cost flow status {status}")
    flows = smcf.flows(np.arange(m, dtype=np.int32))
    return np.flatnonzero(flows > 0)


def assignment_select(prep: Prepared, nv: int, nf: int) -> np.ndarray | None:
    """Fast exact path for the pure assignment structure, or ``None`` when it does not apply.

    Applies when there are as many volunteers as families, every effective capacity is 1,
    every candidate's family has the same positive priority and hours do not bind: if a
    perfect matching exists it serves every family (the maximum served priority), so the
    lexicographic optimum is a maximum-score perfect matching: on a complete bipartite graph
    scipy's dense Jonker–Volgenant ``linear_sum_assignment`` when scipy is installed, else
    OR-Tools' ``SimpleLinearSumAssignment`` (cost scaling; far faster than the general
    min-cost flow on dense instances and than a dense matrix on sparse ones).  Returns ``None`` when no perfect matching exists (the caller then
    uses the general flow).
    """
    m = len(prep.vol)
    if (nv != nf or m == 0 or prep.hours_bind or prep.has_groups or not (prep.vcap == 1).all()
            or not (prep.fcap == 1).all() or prep.prio.min() <= 0
            or prep.prio.max() != prep.prio.min()):
        return None
    if m == nv * nf:  # complete bipartite: a dense Jonker–Volgenant when scipy is present
        try:
            from scipy.optimize import linear_sum_assignment as dense_lsa
        except ImportError:  # pragma: no cover - scipy is optional
            dense_lsa = None
        if dense_lsa is not None:
            pos = np.empty((nf, nv), dtype=np.int64)
            pos[prep.fam, prep.vol] = np.arange(m)
            score = np.empty((nf, nv), dtype=np.int64)
            score[prep.fam, prep.vol] = prep.score
            r, c = dense_lsa(score, maximize=True)
            return np.sort(pos[r, c])
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    lsa.add_arcs_with_cost(prep.fam.astype(np.int32), prep.vol.astype(np.int32),
                           -prep.score.astype(np.int64))
    if lsa.solve() != lsa.OPTIMAL:
        return None
    mate = np.fromiter((lsa.right_mate(i) for i in range(nf)), dtype=np.int64, count=nf)
    key = prep.fam * nv + prep.vol
    order = np.argsort(key, kind="stable")
    want = np.arange(nf, dtype=np.int64) * nv + mate
    pos = order[np.searchsorted(key[order], want)]
    return np.sort(pos)


def dense_assignment(problem: Problem) -> Solution | None:
    """Exact shortcut for a complete square assignment (``None`` when it does not apply).

    Every family has a candidate with every volunteer, there are as many volunteers as
    families, all capacities are 1 (``max_families``, ``max_new_volunteers``), no hour limits
    and one positive priority for all: then a perfect matching serves everyone and the
    lexicographic optimum is a maximum-score perfect matching, found on the score matrix by
    scipy's Jonker–Volgenant ``linear_sum_assignment`` without any preprocessing.
    Needs scipy (otherwise ``None``; the caller uses the general path).
    """
    started = time.perf_counter()
    a = problem.arrays
    nv, nf, m = len(problem.volunteers), len(problem.families), len(a.vol)
    if (nv != nf or m != nv * nf or m == 0 or problem.groups
            or not (a.vol_max == 1).all() or not (a.fam_max == 1).all()
            or not (a.vol_hours < 0).all() or a.fam_priority.min() <= 0
            or a.fam_priority.max() != a.fam_priority.min()):
        return None
    try:
        from scipy.optimize import linear_sum_assignment as dense_lsa
    except ImportError:  # pragma: no cover - scipy is optional
        return None
    pos = np.empty((nf, nv), dtype=np.int64)
    pos[a.fam, a.vol] = np.arange(m)
    score = np.empty((nf, nv), dtype=np.int64)
    score[a.fam, a.vol] = a.score
    r, c = dense_lsa(score, maximize=True)
    chosen = pos[r, c]
    total = int(a.score[chosen].sum())
    return make_solution(problem, chosen, "optimal", total, started, "assignment")


def flow_select(prep: Prepared, nv: int, nf: int) -> np.ndarray:
    """Positions (into ``prep`` arrays) of the candidates in a lexicographically optimal flow.

    Ignores hour loads (callers use it as the exact solver when hours do not bind, and as a
    relaxation otherwise).
    """
    big = lexicographic_big(prep)
    if prep.has_groups:
        return grouped_bmatch(prep, nv, nf, arc_weights(prep, big))
    return bmatch(prep.vol, prep.fam, arc_weights(prep, big), prep.vcap, prep.fcap)


def solve_flow(problem: Problem, prep: Prepared | None = None) -> Solution:
    """Solve ``problem`` exactly, ignoring hour loads (exact when they do not bind)."""
    started = time.perf_counter()
    prep = prep if prep is not None else prepare(problem)
    nv, nf = len(problem.volunteers), len(problem.families)
    sel = assignment_select(prep, nv, nf)
    if sel is None:
        sel = flow_select(prep, nv, nf)
    score = int(prep.score[sel].sum())
    return make_solution(problem, prep.idx[sel], "optimal", score, started, "flow")
