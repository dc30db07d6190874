"""People → a trio problem: nieuwkomer family + *oudkomer* volunteer + Dutch volunteer.

The oudkomer bridges the language (the Rotterdam trio): a family that speaks only Arabic
and no Dutch gets an Arabic-speaking oudkomer and a Dutch volunteer with whom the oudkomer
shares Dutch.  A trio is feasible only where all three pairs are:

- family–oudkomer: a candidate pair (every hard rule of :mod:`matching.scoring`) that shares
  one of the family's own languages other than Dutch (language role ``BRIDGE``);
- family–Dutch volunteer: a candidate pair under every hard rule except the shared language,
  which they do not need (language role ``BRIDGED``);
- oudkomer–Dutch volunteer: :func:`pair_volunteers` — a shared language (usually Dutch: both
  at least ``dutch_min``) and living within reach of each other.

The language part of this rule lives in one place, :func:`trio_scorer`: the scorer it returns
applies it to the candidates and to the diagnosis of unmatched families alike.

The trio's score is the sum of the three pair scores; the output is the trio JSON contract
(:meth:`matching.problem.TrioProblem.from_json`).
"""
from __future__ import annotations

from collections.abc import Sequence

from .geo import haversine_km
from .model import CEFR_RANK, LEVELS, FamilyRequest, VolunteerProfile
from .scoring import BRIDGE, BRIDGED, Scorer

TRIO_PAIR_BASE = 10  # points for a workable oudkomer–Dutch pair, before distance


def is_oudkomer(v: VolunteerProfile) -> bool:
    """Someone who came as a refugee and speaks a language other than Dutch well."""
    return v.oudkomer and any(
        LEVELS.get(level, 0) >= 2 for code, level in v.languages.items() if code != "nl")


def is_dutch_volunteer(v: VolunteerProfile) -> bool:
    return not v.oudkomer and v.dutch_level == "native"


def trio_scorer(scorer: Scorer) -> Scorer:
    """The scorer of trio problems: ``scorer``'s oudkomers (language role ``BRIDGE``) and
    Dutch volunteers (role ``BRIDGED``) — other volunteers cannot be part of a trio.
    Returns ``scorer`` itself when it is one already."""
    vols = [v for v in scorer.volunteers if is_oudkomer(v) or is_dutch_volunteer(v)]
    roles = {v.id: BRIDGE if is_oudkomer(v) else BRIDGED for v in vols}
    if len(vols) == len(scorer.volunteers) and scorer.language_roles == roles:
        return scorer
    return Scorer(vols, scorer.rules, scorer.today, scorer.pc4, language_roles=roles)


def pair_volunteers(o: VolunteerProfile, d: VolunteerProfile, scorer: Scorer,
                    dutch_min: str = "B1") -> int | None:
    """The score of an oudkomer–Dutch volunteer pair, or None when they cannot work together."""
    share_dutch = CEFR_RANK[o.dutch_level] >= CEFR_RANK[dutch_min] and \
        CEFR_RANK[d.dutch_level] >= CEFR_RANK[dutch_min]
    other = any(LEVELS.get(o.languages.get(c), 0) >= 2 and LEVELS.get(lv, 0) >= 2
                for c, lv in d.languages.items() if c != "nl")
    if not (share_dutch or other):
        return None
    km = haversine_km(*scorer.pc4.coords(o.postcode, o.id), *scorer.pc4.coords(d.postcode, d.id))
    reach = max(o.travel_radius_km, d.travel_radius_km)
    if km > reach:
        return None
    return TRIO_PAIR_BASE + (5 if other else 0) - int(round(10 * km / max(reach, 1e-9)))


def build_trio_problem(scorer: Scorer, requests: Sequence[FamilyRequest]) -> tuple[dict, dict]:
    """The trio problem (JSON contract) for ``requests`` and the scorer's volunteers, and the
    explanations: ``{("fo"|"fd", family, volunteer): factors, ("od", o, d): score}``.
    ``scorer`` may be any scorer of the people; its :func:`trio_scorer` is used."""
    scorer = trio_scorer(scorer)
    vols = {v.id: v for v in scorer.volunteers}
    oud = {i for i, v in vols.items() if is_oudkomer(v)}
    dutch = {i for i, v in vols.items() if is_dutch_volunteer(v)}
    fo, fd, why = [], [], {}
    for cand in scorer.candidates(requests):
        # The scorer's language roles already decided who may pair with the family.
        if cand.volunteer in oud:
            fo.append({"family": cand.request, "oudkomer": cand.volunteer,
                       "score": int(cand.score)})
            why[("fo", cand.request, cand.volunteer)] = cand.factors
        elif cand.volunteer in dutch:
            fd.append({"family": cand.request, "dutch": cand.volunteer, "score": int(cand.score)})
            why[("fd", cand.request, cand.volunteer)] = cand.factors
    used_o = {p["oudkomer"] for p in fo}
    used_d = {p["dutch"] for p in fd}
    od = []
    for o in sorted(used_o):
        for d in sorted(used_d):
            score = pair_volunteers(vols[o], vols[d], scorer)
            if score is not None:
                od.append({"oudkomer": o, "dutch": d, "score": score})
                why[("od", o, d)] = score
    problem = {
        "families": [{"id": r.id, "priority": r.priority,
                      "max_new_volunteers": r.max_new_volunteers, "max_trios": 1}
                     for r in requests],
        "oudkomers": [{"id": o, "max_trios": vols[o].max_families} for o in sorted(used_o)],
        "dutch": [{"id": d, "max_trios": vols[d].max_families} for d in sorted(used_d)],
        "family_oudkomer": fo, "family_dutch": fd, "oudkomer_dutch": od,
    }
    return problem, why
