"""Scoring: volunteers × family requests → feasible candidates with integer scores.

Hard rules (each with a stable reason code from :data:`matching.model.REASONS`) decide
whether a pair is a candidate; soft factors (weights per programme, as data) give the score.
Every candidate's explanation is its list of :class:`Factor` (code, points, parameters) —
codes the web app translates, not sentences.

Scale: volunteers are indexed per programme by (language, grid cell) — a cell is at least
the largest travel radius wide — so a request only looks at volunteers who speak one of its
usable languages in the 3×3 surrounding cells; all rules and factors are then evaluated on
that pool with numpy.  :meth:`Scorer.exclusions` evaluates every rule on *all* volunteers
for one request (for the diagnosis of unmatched requests) and counts the exclusions.

Language roles (trios, where one volunteer interprets for the other): a volunteer with role
:data:`BRIDGE` meets the shared-language rule only through one of the family's own languages
other than Dutch; one with role :data:`BRIDGED` needs no shared language with the family.
Candidates and exclusions apply the roles alike, so explanations agree with the proposals.

Safety wishes ("not someone from our own community", groups to avoid) are hard rules on what
the volunteer declared (:attr:`VolunteerProfile.groups`: country, community, region).  Where
a wish cannot be checked — the volunteer's origin is unknown or not agreed for matching, or
the family's own community is not recorded for matching — the pair is neither excluded nor
silently proposed: its explanation carries the flag ``origin_unknown`` (0 points; see
:data:`FLAGS`) so the coordinator asks before introducing.  Without a wish, no rule or factor
looks at a volunteer's origin.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from .geo import Pc4Table, default_table, haversine_km
from .model import (
    AGE_BANDS,
    CEFR_RANK,
    CEFR_TO_LEVEL,
    LEVELS,
    REASONS,
    FamilyRequest,
    ProgrammeRules,
    VolunteerProfile,
    age_band,
)
from .problem import Candidate, Family, Group, Problem, Volunteer

KM_PER_DEG_LAT = 111.2
_PRACTICE = -1  # pseudo language key of the Dutch-practice index
BRIDGE = "bridge"  # shares one of the family's own languages (not Dutch) and interprets
BRIDGED = "bridged"  # needs no shared language with the family: a bridge interprets
LANGUAGE_ROLES = (BRIDGE, BRIDGED)
# Warning flags: explanation lines without points that the coordinator must see.
FLAGS = ("origin_unknown",)


class ScoringError(ValueError):
    """Invalid people-level input (names the volunteer or request)."""


@dataclass(frozen=True)
class Factor:
    """One line of a score explanation: a factor code, its points and its parameters."""

    code: str
    points: int
    params: Mapping[str, object]


@dataclass(frozen=True)
class ScoredCandidate:
    """A feasible volunteer–request pair with its score and explanation."""

    volunteer: str
    request: str
    score: int
    hours_per_week: float
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class Exclusions:
    """Hard-rule exclusion counts for one request over all volunteers.

    ``excluded[r]``: volunteers failing rule ``r`` (a volunteer may fail several);
    ``only[r]``: volunteers failing rule ``r`` and nothing else (lifting ``r`` would make
    them candidates); ``training_only``: for volunteers excluded only by ``not_ready``,
    the missing training items → count; ``speakers_in_range``: per family language, the
    volunteers speaking it well enough within their travel radius.
    """

    request: str
    volunteers: int
    candidates: int
    excluded: Mapping[str, int]
    only: Mapping[str, int]
    training_only: Mapping[tuple[str, ...], int]
    speakers_in_range: Mapping[str, int]
    max_radius_km: float
    candidate_ids: tuple[str, ...] = ()  # the volunteers passing every rule


class _Bits:
    """Allocates one bit per code (languages, themes, dagdelen, groups, age bands)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.bits: dict[str, int] = {}

    def bit(self, code: str) -> int:
        if code not in self.bits:
            if len(self.bits) >= 63:
                raise ScoringError(f"more than 63 distinct {self.kind} codes")
            self.bits[code] = len(self.bits)
        return self.bits[code]

    def mask(self, codes) -> int:
        m = 0
        for c in codes:
            m |= 1 << self.bit(c)
        return m

    def known_mask(self, codes) -> int:
        """Mask of codes already allocated (unknown ones cannot match anybody)."""
        m = 0
        for c in codes:
            if c in self.bits:
                m |= 1 << self.bits[c]
        return m


