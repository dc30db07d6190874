"""People → trio problems: which oudkomer–Dutch volunteer pairs can work together, and the
Rotterdam trio rule (the oudkomer bridges the language) through the actual trio solver."""
import random
from dataclasses import replace
from datetime import date

from matching.explain import diagnose
from matching.model import FamilyRequest, ProgrammeReadiness, ProgrammeRules, VolunteerProfile
from matching.problem import TrioProblem
from matching.scoring import Scorer
from matching.solve import solve
from matching.trio_inputs import (build_trio_problem, is_dutch_volunteer, is_oudkomer,
                                  pair_volunteers, trio_scorer)
from matching.trios import solve_trios

READY = {"p": ProgrammeReadiness(True)}


def vol(id, pc4="2316", **kw):
    base = dict(id=id, postcode=pc4, languages={}, dutch_level="native", readiness=READY,
                travel_radius_km=10.0)
    base.update(kw)
    return VolunteerProfile(**base)


OUD = vol("o", languages={"ar": "native"}, dutch_level="B2", oudkomer=True)
NL = vol("d", pc4="2312")


def scorer(vols):
    return Scorer(vols, {"p": ProgrammeRules(code="p")}, date(2026, 11, 23))


def test_roles():
    assert is_oudkomer(OUD) and not is_dutch_volunteer(OUD)
    assert is_dutch_volunteer(NL) and not is_oudkomer(NL)


def test_pair_needs_shared_language_and_reach():
    s = scorer([OUD, NL])
    assert pair_volunteers(OUD, NL, s) is not None
    weak_dutch = vol("o2", languages={"ar": "native"}, dutch_level="A2", oudkomer=True)
    assert pair_volunteers(weak_dutch, NL, scorer([weak_dutch, NL])) is None
    far = vol("d2", pc4="1011")  # Amsterdam, ~35 km from Leiden
    assert pair_volunteers(OUD, far, scorer([OUD, far])) is None


def test_trio_problem_lists_only_workable_pairs():
    fam = FamilyRequest(id="f", family_id="f", programme="p", postcode="2316",
                        languages={"ar": "native"}, dutch_level="A2", wants_dutch_practice=True,
                        max_new_volunteers=2)
    problem, why = build_trio_problem(scorer([OUD, NL]), [fam])
    assert [p["oudkomer"] for p in problem["family_oudkomer"]] == ["o"]
    assert [p["dutch"] for p in problem["family_dutch"]] == ["d"]
    assert [(p["oudkomer"], p["dutch"]) for p in problem["oudkomer_dutch"]] == [("o", "d")]
    assert ("od", "o", "d") in why


# -- The Rotterdam trio: the oudkomer bridges the language (issue 15) ---------------------------

ARABIC_ONLY = FamilyRequest(id="f", family_id="f", programme="p", postcode="2316",
                            languages={"ar": "native"}, dutch_level="A0",
                            max_new_volunteers=2)
BRIDGE = vol("o", languages={"ar": "native"}, dutch_level="B2", oudkomer=True)
DUTCH_ONLY = vol("d", pc4="2312", languages={}, dutch_level="native")


def trios_for(vols, requests):
    """The trios the actual trio solver proposes (family, oudkomer, Dutch volunteer)."""
    s = scorer(vols)
    problem, why = build_trio_problem(s, requests)
    solution = solve_trios(TrioProblem.from_json(problem), time_limit=10)
    return s, solution, why


def test_arabic_only_family_gets_a_trio_through_the_solver():
    """A0, Arabic only: the oudkomer speaks Arabic and Dutch, the Dutch volunteer only Dutch.
    Family and Dutch volunteer share no language and need none: the oudkomer bridges it."""
    _, solution, why = trios_for([BRIDGE, DUTCH_ONLY], [ARABIC_ONLY])
    assert [(t.family, t.oudkomer, t.dutch) for t in solution.trios] == [("f", "o", "d")]
    assert solution.unmatched_families == ()
    # The explanation does not claim a language the family and the Dutch volunteer share.
    fd = {f.code for f in why[("fd", "f", "d")]}
    assert not fd & {"shared_native_language", "shared_language"}
    fo = {f.code: f for f in why[("fo", "f", "o")]}
    assert fo["shared_native_language"].params["languages"] == ["ar"]


def test_no_trio_when_family_and_oudkomer_share_no_language():
    tigrinya = vol("o", languages={"ti": "native"}, dutch_level="B2", oudkomer=True)
    _, solution, _ = trios_for([tigrinya, DUTCH_ONLY], [ARABIC_ONLY])
    assert solution.trios == () and solution.unmatched_families == ("f",)
    # Dutch does not count as the family's language for the bridge, even when the family
    # practises Dutch: the oudkomer must speak the family's own language.
    practising = replace(ARABIC_ONLY, dutch_level="B1", wants_dutch_practice=True)
    _, solution, _ = trios_for([tigrinya, DUTCH_ONLY], [practising])
    assert solution.trios == ()


