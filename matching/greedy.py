"""Greedy baseline: take candidates by (priority, score) descending while capacities allow.

Used as a benchmark baseline and, together with a repaired flow relaxation, as the hint
(warm start) for CP-SAT.  No optimality claim: the status is ``feasible`` and no bound.
"""

from __future__ import annotations

import time

import numpy as np

from .core import Prepared, make_solution, prepare
from .problem import Problem, Solution


def greedy_select(prep: Prepared, order: np.ndarray | None = None,
                  fixed: np.ndarray | None = None) -> np.ndarray:
    """Positions (into ``prep`` arrays) chosen greedily, respecting counts and hours.

    ``order`` is the order in which candidates are tried (default: priority, then score,
    descending); ``fixed`` positions are taken first (callers guarantee they are feasible).
    """
    if order is None:
        order = np.lexsort((-prep.score, -prep.prio))
    vleft = prep.vcap.copy()
    fleft = prep.fcap.copy()
    hleft = np.where(prep.vhours < 0, np.iinfo(np.int64).max // 4, prep.vhours)
    vol, fam, load = prep.vol.tolist(), prep.fam.tolist(), prep.load.tolist()
    vleft_l, fleft_l, hleft_l = vleft.tolist(), fleft.tolist(), hleft.tolist()
    taken = np.zeros(len(vol), dtype=bool)
    chosen = []
    grouped = prep.has_groups
    grp = prep.grp.tolist() if grouped else None
    gleft = prep.gcap.tolist() if grouped else None
    used: set[tuple[int, int]] = set()  # (volunteer, group) pairs already matched

    def group_ok(i: int) -> bool:
        g = grp[i]
        return g < 0 or (gleft[g] > 0 and (vol[i], g) not in used)

    def take(i: int) -> None:
        v, f = vol[i], fam[i]
        vleft_l[v] -= 1
        fleft_l[f] -= 1
        hleft_l[v] -= load[i]
        if grouped and grp[i] >= 0:
            gleft[grp[i]] -= 1
            used.add((v, grp[i]))
        taken[i] = True
        chosen.append(i)

    if fixed is not None:
        for i in fixed.tolist():
            take(i)
    for i in order.tolist():
        if taken[i]:
            continue
        v, f = vol[i], fam[i]
        if (vleft_l[v] > 0 and fleft_l[f] > 0 and hleft_l[v] >= load[i]
                and (not grouped or group_ok(i))):
            take(i)
    return np.array(sorted(chosen), dtype=np.int64)


def repair_select(prep: Prepared, sel: np.ndarray) -> np.ndarray:
    """Make a selection hour-feasible: per volunteer keep its best matches that fit, then
    fill remaining capacity greedily."""
    keep_order = sel[np.lexsort((-prep.score[sel], -prep.prio[sel]))]
    hleft = np.where(prep.vhours < 0, np.iinfo(np.int64).max // 4, prep.vhours).tolist()
    kept = []
    for i in keep_order.tolist():  # a subset of a (count- and group-) feasible selection
        v = int(prep.vol[i])
        if hleft[v] >= prep.load[i]:
            hleft[v] -= int(prep.load[i])
            kept.append(i)
    return greedy_select(prep, fixed=np.array(kept, dtype=np.int64))


def solve_greedy(problem: Problem) -> Solution:
    """Greedy baseline solution (status ``feasible``, no bound)."""
    started = time.perf_counter()
    prep = prepare(problem)
    sel = greedy_select(prep)
    return make_solution(problem, prep.idx[sel], "feasible", None, started, "greedy")