def _level(value: str, who: str, what: str) -> int:
    if value not in LEVELS:
        raise ScoringError(f"{who}: {what} level must be one of {sorted(LEVELS)}, "
                           f"got {value!r}")
    return LEVELS[value]


def _cefr(value: str, who: str) -> int:
    if value not in CEFR_RANK:
        raise ScoringError(f"{who}: Dutch level must be native or A0..C2, got {value!r}")
    return CEFR_RANK[value]


class Scorer:
    """Vectorised hard rules and soft factors over a fixed set of volunteers.

    ``rules`` maps programme code → :class:`ProgrammeRules`; ``today`` is the reference
    date for "not before" and waiting times.  ``language_roles`` maps volunteer id →
    :data:`BRIDGE` or :data:`BRIDGED` (see the module docstring); others follow the normal
    shared-language rule.
    """

    def __init__(self, volunteers: Sequence[VolunteerProfile],
                 rules: Mapping[str, ProgrammeRules], today: date,
                 pc4: Pc4Table | None = None,
                 language_roles: Mapping[str, str] | None = None):
        self.volunteers = tuple(volunteers)
        self.language_roles = dict(language_roles or {})
        self.rules = dict(rules)
        self.today = today
        self.pc4 = pc4 or default_table()
        self.langs = _Bits("language")
        self.themes = _Bits("theme")
        self.days = _Bits("dagdeel")
        self.bands = _Bits("age band")
        for code, _, _ in AGE_BANDS:
            self.bands.bit(code)
        self.index_of: dict[str, int] = {}
        self._codes: dict[str, dict[str, int]] = {"country": {}, "religion": {}, "gender": {}}
        n = len(self.volunteers)
        lat, lon = np.zeros(n), np.zeros(n)
        radius = np.zeros(n)
        lvl_masks = {k: np.zeros(n, dtype=np.uint64) for k in (1, 2, 3)}
        dutch = np.zeros(n, dtype=np.int64)
        themes, days, bands = (np.zeros(n, dtype=np.uint64) for _ in range(3))
        gender, country, religion = (np.full(n, -1, dtype=np.int64) for _ in range(3))
        known = np.zeros(n, dtype=bool)
        members: dict[str, list[int]] = {}  # group code → volunteers who declared it
        amin, amax = np.full(n, -1, dtype=np.int64), np.full(n, 10**6, dtype=np.int64)
        consent = np.zeros(n, dtype=bool)
        nl = self.langs.bit("nl")
        for i, v in enumerate(self.volunteers):
            who = f"volunteer {v.id!r}"
            if v.id in self.index_of:
                raise ScoringError(f"{who}: duplicate id")
            self.index_of[v.id] = i
            lat[i], lon[i] = self.pc4.coords(v.postcode, who)
            if not (v.travel_radius_km >= 0):
                raise ScoringError(f"{who}: travel_radius_km must be >= 0")
            radius[i] = v.travel_radius_km
            dutch[i] = _cefr(v.dutch_level, who)
            levels = {code: _level(lv, who, code) for code, lv in v.languages.items()}
            levels["nl"] = max(levels.get("nl", 0), CEFR_TO_LEVEL[v.dutch_level])
            for code, lv in levels.items():
                b = np.uint64(1 << self.langs.bit(code))
                for k in (1, 2, 3):
                    if lv >= k:
                        lvl_masks[k][i] |= b
            themes[i] = self.themes.mask(v.themes)
            days[i] = self.days.mask(v.dagdelen)
            for code in self._groups_of(v):
                members.setdefault(code, []).append(i)
            known[i] = self._origin_known(v)
            bands[i] = self.bands.mask(v.experience_ages)
            gender[i] = self._code("gender", v.gender)
            country[i] = self._code("country", v.country_of_origin)
            religion[i] = self._code("religion", v.religion)
            if v.child_age_range is not None:
                amin[i], amax[i] = v.child_age_range
            consent[i] = bool(v.consent_matching)
        del nl
        self.bridge = np.zeros(n, dtype=bool)
        self.bridged = np.zeros(n, dtype=bool)
        for vid, role in self.language_roles.items():
            if vid not in self.index_of or role not in LANGUAGE_ROLES:
                raise ScoringError(f"volunteer {vid!r}: language role {role!r} for an unknown "
                                   f"volunteer or not one of {LANGUAGE_ROLES}")
            (self.bridge if role == BRIDGE else self.bridged)[self.index_of[vid]] = True
        self.lat, self.lon, self.radius = lat, lon, radius
        self.lvl_masks, self.dutch = lvl_masks, dutch
        self.vthemes, self.vdays, self.vbands = themes, days, bands
        self.vgender, self.vcountry, self.vreligion = gender, country, religion
        self.amin, self.amax, self.vconsent = amin, amax, consent
        self.vknown = known
        self._group_members = {code: np.array(ix, dtype=np.int64)
                               for code, ix in members.items()}
        self.max_radius = float(radius.max()) if n else 0.0
        lat_lo, lat_hi = self.pc4.bounds()
        # Grid: a cell is at least max_radius wide everywhere in the table's latitude range.
        self._cell_km = max(self.max_radius, 1.0) * 1.0001
        self._km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(max(abs(lat_lo),
                                                                          abs(lat_hi)) + 0.5))
        self.cy = np.floor(lat * KM_PER_DEG_LAT / self._cell_km).astype(np.int64)
        self.cx = np.floor(lon * self._km_per_deg_lon / self._cell_km).astype(np.int64)
        # Volunteers who need no shared language, per grid cell (the language index cannot
        # find them).
        self._bridged_cells: dict[tuple[int, int], np.ndarray] = {}
        for i in np.flatnonzero(self.bridged).tolist():
            self._bridged_cells.setdefault((int(self.cy[i]), int(self.cx[i])), []).append(i)
        self._bridged_cells = {k: np.array(v, dtype=np.int64)
                               for k, v in self._bridged_cells.items()}
        self._ready: dict[str, tuple[np.ndarray, list[tuple[str, ...]]]] = {}
        self._index: dict[str, dict[tuple[int, int, int], np.ndarray]] = {}

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _groups_of(v: VolunteerProfile) -> frozenset[str]:
        """What the volunteer declared about their origin (the country counts as a group)."""
        return frozenset(v.groups) | ({v.country_of_origin} if v.country_of_origin else set())

    @classmethod
    def _origin_known(cls, v: VolunteerProfile) -> bool:
        return bool(v.origin_known or cls._groups_of(v))

    @staticmethod
    def _own_groups(request: FamilyRequest) -> frozenset[str]:
        """The family's own community as group codes (empty: not recorded for matching)."""
        if request.own_groups:
            return frozenset(request.own_groups)
        return frozenset({request.country_of_origin}) if request.country_of_origin else frozenset()

    def _declared_any(self, codes, idx: np.ndarray) -> np.ndarray:
        """Per volunteer ``idx[k]``: declared one of the group ``codes``."""
        parts = [self._group_members[c] for c in codes if c in self._group_members]
        if not parts:
            return np.zeros(len(idx), dtype=bool)
        return np.isin(idx, np.concatenate(parts))

    def _code(self, kind: str, value: str | None) -> int:
        if value is None:
            return -1
        table = self._codes[kind]
        return table.setdefault(value, len(table))

    def _lookup(self, kind: str, value: str | None) -> int:
        if value is None:
            return -1
        return self._codes[kind].get(value, -2)  # -2: nobody has it

    def _rules_for(self, request: FamilyRequest) -> ProgrammeRules:
        try:
            return self.rules[request.programme]
        except KeyError:
            raise ScoringError(f"request {request.id!r}: unknown programme "
                               f"{request.programme!r}") from None

    def readiness(self, programme: str) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        """(ready mask, missing items per volunteer) for a programme (cached).

        A volunteer without an entry for the programme is not ready and misses
        ``("unknown",)``.
        """
        if programme not in self._ready:
            ready = np.zeros(len(self.volunteers), dtype=bool)
            missing: list[tuple[str, ...]] = []
            for i, v in enumerate(self.volunteers):
                r = v.readiness.get(programme)
                if r is None:
                    missing.append(("unknown",))
                else:
                    ready[i] = bool(r.ready)
                    missing.append(tuple(r.missing))
            self._ready[programme] = (ready, missing)
        return self._ready[programme]

    def _programme_index(self, rules: ProgrammeRules) -> dict[tuple[int, int, int], np.ndarray]:
        """(language bit, cell y, cell x) → volunteers who could serve this programme."""
        key = rules.code
        if key in self._index:
            return self._index[key]
        base = self.vconsent.copy()
        if rules.requires_readiness:
            base &= self.readiness(rules.code)[0]
        if rules.volunteer_genders is not None:
            allowed = [self._codes["gender"].get(g, -2) for g in rules.volunteer_genders]
            base &= np.isin(self.vgender, allowed)
        masks = self.lvl_masks[_level(rules.min_common_level, f"programme {key!r}",
                                      "min_common")]
        buckets: dict[tuple[int, int, int], list[int]] = {}
        practice_min = CEFR_RANK[rules.dutch_practice_volunteer_min]
        for i in np.flatnonzero(base).tolist():
            cell = (int(self.cy[i]), int(self.cx[i]))
            m = int(masks[i])
            while m:
                low = m & -m
                buckets.setdefault((low.bit_length() - 1, *cell), []).append(i)
                m ^= low
            if self.dutch[i] >= practice_min:
                buckets.setdefault((_PRACTICE, *cell), []).append(i)
        index = {k: np.array(v, dtype=np.int64) for k, v in buckets.items()}
        self._index[key] = index
        return index

    # -- per request ----------------------------------------------------------------------------

    def _context(self, request: FamilyRequest) -> dict:
        """Everything about a request the vectorised rules need (validated)."""
        rules = self._rules_for(request)
        who = f"request {request.id!r}"
        lat, lon = self.pc4.coords(request.postcode, who)
        fdutch = _cefr(request.dutch_level, who)
        levels = {code: _level(lv, who, code) for code, lv in request.languages.items()}
        levels["nl"] = max(levels.get("nl", 0), CEFR_TO_LEVEL[request.dutch_level])
        min_level = LEVELS[rules.min_common_level]
        usable = [code for code, lv in levels.items() if lv >= min_level]
        native = [code for code, lv in levels.items() if lv >= 3]
        own = [code for code in usable if code != "nl"]  # the family's own languages
        practice = (request.wants_dutch_practice
                    and fdutch >= CEFR_RANK[rules.dutch_practice_family_min])
        for a in request.children_ages:
            age_band(a)  # validates
        return {
            "rules": rules, "lat": lat, "lon": lon, "usable": usable,
            "good": self.langs.known_mask(usable), "native": self.langs.known_mask(native),
            "own": self.langs.known_mask(own),
            "practice": practice, "min_level": min_level,
            "days": self.days.known_mask(request.dagdelen),
            "avoid": frozenset(request.avoid_groups),
            "own_groups": self._own_groups(request),
            "needs": self.themes.known_mask(request.needs),
            "bands": self.bands.mask(age_band(a) for a in request.children_ages),
            "gender": self._lookup("gender", request.volunteer_gender),
            "country": self._lookup("country", request.country_of_origin),
            "religion": self._lookup("religion", request.religion),
            "rejected": np.array([self.index_of[v] for v in request.rejected_volunteers
                                  if v in self.index_of], dtype=np.int64),
        }

    def _request_reasons(self, request: FamilyRequest, rules: ProgrammeRules) -> list[str]:
        """Rules that exclude every volunteer for this request."""
        out = []
        if not request.consent_matching:
            out.append("no_consent")
        if request.not_before is not None and request.not_before > self.today:
            out.append("not_before")
        if rules.child_age_min is not None or rules.child_age_max is not None:
            lo = -1 if rules.child_age_min is None else rules.child_age_min
            hi = 10**6 if rules.child_age_max is None else rules.child_age_max
            if not any(lo <= a <= hi for a in request.children_ages):
                out.append("child_age")
        return out

    def _fails(self, request: FamilyRequest, ctx: dict, idx: np.ndarray,
               dist: np.ndarray) -> dict[str, np.ndarray]:
        """Per pair-level rule, a boolean array: volunteer ``idx[k]`` fails the rule."""
        rules: ProgrammeRules = ctx["rules"]
        n = len(idx)
        no = np.zeros(n, dtype=bool)
        out: dict[str, np.ndarray] = {}
        out["no_consent"] = ~self.vconsent[idx]
        out["not_ready"] = (~self.readiness(rules.code)[0][idx] if rules.requires_readiness
                            else no)
        if rules.volunteer_genders is not None:
            allowed = [self._codes["gender"].get(g, -2) for g in rules.volunteer_genders]
            out["programme_gender"] = ~np.isin(self.vgender[idx], allowed)
        else:
            out["programme_gender"] = no
        ages = request.children_ages
        if ages:
            ok = np.zeros(n, dtype=bool)
            for a in ages:
                ok |= (self.amin[idx] <= a) & (a <= self.amax[idx])
            out["child_age"] = ~ok
        else:
            out["child_age"] = no
        out["family_gender"] = (self.vgender[idx] != ctx["gender"] if ctx["gender"] != -1
                                else no)
        masks = self.lvl_masks[ctx["min_level"]][idx]
        common = (masks & np.uint64(ctx["good"])) != 0
        if ctx["practice"]:
            common |= self.dutch[idx] >= CEFR_RANK[rules.dutch_practice_volunteer_min]
        # Language roles (trios): the bridge must speak the family's own language; the
        # bridged volunteer needs none.
        own = (masks & np.uint64(ctx["own"])) != 0
        common = np.where(self.bridge[idx], own, common) | self.bridged[idx]
        out["no_common_language"] = ~common
        out["too_far"] = dist > self.radius[idx]
        out["no_common_days"] = ((self.vdays[idx] & np.uint64(ctx["days"])) == 0
                                 if rules.needs_fixed_days else no)
        out["own_community"] = (self._declared_any(ctx["own_groups"], idx)
                                if request.no_own_community and ctx["own_groups"] else no)
        out["avoided_group"] = (self._declared_any(ctx["avoid"], idx) if ctx["avoid"]
                                else no)
        out["rejected_before"] = (np.isin(idx, ctx["rejected"]) if len(ctx["rejected"])
                                  else no)
        return out

    def _points(self, request: FamilyRequest, ctx: dict, idx: np.ndarray,
                dist: np.ndarray) -> dict[str, np.ndarray]:
        """Per soft factor, the integer points of volunteer ``idx[k]`` for this request."""
        r: ProgrammeRules = ctx["rules"]
        n = len(idx)
        pts: dict[str, np.ndarray] = {}
        native = (self.lvl_masks[3][idx] & np.uint64(ctx["native"])) != 0
        shared = (self.lvl_masks[ctx["min_level"]][idx] & np.uint64(ctx["good"])) != 0
        pts["shared_native_language"] = np.where(native, r.weight("shared_native_language"), 0)
        pts["shared_language"] = np.where(~native & shared, r.weight("shared_language"), 0)
        pts["dutch_practice"] = (np.where(self.dutch[idx] == CEFR_RANK["native"],
                                          r.weight("dutch_practice"), 0)
                                 if request.wants_dutch_practice else np.zeros(n, np.int64))
        rad = np.maximum(self.radius[idx], 1e-9)
        pts["distance"] = np.rint(r.weight("distance")
                                  * np.clip(1 - dist / rad, 0, 1)).astype(np.int64)
        overlap = np.bitwise_count(self.vthemes[idx] & np.uint64(ctx["needs"])).astype(np.int64)
        pts["themes"] = r.weight("themes") * np.minimum(overlap, r.weight("themes_max"))
        pts["parenting_experience"] = np.where(
            (self.vbands[idx] & np.uint64(ctx["bands"])) != 0, r.weight("parenting_experience"),
            0)
        pts["religion"] = (np.where(self.vreligion[idx] == ctx["religion"], r.weight("religion"),
                                    0) if ctx["religion"] >= 0 else np.zeros(n, np.int64))
        months = self._waiting_months(request)
        pts["waiting_time"] = np.full(
            n, r.weight("waiting_time") * min(months, r.weight("waiting_time_max_months")),
            dtype=np.int64)
        return {k: np.asarray(v, dtype=np.int64) for k, v in pts.items()}

    def _flags(self, request: FamilyRequest, ctx: dict, idx: np.ndarray) -> dict[str, np.ndarray]:
        """Per warning flag, a boolean array: the pair ``idx[k]`` carries the flag."""
        unknown = ~self.vknown[idx]
        wish = np.zeros(len(idx), dtype=bool)
        if request.no_own_community:
            wish |= True if not ctx["own_groups"] else unknown
        if ctx["avoid"]:
            wish |= unknown
        return {"origin_unknown": wish}

    def _waiting_months(self, request: FamilyRequest) -> int:
        if request.waiting_since is None:
            return 0
        return max(0, (self.today - request.waiting_since).days // 30)

    def _pool(self, ctx: dict) -> np.ndarray:
        """Volunteers speaking a usable language in the 3×3 cells around the family."""
        index = self._programme_index(ctx["rules"])
        cy = int(math.floor(ctx["lat"] * KM_PER_DEG_LAT / self._cell_km))
        cx = int(math.floor(ctx["lon"] * self._km_per_deg_lon / self._cell_km))
        keys = [self.langs.bits[c] for c in ctx["usable"] if c in self.langs.bits]
        if ctx["practice"]:
            keys.append(_PRACTICE)
        parts = [index[k] for b in keys for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                 if (k := (b, cy + dy, cx + dx)) in index]
        parts += [self._bridged_cells[c] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                  if (c := (cy + dy, cx + dx)) in self._bridged_cells]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]

    # -- public -------------------------------------------------------------------------------

    def candidates(self, requests: Sequence[FamilyRequest]) -> CandidateSet:
        """All feasible pairs for ``requests`` with scores (see the module docstring)."""
        reqs = tuple(requests)
        seen = set()
        r_parts, v_parts, d_parts = [], [], []
        p_parts: dict[str, list[np.ndarray]] = {}
        f_parts: dict[str, list[np.ndarray]] = {}
        for ri, request in enumerate(reqs):
            if request.id in seen:
                raise ScoringError(f"request {request.id!r}: duplicate id")
            seen.add(request.id)
            ctx = self._context(request)
            if self._request_reasons(request, ctx["rules"]):
                continue
            idx = self._pool(ctx)
            if len(idx) == 0:
                continue
            dist = haversine_km(ctx["lat"], ctx["lon"], self.lat[idx], self.lon[idx])
            fails = self._fails(request, ctx, idx, dist)
            ok = ~np.logical_or.reduce(list(fails.values()))
            idx, dist = idx[ok], dist[ok]
            if len(idx) == 0:
                continue
            for k, arr in self._points(request, ctx, idx, dist).items():
                p_parts.setdefault(k, []).append(arr)
            for k, arr in self._flags(request, ctx, idx).items():
                f_parts.setdefault(k, []).append(arr)
            r_parts.append(np.full(len(idx), ri, dtype=np.int64))
            v_parts.append(idx)
            d_parts.append(dist)

        def cat(parts, dtype):
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        points = {k: cat(v, np.int64) for k, v in p_parts.items()}
        flags = {k: cat(v, bool) for k, v in f_parts.items()}
        return CandidateSet(self, reqs, cat(r_parts, np.int64), cat(v_parts, np.int64),
                            cat(d_parts, np.float64), points, flags)

    def exclusions(self, request: FamilyRequest) -> Exclusions:
        """Evaluate every hard rule on all volunteers for one request and count exclusions."""
        ctx = self._context(request)
        n = len(self.volunteers)
        idx = np.arange(n)
        dist = haversine_km(ctx["lat"], ctx["lon"], self.lat, self.lon)
        fails = self._fails(request, ctx, idx, dist)
        for reason in self._request_reasons(request, ctx["rules"]):
            fails[reason] = np.ones(n, dtype=bool)
        stack = np.array([fails.get(r, np.zeros(n, dtype=bool)) for r in REASONS])
        nfail = stack.sum(axis=0)
        excluded = {r: int(stack[k].sum()) for k, r in enumerate(REASONS) if stack[k].any()}
        only = {r: int((stack[k] & (nfail == 1)).sum()) for k, r in enumerate(REASONS)}
        only = {r: c for r, c in only.items() if c}
        training = Counter()
        k_ready = REASONS.index("not_ready")
        missing = self.readiness(ctx["rules"].code)[1]
        for i in np.flatnonzero(stack[k_ready] & (nfail == 1)).tolist():
            training[missing[i]] += 1
        in_range = dist <= self.radius
        speakers = {}
        masks = self.lvl_masks[ctx["min_level"]]
        for code in request.languages:
            if code in self.langs.bits and LEVELS.get(request.languages[code], 0) >= 1:
                bit = np.uint64(1 << self.langs.bits[code])
                speakers[code] = int((((masks & bit) != 0) & in_range).sum())
            else:
                speakers[code] = 0
        ok = np.flatnonzero(nfail == 0).tolist()
        return Exclusions(request.id, n, len(ok), excluded, only, dict(training), speakers,
                          self.max_radius, tuple(self.volunteers[i].id for i in ok))

    def factors(self, request: FamilyRequest, volunteer: VolunteerProfile,
                points: Mapping[str, int], distance_km: float,
                flags: Sequence[str] = ()) -> tuple[Factor, ...]:
        """The explanation of one candidate: non-zero factors with their parameters, then
        its warning flags (0 points)."""
        out = []
        for code, pts in points.items():
            if pts == 0:
                continue
            out.append(Factor(code, int(pts), self._params(code, request, volunteer,
                                                           distance_km)))
        for code in flags:
            out.append(Factor(code, 0, self._params(code, request, volunteer, distance_km)))
        return tuple(out)

    def _params(self, code: str, req: FamilyRequest, vol: VolunteerProfile,
                km: float) -> dict[str, object]:
        if code in ("shared_native_language", "shared_language"):
            want = 3 if code == "shared_native_language" else LEVELS[
                self._rules_for(req).min_common_level]
            vlev = {c: LEVELS[lv] for c, lv in vol.languages.items()}
            vlev["nl"] = max(vlev.get("nl", 0), CEFR_TO_LEVEL[vol.dutch_level])
            flev = {c: LEVELS[lv] for c, lv in req.languages.items()}
            flev["nl"] = max(flev.get("nl", 0), CEFR_TO_LEVEL[req.dutch_level])
            langs = sorted(c for c in flev if flev[c] >= want and vlev.get(c, 0) >= want)
            return {"languages": langs}
        if code == "distance":
            return {"km": round(float(km), 1), "radius_km": vol.travel_radius_km}
        if code == "themes":
            return {"themes": sorted(req.needs & vol.themes)}
        if code == "parenting_experience":
            bands = {age_band(a) for a in req.children_ages}
            return {"age_bands": sorted(bands & vol.experience_ages)}
        if code == "origin_unknown":
            return {"side": "family" if self._origin_known(vol) else "volunteer"}
        if code == "waiting_time":
            return {"months": self._waiting_months(req)}
        return {}


