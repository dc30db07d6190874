"""A coordinator introduces an approved match: previews both messages (the family's in
Arabic, right to left), sends, and sees them "Sent" in the outbox — delivered to a real SMTP
server on loopback."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

BROWSER_LOCALE = "en"


@pytest.fixture
def approved_match(live_app):
    from aiosmtpd.controller import Controller

    from tests.factories import build_world, make_family, make_volunteer, ready_records
    from tests.web.messaging_support import ScriptedHandler, free_port
    from webapp.extensions import db
    from webapp.matches.approval import approve
    from webapp.models.matches import MatchingRun, Proposal
    handler, port = ScriptedHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    live_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    with live_app.app_context():
        world = build_world()
        vol = make_volunteer(world.volunteer, [world.prog_a])
        ready_records(vol, date.today() - timedelta(days=20))
        family = make_family(world.prog_a, world.coord_a, message_channel="email",
                             contact_detail="rasha@example.net", message_language="ar")
        run = MatchingRun(programme_id=world.prog_a.id, status="finished",
                          created_by_id=world.coord_a.id)
        db.session.add(run)
        db.session.flush()
        proposal = Proposal(run_id=run.id, programme_id=world.prog_a.id, family_id=family.id,
                            family_request_id=family.requests[0].id, volunteer_id=vol.id,
                            score=60, factors=[])
        db.session.add(proposal)
        db.session.commit()
        match = approve(proposal.id, world.coord_a.id)[0]
        info = {"match_id": match.id, "email": world.coord_a.email, "password": world.password}
        db.session.remove()
    yield info, handler
    controller.stop()


def test_introduce_preview_send_and_see_sent(live_server, page, axe_check, approved_match):
    info, smtp = approved_match
    page.goto(f"{live_server}/login?lang=en")
    page.fill("#email", info["email"])
    page.fill("#password", info["password"])
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.goto(f"{live_server}/matches/{info['match_id']}")
    page.click("text=Introduce them (send messages)")
    page.wait_for_url(f"**/matches/{info['match_id']}/introduce")
    family_preview = page.locator("article.message-preview").first
    assert family_preview.get_attribute("dir") == "rtl"
    assert family_preview.get_attribute("lang") == "ar"
    assert page.locator("article.message-preview").count() == 2
    assert axe_check(page) == []
    page.fill("#family_note", "We bellen u deze week.")
    page.click("text=Show the messages again")
    assert "We bellen u deze week." in page.locator("article.message-preview").first.inner_text()
    page.click("input[type=submit][value=Send], button:has-text('Send')")
    page.wait_for_url(f"**/matches/{info['match_id']}")
    assert "Introduced" in page.content()
    page.goto(f"{live_server}/messaging/outbox")
    assert page.locator("text=Sent").count() >= 2
    assert len(smtp.received) == 2
    arabic = smtp.parsed(0) if smtp.parsed(0)["Content-Language"] == "ar" else smtp.parsed(1)
    assert "rasha@example.net" in arabic["To"]
