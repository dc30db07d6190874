"""Programme requirements as data: defaults, dict round trip, validation errors."""

from datetime import date

import pytest

from training import (
    CATALOGUE,
    DEFAULT_REQUIREMENTS,
    FieldError,
    ProgrammeRequirements,
    RequirementsError,
    VolunteerRecords,
    programme_readiness,
    requirements_from_dict,
    requirements_to_dict,
)


def test_default_programmes():
    assert sorted(DEFAULT_REQUIREMENTS) == ["homestart", "mim", "pou", "spelaanhuis", "steunouder"]
    hs = DEFAULT_REQUIREMENTS["homestart"]
    assert hs.required == ("pharos_elearning", "themabijeenkomst", "basis_homestart")
    assert hs.recommended == ("cultuursensitief_werken", "waardenopvoeding")
    assert (hs.vog_required, hs.vog_renewal_months, hs.additional_check_required) == (
        True,
        36,
        False,
    )
    assert (hs.renewal_window_days, hs.grace_days, hs.accept_unverified) == (30, 0, False)
    assert DEFAULT_REQUIREMENTS["pou"].required == ("basis_pou",)
    for code, req in DEFAULT_REQUIREMENTS.items():
        assert req.programme == code
        assert f"basis_{code}" in req.required


@pytest.mark.parametrize("programme", sorted(DEFAULT_REQUIREMENTS))
def test_round_trip_through_dict(programme):
    req = DEFAULT_REQUIREMENTS[programme]
    assert requirements_from_dict(programme, requirements_to_dict(req)) == req


def test_from_dict_full():
    req = requirements_from_dict(
        "taalmaatje",
        {
            "required": ["pharos_elearning"],
            "recommended": ["waardenopvoeding"],
            "validity_months": {"pharos_elearning": 24, "themabijeenkomst": None},
            "renewal_window_days": 60,
            "grace_days": 14,
            "accept_unverified": True,
            "vog_required": False,
            "vog_renewal_months": None,
            "vog_profiles": ["84"],
            "additional_check_required": True,
        },
    )
    assert req == ProgrammeRequirements(
        programme="taalmaatje",
        required=("pharos_elearning",),
        recommended=("waardenopvoeding",),
        validity_months={"pharos_elearning": 24, "themabijeenkomst": None},
        renewal_window_days=60,
        grace_days=14,
        accept_unverified=True,
        vog_required=False,
        vog_renewal_months=None,
        vog_profiles=("84",),
        additional_check_required=True,
    )
    assert req.item_validity(CATALOGUE["pharos_elearning"]) == 24
    assert req.item_validity(CATALOGUE["themabijeenkomst"]) is None


def test_empty_dict_gives_defaults():
    assert requirements_from_dict("x", {}) == ProgrammeRequirements("x")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"required": ["pharos_elearning", "typo"]}, [("required[1]", "unknown_item")]),
        ({"recommended": ["nope"]}, [("recommended[0]", "unknown_item")]),
        ({"validity_months": {"nope": 12}}, [("validity_months.nope", "unknown_item")]),
        ({"validity_months": {"vog": 12}}, [("validity_months.vog", "special_item")]),
        (
            {"validity_months": {"pharos_elearning": 0}},
            [("validity_months.pharos_elearning", "out_of_range")],
        ),
        (
            {"validity_months": {"pharos_elearning": "36"}},
            [("validity_months.pharos_elearning", "wrong_type")],
        ),
        ({"validity_months": [1]}, [("validity_months", "wrong_type")]),
        ({"required": ["vog"]}, [("required[0]", "special_item")]),
        ({"required": ["aanvullende_screening"]}, [("required[0]", "special_item")]),
        ({"required": "pharos_elearning"}, [("required", "wrong_type")]),
        ({"required": [1]}, [("required[0]", "wrong_type")]),
        ({"required": ["basis_mim", "basis_mim"]}, [("required[1]", "duplicate")]),
        (
            {"required": ["basis_mim"], "recommended": ["basis_mim"]},
            [("recommended[0]", "conflict")],
        ),
        ({"grace_day": 3}, [("grace_day", "unknown_field")]),
        ({"programme": "x"}, [("programme", "unknown_field")]),
        ({"grace_days": -1}, [("grace_days", "out_of_range")]),
        ({"grace_days": "3"}, [("grace_days", "wrong_type")]),
        ({"grace_days": True}, [("grace_days", "wrong_type")]),
        ({"grace_days": None}, [("grace_days", "wrong_type")]),
        ({"renewal_window_days": 2.5}, [("renewal_window_days", "wrong_type")]),
        ({"vog_renewal_months": 0}, [("vog_renewal_months", "out_of_range")]),
        ({"recent_arrival_years": 5}, [("recent_arrival_years", "unknown_field")]),
        ({"accept_unverified": "yes"}, [("accept_unverified", "wrong_type")]),
        ({"vog_required": 1}, [("vog_required", "wrong_type")]),
        ({"vog_profiles": ["84", "84"]}, [("vog_profiles[1]", "duplicate")]),
        (
            {"required": ["x"], "grace_days": -2, "extra": 1},
            [
                ("extra", "unknown_field"),
                ("required[0]", "unknown_item"),
                ("grace_days", "out_of_range"),
            ],
        ),
    ],
)
def test_invalid_dicts_name_the_field(data, expected):
    with pytest.raises(RequirementsError) as info:
        requirements_from_dict("homestart", data)
    assert [(e.field, e.code) for e in info.value.errors] == expected
    assert info.value.programme == "homestart"
    assert all(isinstance(e, FieldError) and e.message for e in info.value.errors)


def test_error_message_names_programme_and_field():
    with pytest.raises(RequirementsError, match=r"'mim'.*required\[0\]: no catalogue item 'x'"):
        requirements_from_dict("mim", {"required": ["x"]})


def test_not_a_dict():
    with pytest.raises(RequirementsError) as info:
        requirements_from_dict("mim", ["pharos_elearning"])  # type: ignore[arg-type]
    assert [(e.field, e.code) for e in info.value.errors] == [("", "wrong_type")]


def test_readiness_refuses_requirements_with_unknown_items():
    req = ProgrammeRequirements("x", required=("ghost",))
    with pytest.raises(RequirementsError) as info:
        programme_readiness(VolunteerRecords(), req, date(2026, 1, 1))
    assert [(e.field, e.code) for e in info.value.errors] == [("required[0]", "unknown_item")]


def test_requirements_are_immutable():
    req = DEFAULT_REQUIREMENTS["mim"]
    with pytest.raises(AttributeError):
        req.grace_days = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        req.validity_months["pharos_elearning"] = 1  # type: ignore[index]