def test_no_trio_when_oudkomer_and_dutch_volunteer_share_no_language():
    weak_dutch = vol("o", languages={"ar": "native"}, dutch_level="A2", oudkomer=True)
    _, solution, _ = trios_for([weak_dutch, DUTCH_ONLY], [ARABIC_ONLY])
    assert solution.trios == () and solution.unmatched_families == ("f",)


def test_trio_diagnosis_agrees_with_the_trio_rule():
    """Without an oudkomer, the Dutch volunteer is not excluded for language (the trio rule
    needs none) and nobody was proposed elsewhere: no "already proposed" hint."""
    s, solution, _ = trios_for([DUTCH_ONLY], [ARABIC_ONLY])
    assert solution.trios == ()
    diag = diagnose(trio_scorer(s), [ARABIC_ONLY], solution).requests[0]
    assert "no_common_language" not in diag.exclusions.excluded
    codes = {h.code for h in diag.hints}
    assert "capacity" not in codes
    assert "no_trio" in codes and "capacity" not in diag.blockers


def test_already_proposed_hint_only_when_the_volunteers_were_proposed():
    """Two Arabic-only families, one oudkomer and one Dutch volunteer: one trio; the other
    family's hint says its volunteers were proposed to another family."""
    other = replace(ARABIC_ONLY, id="g", family_id="g")
    s, solution, _ = trios_for([BRIDGE, DUTCH_ONLY], [ARABIC_ONLY, other])
    assert len(solution.trios) == 1
    (diag,) = diagnose(trio_scorer(s), [ARABIC_ONLY, other], solution).requests
    cap = [h for h in diag.hints if h.code == "capacity"]
    assert cap and cap[0].count == 2 and diag.blockers == ("capacity",)


def test_pairs_no_already_proposed_hint_for_a_full_volunteer():
    """Pairs: a suitable volunteer without room (max_families 0) was proposed to nobody."""
    full = vol("v", languages={"ar": "native"}, max_families=0)
    req = FamilyRequest(id="r", family_id="r", programme="p", postcode="2316",
                        languages={"ar": "native"})
    s = scorer([full])
    solution = solve(s.candidates([req]).to_problem())
    assert solution.matches == ()
    (diag,) = diagnose(s, [req], solution).requests
    assert "capacity" not in {h.code for h in diag.hints}
    assert any(h.code == "no_room" and h.count == 1 for h in diag.hints)


def test_trio_index_matches_full_evaluation():
    """The candidate index (bridged volunteers found without a shared language) agrees with
    the rule evaluated on every volunteer."""
    rng = random.Random(5)
    pcs = ["2311", "2312", "2313", "2321", "2331", "2351", "1011", "3511"]
    langs = ["ar", "ti", "prs", "uk"]
    vols = [vol(f"v{i}", pc4=rng.choice(pcs),
                languages={rng.choice(langs): rng.choice(["native", "good", "basic"])},
                dutch_level=rng.choice(["native", "B2", "A2"]), oudkomer=rng.random() < 0.5,
                travel_radius_km=rng.choice([3.0, 10.0, 30.0])) for i in range(60)]
    reqs = [FamilyRequest(id=f"r{i}", family_id=f"r{i}", programme="p",
                          postcode=rng.choice(pcs),
                          languages={rng.choice(langs): rng.choice(["native", "good"])},
                          dutch_level=rng.choice(["A0", "A2", "B1"]),
                          wants_dutch_practice=rng.random() < 0.3, max_new_volunteers=2)
            for i in range(30)]
    s = trio_scorer(scorer(vols))
    cs = s.candidates(reqs)
    for ri, req in enumerate(reqs):
        assert s.exclusions(req).candidates == int((cs.req == ri).sum())


def test_language_roles_are_checked_and_matching_stays_pure():
    """Bad roles are refused with a clear error; ``matching/`` imports no web or database
    code (the trio rule lives in the pure package)."""
    import ast
    from pathlib import Path

    import pytest

    from matching.scoring import ScoringError
    with pytest.raises(ScoringError, match="language role"):
        Scorer([NL], {"p": ProgrammeRules(code="p")}, date(2026, 11, 23),
               language_roles={"nobody": "bridge"})
    with pytest.raises(ScoringError, match="language role"):
        Scorer([NL], {"p": ProgrammeRules(code="p")}, date(2026, 11, 23),
               language_roles={"d": "interpreter"})
    for path in Path(__file__).resolve().parents[2].joinpath("matching").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("flask", "flask_babel", "sqlalchemy", "webapp")
                           for n in names), path
