"""Scoring: each hard rule with its reason code, soft factors, explanations, diagnosis."""

import random
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from matching import solve
from matching.explain import diagnose, explain_matches
from matching.geo import UnknownPostcode
from matching.model import FamilyRequest, ProgrammeReadiness, ProgrammeRules, VolunteerProfile
from matching.scoring import FLAGS, Scorer, ScoringError

TODAY = date(2024, 6, 1)
READY = ProgrammeReadiness(True)
RULES = {
    "hs": ProgrammeRules("hs", hours_per_match=2),
    "mim": ProgrammeRules("mim", volunteer_genders=frozenset({"f"}), child_age_max=4),
    "steun": ProgrammeRules("steun", needs_fixed_days=True),
}
VOL = VolunteerProfile("v", "2311", "f", {"ar": "native"}, "native", 10.0,
                       {"hs": READY, "mim": READY, "steun": READY},
                       dagdelen=frozenset({"mon_am"}))
REQ = FamilyRequest("r", "F", "hs", "2312", languages={"ar": "native"}, children_ages=(2,),
                    dagdelen=frozenset({"mon_am"}))


def reasons(vol=VOL, req=REQ):
    sc = Scorer([vol], RULES, TODAY)
    cands = sc.candidates([req])
    ex = sc.exclusions(req)
    # The indexed candidate generation and the full evaluation must agree.
    assert (len(cands) == 1) == (ex.candidates == 1)
    return set(ex.excluded)


def test_baseline_is_candidate():
    assert reasons() == set()


@pytest.mark.parametrize("code,vol,req", [
    ("not_ready", replace(VOL, readiness={"hs": ProgrammeReadiness(False, ("vog",))}), REQ),
    ("not_ready", replace(VOL, readiness={}), REQ),
    ("programme_gender", replace(VOL, gender="m"), replace(REQ, programme="mim")),
    ("child_age", VOL, replace(REQ, programme="mim", children_ages=(7,))),
    ("child_age", replace(VOL, child_age_range=(6, 12)), REQ),
    ("family_gender", replace(VOL, gender="m"), replace(REQ, volunteer_gender="f")),
    ("no_common_language", replace(VOL, languages={"ar": "basic"}), REQ),
    ("no_common_language", replace(VOL, languages={"ti": "native"}), REQ),
    ("too_far", replace(VOL, postcode="9711"), REQ),
    ("no_common_days", replace(VOL, dagdelen=frozenset({"tue_pm"})),
     replace(REQ, programme="steun")),
    ("own_community", replace(VOL, country_of_origin="SY"),
     replace(REQ, country_of_origin="SY", no_own_community=True)),
    ("avoided_group", replace(VOL, groups=frozenset({"g1"})),
     replace(REQ, avoid_groups=frozenset({"g1"}))),
    ("rejected_before", VOL, replace(REQ, rejected_volunteers=frozenset({"v"}))),
    ("not_before", VOL, replace(REQ, not_before=date(2024, 9, 1))),
    ("no_consent", replace(VOL, consent_matching=False), REQ),
    ("no_consent", VOL, replace(REQ, consent_matching=False)),
])
def test_each_hard_rule(code, vol, req):
    assert reasons(vol, req) == {code}


def test_special_categories_need_consent():
    # Unknown (None) country of origin is "not usable": never matched on.
    vol = replace(VOL, country_of_origin=None)
    assert reasons(vol, replace(REQ, country_of_origin="SY", no_own_community=True)) == set()
    assert reasons(replace(VOL, country_of_origin="SY"),
                   replace(REQ, country_of_origin=None, no_own_community=True)) == set()


def test_dutch_practice_rule():
    vol = replace(VOL, languages={"ti": "native"}, dutch_level="native")
    req = replace(REQ, languages={"ar": "native"}, dutch_level="A2", wants_dutch_practice=True)
    assert reasons(vol, req) == set()
    assert reasons(vol, replace(req, dutch_level="A1")) == {"no_common_language"}
    assert reasons(vol, replace(req, wants_dutch_practice=False)) == {"no_common_language"}
    # Dutch at B1+ on both sides is a common language in the general rule.
    assert reasons(replace(vol, dutch_level="B2"), replace(req, dutch_level="B1",
                                                          wants_dutch_practice=False)) == set()


def test_configurable_common_level():
    rules = dict(RULES, hs=replace(RULES["hs"], min_common_level="basic"))
    sc = Scorer([replace(VOL, languages={"ar": "basic"})], rules, TODAY)
    assert len(sc.candidates([REQ])) == 1


def test_unknown_postcode_is_an_error():
    with pytest.raises(UnknownPostcode, match="volunteer 'v'"):
        Scorer([replace(VOL, postcode="1234")], RULES, TODAY)
    sc = Scorer([VOL], RULES, TODAY)
    with pytest.raises(UnknownPostcode, match="request 'r'"):
        sc.candidates([replace(REQ, postcode="0000")])


