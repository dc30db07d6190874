"""People-level input: volunteers, family requests and programme rules as frozen dataclasses.

The web app turns its records into these plain objects.  Readiness per programme arrives
precomputed (by the ``training`` package) as :class:`ProgrammeReadiness`; matching never
computes it.  Special-category data (country of origin, religion, groups) is ``None`` /
empty unless consent was given — ``None`` means "not usable" and is never matched on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Protocol

# Language levels for non-Dutch languages.
LEVELS = {"basic": 1, "good": 2, "native": 3}
# Dutch: CEFR or native; ranks for comparisons.
CEFR_RANK = {"A0": 0, "A1": 1, "A2": 2, "B1": 3, "B2": 4, "C1": 5, "C2": 6, "native": 7}
# CEFR level → general language level (A2 basic, B1+ good, native native).
CEFR_TO_LEVEL = {"A0": 0, "A1": 0, "A2": 1, "B1": 2, "B2": 2, "C1": 2, "C2": 2, "native": 3}

# Hard-rule reason codes (stable: the web app translates them).
REASONS = (
    "no_consent", "not_before", "child_age", "not_ready", "programme_gender", "family_gender",
    "no_common_language", "too_far", "no_common_days", "own_community", "avoided_group",
    "rejected_before",
)

# Age bands for "parenting experience with children of similar ages".
AGE_BANDS = (("0-3", 0, 3), ("4-11", 4, 11), ("12-17", 12, 17), ("18+", 18, 200))


def age_band(age: int) -> str:
    """The band code of a child's age in years."""
    for code, lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return code
    raise ValueError(f"invalid child age {age!r}")


class Readiness(Protocol):
    """What matching needs to know about a volunteer's readiness for one programme."""

    ready: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class ProgrammeReadiness:
    """Readiness for one programme: ``missing`` lists training item codes still to do
    (e.g. ``"themabijeenkomst"``, ``"pharos_elearning"``, ``"vog"``)."""

    ready: bool
    missing: tuple[str, ...] = ()


DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType({
    "shared_native_language": 30,  # both native speakers of the same language
    "shared_language": 15,  # a common language, not both native
    "dutch_practice": 20,  # family wants to practise Dutch, volunteer is a native speaker
    "distance": 20,  # full points at 0 km, 0 at the volunteer's travel radius
    "themes": 5,  # per need of the family among the volunteer's confident themes
    "themes_max": 3,  # at most this many themes count
    "parenting_experience": 10,  # experience with children in the same age band(s)
    "religion": 5,  # same religion, only when both opted in
    "waiting_time": 2,  # per month waiting
    "waiting_time_max_months": 12,
})


@dataclass(frozen=True)
class ProgrammeRules:
    """Programme eligibility and weights, as data.

    ``volunteer_genders``: allowed volunteer genders (MIM: ``{"f"}``), ``None`` = any.
    ``child_age_min``/``max``: the family must have a child in this range.
    ``needs_fixed_days``: volunteer and family must share a *dagdeel* (Steunouder).
    Common-language rule: a language both speak at ``min_common_level`` or better, or Dutch
    when the family wants to practise it, the parent's Dutch is at least
    ``dutch_practice_family_min`` and the volunteer's at least ``dutch_practice_volunteer_min``.
    ``hours_per_match``: weekly hours a match costs the volunteer (0 = not counted).
    """

    code: str
    volunteer_genders: frozenset[str] | None = None
    child_age_min: int | None = None
    child_age_max: int | None = None
    requires_readiness: bool = True
    needs_fixed_days: bool = False
    min_common_level: str = "good"
    dutch_practice_family_min: str = "A2"
    dutch_practice_volunteer_min: str = "B2"
    hours_per_match: float = 0
    weights: Mapping[str, int] = field(default_factory=lambda: DEFAULT_WEIGHTS)

    def weight(self, name: str) -> int:
        """A weight, falling back to the default."""
        return int(self.weights.get(name, DEFAULT_WEIGHTS[name]))


@dataclass(frozen=True)
class VolunteerProfile:
    """A volunteer as matching sees them.

    ``languages``: code (ISO 639-1/3) → ``"native" | "good" | "basic"`` (Dutch goes in
    ``dutch_level``: ``"native"`` or CEFR).  ``readiness``: programme code → readiness.
    ``experience_ages``: age bands (``"0-3"``, ``"4-11"``, ``"12-17"``) of children the
    volunteer has raised or cared for.  ``child_age_range``: the volunteer's preference.
    ``country_of_origin``/``religion``/``groups``: special categories, only with consent.
    ``groups``: opaque codes of what the volunteer declared about their origin (the web app
    sends the country code, ``"community:<code>"``, ``"region:<code>"`` and ``"other:<text>"``);
    the country of origin counts as a group too.  ``origin_known``: the volunteer answered
    the origin questions and agreed they may be used (a given country or group implies it);
    when it is not known, a family's safety wish cannot be checked and the pair is flagged
    (``origin_unknown``) instead of being silently proposed or excluded.
    """

    id: str
    postcode: str
    gender: str | None = None
    languages: Mapping[str, str] = field(default_factory=dict)
    dutch_level: str = "native"
    travel_radius_km: float = 10.0
    readiness: Mapping[str, Readiness] = field(default_factory=dict)
    max_families: int | None = 1
    hours_per_week: float | None = None
    dagdelen: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    experience_ages: frozenset[str] = frozenset()
    child_age_range: tuple[int, int] | None = None
    country_of_origin: str | None = None
    religion: str | None = None
    groups: frozenset[str] = frozenset()
    origin_known: bool = False
    consent_matching: bool = True
    # arrived as a refugee and can be the *oudkomer* of a trio (the volunteer's own answer;
    # not the country, which is special-category data)
    oudkomer: bool = False


@dataclass(frozen=True)
class FamilyRequest:
    """One family asking for one programme.

    ``priority``: served-priority weight (urgent families higher).  ``max_new_volunteers``:
    the overload cap (family maximum minus volunteers it already has, across programmes).
    ``languages``: code → level of the parent(s); ``dutch_level``: CEFR.
    ``volunteer_gender``: required volunteer gender or ``None``.
    ``no_own_community``: not someone from the family's own community: ``own_groups`` (its
    community if recorded, else its country; empty: not recorded for matching, and the wish
    is then flagged on every candidate), falling back to ``country_of_origin``.
    ``avoid_groups``: groups the family does not want (special category), the same codes as
    :attr:`VolunteerProfile.groups`.
    ``rejected_volunteers``: ids a coordinator rejected for this family before.
    """

    id: str
    family_id: str
    programme: str
    postcode: str
    priority: int = 1
    max_new_volunteers: int = 1
    languages: Mapping[str, str] = field(default_factory=dict)
    dutch_level: str = "A0"
    wants_dutch_practice: bool = False
    volunteer_gender: str | None = None
    children_ages: tuple[int, ...] = ()
    dagdelen: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    country_of_origin: str | None = None
    religion: str | None = None
    no_own_community: bool = False
    own_groups: frozenset[str] = frozenset()
    avoid_groups: frozenset[str] = frozenset()
    rejected_volunteers: frozenset[str] = frozenset()
    not_before: date | None = None
    waiting_since: date | None = None
    consent_matching: bool = True
    hours_per_week: float | None = None
