"""Forming parent groups (Preventieve Ouderschapsondersteuning) with OR-Tools CP-SAT.

Pure: plain dataclasses in, plain dataclasses out; no Flask, no database.

The rules (seed 000/001, DOMAIN.md):

- a group is for mothers **or** fathers (one gender);
- a group meets in one language, or in the languages one interpreter/sleutelpersoon covers;
  a parent joins a group held in a language they speak;
- size within ``[min_size, max_size]`` (default 12–15);
- it meets at one venue in one weekly slot (a *dagdeel* such as ``"tue_am"``) the venue
  offers; every member is available then and lives within ``max_km`` of the venue;
- it is staffed by one trainer and one *sleutelpersoon* or interpreter who speaks every
  language of the group; staff are in one group per slot and at most ``max_groups`` groups;
- parents of one family: ``"together"`` — all placed or none, in groups at the same venue and
  slot (they travel together; mothers' and fathers' groups meet side by side); ``"apart"`` —
  never in groups at the same slot (someone stays home with the children); ``"any"``.

Objective, lexicographic: first the number of parents placed (proven optimal, or the best
bound is reported as a gap), then fit (language is the parent's first language, one-language
groups, short distances, a *sleutelpersoon* rather than an interpreter) with the placed count
fixed.

Decomposition: parents that can never share a group (different gender, language cluster or
venue reach) and are not linked by a family wish fall into separate components. Each component
is solved on its own with the whole staff pool: a relaxation of the real problem, so the sum of
the components' optima is an upper bound. When the combined solution also respects the staff
limits across components, it is optimal for the whole problem (exact); otherwise the joint
model is solved, warm-started and bounded by the relaxation.

Parents who are not placed get a reason code (:data:`REASONS`); parents who are only missing
companions are summarised as :class:`Shortage` ("7 Dari-speaking mothers — 5 short of a group").
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .geo import haversine_km

GENDERS = ("f", "m")
FAMILY_WISHES = ("any", "together", "apart")
ROLES = ("trainer", "sleutelpersoon", "interpreter")
SUPPORT_ROLES = ("sleutelpersoon", "interpreter")

# Why a parent was not placed (stable codes; the web app words them). The first that applies.
REASONS = (
    "no_slot",      # not available at any slot a venue offers
    "too_far",      # no venue with a fitting slot within the distance limit
    "no_staff",     # no trainer, or no sleutelpersoon/interpreter for their language, then
    "family",       # a family wish (together/apart) keeps them out
    "too_few",      # not enough parents like them for a group of the minimum size
    "staff_busy",   # enough parents, but the staff who could lead it are all taken
)

# Fit points (second objective).
FIT_FIRST_LANGUAGE = 6      # the group speaks the parent's first language
FIT_ONE_LANGUAGE = 3        # the group has one language only
FIT_DISTANCE = 4            # up to this many points for living close to the venue
FIT_SLEUTELPERSOON = 8      # a sleutelpersoon (trainer from the target group), per group


# --- data --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupParent:
    """A parent who said yes (or maybe) to the invitation.

    ``languages``: codes, first = the language they are most at home in. ``slots``: dagdeel
    codes they can come. ``location``: (lat, lon) of their PC4, or ``None`` (unknown: no
    distance limit applies, and no distance points). ``family_wish``: see the module doc."""

    id: str
    family: str
    gender: str
    languages: tuple[str, ...]
    slots: frozenset[str]
    location: tuple[float, float] | None = None
    family_wish: str = "any"


@dataclass(frozen=True)
class Venue:
    """A meeting place and the weekly slots it can be booked."""

    id: str
    location: tuple[float, float] | None
    slots: tuple[str, ...]


@dataclass(frozen=True)
class StaffMember:
    """A trainer, *sleutelpersoon* or interpreter. ``genders``: groups they may lead."""

    id: str
    role: str
    languages: frozenset[str]
    slots: frozenset[str]
    genders: frozenset[str] = frozenset(GENDERS)
    max_groups: int = 1


@dataclass(frozen=True)
class GroupSettings:
    """Tunables. ``time_limit_s`` is the budget for the whole call."""

    min_size: int = 12
    max_size: int = 15
    max_km: float = 10.0
    time_limit_s: float = 10.0
    decompose: bool = True
    workers: int = min(8, os.cpu_count() or 1)
    seed: int = 0


@dataclass(frozen=True)
class FormedGroup:
    """One group in the plan."""

    gender: str
    languages: tuple[str, ...]
    venue: str
    slot: str
    members: tuple[str, ...]
    trainer: str
    support: str
    support_role: str


@dataclass(frozen=True)
class Unplaced:
    parent: str
    reason: str


@dataclass(frozen=True)
class Shortage:
    """Parents of one first language and gender who miss only companions."""

    language: str
    gender: str
    count: int
    short_by: int


@dataclass
class GroupPlan:
    """The result. ``placed_bound`` is a proven upper bound on the placed count; ``gap`` is
    ``placed_bound - placed`` (0 with ``proven_optimal``)."""

    groups: list[FormedGroup]
    unplaced: list[Unplaced]
    shortages: list[Shortage]
    placed: int
    placed_bound: int
    fit: int
    fit_optimal: bool
    decomposed: bool
    components: int
    wall_s: float
    status: str = "optimal"  # optimal / feasible / infeasible_input
    notes: list[str] = field(default_factory=list)

    @property
    def proven_optimal(self) -> bool:
        return self.placed == self.placed_bound

    @property
    def gap(self) -> int:
        return self.placed_bound - self.placed


class GroupInputError(ValueError):
    """Input that cannot be used (the message names the item)."""


# --- candidates --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Candidate:
    """Groups that may be opened for gender × language set × venue × slot: up to ``cap``.

    Parents who may join one of these groups may join any of them, so the model decides how
    many parents go to the candidate and how many groups it opens (``n``); any count between
    ``min·n`` and ``max·n`` splits into ``n`` groups within the bounds. This removes the
    symmetry between copies of the same group."""

    key: tuple  # (gender, languages (sorted tuple), venue, slot)
    gender: str
    languages: frozenset[str]
    venue: str
    slot: str
    cap: int


def validate(parents: Sequence[GroupParent], venues: Sequence[Venue],
             staff: Sequence[StaffMember], settings: GroupSettings) -> None:
    """Raise :class:`GroupInputError` for input that makes no sense."""
    if not 1 <= settings.min_size <= settings.max_size:
        raise GroupInputError(f"group size bounds {settings.min_size}-{settings.max_size}")
    if settings.max_km <= 0:
        raise GroupInputError(f"distance limit {settings.max_km}")
    seen: set[str] = set()
    for p in parents:
        if p.id in seen:
            raise GroupInputError(f"parent {p.id}: listed twice")
        seen.add(p.id)
        if p.gender not in GENDERS:
            raise GroupInputError(f"parent {p.id}: gender {p.gender!r}")
        if p.family_wish not in FAMILY_WISHES:
            raise GroupInputError(f"parent {p.id}: family wish {p.family_wish!r}")
        if not p.languages:
            raise GroupInputError(f"parent {p.id}: no language")
    for s in staff:
        if s.role not in ROLES:
            raise GroupInputError(f"staff {s.id}: role {s.role!r}")
        if s.max_groups < 0:
            raise GroupInputError(f"staff {s.id}: max_groups {s.max_groups}")
    if len({v.id for v in venues}) != len(venues):
        raise GroupInputError("venue listed twice")


def _distance_ok(parent: GroupParent, venue: Venue, max_km: float) -> tuple[bool, float]:
    if parent.location is None or venue.location is None:
        return True, -1.0
    km = float(haversine_km(parent.location[0], parent.location[1],
                            venue.location[0], venue.location[1]))
    return km <= max_km, km


def _language_sets(parents: Sequence[GroupParent], staff: Sequence[StaffMember]
                   ) -> list[frozenset[str]]:
    """Single languages spoken by parents, plus each support person's set of parents'
    languages they cover (when two or more): the languages one interpreter covers."""
    spoken = {lang for p in parents for lang in p.languages}
    sets = {frozenset([lang]) for lang in spoken}
    for s in staff:
        if s.role in SUPPORT_ROLES:
            covered = frozenset(s.languages & spoken)
            if len(covered) >= 2:
                sets.add(covered)
    return sorted(sets, key=lambda s: (len(s), sorted(s)))


class _Instance:
    """Precomputed compatibility: which parent may join which candidate, who may staff it."""

    def __init__(self, parents, venues, staff, settings):
        self.parents = list(parents)
        self.venues = {v.id: v for v in venues}
        self.staff = list(staff)
        self.settings = settings
        self.by_id = {p.id: p for p in self.parents}
        self.near: dict[str, dict[str, float]] = {}  # parent → venue → km (-1 unknown)
        for p in self.parents:
            self.near[p.id] = {}
            for v in venues:
                ok, km = _distance_ok(p, v, settings.max_km)
                if ok:
                    self.near[p.id][v.id] = km
        self.lang_sets = _language_sets(self.parents, self.staff)
        self.candidates: list[_Candidate] = []
        self.members: dict[tuple, list[str]] = {}  # candidate key base → eligible parents
        self.trainers: dict[tuple, list[str]] = {}
        self.supports: dict[tuple, list[str]] = {}
        self._build()

    def eligible(self, p: GroupParent, gender, langs, venue, slot) -> bool:
        return (p.gender == gender and slot in p.slots and venue in self.near[p.id]
                and bool(langs & set(p.languages)))

    def _build(self) -> None:
        cfg = self.settings
        for gender in GENDERS:
            pool = [p for p in self.parents if p.gender == gender]
            if not pool:
                continue
            for langs in self.lang_sets:
                for venue in self.venues.values():
                    for slot in venue.slots:
                        base = (gender, tuple(sorted(langs)), venue.id, slot)
                        members = [p.id for p in pool if self.eligible(p, gender, langs,
                                                                       venue.id, slot)]
                        if len(members) < cfg.min_size:
                            continue
                        trainers = [s.id for s in self.staff if s.role == "trainer"
                                    and slot in s.slots and gender in s.genders
                                    and s.max_groups > 0]
                        supports = [s.id for s in self.staff if s.role in SUPPORT_ROLES
                                    and slot in s.slots and gender in s.genders
                                    and s.max_groups > 0 and langs <= s.languages]
                        if not trainers or not supports:
                            continue
                        # Each group needs its own trainer and support person (one group
                        # per slot each), and at least min_size members.
                        cap = min(len(members) // cfg.min_size, len(trainers), len(supports))
                        self.members[base] = members
                        self.trainers[base] = trainers
                        self.supports[base] = supports
                        self.candidates.append(_Candidate(base, gender, langs, venue.id,
                                                          slot, cap))

    def fit(self, pid: str, cand: _Candidate) -> int:
        p = self.by_id[pid]
        points = 0
        if p.languages[0] in cand.languages:
            points += FIT_FIRST_LANGUAGE
        if len(cand.languages) == 1:
            points += FIT_ONE_LANGUAGE
        km = self.near[pid][cand.venue]
        if km >= 0:
            points += round(FIT_DISTANCE * (1 - km / self.settings.max_km))
        return points


# --- the model ---------------------------------------------------------------------------

def _family_bound(inst: _Instance) -> set[str]:
    """Parents whose family wish constrains them (a wish, and a relative in the input)."""
    families = defaultdict(list)
    for p in inst.parents:
        families[p.family].append(p)
    return {p.id for members in families.values() if len(members) > 1
            and any(q.family_wish != "any" for q in members) for p in members}


class _Model:
    """The CP-SAT model over a subset of parents and candidates (one component, or all).

    Parents who may join exactly the same candidates with the same fit, and whom no family
    wish binds, are interchangeable: with ``aggregate`` they form one *unit* and the model
    only decides how many of them go where (integer variables); otherwise (the default)
    every parent is a unit of one."""

    # Measured on the benchmark: CP-SAT finds and proves faster with one 0/1 variable per
    # parent (its own symmetry handling does the rest), so aggregation is off by default.
    aggregate = False

    def __init__(self, inst: _Instance, parent_ids: Iterable[str],
                 candidates: Sequence[_Candidate]):
        # data
        self.inst = inst
        self.pids = list(parent_ids)
        self.cands = list(candidates)
        self._cands_by_key = {c.key: c for c in self.cands}
        cfg = inst.settings
        staff_by_id = {s.id: s for s in inst.staff}
        self.units = self._units()
        self.model = m = cp_model.CpModel()

        # variables, keyed by tuples
        self.open = {c.key: m.new_int_var(0, c.cap, f"open{c.key}") for c in self.cands}
        self.x: dict[tuple[int, tuple], cp_model.IntVar] = {}
        for u, (members, bases) in enumerate(self.units):
            for base in bases:
                self.x[u, base] = m.new_int_var(0, min(len(members), cfg.max_size * self._cand(
                    base).cap), f"x{u}{base}")
        self.z: dict[tuple[str, tuple], cp_model.IntVar] = {}
        for c in self.cands:
            for sid in inst.trainers[c.key] + inst.supports[c.key]:
                self.z[sid, c.key] = m.new_bool_var(f"z{sid}{c.key}")

        by_unit = defaultdict(list)
        by_cand = defaultdict(list)
        for (u, key), var in self.x.items():
            by_unit[u].append((key, var))
            by_cand[key].append(var)

        # Each parent is in at most one group.
        for u, (members, _bases) in enumerate(self.units):
            m.add(sum(v for _k, v in by_unit[u]) <= len(members))
        # n open groups of a candidate hold between n·min and n·max members.
        for c in self.cands:
            members = by_cand[c.key]
            m.add(sum(members) >= cfg.min_size * self.open[c.key])
            m.add(sum(members) <= cfg.max_size * self.open[c.key])
        # Each open group has its own trainer and its own sleutelpersoon/interpreter who
        # speaks its languages; a candidate without open groups has no staff.
        for c in self.cands:
            m.add(sum(self.z[s, c.key] for s in inst.trainers[c.key]) == self.open[c.key])
            m.add(sum(self.z[s, c.key] for s in inst.supports[c.key]) == self.open[c.key])
        # A staff member leads at most one group per slot, and at most max_groups groups.
        per_staff_slot = defaultdict(list)
        per_staff = defaultdict(list)
        for (sid, key), var in self.z.items():
            per_staff_slot[sid, key[3]].append(var)
            per_staff[sid].append(var)
        for vars_ in per_staff_slot.values():
            m.add_at_most_one(vars_)
        for sid, vars_ in per_staff.items():
            if len(vars_) > staff_by_id[sid].max_groups:
                m.add(sum(vars_) <= staff_by_id[sid].max_groups)
        # Family wishes: "together" — same venue and slot, all or none; "apart" — never in
        # groups meeting at the same slot.
        self._family_rules(by_unit)

        self.placed = sum(self.x.values())
        self.fit_expr = (sum(inst.fit(self.units[u][0][0], self._cand(key)) * var
                             for (u, key), var in self.x.items())
                         + sum(FIT_SLEUTELPERSOON * var for (sid, key), var in self.z.items()
                               if staff_by_id[sid].role == "sleutelpersoon"))

    def _units(self) -> list[tuple[list[str], tuple]]:
        """(parent ids, candidate keys they may join), interchangeable parents together."""
        mine = set(self.pids)
        bases: dict[str, list[tuple]] = defaultdict(list)
        for c in self.cands:
            for pid in self.inst.members[c.key]:
                if pid in mine:
                    bases[pid].append(c.key)
        bound = _family_bound(self.inst)
        units: dict[tuple, list[str]] = defaultdict(list)
        for pid in self.pids:
            keys = tuple(bases[pid])
            if not keys:
                continue
            if pid in bound or not self.aggregate:
                units["solo", pid].append(pid)
            else:
                fits = tuple(self.inst.fit(pid, self._cand(k)) for k in keys)
                units[keys, fits].append(pid)
        return [(members, tuple(bases[members[0]])) for members in units.values()]

    def _cand(self, key) -> _Candidate:
        return self._cands_by_key[key]

    def _family_rules(self, by_unit) -> None:
        inst, m = self.inst, self.model
        unit_of = {members[0]: u for u, (members, _b) in enumerate(self.units)
                   if len(members) == 1}
        families = defaultdict(list)
        for pid in self.pids:
            families[inst.by_id[pid].family].append(pid)
        for pids in families.values():
            if len(pids) < 2:
                continue
            units = [unit_of[pid] for pid in pids if pid in unit_of]
            wishes = {inst.by_id[pid].family_wish for pid in pids}
            wish = "together" if "together" in wishes else ("apart" if "apart" in wishes
                                                            else "any")
            if wish == "any":
                continue
            places = {(k[2], k[3]) for u in units for k, _v in by_unit[u]}
            if wish == "together":
                # a relative who can join nothing keeps the others out as well
                if len(units) < len(pids):
                    for u in units:
                        for _k, v in by_unit[u]:
                            m.add(v == 0)
                    continue
                for venue, slot in places:
                    sums = [sum(v for k, v in by_unit[u] if (k[2], k[3]) == (venue, slot))
                            for u in units]
                    for other in sums[1:]:
                        m.add(sums[0] == other)
            else:
                for slot in {s for _v, s in places}:
                    m.add(sum(v for u in units for k, v in by_unit[u] if k[3] == slot) <= 1)

    # solving
    def solve(self, time_limit: float, workers: int, seed: int, upper: int | None = None,
              hint: dict | None = None) -> dict:
        """Lexicographic: placed first, then fit with placed fixed. Returns a dict with
        ``placed``, ``bound`` (proven), ``values`` (per parent), ``fit``, ``fit_optimal``."""
        start = time.perf_counter()
        m = self.model
        if upper is not None:
            m.add(self.placed <= upper)  # a proven bound (from the relaxation) helps the proof
        greedy = _greedy(self.inst, self.pids, self.cands)
        if hint:  # (a greedy hint measured slower than none: CP-SAT finds its own way)
            self._hint(hint)
        m.maximize(self.placed)
        solver = _solver(time_limit * 0.7, workers, seed)
        status = solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # No answer in time: the greedy one stands; the bound is what is known.
            bound = len(self.pids) if upper is None else upper
            placed = sum(1 for k in greedy if k[0] in self.inst.by_id)
            return {"ok": True, "placed": placed, "bound": bound, "values": greedy,
                    "fit": _fit_of(self.inst, greedy), "fit_optimal": False}
        placed = int(round(solver.objective_value))
        bound = int(solver.best_objective_bound + 1e-6)
        raw = self._raw(solver)
        # Second stage: keep the placed count, maximise fit (warm-started from stage 1).
        m.clear_hints()
        self._hint_raw(raw)
        m.add(self.placed >= placed)
        m.maximize(self.fit_expr)
        left = max(0.5, time_limit - (time.perf_counter() - start))
        solver2 = _solver(left, workers, seed)
        status2 = solver2.solve(m)
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raw = self._raw(solver2)
            fit = int(round(solver2.objective_value))
            fit_optimal = status2 == cp_model.OPTIMAL
        else:  # the stage-1 answer stands
            fit, fit_optimal = int(round(solver.value(self.fit_expr))), False
        return {"ok": True, "placed": placed, "bound": max(bound, placed),
                "values": self._expand(raw), "fit": fit, "fit_optimal": fit_optimal}

    def _raw(self, solver) -> dict:
        out = {key: solver.value(var) for key, var in self.x.items() if solver.value(var)}
        out.update({key: 1 for key, var in self.z.items() if solver.boolean_value(var)})
        out.update({("open", key): solver.value(var) for key, var in self.open.items()
                    if solver.value(var)})
        return out

    def _hint_raw(self, raw: dict) -> None:
        for key, var in list(self.x.items()) + list(self.z.items()):
            self.model.add_hint(var, int(raw.get(key, 0)))
        for key, var in self.open.items():
            self.model.add_hint(var, int(raw.get(("open", key), 0)))

    def _hint(self, values: dict) -> None:
        """Hint from per-parent values (e.g. the components' answers)."""
        raw: dict = {k: v for k, v in values.items() if k[0] == "open" or k[0] in
                     {s.id for s in self.inst.staff}}
        unit_of = {pid: u for u, (members, _b) in enumerate(self.units) for pid in members}
        for key, on in values.items():
            if on and key[0] in unit_of:
                raw[unit_of[key[0]], key[1]] = raw.get((unit_of[key[0]], key[1]), 0) + 1
        self._hint_raw(raw)

    def _expand(self, raw: dict) -> dict:
        """Per-parent values: each unit's counts handed out to its parents in order."""
        out = {k: v for k, v in raw.items() if not isinstance(k[0], int)}
        for u, (members, bases) in enumerate(self.units):
            pos = 0
            for base in bases:
                n = int(raw.get((u, base), 0))
                for pid in members[pos:pos + n]:
                    out[pid, base] = True
                pos += n
        return out


def _greedy(inst: _Instance, pids: Iterable[str], cands: Sequence[_Candidate]) -> dict:
    """A quick feasible answer (per-parent values) to warm-start CP-SAT, and the answer when
    CP-SAT finds none in time: fill the candidates with the most waiting parents first.
    Parents bound by a family wish stay out (always allowed)."""
    free = set(pids) - _family_bound(inst)
    staff_by_id = {s.id: s for s in inst.staff}
    busy: set[tuple[str, str]] = set()
    used: dict[str, int] = defaultdict(int)
    values: dict = {}
    cfg = inst.settings
    while True:
        best = None
        for c in cands:
            if values.get(("open", c.key), 0) >= c.cap:
                continue
            pool = [pid for pid in inst.members[c.key] if pid in free]
            if len(pool) < cfg.min_size:
                continue
            staff = [[sid for sid in ids if (sid, c.slot) not in busy
                      and used[sid] < staff_by_id[sid].max_groups]
                     for ids in (inst.trainers[c.key], inst.supports[c.key])]
            if staff[0] and staff[1] and (best is None or len(pool) > len(best[1])):
                best = (c, pool, staff[0][0], staff[1][0])
        if best is None:
            return values
        c, pool, trainer, support = best
        for pid in sorted(pool, key=lambda q: -inst.fit(q, c))[:cfg.max_size]:
            values[pid, c.key] = True
            free.discard(pid)
        for sid in (trainer, support):
            values[sid, c.key] = True
            busy.add((sid, c.slot))
            used[sid] += 1
        values["open", c.key] = values.get(("open", c.key), 0) + 1


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


# --- decomposition -----------------------------------------------------------------------

def _components(inst: _Instance) -> list[tuple[list[str], list[_Candidate]]]:
    """Parents linked by a shared candidate group or a family wish; candidates follow."""
    parent = {p.id: p.id for p in inst.parents}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    for members in inst.members.values():
        for other in members[1:]:
            union(members[0], other)
    families = defaultdict(list)
    for p in inst.parents:
        families[p.family].append(p)
    for members in families.values():
        if len(members) > 1 and any(p.family_wish != "any" for p in members):
            for other in members[1:]:
                union(members[0].id, other.id)
    groups: dict[str, list[str]] = defaultdict(list)
    for p in inst.parents:
        groups[find(p.id)].append(p.id)
    cands: dict[str, list[_Candidate]] = defaultdict(list)
    for c in inst.candidates:
        cands[find(inst.members[c.key][0])].append(c)
    return [(pids, cands[root]) for root, pids in groups.items() if cands[root]]


def _restaff(inst: _Instance, values: dict, time_limit: float, workers: int, seed: int
             ) -> tuple[dict, int] | None:
    """Staff the groups the components opened, all together: a small model over the staff
    variables only (the groups and their members stay). Returns the new values and the
    sleutelpersoon points, or None when those groups cannot all be staffed at once."""
    opened = {key[1]: n for key, n in values.items() if key[0] == "open" and n}
    staff_by_id = {s.id: s for s in inst.staff}
    m = cp_model.CpModel()
    z = {(sid, base): m.new_bool_var(f"z{sid}{base}") for base in opened
         for sid in inst.trainers[base] + inst.supports[base]}
    # Each open group gets its own trainer and its own support person.
    for base, n in opened.items():
        m.add(sum(z[s, base] for s in inst.trainers[base]) == n)
        m.add(sum(z[s, base] for s in inst.supports[base]) == n)
    # One group per staff member per slot; at most max_groups groups each.
    per_slot, per_staff = defaultdict(list), defaultdict(list)
    for (sid, base), var in z.items():
        per_slot[sid, base[3]].append(var)
        per_staff[sid].append(var)
    for vars_ in per_slot.values():
        m.add_at_most_one(vars_)
    for sid, vars_ in per_staff.items():
        m.add(sum(vars_) <= staff_by_id[sid].max_groups)
    # Prefer a sleutelpersoon to an interpreter.
    m.maximize(sum(FIT_SLEUTELPERSOON * v for (sid, _b), v in z.items()
                   if staff_by_id[sid].role == "sleutelpersoon"))
    for key, var in z.items():
        m.add_hint(var, 1 if values.get(key) else 0)
    solver = _solver(time_limit, workers, seed)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    out = {k: v for k, v in values.items() if not (k[0] in staff_by_id)}
    out.update({key: True for key, var in z.items() if solver.boolean_value(var)})
    return out, int(round(solver.objective_value))


def _fit_of(inst: _Instance, values: dict) -> int:
    """Fit points of per-parent values."""
    roles = {s.id: s.role for s in inst.staff}
    cands = {c.key: c for c in inst.candidates}
    return (sum(inst.fit(k[0], cands[k[1]]) for k, on in values.items()
                if on and k[0] in inst.by_id)
            + sum(FIT_SLEUTELPERSOON for k, on in values.items()
                  if on and roles.get(k[0]) == "sleutelpersoon"))


def _sleutel_points(inst: _Instance, values: dict) -> int:
    roles = {s.id: s.role for s in inst.staff}
    return sum(FIT_SLEUTELPERSOON for key, on in values.items()
               if on and roles.get(key[0]) == "sleutelpersoon")


def _staff_feasible(inst: _Instance, values: dict) -> bool:
    """Do the chosen staff assignments respect the per-slot and max-groups limits overall?"""
    staff_by_id = {s.id: s for s in inst.staff}
    per_slot: dict[tuple, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for key, on in values.items():
        if on and key[0] in staff_by_id and isinstance(key[1], tuple):
            sid, cand = key
            per_slot[sid, cand[3]] += 1
            total[sid] += 1
    return (all(n <= 1 for n in per_slot.values())
            and all(n <= staff_by_id[sid].max_groups for sid, n in total.items()))


# --- the public function -----------------------------------------------------------------

def form_groups(parents: Sequence[GroupParent], venues: Sequence[Venue],
                staff: Sequence[StaffMember], settings: GroupSettings | None = None
                ) -> GroupPlan:
    """Assign parents to groups and staff them (see the module doc for the rules)."""
    settings = settings or GroupSettings()
    start = time.perf_counter()
    validate(parents, venues, staff, settings)
    # Parent and staff ids are tuple keys next to each other: keep them apart.
    staff_ids = {s.id for s in staff}
    if staff_ids & {p.id for p in parents} or "open" in staff_ids | {p.id for p in parents}:
        raise GroupInputError("a parent and a staff member share an id (or one is 'open')")
    inst = _Instance(parents, venues, staff, settings)
    notes: list[str] = []
    comps = _components(inst) if settings.decompose else []
    values: dict = {}
    placed = bound = fit = 0
    fit_optimal = True
    decomposed = False
    if settings.decompose and len(comps) > 1:
        # Components in turn; each gets its share of what is left of 80 % of the budget,
        # so time a small one does not need flows to the next.
        results = []
        todo = sum(len(p) for p, _c in comps) or 1
        for pids, cands in sorted(comps, key=lambda pc: len(pc[0])):
            left = settings.time_limit_s * 0.8 - (time.perf_counter() - start)
            share = max(0.5, left * len(pids) / todo)
            todo -= len(pids)
            t0 = time.perf_counter()
            results.append(_Model(inst, pids, cands).solve(share, settings.workers,
                                                           settings.seed))
            notes.append(f"component of {len(pids)}: placed {results[-1]['placed']} of "
                         f"at most {results[-1]['bound']} in {time.perf_counter() - t0:.2f} s")
        merged: dict = {}
        for r in results:
            merged.update(r.get("values", {}))
        relaxed_bound = sum(r["bound"] for r in results)
        all_ok = all(r["ok"] for r in results)
        restaffed = None
        if all_ok and not _staff_feasible(inst, merged):
            # The components chose staff independently: staff their groups jointly.
            restaffed = _restaff(inst, merged, max(0.5, settings.time_limit_s * 0.1),
                                 settings.workers, settings.seed)
        if all_ok and (restaffed or _staff_feasible(inst, merged)):
            decomposed = True
            before = _sleutel_points(inst, merged)
            values = restaffed[0] if restaffed else merged
            placed = sum(r["placed"] for r in results)
            bound = relaxed_bound
            lost = before - _sleutel_points(inst, values)
            fit = sum(r["fit"] for r in results) - lost
            fit_optimal = all(r["fit_optimal"] for r in results) and lost == 0
        else:
            notes.append("staff shared between components: solved jointly")
            left = settings.time_limit_s - (time.perf_counter() - start)
            joint = _Model(inst, [p.id for p in inst.parents], inst.candidates)
            r = joint.solve(max(1.0, left), settings.workers, settings.seed,
                            upper=relaxed_bound, hint=merged)
            if r["ok"]:
                values, placed, fit = r["values"], r["placed"], r["fit"]
                bound, fit_optimal = min(r["bound"], relaxed_bound), r["fit_optimal"]
    elif inst.candidates:
        r = _Model(inst, [p.id for p in inst.parents], inst.candidates).solve(
            settings.time_limit_s, settings.workers, settings.seed)
        if r["ok"]:
            values, placed, bound, fit = r["values"], r["placed"], r["bound"], r["fit"]
            fit_optimal = r["fit_optimal"]
    groups = _groups_from(inst, values)
    unplaced, shortages = explain_unplaced(inst, groups)
    status = "optimal" if placed == bound else "feasible"
    return GroupPlan(groups=groups, unplaced=unplaced, shortages=shortages, placed=placed,
                     placed_bound=bound, fit=fit, fit_optimal=fit_optimal,
                     decomposed=decomposed, components=max(1, len(comps)),
                     wall_s=time.perf_counter() - start, status=status, notes=notes)


def _groups_from(inst: _Instance, values: dict) -> list[FormedGroup]:
    """Split each candidate's members into its open groups (sizes as even as possible,
    family members next to each other) and pair its trainers with its support staff."""
    staff_by_id = {s.id: s for s in inst.staff}
    members: dict[tuple, list[str]] = defaultdict(list)
    trainers: dict[tuple, list[str]] = defaultdict(list)
    supports: dict[tuple, list[str]] = defaultdict(list)
    for key, on in values.items():
        if not on or key[0] == "open":
            continue
        who, cand = key
        if who in staff_by_id:
            (trainers if staff_by_id[who].role == "trainer" else supports)[cand].append(who)
        else:
            members[cand].append(who)
    out = []
    for cand, pids in sorted(members.items()):
        n = int(values.get(("open", cand), 0))
        pids.sort(key=lambda pid: (inst.by_id[pid].family, pid))
        size, extra = divmod(len(pids), n)
        pos = 0
        for i, (trainer, support) in enumerate(zip(sorted(trainers[cand]),
                                                   sorted(supports[cand]))):
            take = size + (1 if i < extra else 0)
            out.append(FormedGroup(gender=cand[0], languages=cand[1], venue=cand[2],
                                   slot=cand[3], members=tuple(sorted(pids[pos:pos + take])),
                                   trainer=trainer, support=support,
                                   support_role=staff_by_id[support].role))
            pos += take
    return out


def explain_unplaced(inst: _Instance, groups: Sequence[FormedGroup]
                     ) -> tuple[list[Unplaced], list[Shortage]]:
    """A reason per parent not placed (first of :data:`REASONS` that applies), and the
    shortages per (first language, gender) among those who only miss companions."""
    cfg = inst.settings
    placed = {pid for g in groups for pid in g.members}
    left = [p for p in inst.parents if p.id not in placed]
    left_ids = {p.id for p in left}
    offered = {s for v in inst.venues.values() for s in v.slots}
    out: list[Unplaced] = []
    short: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for p in left:
        slots = p.slots & offered
        if not slots:
            out.append(Unplaced(p.id, "no_slot"))
            continue
        reachable = [(v.id, s) for v in inst.venues.values() if v.id in inst.near[p.id]
                     for s in v.slots if s in p.slots]
        if not reachable:
            out.append(Unplaced(p.id, "too_far"))
            continue
        langs = set(p.languages)
        staffed = [(v, s) for v, s in reachable
                   if any(st.role == "trainer" and s in st.slots and p.gender in st.genders
                          for st in inst.staff)
                   and any(st.role in SUPPORT_ROLES and s in st.slots
                           and p.gender in st.genders and langs & st.languages
                           for st in inst.staff)]
        if not staffed:
            out.append(Unplaced(p.id, "no_staff"))
            continue
        # An open group they could join, with room: only a family wish keeps them out.
        if any(g.gender == p.gender and langs & set(g.languages) and (g.venue, g.slot)
               in staffed and len(g.members) < cfg.max_size for g in groups):
            out.append(Unplaced(p.id, "family"))
            continue
        # How many parents still left could meet with them (same gender, language, place)?
        best = 0
        for v, s in staffed:
            for lang in langs:
                n = sum(1 for q in left if q.gender == p.gender and lang in q.languages
                        and s in q.slots and v in inst.near[q.id] and q.id in left_ids)
                best = max(best, n)
        if best >= cfg.min_size:
            out.append(Unplaced(p.id, "staff_busy"))
        else:
            out.append(Unplaced(p.id, "too_few"))
            short[p.languages[0], p.gender].append((p.id, best))
    shortages = [Shortage(language=lang, gender=gender, count=len(items),
                          short_by=max(1, cfg.min_size - max(n for _p, n in items)))
                 for (lang, gender), items in sorted(short.items())]
    return out, shortages


def check_group(gender: str, languages: Iterable[str], slot: str, size: int,
                trainer: StaffMember | None, support: StaffMember | None,
                settings: GroupSettings | None = None) -> list[str]:
    """Problems with a group as a coordinator wants it (codes, empty when fine):
    ``below_minimum``, ``above_maximum``, ``no_trainer``, ``no_support``,
    ``support_language`` (the support person does not speak every language),
    ``trainer_slot`` / ``support_slot`` (not available then), ``staff_gender``."""
    cfg = settings or GroupSettings()
    langs = set(languages)
    problems = []
    if size < cfg.min_size:
        problems.append("below_minimum")
    if size > cfg.max_size:
        problems.append("above_maximum")
    if trainer is None:
        problems.append("no_trainer")
    if support is None:
        problems.append("no_support")
    elif not langs <= support.languages:
        problems.append("support_language")
    if trainer is not None and slot not in trainer.slots:
        problems.append("trainer_slot")
    if support is not None and slot not in support.slots:
        problems.append("support_slot")
    if any(s is not None and gender not in s.genders for s in (trainer, support)):
        problems.append("staff_gender")
    return problems