def test_bad_levels_and_programme():
    with pytest.raises(ScoringError, match="volunteer 'v'"):
        Scorer([replace(VOL, languages={"ar": "fluent"})], RULES, TODAY)
    sc = Scorer([VOL], RULES, TODAY)
    with pytest.raises(ScoringError, match="unknown programme"):
        sc.candidates([replace(REQ, programme="nope")])


def test_soft_factors_and_explanation():
    vol = replace(VOL, themes=frozenset({"school", "health"}), experience_ages=frozenset({"0-3"}),
                  religion="islam")
    req = replace(REQ, needs=frozenset({"school"}), religion="islam",
                  waiting_since=date(2024, 1, 1), wants_dutch_practice=True, dutch_level="A2")
    sc = Scorer([vol], RULES, TODAY)
    c = next(iter(sc.candidates([req])))
    codes = {f.code: f for f in c.factors}
    assert codes["shared_native_language"].points == 30
    assert codes["shared_native_language"].params == {"languages": ["ar"]}
    assert codes["dutch_practice"].points == 20
    assert codes["themes"].params == {"themes": ["school"]} and codes["themes"].points == 5
    assert codes["parenting_experience"].points == 10
    assert codes["religion"].points == 5
    assert codes["waiting_time"].params == {"months": 5} and codes["waiting_time"].points == 10
    assert 0 < codes["distance"].points <= 20 and codes["distance"].params["km"] < 10
    assert c.score == sum(f.points for f in c.factors)
    assert c.hours_per_week == 2
    # Religion without opt-in on one side gives nothing.
    c2 = next(iter(sc.candidates([replace(req, religion=None)])))
    assert "religion" not in {f.code for f in c2.factors}


def test_closer_scores_higher_and_weights_are_data():
    near = replace(VOL, id="near")
    far = replace(VOL, id="far", postcode="2333")
    sc = Scorer([near, far], RULES, TODAY)
    cs = sc.candidates([REQ])
    assert cs.find("near", "r").score > cs.find("far", "r").score
    rules = dict(RULES, hs=replace(RULES["hs"], weights={"distance": 0}))
    cs2 = Scorer([near, far], rules, TODAY).candidates([REQ])
    assert cs2.find("near", "r").score == cs2.find("far", "r").score


def test_diagnosis_training_and_language():
    vols = [replace(VOL, id=f"t{i}", languages={"ti": "native"},
                    readiness={"hs": ProgrammeReadiness(False, ("themabijeenkomst",))})
            for i in range(3)]
    vols.append(replace(VOL, id="busy", languages={"ar": "native"}))
    reqs = [replace(REQ, id="ti_family", family_id="F1", languages={"ti": "native"}),
            replace(REQ, id="dari_family", family_id="F2", languages={"prs": "native"}),
            replace(REQ, id="ar1", family_id="F3"), replace(REQ, id="ar2", family_id="F4")]
    sc = Scorer(vols, RULES, TODAY)
    cs = sc.candidates(reqs)
    sol = solve(cs.to_problem())
    assert len(sol.matches) == 1
    diag = diagnose(sc, reqs, sol)
    by = {d.request: d for d in diag.requests}
    ti = by["ti_family"]
    assert ti.exclusions.only["not_ready"] == 3
    assert ti.exclusions.training_only == {("themabijeenkomst",): 3}
    assert any(h.code == "after_training" and h.count == 3
               and h.params["missing"] == ["themabijeenkomst"] for h in ti.hints)
    assert "training" in ti.blockers
    dari = by["dari_family"]
    assert any(h.code == "no_speaker_in_range" and h.params["language"] == "prs"
               for h in dari.hints)
    assert dari.exclusions.excluded["no_common_language"] == 4
    assert "language" in dari.blockers
    unmatched_ar = [d for d in diag.requests if d.request in ("ar1", "ar2")]
    assert len(unmatched_ar) == 1 and unmatched_ar[0].blockers == ("capacity",)
    # The Tigrinya family is also blocked by language (the Arabic speaker lacks only that).
    assert diag.bottlenecks == {"training": 1, "language": 2, "capacity": 1}
    expl = explain_matches(cs, sol)
    assert list(expl.values())[0][0].code == "shared_native_language"


