"""A volunteer registers, confirms the e-mail through the captured message, logs the Pharos
e-learning with a PDF certificate; the coordinator verifies it; the volunteer is then ready
for Home-Start. axe-core checks the registration and training pages."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_SEED_DEMO = True
BROWSER_LOCALE = "en-GB"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EMAIL = "nadia.journey@example.org"
PASSWORD = "green lantern harbour walk"


def _db(live_app, fn):
    from webapp.extensions import db
    with live_app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def test_register_confirm_log_verify_ready(live_app, live_server, page, browser_context,
                                           axe_check, tmp_path):
    # 1. Registration (public), in English
    page.goto(f"{live_server}/register?lang=en")
    assert axe_check(page) == []
    page.get_by_label("Your name").fill("Nadia Journey")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Postcode").fill("2312 AB")
    page.get_by_label("Year of birth").fill("1986")
    page.get_by_label("Woman").check()
    page.get_by_label("Your Dutch").select_option("native")
    page.get_by_label("Monday morning").check()
    page.get_by_label("Home-Start Leiden", exact=True).check()
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()

    # 2. Confirm through the link in the captured message (the local outbox)
    def confirm_link(db):
        from webapp.models import Message
        msg = db.session.execute(db.select(Message).filter_by(kind="confirm_email")).scalar_one()
        return re.search(r"(/register/confirm/\S+)", msg.body_text).group(1)
    page.goto(live_server + _db(live_app, confirm_link))
    page.get_by_text("your e-mail address is confirmed").wait_for()

    # Earlier training, recorded by the organisation (basic training, themabijeenkomst, VOG)
    def earlier(db):
        from webapp.models import TrainingCompletion, User, VolunteerVog
        v = User.by_email(EMAIL).volunteer
        done = date.today() - timedelta(days=30)
        for item in ("themabijeenkomst", "basis_homestart"):
            db.session.add(TrainingCompletion(volunteer=v, item=item, completed_on=done,
                                              source="coordinator", verified=True))
        db.session.add(VolunteerVog(volunteer=v, issued_on=done, screening_profile="84",
                                    original_seen=True))
        db.session.commit()
        return v.id
    volunteer_id = _db(live_app, earlier)

    # 3. Log in and report the e-learning with a PDF certificate
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/me/training")
    assert axe_check(page) == []
    card = page.locator(".card", has_text="Home-Start Leiden").first
    assert card.locator("[data-readiness]").get_attribute("data-readiness") == "not_ready"
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("Training", exact=True).select_option("pharos_elearning")
    page.get_by_label("Date you completed it").fill(date.today().isoformat())
    page.get_by_label("Certificate").set_input_files(str(pdf))
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Your coordinator will check it").wait_for()

    # 4. The coordinator verifies it
    coord = browser_context("en-GB")
    coord.goto(f"{live_server}/login?lang=en")
    coord.get_by_label("E-mail address").fill("coordinator@demo.test")
    coord.get_by_label("Password").fill("demo-password")
    coord.get_by_role("button", name="Log in").click()
    coord.goto(f"{live_server}/volunteers?q=Nadia")
    coord.get_by_role("link", name="Nadia Journey").click()
    assert coord.url.endswith(f"/volunteers/{volunteer_id}")
    coord.get_by_role("button", name=re.compile("^Verify")).click()
    coord.get_by_text("Verified.").wait_for()

    # 5. The volunteer is ready for Home-Start
    page.goto(f"{live_server}/me/training")
    card = page.locator(".card", has_text="Home-Start Leiden").first
    assert card.locator("[data-readiness]").get_attribute("data-readiness") == "ready"
    coord.goto(f"{live_server}/volunteers?readiness=ready&q=Nadia")
    assert coord.get_by_role("link", name="Nadia Journey").count() == 1
