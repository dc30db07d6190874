"""Withdrawn consent hides the family from the volunteer: the volunteer sees the family on
the match page; the coordinator withdraws the family's consent on the family page; the
volunteer's page then shows no family details, says so in plain words and whom to contact;
the coordinator's match page says the match is paused and offers new consent. axe-core
checks the volunteer's paused page."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

pytestmark = [pytest.mark.browser]

BROWSER_LOCALE = "en"


@pytest.fixture
def introduced_match(live_app):
    from tests.factories import build_world, make_family, make_volunteer, ready_records
    from webapp.extensions import db
    from webapp.models.base import utcnow
    from webapp.models.matches import Match
    with live_app.app_context():
        world = build_world()
        vol = make_volunteer(world.volunteer, [world.prog_a])
        ready_records(vol, date.today() - timedelta(days=20))
        family = make_family(world.prog_a, world.coord_a, address="Kooilaan 12")
        match = Match(programme_id=world.prog_a.id, family_id=family.id,
                      family_request_id=family.requests[0].id, volunteer_id=vol.id,
                      hours_per_week=2, created_by_id=world.coord_a.id, status="active",
                      address_confirmed_at=utcnow(),
                      first_visit_at=datetime.combine(date.today() + timedelta(days=3),
                                                      datetime.min.time()).replace(hour=10))
        family.requests[0].move_to("matched", world.coord_a.id)
        db.session.add(match)
        db.session.commit()
        info = {"match_id": match.id, "family_id": family.id, "password": world.password,
                "coordinator": world.coord_a.email, "volunteer": world.volunteer.email}
        db.session.remove()
    return info


def _login(page, live_server, email, password):
    page.goto(f"{live_server}/login?lang=en")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")


def test_withdrawn_consent_hides_the_family_from_the_volunteer(
        live_server, page, browser_context, axe_check, introduced_match):
    info = introduced_match
    my_match = f"{live_server}/my/matches/{info['match_id']}"
    _login(page, live_server, info["volunteer"], info["password"])
    page.goto(my_match)
    assert "Rasha" in page.content() and "Kooilaan 12" in page.content()

    coordinator = browser_context("en")
    _login(coordinator, live_server, info["coordinator"], info["password"])
    coordinator.goto(f"{live_server}/families/{info['family_id']}")
    coordinator.on("dialog", lambda dialog: dialog.accept())  # "Withdraw consent? …"
    coordinator.get_by_role("button", name="Withdraw consent").click()
    coordinator.get_by_text("Consent is withdrawn.").wait_for()

    page.reload()
    paused = page.locator("[data-match-paused]")
    paused.wait_for()
    assert "not available for now" in paused.inner_text()
    assert "Coordinator A" in paused.inner_text()
    content = page.content()
    for secret in ("Rasha", "Kooilaan", "2316", "School system"):
        assert secret not in content, secret
    assert page.get_by_role("heading", name="Report a contact moment").count() == 0
    assert axe_check(page) == []

    coordinator.goto(f"{live_server}/matches/{info['match_id']}")
    box = coordinator.locator("[data-match-paused]")
    assert "The family withdrew consent" in box.inner_text()
    assert coordinator.get_by_role("link", name="Record new consent").count() == 1
