"""Table-driven tests of the readiness rules (training.readiness)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training import (
    DEFAULT_REQUIREMENTS,
    AdditionalCheck,
    Completion,
    ExpiringItem,
    MissingItem,
    NextStep,
    ProgrammeRequirements,
    ValidItem,
    VogRecord,
    VolunteerRecords,
    add_months,
    programme_readiness,
    readiness,
)

PARTS = (
    "elkaar_begrijpen",
    "laaggeletterdheid",
    "veerkracht",
    "opvoeding_jeugd",
    "gevoelige_onderwerpen",
    "ketensamenwerking",
)
D = date(2023, 3, 15)  # completion day in the boundary tables; + 36 months = 2026-03-15


def done(item, on=D, part=None, verified=True, source="self"):
    return Completion(item=item, completed_on=on, part=part, verified=verified, source=source)


def records(*completions, vogs=(), checks=()):
    return VolunteerRecords(completions, vogs, checks)


def req(required=("basis_homestart",), **kw):
    kw.setdefault("vog_required", False)
    return ProgrammeRequirements("p", required=required, **kw)


def summary(result):
    """(status, missing, expiring) - the parts every table asserts exactly."""
    return result.status, result.missing, result.expiring


# --- expiry boundary, renewal window, grace period ---------------------------------------

BASIS_36 = {"validity_months": {"basis_homestart": 36}}


@pytest.mark.parametrize(
    ("rules", "on", "expected"),
    [
        # renewal window 30 days: starts on 2026-03-15 - 30 days = 2026-02-13
        (BASIS_36, date(2026, 2, 12), ("ready", (), ())),
        (
            BASIS_36,
            date(2026, 2, 13),
            (
                "ready_warning",
                (),
                (ExpiringItem("basis_homestart", date(2026, 3, 15), False, date(2026, 3, 15)),),
            ),
        ),
        # boundary: valid through the day before D + 36 months
        (
            BASIS_36,
            date(2026, 3, 14),
            (
                "ready_warning",
                (),
                (ExpiringItem("basis_homestart", date(2026, 3, 15), False, date(2026, 3, 15)),),
            ),
        ),
        (
            BASIS_36,
            date(2026, 3, 15),
            (
                "not_ready",
                (MissingItem("basis_homestart", "expired", (), date(2026, 3, 15)),),
                (),
            ),
        ),
        (
            BASIS_36,
            date(2026, 3, 16),
            (
                "not_ready",
                (MissingItem("basis_homestart", "expired", (), date(2026, 3, 15)),),
                (),
            ),
        ),
        # no renewal window
        ({**BASIS_36, "renewal_window_days": 0}, date(2026, 3, 14), ("ready", (), ())),
        # grace period of 14 days: counts with a warning 2026-03-15 .. 2026-03-28
        (
            {**BASIS_36, "grace_days": 14},
            date(2026, 3, 14),
            (
                "ready_warning",
                (),
                (ExpiringItem("basis_homestart", date(2026, 3, 15), False, date(2026, 3, 29)),),
            ),
        ),
        (
            {**BASIS_36, "grace_days": 14},
            date(2026, 3, 15),
            (
                "ready_warning",
                (),
                (ExpiringItem("basis_homestart", date(2026, 3, 15), True, date(2026, 3, 29)),),
            ),
        ),
        (
            {**BASIS_36, "grace_days": 14},
            date(2026, 3, 28),
            (
                "ready_warning",
                (),
                (ExpiringItem("basis_homestart", date(2026, 3, 15), True, date(2026, 3, 29)),),
            ),
        ),
        (
            {**BASIS_36, "grace_days": 14},
            date(2026, 3, 29),
            (
                "not_ready",
                (MissingItem("basis_homestart", "expired", (), date(2026, 3, 15)),),
                (),
            ),
        ),
        # a programme override of 12 months
        (
            {"validity_months": {"basis_homestart": 12}},
            date(2024, 3, 14),
            (
                "ready_warning",
                (),
                (ExpiringItem("basis_homestart", date(2024, 3, 15), False, date(2024, 3, 15)),),
            ),
        ),
        (
            {"validity_months": {"basis_homestart": 12}},
            date(2024, 3, 15),
            (
                "not_ready",
                (MissingItem("basis_homestart", "expired", (), date(2024, 3, 15)),),
                (),
            ),
        ),
        # catalogue default for a basic training: does not expire
        ({}, date(2060, 1, 1), ("ready", (), ())),
    ],
)
def test_expiry_boundary_window_and_grace(rules, on, expected):
    result = programme_readiness(records(done("basis_homestart")), req(**rules), on)
    assert summary(result) == expected
    assert result.ready == (expected[0] != "not_ready")


@pytest.mark.parametrize(
    ("completed_on", "on", "status"),
    [
        (date(2024, 2, 29), date(2027, 2, 27), "ready_warning"),
        (date(2024, 2, 29), date(2027, 2, 28), "not_ready"),  # 29 Feb + 36 months = 28 Feb
        (date(2023, 1, 31), date(2026, 1, 30), "ready_warning"),
        (date(2023, 1, 31), date(2026, 1, 31), "not_ready"),
    ],
)
def test_expiry_with_month_ends(completed_on, on, status):
    result = programme_readiness(
        records(done("pharos_elearning", completed_on)), req(("pharos_elearning",)), on
    )
    assert result.status == status


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    st.integers(1, 120),
    st.integers(0, 60),
)
def test_boundary_property(completed_on, months, grace):
    rules = req(validity_months={"basis_homestart": months}, grace_days=grace)
    recs = records(done("basis_homestart", completed_on))
    expires = add_months(completed_on, months)
    last_counting_day = expires + timedelta(days=grace - 1)
    assert programme_readiness(recs, rules, last_counting_day).ready
    assert not programme_readiness(recs, rules, last_counting_day + timedelta(days=1)).ready
    assert programme_readiness(recs, rules, completed_on).ready


# --- verification: pending, rejected, coordinator-recorded --------------------------------

ON = date(2025, 6, 1)
OLD = date(2020, 1, 10)  # + 36 months = 2023-01-10, long expired on ON
RECENT = date(2025, 1, 10)


@pytest.mark.parametrize(
    ("item", "completions", "accept_unverified", "expected"),
    [
        ("basis_homestart", [done("basis_homestart", RECENT, verified=True)], False, ("ready", ())),
        (
            "basis_homestart",
            [done("basis_homestart", RECENT, verified=None)],
            False,
            (
                "not_ready",
                (MissingItem("basis_homestart", "pending_verification"),),
            ),
        ),
        ("basis_homestart", [done("basis_homestart", RECENT, verified=None)], True, ("ready", ())),
        (
            "basis_homestart",
            [done("basis_homestart", RECENT, verified=False)],
            False,
            (
                "not_ready",
                (MissingItem("basis_homestart", "rejected"),),
            ),
        ),
        (
            "basis_homestart",
            [done("basis_homestart", RECENT, verified=False)],
            True,
            (
                "not_ready",
                (MissingItem("basis_homestart", "rejected"),),
            ),
        ),
        (
            "basis_homestart",
            [done("basis_homestart", RECENT, verified=None, source="coordinator")],
            False,
            (
                "ready",
                (),
            ),
        ),
        (
            "basis_homestart",
            [done("basis_homestart", RECENT, verified=False, source="coordinator")],
            False,
            (
                "not_ready",
                (MissingItem("basis_homestart", "rejected"),),
            ),
        ),
        # attendance is recorded by the coordinator: a pending self-report never counts
        (
            "themabijeenkomst",
            [done("themabijeenkomst", RECENT, verified=None)],
            True,
            (
                "not_ready",
                (MissingItem("themabijeenkomst", "pending_verification"),),
            ),
        ),
        (
            "themabijeenkomst",
            [done("themabijeenkomst", RECENT, verified=None, source="coordinator")],
            False,
            (
                "ready",
                (),
            ),
        ),
        # an older rejection does not matter once a later one is verified
        (
            "pharos_elearning",
            [
                done("pharos_elearning", date(2024, 1, 1), verified=False),
                done("pharos_elearning", date(2024, 2, 1), verified=True),
            ],
            False,
            ("ready", ()),
        ),
        # a later rejection does not take away a verified completion that is still valid
        (
            "pharos_elearning",
            [
                done("pharos_elearning", date(2024, 2, 1), verified=True),
                done("pharos_elearning", date(2025, 2, 1), verified=False),
            ],
            False,
            ("ready", ()),
        ),
        # expired, then redone and waiting for the coordinator
        (
            "pharos_elearning",
            [
                done("pharos_elearning", OLD, verified=True),
                done("pharos_elearning", RECENT, verified=None),
            ],
            False,
            ("not_ready", (MissingItem("pharos_elearning", "pending_verification", PARTS),)),
        ),
        # expired, then redone and rejected: the rejection is the news
        (
            "pharos_elearning",
            [
                done("pharos_elearning", OLD, verified=True),
                done("pharos_elearning", RECENT, verified=False),
            ],
            False,
            ("not_ready", (MissingItem("pharos_elearning", "rejected", PARTS),)),
        ),
        # a rejection older than the expired completion: expired
        (
            "pharos_elearning",
            [
                done("pharos_elearning", date(2019, 12, 1), verified=False),
                done("pharos_elearning", OLD, verified=True),
            ],
            False,
            ("not_ready", (MissingItem("pharos_elearning", "expired", PARTS, date(2023, 1, 10)),)),
        ),
        # a pending record older than the expired one is stale
        (
            "pharos_elearning",
            [
                done("pharos_elearning", date(2019, 12, 1), verified=None),
                done("pharos_elearning", OLD, verified=True),
            ],
            False,
            ("not_ready", (MissingItem("pharos_elearning", "expired", PARTS, date(2023, 1, 10)),)),
        ),
        (
            "pharos_elearning",
            [],
            False,
            ("not_ready", (MissingItem("pharos_elearning", "never_done", PARTS),)),
        ),
        # records of other items do not count
        (
            "basis_mim",
            [done("basis_homestart", RECENT)],
            False,
            (
                "not_ready",
                (MissingItem("basis_mim", "never_done"),),
            ),
        ),
    ],
)
def test_verification(item, completions, accept_unverified, expected):
    rules = req((item,), accept_unverified=accept_unverified)
    result = programme_readiness(records(*completions), rules, ON)
    assert (result.status, result.missing) == expected


# --- multi-part e-learning -----------------------------------------------------------------


def parts_done(dates, verified=True):
    return [
        done("pharos_elearning", d, part=p, verified=verified)
        for p, d in zip(PARTS, dates, strict=False)
    ]


SIX = [date(2024, 1, d) for d in (10, 5, 20, 8, 12, 30)]  # earliest: 2024-01-05


@pytest.mark.parametrize(
    ("completions", "on", "expected", "valid"),
    [
        (
            parts_done(SIX),
            ON,
            ("ready", (), ()),
            (ValidItem("pharos_elearning", date(2027, 1, 5)),),
        ),
        (
            parts_done(SIX[:5]),
            ON,
            (
                "not_ready",
                (MissingItem("pharos_elearning", "parts_missing", ("ketensamenwerking",)),),
                (),
            ),
            (),
        ),
        (
            parts_done(SIX[:1]),
            ON,
            (
                "not_ready",
                (MissingItem("pharos_elearning", "parts_missing", PARTS[1:]),),
                (),
            ),
            (),
        ),
        # part=None: the whole module in one go
        (
            [done("pharos_elearning", date(2024, 1, 5))],
            ON,
            ("ready", (), ()),
            (ValidItem("pharos_elearning", date(2027, 1, 5)),),
        ),
        # one part pending, the rest verified
        (
            parts_done(SIX[:5]) + [done("pharos_elearning", RECENT, "ketensamenwerking", None)],
            ON,
            (
                "not_ready",
                (MissingItem("pharos_elearning", "pending_verification", ("ketensamenwerking",)),),
                (),
            ),
            (),
        ),
        # one part pending, one never done: mixed reasons
        (
            parts_done(SIX[:4]) + [done("pharos_elearning", RECENT, "gevoelige_onderwerpen", None)],
            ON,
            (
                "not_ready",
                (MissingItem("pharos_elearning", "parts_missing", PARTS[4:]),),
                (),
            ),
            (),
        ),
        # every part rejected
        (
            parts_done(SIX, verified=False),
            ON,
            (
                "not_ready",
                (MissingItem("pharos_elearning", "rejected", PARTS),),
                (),
            ),
            (),
        ),
        # validity runs from the earliest part: expires 2027-01-05
        (
            parts_done(SIX),
            date(2027, 1, 4),
            (
                "ready_warning",
                (),
                (
                    ExpiringItem(
                        "pharos_elearning",
                        date(2027, 1, 5),
                        False,
                        date(2027, 1, 5),
                        PARTS,
                    ),
                ),
            ),
            (ValidItem("pharos_elearning", date(2027, 1, 5)),),
        ),
        (
            parts_done(SIX),
            date(2027, 1, 5),
            (
                "not_ready",
                (
                    MissingItem(
                        "pharos_elearning", "expired", ("laaggeletterdheid",), date(2027, 1, 5)
                    ),
                ),
                (),
            ),
            (),
        ),
        (
            parts_done(SIX),
            date(2027, 1, 31),
            (
                "not_ready",
                (MissingItem("pharos_elearning", "expired", PARTS, date(2027, 1, 5)),),
                (),
            ),
            (),
        ),
        # redoing the oldest part moves the expiry to the next-oldest part (2024-01-08)
        (
            parts_done(SIX) + [done("pharos_elearning", date(2026, 12, 1), "laaggeletterdheid")],
            date(2027, 1, 5),
            (
                "ready_warning",
                (),
                (
                    ExpiringItem(
                        "pharos_elearning",
                        date(2027, 1, 8),
                        False,
                        date(2027, 1, 8),
                        tuple(p for p in PARTS if p != "laaggeletterdheid"),
                    ),
                ),
            ),
            (ValidItem("pharos_elearning", date(2027, 1, 8)),),
        ),
        # only the parts expiring within the 30-day window are due (window from 2026-12-06)
        (
            parts_done(SIX[:4])
            + [done("pharos_elearning", date(2025, 5, 1), p) for p in PARTS[4:]],
            date(2026, 12, 6),
            (
                "ready_warning",
                (),
                (
                    ExpiringItem(
                        "pharos_elearning",
                        date(2027, 1, 5),
                        False,
                        date(2027, 1, 5),
                        ("laaggeletterdheid",),
                    ),
                ),
            ),
            (ValidItem("pharos_elearning", date(2027, 1, 5)),),
        ),
        # a part the catalogue does not know is ignored
        (
            parts_done(SIX[:5]) + [done("pharos_elearning", RECENT, "onbekend")],
            ON,
            (
                "not_ready",
                (MissingItem("pharos_elearning", "parts_missing", ("ketensamenwerking",)),),
                (),
            ),
            (),
        ),
    ],
)
def test_multi_part_elearning(completions, on, expected, valid):
    result = programme_readiness(records(*completions), req(("pharos_elearning",)), on)
    assert summary(result) == expected
    assert result.valid == valid


def test_pending_parts_count_when_programme_accepts_unverified():
    rules = req(("pharos_elearning",), accept_unverified=True)
    result = programme_readiness(records(*parts_done(SIX, verified=None)), rules, ON)
    assert result.status == "ready"


# --- VOG -------------------------------------------------------------------------------------


def vog(issued_on=D, seen=True, profile="84"):
    return VogRecord(issued_on, profile, free_vog_scheme=True, original_seen=seen)


VOG_ONLY = {"required": (), "vog_required": True}


@pytest.mark.parametrize(
    ("vogs", "rules", "on", "expected"),
    [
        ((), VOG_ONLY, ON, ("not_ready", (MissingItem("vog", "never_done"),), ())),
        ((), {"required": (), "vog_required": False}, ON, ("ready", (), ())),
        (
            (vog(seen=False),),
            VOG_ONLY,
            ON,
            ("not_ready", (MissingItem("vog", "pending_verification"),), ()),
        ),
        ((vog(),), VOG_ONLY, date(2026, 2, 12), ("ready", (), ())),
        (
            (vog(),),
            VOG_ONLY,
            date(2026, 3, 14),
            (
                "ready_warning",
                (),
                (ExpiringItem("vog", date(2026, 3, 15), False, date(2026, 3, 15)),),
            ),
        ),
        (
            (vog(),),
            VOG_ONLY,
            date(2026, 3, 15),
            (
                "not_ready",
                (MissingItem("vog", "expired", (), date(2026, 3, 15)),),
                (),
            ),
        ),
        (
            (vog(),),
            {**VOG_ONLY, "grace_days": 30},
            date(2026, 4, 13),
            (
                "ready_warning",
                (),
                (ExpiringItem("vog", date(2026, 3, 15), True, date(2026, 4, 14)),),
            ),
        ),
        (
            (vog(),),
            {**VOG_ONLY, "vog_renewal_months": 24},
            date(2025, 3, 15),
            (
                "not_ready",
                (MissingItem("vog", "expired", (), date(2025, 3, 15)),),
                (),
            ),
        ),
        ((vog(),), {**VOG_ONLY, "vog_renewal_months": None}, date(2040, 1, 1), ("ready", (), ())),
        # renewed: the newest VOG whose original was seen counts
        (
            (vog(date(2020, 1, 1)), vog(date(2025, 12, 1))),
            VOG_ONLY,
            date(2026, 3, 15),
            ("ready", (), ()),
        ),
        # renewed but the original not yet seen
        (
            (vog(date(2020, 1, 1)), vog(date(2025, 12, 1), seen=False)),
            VOG_ONLY,
            date(2026, 3, 15),
            (
                "not_ready",
                (MissingItem("vog", "pending_verification"),),
                (),
            ),
        ),
        # screening profile: any, unless the programme lists profiles
        (
            (vog(profile="45"),),
            {**VOG_ONLY, "vog_profiles": ("84",)},
            ON,
            (
                "not_ready",
                (MissingItem("vog", "wrong_profile"),),
                (),
            ),
        ),
        ((vog(profile="84"),), {**VOG_ONLY, "vog_profiles": ("84",)}, ON, ("ready", (), ())),
        # issued in the future: not counted
        (
            (vog(date(2025, 6, 2)),),
            VOG_ONLY,
            ON,
            ("not_ready", (MissingItem("vog", "never_done"),), ()),
        ),
    ],
)
def test_vog(vogs, rules, on, expected):
    result = programme_readiness(records(vogs=vogs), req(**rules), on)
    assert summary(result) == expected


# --- the organisation's additional check: the same for every volunteer ------------------------

CHECK = {"required": (), "additional_check_required": True}
NEED_CHECK = ("not_ready", (MissingItem("aanvullende_screening", "never_done"),), ())


@pytest.mark.parametrize(
    ("checks", "rules", "on", "expected"),
    [
        ((), CHECK, ON, NEED_CHECK),
        ((AdditionalCheck(date(2024, 9, 1), "interview"),), CHECK, ON, ("ready", (), ())),
        ((AdditionalCheck(date(2024, 9, 1), "references"),), CHECK, date(2045, 1, 1),
         ("ready", (), ())),
        ((AdditionalCheck(date(2025, 6, 2), "interview"),), CHECK, ON, NEED_CHECK),  # future
        ((), {**CHECK, "additional_check_required": False}, ON, ("ready", (), ())),
    ],
)
def test_additional_check(checks, rules, on, expected):
    assert summary(programme_readiness(records(checks=checks), req(**rules), on)) == expected


def test_no_default_rule_looks_at_origin_or_arrival():
    """The handreiking asks to recruit volunteers with a refugee background (§4.1) and asks no
    extra screening of them: no default programme asks for the additional check, and the
    readiness input has no field about origin or arrival at all."""
    assert not any(r.additional_check_required for r in DEFAULT_REQUIREMENTS.values())
    from dataclasses import fields
    names = {f.name for f in fields(VolunteerRecords)}
    assert names == {"completions", "vogs", "additional_checks"}


# --- future dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completions", "expected"),
    [
        ([done("basis_homestart", ON)], ("ready", ())),  # today counts
        (
            [done("basis_homestart", date(2025, 6, 2))],
            ("not_ready", (MissingItem("basis_homestart", "never_done"),)),
        ),
        (
            [done("basis_homestart", date(2030, 1, 1), verified=None)],
            (
                "not_ready",
                (MissingItem("basis_homestart", "never_done"),),
            ),
        ),
        # a future "redo" does not hide an expiry
        (
            [done("basis_homestart", OLD), done("basis_homestart", date(2025, 7, 1))],
            (
                "not_ready",
                (MissingItem("basis_homestart", "expired", (), date(2023, 1, 10)),),
            ),
        ),
    ],
)
def test_future_completions_are_not_counted(completions, expected):
    rules = req(validity_months={"basis_homestart": 36})
    result = programme_readiness(records(*completions), rules, ON)
    assert (result.status, result.missing) == expected


# --- whole programmes, next steps, several programmes ------------------------------------------


def test_ready_for_home_start_after_verification():
    recs = records(
        done("pharos_elearning", date(2025, 3, 1)),
        done("themabijeenkomst", date(2025, 4, 1), verified=None, source="coordinator"),
        done("basis_homestart", date(2025, 2, 1)),
        vogs=(vog(date(2025, 1, 15)),),
    )
    result = programme_readiness(recs, DEFAULT_REQUIREMENTS["homestart"], ON)
    assert result.status == "ready"
    assert result.ready is True
    assert result.missing == result.expiring == ()
    assert result.valid == (
        ValidItem("pharos_elearning", date(2028, 3, 1)),
        ValidItem("themabijeenkomst", None),
        ValidItem("basis_homestart", None),
        ValidItem("vog", date(2028, 1, 15)),
    )
    assert result.recommended_missing == (
        MissingItem("cultuursensitief_werken", "never_done"),
        MissingItem("waardenopvoeding", "never_done"),
    )
    assert [s.item for s in result.next_steps] == ["cultuursensitief_werken", "waardenopvoeding"]


def test_next_steps_order():
    rules = ProgrammeRequirements(
        "p",
        required=("pharos_elearning", "themabijeenkomst", "basis_homestart", "basis_mim"),
        recommended=("waardenopvoeding",),
        validity_months={"basis_mim": 12},
        grace_days=30,
        vog_required=True,
        additional_check_required=True,
    )
    on = date(2026, 3, 20)
    recs = records(
        *parts_done(SIX[:4]),  # pharos: two parts missing
        done("themabijeenkomst", date(2026, 3, 1), verified=None),  # waits for coordinator
        done("basis_homestart", date(2026, 3, 2), verified=False),  # rejected
        done("basis_mim", date(2025, 4, 10)),  # expires 2026-04-10: in the renewal window
        vogs=(vog(date(2023, 3, 1)),),  # expired 2026-03-01: in grace until 2026-03-31
    )  # and no additional check, which these rules ask of every volunteer
    result = programme_readiness(recs, rules, on)
    assert result.status == "not_ready"
    assert result.next_steps == (
        NextStep(
            "pharos_elearning",
            "parts_missing",
            True,
            PARTS[4:],
            None,
            "https://www.pharosleerplatform.nl/",
        ),
        NextStep("basis_homestart", "rejected", True),
        NextStep("vog", "in_grace", True, (), date(2026, 3, 1)),
        NextStep("basis_mim", "expiring", True, (), date(2026, 4, 10)),
        NextStep("themabijeenkomst", "pending_verification", True),
        NextStep("aanvullende_screening", "never_done", True),
        NextStep(
            "waardenopvoeding",
            "never_done",
            False,
            (),
            None,
            "https://www.kis.nl/publicatie/teambijeenkomst-waardenopvoeding-diversiteit",
        ),
    )
    assert result.expiring == (
        ExpiringItem("basis_mim", date(2026, 4, 10), False, date(2026, 5, 10)),
        ExpiringItem("vog", date(2026, 3, 1), True, date(2026, 3, 31)),
    )


def test_readiness_for_all_programmes():
    recs = records(
        done("pharos_elearning", date(2025, 3, 1)),
        done("themabijeenkomst", date(2025, 4, 1), source="coordinator", verified=None),
        done("basis_mim", date(2025, 2, 1)),
        vogs=(vog(date(2025, 1, 15)),),
    )
    result = readiness(recs, DEFAULT_REQUIREMENTS, ON)
    assert {code: r.status for code, r in result.items()} == {
        "homestart": "not_ready",
        "mim": "ready",
        "steunouder": "not_ready",
        "spelaanhuis": "not_ready",
        "pou": "not_ready",
    }
    assert result["homestart"].missing == (MissingItem("basis_homestart", "never_done"),)
    assert readiness(recs, list(DEFAULT_REQUIREMENTS.values()), ON) == result
    assert result["mim"] == programme_readiness(recs, DEFAULT_REQUIREMENTS["mim"], ON)


def test_duplicate_programmes_are_refused():
    with pytest.raises(ValueError, match="given twice"):
        readiness(records(), [req(), req()], ON)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Completion("basis_mim", date(2025, 1, 1), source="coordinatr"),
        lambda: Completion("basis_mim", date(2025, 1, 1), verified="yes"),
        lambda: AdditionalCheck(date(2025, 1, 1), "horoscope"),
        lambda: VogRecord("2025-01-01"),
    ],
)
def test_bad_records_are_refused(build):
    with pytest.raises(ValueError):
        build()
