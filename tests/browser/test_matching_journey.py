"""A coordinator starts a matching run in a real Chromium, watches the progress bar finish,
approves one proposal, rejects another with a reason, and sees the dashboard's counts
change. axe-core checks the matching page, the run page and the dashboard.

The run is a background job in a thread of the live server (``JOBS_INLINE_THREAD``), so the
run page shows the progress bar and polls ``/jobs/<id>``; when the run is already finished by
the time the page loads, the page simply shows the proposals — the test accepts both.
Fixtures ``live_app``, ``live_server``, ``page`` and ``axe_check`` come from
``tests/browser/conftest.py``.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BROWSER_LOCALE = "en-GB"


def _db(live_app, fn):
    from webapp.extensions import db
    with live_app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


@pytest.fixture(scope="module")
def journey(live_app):
    """A small region: three ready Arabic-speaking volunteers, three waiting families."""
    from tests.factories import build_world, make_family, make_user, make_volunteer, ready_records
    from webapp.dashboard import bp
    if "dashboard" not in live_app.blueprints:  # until the app factory registers it
        live_app.register_blueprint(bp)
    live_app.config["JOBS_INLINE_THREAD"] = True  # a real background run, with progress

    def build(db):
        world = build_world()
        done = date.today() - timedelta(days=30)
        for i, pc4 in enumerate(("2316", "2312", "2313")):
            user = world.volunteer if i == 0 else make_user(f"jv{i}@example.org",
                                                            name=f"Journey Volunteer {i}")
            vol = make_volunteer(user, [world.prog_a], pc4=pc4, travel_km=10)
            ready_records(vol, done)
            make_family(world.prog_a, world.coord_a, pc4=pc4)
        return {"programme": world.prog_a.id, "email": world.coord_a.email,
                "password": world.password}
    return _db(live_app, build)


def _figures(page) -> tuple[int, int]:
    return (int(page.locator("[data-figure=active]").inner_text()),
            int(page.locator("[data-figure=matched-month]").inner_text()))


def _no_serious(axe_check, page):
    violations = axe_check(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in violations]


def test_run_approve_reject_and_dashboard(live_app, live_server, journey, page, axe_check):
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.on("dialog", lambda dialog: dialog.accept())  # "Reject this proposal?"
    programme = journey["programme"]

    page.goto(f"{live_server}/login?lang=en")
    page.fill("#email", journey["email"])
    page.fill("#password", journey["password"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/dashboard*")

    # the dashboard before: nothing matched yet
    page.goto(f"{live_server}/dashboard/programmes/{programme}")
    assert _figures(page) == (0, 0)
    assert page.locator("[data-figure=waiting]").inner_text() == "3"
    _no_serious(axe_check, page)

    # start a run on the programme's matching page
    page.goto(f"{live_server}/programmes/{programme}/matching")
    _no_serious(axe_check, page)
    page.get_by_role("button", name="Start matching").click()
    page.wait_for_url(re.compile(r".*/runs/\d+"))
    progress = page.locator("[data-job-url]")
    if progress.count():  # still running: the bar is shown and polls until the run is done
        assert page.get_by_role("progressbar").count() == 1
        try:
            _no_serious(axe_check, page)
        except PlaywrightError as exc:  # the run ended during the check and the page reloaded
            if "context was destroyed" not in str(exc):
                raise
        progress.wait_for(state="detached", timeout=60_000)  # the page reloads when done
    cards = page.locator("article")
    cards.first.wait_for()
    assert cards.count() == 3
    _no_serious(axe_check, page)

    # approve the first proposal
    cards.first.get_by_role("button", name=re.compile(r"^Approve\b")).click()
    page.get_by_text("Approved. The match is recorded.").wait_for()
    assert page.locator("article").count() == 2  # the open ones

    # reject another, with a reason and a note
    card = page.locator("article").first
    rejected_title = card.locator("h2").inner_text()
    card.locator("summary", has_text="Reject").click()
    card.get_by_label("Reason").select_option("distance")
    card.get_by_label("Note (optional)").fill("The bus takes too long.")
    card.get_by_role("button", name="Reject", exact=True).click()
    page.get_by_text("Rejected. This volunteer will not be proposed").wait_for()
    assert page.locator("article").count() == 1
    assert rejected_title.split()[0] not in page.locator("article").first.inner_text()

    # the dashboard after: one match, this month
    page.goto(f"{live_server}/dashboard/programmes/{programme}")
    assert _figures(page) == (1, 1)
    assert page.locator("[data-figure=waiting]").inner_text() == "2"
    page.locator("summary", has_text="Show the figures as a table").first.click()
    _no_serious(axe_check, page)
    assert csp_errors == []

    def check(db):
        from webapp.models.matches import Match, Rejection
        rejection = db.session.execute(db.select(Rejection)).scalar_one()
        assert (rejection.reason, rejection.note) == ("distance", "The bus takes too long.")
        assert db.session.execute(db.select(db.func.count(Match.id))).scalar() == 1
    _db(live_app, check)
