"""The foundation in a real browser: log in as the demo coordinator, switch to Arabic (the page
becomes right to left with the RTL stylesheet), and check accessibility with axe-core."""
from __future__ import annotations

LIVE_SEED_DEMO = True


def test_login_switch_to_arabic_rtl_and_axe(live_server, page, axe_check):
    page.goto(f"{live_server}/login")
    assert page.get_attribute("html", "lang") == "nl"
    assert axe_check(page) == []
    page.fill("#email", "coordinator@demo.test")
    page.fill("#password", "demo-password")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert axe_check(page) == []
    page.click("a[hreflang=ar]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    sheets = page.eval_on_selector_all("link[rel=stylesheet]", "els => els.map(e => e.href)")
    assert any(s.endswith("bootstrap.rtl.min.css") for s in sheets)
    # the layout really flows right to left: the brand sits on the right-hand side
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] > page.viewport_size["width"] / 2
    assert axe_check(page) == []
    # the choice is remembered for the next page
    page.goto(f"{live_server}/dashboard")
    assert page.get_attribute("html", "dir") == "rtl"


def test_wrong_password_then_rate_limit_message(live_server, page):
    for _ in range(5):
        page.goto(f"{live_server}/login?lang=en")
        page.fill("#email", "admin@demo.test")
        page.fill("#password", "not the password")
        page.click("button[type=submit]")
        assert page.locator(".alert-danger").count() == 1
    page.fill("#email", "admin@demo.test")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "Too many attempts" in page.content()
