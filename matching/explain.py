"""Explanations and diagnosis for coordinators.

- :func:`explain_matches`: the score breakdown (factor codes + points + parameters) of every
  proposed match.
- :func:`diagnose`: for each unmatched request, the volunteers excluded per hard rule and
  what would unblock it — "N volunteers would qualify after <training items>", "lifting
  rule R alone gives N candidates", "no volunteer speaks <language> within <km>", or
  "all N candidates were taken" (capacity); and per run the bottlenecks (language,
  training, distance, capacity, …) with the number of families each one blocks.

Everything is codes and numbers for the web app to translate — no sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import FamilyRequest
from .problem import Solution
from .scoring import CandidateSet, Exclusions, Factor, Scorer

# Hard rule → bottleneck category of the run summary.
CATEGORY = {
    "not_ready": "training",
    "no_common_language": "language",
    "too_far": "distance",
    "programme_gender": "gender",
    "family_gender": "gender",
    "child_age": "child_age",
    "no_common_days": "days",
    "own_community": "community",
    "avoided_group": "community",
    "rejected_before": "rejected_before",
    "no_consent": "consent",
    "not_before": "not_before",
}


# Rules a coordinator cannot lift for a pair (programme law, consent, own decisions);
# training has its own hint.
_NOT_LIFTABLE = {"not_ready", "programme_gender", "no_consent", "rejected_before"}


@dataclass(frozen=True)
class Hint:
    """One "what would unblock it" item: a code, a volunteer count and parameters.

    Codes: ``after_training`` (params ``missing``: training items), ``lift_rule`` (params
    ``rule``), ``no_speaker_in_range`` (params ``language``, ``km``), ``capacity``
    (params ``candidates``: all feasible volunteers were given to others).
    """

    code: str
    count: int
    params: Mapping[str, object]


@dataclass(frozen=True)
class RequestDiagnosis:
    """Why one request stayed unmatched."""

    request: str
    family: str
    exclusions: Exclusions
    blockers: tuple[str, ...]  # bottleneck categories that alone would unblock it
    hints: tuple[Hint, ...]


@dataclass(frozen=True)
class Diagnosis:
    """Per unmatched request, and per run: category → number of families it blocks."""

    requests: tuple[RequestDiagnosis, ...]
    bottlenecks: Mapping[str, int]


def explain_matches(candidates: CandidateSet, solution: Solution) -> dict[tuple[str, str],
                                                                          tuple[Factor, ...]]:
    """(volunteer id, request id) → score breakdown for every match of ``solution``."""
    out = {}
    for m in solution.matches:
        c = candidates.find(m.volunteer, m.family)
        if c is not None:
            out[(m.volunteer, m.family)] = c.factors
    return out


def diagnose_request(scorer: Scorer, request: FamilyRequest) -> RequestDiagnosis:
    """Exclusion counts and unblock hints for one request."""
    ex = scorer.exclusions(request)
    hints: list[Hint] = []
    blockers: set[str] = set()
    if ex.candidates > 0:
        hints.append(Hint("capacity", ex.candidates, {"candidates": ex.candidates}))
        blockers.add("capacity")
    for missing, count in sorted(ex.training_only.items(), key=lambda kv: -kv[1]):
        hints.append(Hint("after_training", count, {"missing": list(missing)}))
    for rule, count in sorted(ex.only.items(), key=lambda kv: -kv[1]):
        blockers.add(CATEGORY.get(rule, rule))
        if rule not in _NOT_LIFTABLE:
            hints.append(Hint("lift_rule", count, {"rule": rule}))
    for lang, count in ex.speakers_in_range.items():
        if count == 0 and lang != "nl":
            hints.append(Hint("no_speaker_in_range", 0,
                              {"language": lang, "km": ex.max_radius_km}))
    if not blockers:
        blockers.add("multiple")
    return RequestDiagnosis(request.id, request.family_id, ex, tuple(sorted(blockers)),
                            tuple(hints))


def diagnose(scorer: Scorer, requests: Sequence[FamilyRequest],
             solution: Solution) -> Diagnosis:
    """Diagnose every request that ``solution`` leaves unmatched.

    The run summary counts distinct families per bottleneck category (a family counts for
    every category that alone would unblock one of its requests; ``multiple`` when no single
    rule does).
    """
    unmatched = set(solution.unmatched_families)
    diags = tuple(diagnose_request(scorer, r) for r in requests if r.id in unmatched)
    families: dict[str, set[str]] = {}
    for d in diags:
        for b in d.blockers:
            families.setdefault(b, set()).add(d.family)
    summary = Counter({b: len(f) for b, f in families.items()})
    return Diagnosis(diags, dict(summary.most_common()))
