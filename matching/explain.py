"""Explanations and diagnosis for coordinators.

- :func:`explain_matches`: the score breakdown (factor codes + points + parameters) of every
  proposed match.
- :func:`diagnose`: for each unmatched request, the volunteers excluded per hard rule and
  what would unblock it — "N volunteers would qualify after <training items>", "lifting
  rule R alone gives N candidates", "no volunteer speaks <language> within <km>", "N
  candidates were proposed to other families" (only when the run did propose them),
  "N candidates but none has room", or for trios "no oudkomer and Dutch volunteer who can
  work together"; and per run the bottlenecks (language, training, distance, capacity,
  trio, …) with the number of families each one blocks.

Everything is codes and numbers for the web app to translate — no sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .model import FamilyRequest
from .problem import Solution, TrioSolution
from .scoring import BRIDGE, BRIDGED, CandidateSet, Exclusions, Factor, Scorer
from .trio_inputs import trio_scorer

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
    (count and params ``candidates``: feasible volunteers this run proposed to other
    families — never given when it proposed none of them), ``no_room`` (feasible volunteers
    proposed to nobody, with no family places or hours left), ``family_full`` (the family
    has no room for another volunteer, or two for a trio), ``no_trio`` (params
    ``oudkomers``, ``dutch``: feasible oudkomers and Dutch volunteers, but no trio of them).
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


def _unused_hint(scorer: Scorer, request: FamilyRequest, ex: Exclusions, proposed:
                 Collection[str], trios: bool) -> tuple[Hint, str] | None:
    """Why the request's feasible volunteers did not serve it: (hint, bottleneck)."""
    if ex.candidates == 0:
        return None
    taken = sum(1 for v in ex.candidate_ids if v in proposed)
    if taken:
        return Hint("capacity", taken, {"candidates": taken}), "capacity"
    if request.max_new_volunteers is not None and request.max_new_volunteers < (2 if trios
                                                                                else 1):
        return Hint("family_full", 0, {}), "capacity"
    if trios:
        roles = scorer.language_roles
        oud = sum(1 for v in ex.candidate_ids if roles.get(v) == BRIDGE)
        dutch = sum(1 for v in ex.candidate_ids if roles.get(v) == BRIDGED)
        return Hint("no_trio", ex.candidates, {"oudkomers": oud, "dutch": dutch}), "trio"
    vols = {v.id: v for v in scorer.volunteers}
    rules = scorer.rules[request.programme]
    hours = rules.hours_per_match if request.hours_per_week is None else request.hours_per_week
    full = sum(1 for v in map(vols.get, ex.candidate_ids)
               if (v.max_families is not None and v.max_families <= 0)
               or (v.hours_per_week is not None and hours and v.hours_per_week < hours))
    if full:
        return Hint("no_room", full, {"candidates": full}), "capacity"
    return None


def diagnose_request(scorer: Scorer, request: FamilyRequest,
                     proposed: Collection[str] = frozenset(), *,
                     trios: bool = False) -> RequestDiagnosis:
    """Exclusion counts and unblock hints for one request.

    ``proposed``: the volunteers the run proposed (to other families); ``trios``: the run
    formed trios (``scorer`` is then a :func:`matching.trio_inputs.trio_scorer`)."""
    ex = scorer.exclusions(request)
    hints: list[Hint] = []
    blockers: set[str] = set()
    unused = _unused_hint(scorer, request, ex, proposed, trios)
    if unused is not None:
        hints.append(unused[0])
        blockers.add(unused[1])
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
             solution: Solution | TrioSolution) -> Diagnosis:
    """Diagnose every request that ``solution`` leaves unmatched (for a trio solution under
    the trio rule: :func:`matching.trio_inputs.trio_scorer` of ``scorer``).

    The run summary counts distinct families per bottleneck category (a family counts for
    every category that alone would unblock one of its requests; ``multiple`` when no single
    rule does).
    """
    unmatched = set(solution.unmatched_families)
    trios = isinstance(solution, TrioSolution)
    if trios:
        scorer = trio_scorer(scorer)  # the trio rule (language roles); no-op when it is one
    proposed = ({v for t in solution.trios for v in (t.oudkomer, t.dutch)} if trios
                else {m.volunteer for m in solution.matches})
    diags = tuple(diagnose_request(scorer, r, proposed, trios=trios)
                  for r in requests if r.id in unmatched)
    families: dict[str, set[str]] = {}
    for d in diags:
        for b in d.blockers:
            families.setdefault(b, set()).add(d.family)
    summary = Counter({b: len(f) for b, f in families.items()})
    return Diagnosis(diags, dict(summary.most_common()))
