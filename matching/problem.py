"""Candidate-level problems and solutions: the stable JSON contract of ``python -m matching``.

A *problem* lists volunteers (with capacities), families (with a priority and an overload
cap) and the feasible volunteer–family *candidates* with an integer score.  A *trio problem*
lists families, oudkomers, Dutch volunteers and either the three pair lists or the feasible
triples directly.  Parsing validates everything and raises :class:`ProblemError` with a
one-line message naming the offending item; nothing downstream has to re-check the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

STATUSES = ("optimal", "feasible", "infeasible", "no_solution_in_time")


class ProblemError(ValueError):
    """Invalid problem input; the message is one line and names the offending item."""


# ---------------------------------------------------------------------------------------------
# Pair problems
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volunteer:
    """A volunteer node: at most ``max_families`` new families and ``hours_per_week`` hours.

    ``None`` means "no limit" for both.
    """

    id: str
    max_families: int | None = 1
    hours_per_week: float | None = None


@dataclass(frozen=True)
class Family:
    """A family (request) node: ``priority`` per match served, at most ``max_new_volunteers``.

    ``max_new_volunteers`` is the overload cap: the family's maximum minus the volunteers it
    already has across programmes.  ``None`` means no limit.  ``group`` (optional) names a
    :class:`Group`: several requests of one real family share its cap, and a volunteer is
    proposed at most once within the group.
    """

    id: str
    priority: int = 1
    max_new_volunteers: int | None = 1
    group: str | None = None


@dataclass(frozen=True)
class Group:
    """Requests of one real family (optional JSON ``groups``): together they take at most
    ``max_new_volunteers`` volunteers (``None`` = no joint limit), and never the same
    volunteer twice."""

    id: str
    max_new_volunteers: int | None = None


@dataclass(frozen=True)
class Candidate:
    """A feasible volunteer–family pair with its integer score and weekly hour load."""

    volunteer: str
    family: str
    score: int
    hours_per_week: float = 0


@dataclass(frozen=True)
class ProblemArrays:
    """Index-based view of a :class:`Problem` for the solvers (built once, cached)."""

    vol: np.ndarray  # candidate -> volunteer index (int64)
    fam: np.ndarray  # candidate -> family index (int64)
    score: np.ndarray  # int64
    load: np.ndarray  # int64, hours in integer units (see ``hour_unit``)
    vol_max: np.ndarray  # int64, -1 = no limit
    vol_hours: np.ndarray  # int64, -1 = no limit
    fam_priority: np.ndarray  # int64
    fam_max: np.ndarray  # int64, -1 = no limit
    hour_unit: int  # number of internal units per hour (1 when all hours are integers)
    fam_group: np.ndarray | None = None  # int64 per family, -1 = no group (None: no groups)
    group_max: np.ndarray | None = None  # int64 per group, -1 = no limit


@dataclass(frozen=True)
class Problem:
    """A validated candidate-level matching problem."""

    volunteers: tuple[Volunteer, ...]
    families: tuple[Family, ...]
    candidates: tuple[Candidate, ...]
    groups: tuple[Group, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Problem:
        """Parse and validate the JSON contract (a decoded ``dict``)."""
        return parse_problem(data)

    def to_json(self) -> dict:
        """The JSON contract form of this problem (``groups``/``group`` only when used)."""
        out = {
            "volunteers": [
                {"id": v.id, "max_families": v.max_families, "hours_per_week": v.hours_per_week}
                for v in self.volunteers
            ],
            "families": [
                {"id": f.id, "priority": f.priority, "max_new_volunteers": f.max_new_volunteers,
                 **({"group": f.group} if f.group is not None else {})}
                for f in self.families
            ],
            "candidates": [
                {"volunteer": c.volunteer, "family": c.family, "score": c.score,
                 "hours_per_week": c.hours_per_week}
                for c in self.candidates
            ],
        }
        if self.groups:
            out["groups"] = [{"id": g.id, "max_new_volunteers": g.max_new_volunteers}
                             for g in self.groups]
        return out

    @cached_property
    def arrays(self) -> ProblemArrays:
        """Integer arrays indexed by volunteer/family position (used by every solver)."""
        vindex = {v.id: i for i, v in enumerate(self.volunteers)}
        findex = {f.id: i for i, f in enumerate(self.families)}
        cands = self.candidates
        n = len(cands)
        vol = np.fromiter((vindex[c.volunteer] for c in cands), dtype=np.int64, count=n)
        fam = np.fromiter((findex[c.family] for c in cands), dtype=np.int64, count=n)
        score = np.fromiter((c.score for c in cands), dtype=np.int64, count=n)
        hours = [c.hours_per_week for c in cands] + [
            v.hours_per_week for v in self.volunteers if v.hours_per_week is not None
        ]
        unit = _hour_unit(hours)
        load = np.fromiter((_to_units(c.hours_per_week, unit, up=True) for c in cands),
                           dtype=np.int64, count=n)
        vol_max = np.array([-1 if v.max_families is None else v.max_families
                            for v in self.volunteers], dtype=np.int64)
        vol_hours = np.array([-1 if v.hours_per_week is None
                              else _to_units(v.hours_per_week, unit, up=False)
                              for v in self.volunteers], dtype=np.int64)
        fam_priority = np.array([f.priority for f in self.families], dtype=np.int64)
        fam_max = np.array([-1 if f.max_new_volunteers is None else f.max_new_volunteers
                            for f in self.families], dtype=np.int64)
        fam_group = group_max = None
        if self.groups:
            gindex = {g.id: i for i, g in enumerate(self.groups)}
            fam_group = np.array([-1 if f.group is None else gindex[f.group]
                                  for f in self.families], dtype=np.int64)
            group_max = np.array([-1 if g.max_new_volunteers is None else g.max_new_volunteers
                                  for g in self.groups], dtype=np.int64)
        return ProblemArrays(vol, fam, score, load, vol_max, vol_hours, fam_priority, fam_max,
                             unit, fam_group, group_max)


def _hour_unit(values: Iterable[float]) -> int:
    """1 when every hour value is integral, else 60 (minutes)."""
    for h in values:
        if h != int(h):
            return 60
    return 1


def _to_units(hours: float, unit: int, *, up: bool) -> int:
    """Hours → integer units; loads round up, capacities round down (never optimistic)."""
    x = hours * unit
    r = round(x)
    if abs(x - r) < 1e-9:
        return int(r)
    return math.ceil(x) if up else math.floor(x)


@dataclass(frozen=True)
class Match:
    """A proposed volunteer–family match."""

    volunteer: str
    family: str
    score: int


class _SolutionResult:
    """What pair and trio solutions share: the gap and the contract's common keys."""

    @property
    def gap(self) -> float | None:
        """Relative gap ``(bound - score) / max(1, |bound|)``; ``None`` without a bound."""
        if self.bound is None:
            return None
        return (self.bound - self.score) / max(1, abs(self.bound))

    def _contract(self, key: str, items: list[dict]) -> dict:
        return {
            "status": self.status,
            "served_priority": int(self.served_priority),
            "score": int(self.score),
            "bound": None if self.bound is None else int(self.bound),
            key: items,
            "unmatched_families": list(self.unmatched_families),
            "solve_seconds": round(float(self.solve_seconds), 4),
        }


