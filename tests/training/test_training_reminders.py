"""Reminder selection: what is due, and the once-per-item-per-14-days throttle."""

from datetime import date, timedelta

import pytest

from training import (
    DEFAULT_REQUIREMENTS,
    Completion,
    DueReminder,
    MissingItem,
    ProgrammeReadiness,
    SentReminder,
    ValidItem,
    VogRecord,
    VolunteerRecords,
    due_reminders,
    readiness,
)

TODAY = date(2026, 5, 1)


def result(programme="homestart", missing=(), valid=()):
    """A hand-built readiness result: reminders only look at ``missing`` and ``valid``."""
    status = "not_ready" if missing else "ready"
    return ProgrammeReadiness(programme, status, tuple(missing), (), tuple(valid), (), ())


NEVER = MissingItem("basis_homestart", "never_done")
DUE_NEVER = DueReminder("anna", "basis_homestart", "missing", "never_done", None, ("homestart",))


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ([], (DUE_NEVER,)),
        ([SentReminder("anna", "basis_homestart", TODAY)], ()),
        ([SentReminder("anna", "basis_homestart", TODAY - timedelta(days=1))], ()),
        ([SentReminder("anna", "basis_homestart", TODAY - timedelta(days=13))], ()),
        ([SentReminder("anna", "basis_homestart", TODAY - timedelta(days=14))], (DUE_NEVER,)),
        ([SentReminder("anna", "basis_homestart", TODAY - timedelta(days=15))], (DUE_NEVER,)),
        ([SentReminder("anna", "basis_homestart", TODAY + timedelta(days=1))], ()),
        (
            [
                SentReminder("anna", "basis_homestart", TODAY - timedelta(days=30)),
                SentReminder("anna", "basis_homestart", TODAY - timedelta(days=3)),
            ],
            (),
        ),
        ([SentReminder("anna", "pharos_elearning", TODAY)], (DUE_NEVER,)),  # other item
        ([SentReminder("bram", "basis_homestart", TODAY)], (DUE_NEVER,)),  # other volunteer
    ],
)
def test_throttle_once_per_item_per_14_days(sent, expected):
    results = {"anna": {"homestart": result(missing=[NEVER])}}
    assert due_reminders(results, sent, TODAY) == expected


@pytest.mark.parametrize(
    ("missing", "valid", "expected"),
    [
        (
            [MissingItem("pharos_elearning", "parts_missing", ("veerkracht",))],
            [],
            (
                DueReminder(
                    "anna", "pharos_elearning", "missing", "parts_missing", None, ("homestart",)
                ),
            ),
        ),
        (
            [MissingItem("vog", "expired", (), date(2026, 4, 1))],
            [],
            (DueReminder("anna", "vog", "missing", "expired", date(2026, 4, 1), ("homestart",)),),
        ),
        (
            [MissingItem("basis_homestart", "rejected")],
            [],
            (DueReminder("anna", "basis_homestart", "missing", "rejected", None, ("homestart",)),),
        ),
        # not the volunteer's move: no reminder
        ([MissingItem("basis_homestart", "pending_verification")], [], ()),
        ([MissingItem("aanvullende_screening", "never_done")], [], ()),
        # expiring within 30 days: expires_on <= today + 30
        (
            [],
            [ValidItem("vog", TODAY + timedelta(days=30))],
            (
                DueReminder(
                    "anna", "vog", "expiring", None, TODAY + timedelta(days=30), ("homestart",)
                ),
            ),
        ),
        ([], [ValidItem("vog", TODAY + timedelta(days=31))], ()),
        (
            [],
            [ValidItem("vog", TODAY - timedelta(days=3))],
            (  # in grace
                DueReminder(
                    "anna", "vog", "expiring", None, TODAY - timedelta(days=3), ("homestart",)
                ),
            ),
        ),
        ([], [ValidItem("themabijeenkomst", None)], ()),
        # order: missing first, then expiring; by item code within each
        (
            [MissingItem("pharos_elearning", "never_done", ()), NEVER],
            [ValidItem("vog", TODAY + timedelta(days=5))],
            (
                DueReminder(
                    "anna", "basis_homestart", "missing", "never_done", None, ("homestart",)
                ),
                DueReminder(
                    "anna", "pharos_elearning", "missing", "never_done", None, ("homestart",)
                ),
                DueReminder(
                    "anna", "vog", "expiring", None, TODAY + timedelta(days=5), ("homestart",)
                ),
            ),
        ),
    ],
)
def test_what_is_due(missing, valid, expected):
    results = {"anna": {"homestart": result(missing=missing, valid=valid)}}
    assert due_reminders(results, [], TODAY) == expected


def test_one_reminder_per_item_across_programmes():
    soon, sooner = TODAY + timedelta(days=20), TODAY + timedelta(days=10)
    results = {
        "anna": {
            "mim": result("mim", missing=[MissingItem("pharos_elearning", "expired", (), TODAY)]),
            "homestart": result("homestart", valid=[ValidItem("pharos_elearning", soon)]),
            "steunouder": result("steunouder", valid=[ValidItem("vog", soon)]),
            "spelaanhuis": result("spelaanhuis", valid=[ValidItem("vog", sooner)]),
        },
        "bram": {"pou": result("pou", missing=[MissingItem("basis_pou", "never_done")])},
    }
    assert due_reminders(results, [SentReminder("bram", "vog", TODAY)], TODAY) == (
        DueReminder("anna", "pharos_elearning", "missing", "expired", TODAY, ("mim",)),
        DueReminder("anna", "vog", "expiring", None, sooner, ("spelaanhuis", "steunouder")),
        DueReminder("bram", "basis_pou", "missing", "never_done", None, ("pou",)),
    )


def test_idempotent_when_the_job_logs_what_it_sent():
    results = {"anna": {"homestart": result(missing=[NEVER])}}
    first = due_reminders(results, [], TODAY)
    log = [SentReminder(r.volunteer, r.item, TODAY) for r in first]
    assert first == (DUE_NEVER,)
    assert due_reminders(results, log, TODAY) == ()
    assert due_reminders(results, log, TODAY + timedelta(days=13)) == ()
    assert due_reminders(results, log, TODAY + timedelta(days=14)) == (DUE_NEVER,)


def test_from_real_readiness():
    recs = VolunteerRecords(
        completions=(
            Completion("pharos_elearning", date(2023, 5, 20), verified=True),
            Completion("themabijeenkomst", date(2025, 1, 1), source="coordinator"),
            Completion("basis_homestart", date(2025, 2, 1), verified=None),
        ),
        vogs=(VogRecord(date(2024, 1, 1), "84", True, True),),
    )
    home_start = {"homestart": DEFAULT_REQUIREMENTS["homestart"]}
    results = {7: readiness(recs, home_start, TODAY)}
    assert due_reminders(results, [], TODAY) == (
        DueReminder(7, "pharos_elearning", "expiring", None, date(2026, 5, 20), ("homestart",)),
    )