def test_index_matches_full_evaluation_on_random_population():
    rng = random.Random(3)
    pcs = ["2311", "2312", "2313", "2321", "2331", "2351", "1011", "3511", "2161", "2201"]
    langs = ["ar", "ti", "prs", "uk", "so"]
    levels = ["native", "good", "basic"]
    vols = [VolunteerProfile(
        f"v{i}", rng.choice(pcs), rng.choice(["f", "m"]),
        {rng.choice(langs): rng.choice(levels)}, rng.choice(["native", "B1", "A2"]),
        rng.choice([3.0, 10.0, 30.0]),
        {"hs": ProgrammeReadiness(rng.random() < 0.7), "mim": READY},
        dagdelen=frozenset(rng.sample(["mon_am", "tue_pm", "wed_am"], 1)))
        for i in range(60)]
    reqs = [FamilyRequest(f"r{i}", f"F{i}", rng.choice(["hs", "mim", "steun"]),
                          rng.choice(pcs), languages={rng.choice(langs): rng.choice(levels)},
                          dutch_level=rng.choice(["A0", "A2", "B1"]),
                          wants_dutch_practice=rng.random() < 0.3,
                          children_ages=(rng.randint(0, 8),),
                          dagdelen=frozenset({"mon_am"})) for i in range(40)]
    rules = dict(RULES, steun=replace(RULES["steun"], requires_readiness=False))
    sc = Scorer(vols, rules, TODAY)
    cs = sc.candidates(reqs)
    got = {(v, r) for v, r in zip(cs.vol.tolist(), cs.req.tolist())}
    assert len(got) == len(cs)
    for ri, req in enumerate(reqs):
        ex = sc.exclusions(req)
        assert ex.candidates == sum(1 for (_, r) in got if r == ri)
    assert np.all(cs.score >= 0)


# --- safety wishes (issue 15): act on what the volunteer declared, flag what is unknown ----

def _flags(vol, req):
    sc = Scorer([vol], RULES, TODAY)
    cands = sc.candidates([req])
    assert len(cands) == 1, "the pair must stay a candidate (shown, not silently excluded)"
    return {f.code: f for f in next(iter(cands)).factors if f.code in FLAGS}


def test_own_community_is_the_family_community_when_recorded():
    req = replace(REQ, country_of_origin="SY", own_groups=frozenset({"community:alawite"}),
                  no_own_community=True)
    same = replace(VOL, country_of_origin="SY", origin_known=True,
                   groups=frozenset({"SY", "community:alawite"}))
    other = replace(VOL, country_of_origin="SY", origin_known=True,
                    groups=frozenset({"SY", "community:sunni_arab"}))
    assert reasons(same, req) == {"own_community"}
    assert reasons(other, req) == set()
    assert _flags(other, req) == {}


def test_avoided_community_or_region_excludes_whatever_the_country():
    vol = replace(VOL, origin_known=True, groups=frozenset({"AF", "community:hazara",
                                                             "region:ghazni"}))
    for code in ("community:hazara", "region:ghazni", "AF"):
        assert reasons(vol, replace(REQ, avoid_groups=frozenset({code}))) == {"avoided_group"}
    assert reasons(vol, replace(REQ, avoid_groups=frozenset({"community:tajik"}))) == set()


def test_unknown_origin_is_flagged_not_silently_proposed():
    """A family with a safety wish and a volunteer whose origin is unknown (or not agreed for
    matching): the pair is still proposed, with a warning flag and no points."""
    unknown = replace(VOL, country_of_origin=None, groups=frozenset(), origin_known=False)
    wish = replace(REQ, country_of_origin="SY", own_groups=frozenset({"SY"}),
                   no_own_community=True)
    flag = _flags(unknown, wish)["origin_unknown"]
    assert flag.points == 0 and flag.params == {"side": "volunteer"}
    avoid = replace(REQ, avoid_groups=frozenset({"community:alawite"}))
    assert "origin_unknown" in _flags(unknown, avoid)
    # A volunteer who declared their origin (and agreed) is checked, not flagged.
    declared = replace(unknown, origin_known=True)
    assert _flags(declared, wish) == {} and _flags(declared, avoid) == {}
    # No wish: no flag.
    assert _flags(unknown, REQ) == {}
    # The family's own community not recorded for matching: the wish cannot be checked.
    blind = replace(REQ, no_own_community=True)
    assert _flags(declared, blind)["origin_unknown"].params == {"side": "family"}


def test_flags_give_no_points_and_no_rule_looks_at_origin_without_a_wish():
    """No rule treats volunteers of one origin differently unless the family asked."""
    vols = [replace(VOL, id="sy", country_of_origin="SY", origin_known=True,
                    groups=frozenset({"SY"})),
            replace(VOL, id="nl", origin_known=True),
            replace(VOL, id="unknown")]
    cs = Scorer(vols, RULES, TODAY).candidates([REQ])
    scores = {c.volunteer: c.score for c in cs}
    assert len(set(scores.values())) == 1 and len(scores) == 3
    assert all(f.points != 0 for c in cs for f in c.factors)


def test_age_factor_is_gone():
    """The intake records no parent's birth year, so the age-difference factor could never
    count: it was removed (with the volunteer's birth year from matching's input)."""
    from matching.model import DEFAULT_WEIGHTS
    assert "age_difference" not in DEFAULT_WEIGHTS
    assert "parent_birth_year" not in FamilyRequest.__dataclass_fields__
    assert "birth_year" not in VolunteerProfile.__dataclass_fields__