@dataclass(frozen=True)
class Solution(_SolutionResult):
    """A solver result; ``to_json`` gives exactly the contract's keys.

    ``bound`` is a proven upper bound on ``score`` given ``served_priority`` (``None`` when the
    solver proves nothing, e.g. greedy).  ``solver`` says which method produced it (not part
    of the JSON contract).
    """

    status: str
    served_priority: int
    score: int
    bound: int | None
    matches: tuple[Match, ...]
    unmatched_families: tuple[str, ...]
    solve_seconds: float
    solver: str = ""

    def to_json(self) -> dict:
        """The JSON contract form."""
        return self._contract("matches", [
            {"volunteer": m.volunteer, "family": m.family, "score": int(m.score)}
            for m in self.matches])


# ---------------------------------------------------------------------------------------------
# Trio problems
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrioFamily:
    """A nieuwkomer family in a trio problem.

    A trio counts as two volunteers toward the overload cap, so the family takes at most
    ``min(max_trios, max_new_volunteers // 2)`` trios.  In trio problems
    ``max_new_volunteers`` defaults to ``None`` (no extra limit) and ``max_trios`` to 1.
    """

    id: str
    priority: int = 1
    max_new_volunteers: int | None = None
    max_trios: int | None = 1

    @property
    def trio_cap(self) -> int | None:
        """Effective maximum number of trios (None = no limit)."""
        caps = [c for c in (self.max_trios,
                            None if self.max_new_volunteers is None
                            else self.max_new_volunteers // 2) if c is not None]
        return min(caps) if caps else None


@dataclass(frozen=True)
class TrioMember:
    """An oudkomer or Dutch volunteer taking at most ``max_trios`` trios (None = no limit)."""

    id: str
    max_trios: int | None = 1


@dataclass(frozen=True)
class Triple:
    """A feasible trio with its score (sum of the three pair scores when built from pairs)."""

    family: str
    oudkomer: str
    dutch: str
    score: int


@dataclass(frozen=True)
class TrioProblem:
    """A validated trio problem; pair lists are expanded into ``triples`` at parse time."""

    families: tuple[TrioFamily, ...]
    oudkomers: tuple[TrioMember, ...]
    dutch: tuple[TrioMember, ...]
    triples: tuple[Triple, ...]

    @classmethod
    def from_json(cls, data: Any) -> TrioProblem:
        """Parse and validate the trio JSON contract."""
        return parse_trio_problem(data)


@dataclass(frozen=True)
class Trio:
    """A proposed trio."""

    family: str
    oudkomer: str
    dutch: str
    score: int


@dataclass(frozen=True)
class TrioSolution(_SolutionResult):
    """Trio solver result; same fields as :class:`Solution` with ``trios`` for ``matches``."""

    status: str
    served_priority: int
    score: int
    bound: int | None
    trios: tuple[Trio, ...]
    unmatched_families: tuple[str, ...]
    solve_seconds: float
    solver: str = ""

    def to_json(self) -> dict:
        """The JSON contract form."""
        return self._contract("trios", [
            {"family": t.family, "oudkomer": t.oudkomer, "dutch": t.dutch, "score": int(t.score)}
            for t in self.trios])


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return (_is_int(x) or isinstance(x, float)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass
class _Ctx:
    where: str

    def fail(self, msg: str) -> None:
        raise ProblemError(f"{self.where}: {msg}")


def _list(data: Mapping, key: str, required: bool = True) -> list:
    if key not in data:
        if required:
            raise ProblemError(f"missing list {key!r}")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise ProblemError(f"{key!r} must be a list, got {type(value).__name__}")
    return value


def _obj(item: Any, where: str) -> Mapping:
    if not isinstance(item, dict):
        raise ProblemError(f"{where}: must be an object, got {type(item).__name__}")
    return item


def _id(item: Mapping, where: str, key: str = "id") -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ProblemError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _cap(item: Mapping, key: str, default: int | None, where: str,
         allow_null: bool = True) -> int | None:
    value = item.get(key, default)
    if value is None and allow_null:
        return None
    if not _is_int(value) or value < 0:
        raise ProblemError(f"{where}: {key!r} must be a non-negative integer"
                           f"{' or null' if allow_null else ''}, got {value!r}")
    return value


def _hours(item: Mapping, key: str, default: float | None, where: str,
           allow_null: bool) -> float | None:
    value = item.get(key, default)
    if value is None and allow_null:
        return None
    if not _is_number(value) or value < 0:
        raise ProblemError(f"{where}: {key!r} must be a non-negative number"
                           f"{' or null' if allow_null else ''}, got {value!r}")
    return value


def _int(item: Mapping, key: str, default: int | None, where: str) -> int:
    value = item.get(key, default)
    if not _is_int(value):
        raise ProblemError(f"{where}: {key!r} must be an integer, got {value!r}")
    return value


def _unique(items: Iterable[tuple[str, str]], kind: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, (ident, _) in enumerate(items):
        if ident in seen:
            raise ProblemError(f"{kind}[{i}]: duplicate id {ident!r}")
        seen[ident] = i
    return seen


# ---------------------------------------------------------------------------------------------
# Parsers
# ---------------------------------------------------------------------------------------------


def parse_problem(data: Any) -> Problem:
    """Validate a decoded JSON problem and build a :class:`Problem`."""
    if not isinstance(data, dict):
        raise ProblemError(f"problem must be a JSON object, got {type(data).__name__}")
    volunteers = []
    for i, raw in enumerate(_list(data, "volunteers")):
        where = f"volunteers[{i}]"
        item = _obj(raw, where)
        vid = _id(item, where)
        where = f"volunteer {vid!r}"
        volunteers.append(Volunteer(
            vid,
            _cap(item, "max_families", 1, where),
            _hours(item, "hours_per_week", None, where, allow_null=True),
        ))
    groups = []
    for i, raw in enumerate(_list(data, "groups", required=False)):
        where = f"groups[{i}]"
        item = _obj(raw, where)
        gid = _id(item, where)
        groups.append(Group(gid, _cap(item, "max_new_volunteers", None, f"group {gid!r}")))
    _unique(((g.id, "") for g in groups), "groups")
    gids = {g.id for g in groups}
    families = []
    for i, raw in enumerate(_list(data, "families")):
        where = f"families[{i}]"
        item = _obj(raw, where)
        fid = _id(item, where)
        where = f"family {fid!r}"
        group = item.get("group")
        if group is not None and group not in gids:
            raise ProblemError(f"{where}: unknown group {group!r}")
        families.append(Family(
            fid,
            _int(item, "priority", 1, where),
            _cap(item, "max_new_volunteers", 1, where),
            group,
        ))
    _unique(((v.id, "") for v in volunteers), "volunteers")
    _unique(((f.id, "") for f in families), "families")
    vids = {v.id for v in volunteers}
    fids = {f.id for f in families}
    candidates = []
    seen_pairs: set[tuple[str, str]] = set()
    for i, raw in enumerate(_list(data, "candidates")):
        where = f"candidates[{i}]"
        item = _obj(raw, where)
        vid = _id(item, where, "volunteer")
        fid = _id(item, where, "family")
        where = f"candidates[{i}] ({vid!r}, {fid!r})"
        if vid not in vids:
            raise ProblemError(f"{where}: unknown volunteer {vid!r}")
        if fid not in fids:
            raise ProblemError(f"{where}: unknown family {fid!r}")
        if (vid, fid) in seen_pairs:
            raise ProblemError(f"{where}: duplicate candidate pair")
        seen_pairs.add((vid, fid))
        if "score" not in item:
            raise ProblemError(f"{where}: missing 'score'")
        candidates.append(Candidate(
            vid, fid,
            _int(item, "score", None, where),
            _hours(item, "hours_per_week", 0, where, allow_null=False),
        ))
    return Problem(tuple(volunteers), tuple(families), tuple(candidates), tuple(groups))


def parse_trio_problem(data: Any) -> TrioProblem:
    """Validate a decoded JSON trio problem (pair lists or explicit ``triples``)."""
    if not isinstance(data, dict):
        raise ProblemError(f"problem must be a JSON object, got {type(data).__name__}")
    families = []
    for i, raw in enumerate(_list(data, "families")):
        where = f"families[{i}]"
        item = _obj(raw, where)
        fid = _id(item, where)
        where = f"family {fid!r}"
        families.append(TrioFamily(
            fid,
            _int(item, "priority", 1, where),
            _cap(item, "max_new_volunteers", None, where),
            _cap(item, "max_trios", 1, where),
        ))
    members: dict[str, list[TrioMember]] = {}
    for kind in ("oudkomers", "dutch"):
        members[kind] = []
        for i, raw in enumerate(_list(data, kind)):
            where = f"{kind}[{i}]"
            item = _obj(raw, where)
            mid = _id(item, where)
            members[kind].append(TrioMember(mid, _cap(item, "max_trios", 1, f"{kind} {mid!r}")))
    _unique(((f.id, "") for f in families), "families")
    _unique(((m.id, "") for m in members["oudkomers"]), "oudkomers")
    _unique(((m.id, "") for m in members["dutch"]), "dutch")
    ids = {
        "family": {f.id for f in families},
        "oudkomer": {m.id for m in members["oudkomers"]},
        "dutch": {m.id for m in members["dutch"]},
    }

    def pair_list(key: str, a: str, b: str) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for i, raw in enumerate(_list(data, key, required=False)):
            where = f"{key}[{i}]"
            item = _obj(raw, where)
            x, y = _id(item, where, a), _id(item, where, b)
            where = f"{key}[{i}] ({x!r}, {y!r})"
            for kind, ident in ((a, x), (b, y)):
                if ident not in ids[kind]:
                    raise ProblemError(f"{where}: unknown {kind} {ident!r}")
            if (x, y) in out:
                raise ProblemError(f"{where}: duplicate pair")
            if "score" not in item:
                raise ProblemError(f"{where}: missing 'score'")
            out[(x, y)] = _int(item, "score", None, where)
        return out

    triples: list[Triple] = []
    if "triples" in data:
        seen: set[tuple[str, str, str]] = set()
        for i, raw in enumerate(_list(data, "triples")):
            where = f"triples[{i}]"
            item = _obj(raw, where)
            key = tuple(_id(item, where, k) for k in ("family", "oudkomer", "dutch"))
            where = f"triples[{i}] {key!r}"
            for kind, ident in zip(("family", "oudkomer", "dutch"), key):
                if ident not in ids[kind]:
                    raise ProblemError(f"{where}: unknown {kind} {ident!r}")
            if key in seen:
                raise ProblemError(f"{where}: duplicate triple")
            seen.add(key)
            if "score" not in item:
                raise ProblemError(f"{where}: missing 'score'")
            triples.append(Triple(*key, _int(item, "score", None, where)))
    else:
        fo = pair_list("family_oudkomer", "family", "oudkomer")
        fd = pair_list("family_dutch", "family", "dutch")
        od = pair_list("oudkomer_dutch", "oudkomer", "dutch")
        od_by_o: dict[str, list[tuple[str, int]]] = {}
        for (o, d), s in od.items():
            od_by_o.setdefault(o, []).append((d, s))
        for (f, o), s1 in fo.items():
            for d, s2 in od_by_o.get(o, ()):
                s3 = fd.get((f, d))
                if s3 is not None:
                    triples.append(Triple(f, o, d, s1 + s2 + s3))
    return TrioProblem(tuple(families), tuple(members["oudkomers"]), tuple(members["dutch"]),
                       tuple(triples))


def empty_unmatched(families: Iterable[Any], matched: Iterable[str]) -> tuple[str, ...]:
    """Ids of ``families`` (objects with ``id``) not in ``matched``, in input order."""
    done = set(matched)
    return tuple(f.id for f in families if f.id not in done)


__all__ = [
    "STATUSES",
    "Candidate",
    "Family",
    "Group",
    "Match",
    "Problem",
    "ProblemArrays",
    "ProblemError",
    "Solution",
    "Trio",
    "TrioFamily",
    "TrioMember",
    "TrioProblem",
    "TrioSolution",
    "Triple",
    "Volunteer",
    "empty_unmatched",
    "parse_problem",
    "parse_trio_problem",
]
