"""A coordinator runs a parent-group round in a real Chromium: invite, record answers, form
groups, approve, plan meetings and record attendance; axe-core checks the group pages.

Fixtures ``live_app``, ``page`` and ``axe_check`` come from ``tests/browser/conftest.py``.
"""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _no_serious(axe_check, page):
    violations = axe_check(page)
    assert violations == [], [(v["id"], v["help"]) for v in violations]


def test_invite_answer_form_approve_attendance(live_app, page, axe_check):
    from tests.web.groups_support import build, make_round, make_staff
    from webapp.extensions import db
    with live_app.app_context():
        w = build(live_app, n_mothers=3, n_fathers=0)  # registers the blueprint
        round_id = make_round(w).id
        make_staff(w)
        db.session.remove()
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/login")
    page.fill("#email", "vw@example.org")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard*")

    page.goto(f"{base}/groups/rounds/{round_id}/candidates")
    _no_serious(axe_check, page)
    assert page.locator("input[name=parent_id]:checked").count() == 0  # nothing pre-ticked
    for box in page.locator("input[name=parent_id]").all():
        box.check()
    page.click("main form button[type=submit]")
    _no_serious(axe_check, page)  # the summary: who is invited, nothing sent yet
    page.click("main form button[name=confirm]")
    page.wait_for_url(f"{base}/groups/rounds/{round_id}")
    assert page.locator(".alert-success").count() == 1
    _no_serious(axe_check, page)

    for n in range(3):
        page.locator("tbody tr td:nth-child(2) a").nth(n).click()
        page.check("input[name=a-answer][value=yes]")
        page.check("input[name=a-slots][value=tue_am]")
        if n == 0:
            _no_serious(axe_check, page)
        page.click("#a-submit")
        page.wait_for_url(f"{base}/groups/rounds/{round_id}")

    page.click("form[action$='/form'] button")
    page.wait_for_url(f"{base}/groups/rounds/{round_id}*")
    page.locator("ul li a[href^='/groups/']").last.click()
    page.wait_for_url(f"{base}/groups/*")
    _no_serious(axe_check, page)
    page.click("form[action$='/approve'] [type=submit]")
    page.wait_for_url(f"{base}/groups/*")
    assert page.locator(".alert-success").count() == 1

    page.fill("#first", "2030-03-05T10:00")
    page.click("form[action$='/meetings'] button[type=submit], form[action$='/meetings'] input[type=submit]")
    page.wait_for_url(f"{base}/groups/*")
    assert page.locator("tbody tr").count() >= 5
    _no_serious(axe_check, page)

    # Attendance is recorded once a meeting has taken place: the first one moves to last week.
    from datetime import datetime, timedelta

    from webapp.models.groups import GroupMeeting
    with live_app.app_context():
        first = db.session.execute(db.select(GroupMeeting).filter_by(number=1)).scalar_one()
        first.starts_at = datetime.now() - timedelta(days=7)
        db.session.commit()
        db.session.remove()
    page.reload()
    page.locator("a[href$='/attendance']").first.click()
    _no_serious(axe_check, page)
    page.locator("input[name=present]").first.check()
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/groups/*")
    assert page.locator(".alert-success").count() == 1

    with live_app.app_context():
        first = db.session.execute(db.select(GroupMeeting).filter_by(number=1)).scalar_one()
        assert sum(a.present for a in first.attendance) == 1
        db.session.remove()
