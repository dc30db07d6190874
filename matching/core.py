"""Shared preprocessing for the pair solvers and the construction of :class:`Solution` objects.

``prepare`` drops candidates that can never be in a lexicographically optimal solution
(negative priority, or priority 0 without a positive score, or an hour load above the
volunteer's hours), computes effective capacities, turns hour limits that are really
cardinality limits into ``max_families`` (all loads equal), and says which volunteers' hours
still bind — only those need CP-SAT.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .problem import Match, Problem, Solution


@dataclass(frozen=True)
class Prepared:
    """Kept candidates (as positions into ``problem.candidates``) and effective capacities."""

    idx: np.ndarray  # positions of the kept candidates in problem.candidates
    vol: np.ndarray
    fam: np.ndarray
    score: np.ndarray
    load: np.ndarray
    prio: np.ndarray  # priority of the candidate's family
    vcap: np.ndarray  # effective max number of families per volunteer (finite)
    fcap: np.ndarray  # effective max number of volunteers per family (finite)
    vhours: np.ndarray  # hour capacity in units, -1 = no limit
    binding: np.ndarray  # bool per volunteer: hour limit can bind
    grp: np.ndarray | None = None  # group of the candidate's family, -1 = none (None: no groups)
    gcap: np.ndarray | None = None  # effective cap per group (finite)

    @property
    def has_groups(self) -> bool:
        """True when some candidates belong to family groups (cross-request caps)."""
        return self.grp is not None and bool((self.grp >= 0).any())

    @property
    def hours_bind(self) -> bool:
        """True when some volunteer's hour limit can cut off a count-feasible solution."""
        return bool(self.binding.any())


