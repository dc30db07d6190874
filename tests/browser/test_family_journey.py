"""A coordinator records a family with consent in the Arabic UI, in a real Chromium; the
family appears on the waiting list and in the matching input. axe-core checks the intake form.

Fixtures ``live_app_with_demo``, ``page`` and ``axe_check`` come from
``tests/browser/conftest.py``.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BROWSER_LOCALE = "ar"  # read by the shared ``page`` fixture


def test_coordinator_records_family_in_arabic_and_it_waits(live_app_with_demo, page,
                                                           axe_check):
    base = live_app_with_demo.config["LIVE_URL"]
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text)
            if "Content Security Policy" in m.text else None)

    page.goto(f"{base}/login?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    page.fill("#email", "coordinator@demo.test")
    page.fill("#password", "demo-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard*")

    page.goto(f"{base}/families/new")
    assert page.get_attribute("html", "lang") == "ar"
    violations = axe_check(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in violations]

    housed = date.today() - timedelta(days=150)
    page.select_option("#referral_source", "vluchtelingenwerk")
    page.fill("#consent_asked_on", (date.today() - timedelta(days=1)).isoformat())
    page.select_option("#consent_language", "ar")
    page.check("#consent_explained_by-1")  # an interpreter
    page.check("#consent_matching")
    page.check("#consent_share_profile")
    page.fill("#housed_on", housed.isoformat())
    page.fill("#postcode", "2316 AB")
    page.fill("#address", "Kooilaan 99")
    page.fill("#parents-0-name", "نور")
    page.select_option("#parents-0-gender", "f")
    page.select_option("#parents-0-lang1", "ar")
    page.fill("#children-0-birth_year", str(date.today().year - 5))
    page.select_option("#children-0-birth_month", "4")
    page.check("input[name=needs][value=school]")
    page.check("input[name=message_channel][value=whatsapp]")
    page.fill("#contact_detail", "0612345678")
    page.select_option("#message_language", "ar")
    page.click("button[name=submit]")
    page.wait_for_url(f"{base}/families/*")
    assert page.locator(".alert-success").count() == 1
    ref = page.locator("h1").inner_text().split()[-1]
    assert ref.startswith("G-")

    page.goto(f"{base}/families?status=waiting&q={ref}")
    row = page.locator("tbody tr", has_text=ref)
    assert row.count() == 1 and "نور" in row.inner_text()
    assert csp_errors == []

    from webapp.extensions import db
    from webapp.families.services import waiting_requests
    from webapp.models import Family, Programme
    with live_app_with_demo.app_context():
        family = db.session.get(Family, int(ref.removeprefix("G-")))
        assert family.may_match and family.address == "Kooilaan 99"
        programme = db.session.get(Programme, family.requests[0].programme_id)
        assert family.requests[0] in waiting_requests(programme)
        db.session.remove()


def test_intake_errors_keep_what_was_typed(live_app_with_demo, page, axe_check):
    base = live_app_with_demo.config["LIVE_URL"]
    page.goto(f"{base}/login?lang=ar")
    page.fill("#email", "coordinator@demo.test")
    page.fill("#password", "demo-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard*")
    page.goto(f"{base}/families/new")
    page.fill("#consent_asked_on", date.today().isoformat())
    page.select_option("#consent_language", "ar")
    page.fill("#parents-0-name", "Selam")
    page.fill("#housed_on", (date.today() + timedelta(days=10)).isoformat())
    page.click("button[name=submit]")
    assert page.locator("#form-errors").count() == 1
    assert page.locator("#housed_on-error").count() == 1
    assert page.input_value("#parents-0-name") == "Selam"
    assert axe_check(page) == []