class CandidateSet:
    """Scored candidates as arrays, with lazy per-candidate explanations."""

    def __init__(self, scorer: Scorer, requests: tuple[FamilyRequest, ...], req: np.ndarray,
                 vol: np.ndarray, distance_km: np.ndarray, points: dict[str, np.ndarray],
                 flags: dict[str, np.ndarray] | None = None):
        self.scorer = scorer
        self.requests = requests
        self.req = req
        self.vol = vol
        self.distance_km = distance_km
        self.points = points
        self.flags = flags or {}
        self.score = (np.sum(list(points.values()), axis=0).astype(np.int64) if points
                      else np.zeros(0, dtype=np.int64))
        self._pair: dict[tuple[str, str], int] | None = None

    def __len__(self) -> int:
        return len(self.req)

    def hours(self, k: int) -> float:
        """Weekly hours of candidate ``k`` (request override, else the programme's)."""
        r = self.requests[int(self.req[k])]
        if r.hours_per_week is not None:
            return r.hours_per_week
        return self.scorer.rules[r.programme].hours_per_match

    def get(self, k: int) -> ScoredCandidate:
        """Candidate ``k`` with its explanation."""
        r = self.requests[int(self.req[k])]
        v = self.scorer.volunteers[int(self.vol[k])]
        pts = {code: int(arr[k]) for code, arr in self.points.items()}
        flags = [code for code, arr in self.flags.items() if arr[k]]
        return ScoredCandidate(v.id, r.id, int(self.score[k]), self.hours(k),
                               self.scorer.factors(r, v, pts, float(self.distance_km[k]),
                                                   flags))

    def __iter__(self) -> Iterator[ScoredCandidate]:
        for k in range(len(self)):
            yield self.get(k)

    def find(self, volunteer_id: str, request_id: str) -> ScoredCandidate | None:
        """The candidate for a pair, or ``None`` when the pair is not feasible."""
        if self._pair is None:
            vids = [v.id for v in self.scorer.volunteers]
            rids = [r.id for r in self.requests]
            self._pair = {(vids[v], rids[r]): k for k, (v, r) in
                          enumerate(zip(self.vol.tolist(), self.req.tolist()))}
        k = self._pair.get((volunteer_id, request_id))
        return None if k is None else self.get(k)

    def to_problem(self) -> Problem:
        """The candidate-level problem: one problem family per request (id = request id).

        Requests of the same ``family_id`` (one family asking for several programmes in this
        run) form a :class:`~matching.problem.Group` (id = ``family_id``) whose cap is the
        family's overload cap (the smallest ``max_new_volunteers`` among its requests): the
        requests together never exceed it, and no volunteer is proposed twice to the family.
        A family with a single request needs no group (the problem is as before).
        """
        vols = tuple(Volunteer(v.id, v.max_families, v.hours_per_week)
                     for v in self.scorer.volunteers)
        by_family: dict[str, list[FamilyRequest]] = {}
        for r in self.requests:
            by_family.setdefault(r.family_id, []).append(r)
        groups = tuple(Group(fid, min(r.max_new_volunteers for r in rs))
                       for fid, rs in by_family.items() if len(rs) > 1)
        grouped = {g.id for g in groups}
        fams = tuple(Family(r.id, r.priority, r.max_new_volunteers,
                            r.family_id if r.family_id in grouped else None)
                     for r in self.requests)
        vids = [v.id for v in self.scorer.volunteers]
        rids = [r.id for r in self.requests]
        hours = [self.scorer.rules[r.programme].hours_per_match if r.hours_per_week is None
                 else r.hours_per_week for r in self.requests]
        cands = tuple(Candidate(vids[v], rids[r], s, hours[r]) for v, r, s in
                      zip(self.vol.tolist(), self.req.tolist(), self.score.tolist()))
        return Problem(vols, fams, cands, groups)


def generate_candidates(volunteers: Sequence[VolunteerProfile],
                        requests: Sequence[FamilyRequest],
                        rules: Mapping[str, ProgrammeRules], today: date,
                        pc4: Pc4Table | None = None) -> CandidateSet:
    """Convenience: ``Scorer(volunteers, rules, today, pc4).candidates(requests)``."""
    return Scorer(volunteers, rules, today, pc4).candidates(requests)