def prepare(problem: Problem) -> Prepared:
    """Filter useless candidates and compute effective capacities (see module docstring)."""
    a = problem.arrays
    nv, nf = len(problem.volunteers), len(problem.families)
    prio = a.fam_priority[a.fam] if len(a.fam) else np.zeros(0, dtype=np.int64)
    keep = (prio > 0) | ((prio == 0) & (a.score > 0))
    vh = a.vol_hours
    keep &= (vh[a.vol] < 0) | (a.load <= vh[a.vol])
    keep &= (a.vol_max[a.vol] != 0) & (a.fam_max[a.fam] != 0)
    idx = np.flatnonzero(keep)
    vol, fam, score, load = a.vol[idx], a.fam[idx], a.score[idx], a.load[idx]
    prio = prio[idx]
    vdeg = np.bincount(vol, minlength=nv)
    fdeg = np.bincount(fam, minlength=nf)
    vcap = np.where(a.vol_max < 0, vdeg, np.minimum(a.vol_max, vdeg))
    fcap = np.where(a.fam_max < 0, fdeg, np.minimum(a.fam_max, fdeg))
    binding = np.zeros(nv, dtype=bool)
    vhours = vh.copy()
    limited = np.flatnonzero((vh >= 0) & (vdeg > 0))
    if len(limited):
        order = np.argsort(vol, kind="stable")
        starts = np.searchsorted(vol[order], np.arange(nv))
        for v in limited:
            loads = load[order[starts[v]:starts[v] + vdeg[v]]]
            hmax, hmin = loads.max(), loads.min()
            if hmax == 0:
                continue
            if hmax == hmin:  # uniform loads: the hour limit is a cardinality limit
                vcap[v] = min(vcap[v], vh[v] // hmax)
                continue
            top = np.sort(loads)[::-1][: vcap[v]].sum()
            if top > vh[v]:
                binding[v] = True
    grp = gcap = None
    if a.fam_group is not None:
        grp = a.fam_group[fam]
        ng = len(a.group_max)
        # A group's cap is at most the sum of its members' caps.
        member_caps = np.bincount(a.fam_group[a.fam_group >= 0],
                                  weights=fcap[a.fam_group >= 0], minlength=ng).astype(np.int64)
        gcap = np.where(a.group_max < 0, member_caps, np.minimum(a.group_max, member_caps))
    return Prepared(idx, vol, fam, score, load, prio, vcap.astype(np.int64),
                    fcap.astype(np.int64), vhours, binding, grp, gcap)


def lexicographic_big(prep: Prepared) -> int:
    """A weight for one unit of served priority exceeding any possible score difference.

    The total score of a feasible solution lies in ``[L, U]`` with ``U`` the sum over
    families of their ``fcap`` best positive scores and ``L`` the sum of their ``fcap`` worst
    negative scores; ``BIG = U - L + 1`` makes ``priority * BIG + score`` lexicographic.
    """
    if len(prep.score) == 0:
        return 1
    fam, score = prep.fam, prep.score
    total = 0
    for sign in (1, -1):
        order = np.lexsort((-sign * score, fam))
        fs = fam[order]
        starts = np.r_[0, np.flatnonzero(np.diff(fs)) + 1]
        counts = np.diff(np.r_[starts, len(fs)])
        rank = np.arange(len(fs)) - np.repeat(starts, counts)
        top = rank < prep.fcap[fs]
        s = score[order][top]
        total += int(np.abs(s[(sign * s) > 0]).sum())
    return total + 1


def arc_weights(prep: Prepared, big: int) -> np.ndarray:
    """Per kept candidate: ``priority * BIG + score`` (priority ≥ 1) or ``score`` (priority 0)."""
    return np.where(prep.prio > 0, prep.prio * big + prep.score, prep.score)


def make_solution(problem: Problem, chosen: np.ndarray, status: str, bound: int | None,
                  started: float, solver: str) -> Solution:
    """Build a :class:`Solution` from chosen candidate positions (into problem.candidates)."""
    a = problem.arrays
    chosen = np.sort(np.asarray(chosen, dtype=np.int64))
    cands = problem.candidates
    matches = tuple(Match(cands[i].volunteer, cands[i].family, cands[i].score) for i in chosen)
    served = int(a.fam_priority[a.fam[chosen]].sum()) if len(chosen) else 0
    score = int(a.score[chosen].sum()) if len(chosen) else 0
    matched = np.zeros(len(problem.families), dtype=bool)
    matched[a.fam[chosen]] = True
    unmatched = tuple(f.id for f, m in zip(problem.families, matched) if not m)
    if bound is not None and bound < score:  # numerical safety: a bound is never below a value
        bound = score
    return Solution(status, served, score, bound, matches, unmatched,
                    time.perf_counter() - started, solver)


def check_solution(problem: Problem, solution: Solution) -> list[str]:
    """Every violated capacity, cap or hour limit (empty when the solution is feasible)."""
    errors = []
    vols = {v.id: v for v in problem.volunteers}
    fams = {f.id: f for f in problem.families}
    cand = {(c.volunteer, c.family): c for c in problem.candidates}
    nv: dict[str, int] = {}
    hv: dict[str, float] = {}
    nf: dict[str, int] = {}
    seen = set()
    for m in solution.matches:
        key = (m.volunteer, m.family)
        if key not in cand:
            errors.append(f"{key}: not a candidate")
            continue
        if key in seen:
            errors.append(f"{key}: proposed twice")
        seen.add(key)
        nv[m.volunteer] = nv.get(m.volunteer, 0) + 1
        hv[m.volunteer] = hv.get(m.volunteer, 0) + cand[key].hours_per_week
        nf[m.family] = nf.get(m.family, 0) + 1
    for vid, n in nv.items():
        v = vols[vid]
        if v.max_families is not None and n > v.max_families:
            errors.append(f"volunteer {vid}: {n} > max_families {v.max_families}")
        if v.hours_per_week is not None and hv[vid] > v.hours_per_week + 1e-9:
            errors.append(f"volunteer {vid}: {hv[vid]} h > {v.hours_per_week} h")
    for fid, n in nf.items():
        f = fams[fid]
        if f.max_new_volunteers is not None and n > f.max_new_volunteers:
            errors.append(f"family {fid}: {n} > max_new_volunteers {f.max_new_volunteers}")
    groups = {g.id: g for g in problem.groups}
    ng: dict[str, int] = {}
    vg: set[tuple[str, str]] = set()
    for m in solution.matches:
        gid = fams[m.family].group if m.family in fams else None
        if gid is None:
            continue
        ng[gid] = ng.get(gid, 0) + 1
        if (m.volunteer, gid) in vg:
            errors.append(f"group {gid}: volunteer {m.volunteer} proposed twice")
        vg.add((m.volunteer, gid))
    for gid, n in ng.items():
        cap = groups[gid].max_new_volunteers
        if cap is not None and n > cap:
            errors.append(f"group {gid}: {n} > max_new_volunteers {cap}")
    return errors
