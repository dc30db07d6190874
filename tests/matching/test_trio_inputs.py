"""People → trio problems: which oudkomer–Dutch volunteer pairs can work together."""
from datetime import date

from matching.model import ProgrammeReadiness, ProgrammeRules, VolunteerProfile
from matching.model import FamilyRequest
from matching.scoring import Scorer
from matching.trio_inputs import build_trio_problem, is_dutch_volunteer, is_oudkomer, pair_volunteers

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
