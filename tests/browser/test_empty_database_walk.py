"""From an empty database to the first introduction, in a real Chromium (issue 14).

No demo data: the database is only migrated. The installation admin is made with the real
CLI (``flask --app wsgi create-user``, a subprocess on the live server's database); everything
else happens in the browser:

admin: organisation → Home-Start programme → invites the coordinator (the invitation arrives
at a real SMTP server on loopback) → coordinator: sets a password through the link, a phone
number under My details → admin: gives the coordinator the programme → volunteer: registers,
confirms the e-mail, logs the e-learning and the basic training, signs up for a
themabijeenkomst → coordinator: records attendance, verifies, records the VOG → family intake
with consent (a Tigrinya-speaking parent who wants a letter) → matching → approve →
introduction. The family's letter and the volunteer's e-mail both give the coordinator's
phone number. One page is checked in Arabic (``dir="rtl"``); axe-core checks the new admin
pages.

The one step the browser cannot do: a themabijeenkomst can only be created in the future and
its attendance recorded once it has begun, so the test moves the session's start into the
past in the database (as if the evening had come) between sign-up and attendance.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BROWSER_LOCALE = "en-GB"
ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ADMIN = ("beheer@homestart-leiden.example", "Joost Vermeer", "amber kestrel quietly 4 lanterns")
COORD = ("mira.haddad@homestart-leiden.example", "Mira Haddad", "olive tram crosses 7 bridges")
COORD_PHONE = "071 512 34 56"
VOLUNTEER = ("tesfay.gebremedhin@example.org", "Tesfay Gebremedhin", "coffee ceremony at nine")
ORGANISATION = "Home-Start Leiden e.o."
PROGRAMME = "Home-Start Leiden"


# --- helpers ------------------------------------------------------------------------------

def _db(live_app, fn):
    from webapp.extensions import db
    with live_app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def _no_serious(axe_check, page):
    violations = axe_check(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in violations]


def _flash(page, text: str):
    page.locator(".alert-success", has_text=text).first.wait_for()


def _watch_csp(page, errors: list[str]):
    page.on("console", lambda m: errors.append(m.text)
            if "Content Security Policy" in m.text else None)


def _login(page, base: str, email: str, password: str):
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.locator(".alert").all_inner_texts()


def _switch_on_two_step_login(page, base: str):
    """Staff must set up two-step login before anything else (``REQUIRE_2FA_STAFF``, on in
    production): type the key the page shows into an "app" (pyotp), confirm the code."""
    import pyotp
    page.wait_for_url(f"{base}/account/two-factor")
    secret = page.locator("code").first.inner_text().replace(" ", "")
    page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Switch on").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    page.get_by_role("link", name="I have saved them").click()


def _cli_create_admin(live_app) -> subprocess.CompletedProcess:
    """``flask --app wsgi create-user … --role admin``, the password on standard input, as an
    operator runs it: a separate process, configured through the environment only."""
    from tests.conftest import TEST_INDEX_KEY, TEST_KEYS
    instance = Path(live_app.instance_path)
    env = {**os.environ,
           "DATABASE_URL": live_app.config["SQLALCHEMY_DATABASE_URI"],
           "KOPPEL_ENCRYPTION_KEYS": ",".join(TEST_KEYS), "KOPPEL_INDEX_KEY": TEST_INDEX_KEY,
           "SECRET_KEY": live_app.config["SECRET_KEY"], "KOPPEL_INSTANCE": str(instance),
           "KOPPEL_ENV": "development", "KOPPEL_LOG_FORMAT": "text"}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "wsgi", "create-user", "--email", ADMIN[0], "--name", ADMIN[1],
         "--role", "admin"],
        input=ADMIN[2] + "\n", text=True, capture_output=True, cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def smtp(live_app):
    """A real SMTP server on loopback; the live server delivers every e-mail to it."""
    from aiosmtpd.controller import Controller

    from tests.web.messaging_support import ScriptedHandler, free_port
    handler, port = ScriptedHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    live_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5,
                           MAIL_DEFAULT_SENDER="Home-Start Leiden <koppel@example.org>")
    yield handler
    controller.stop()


def _mail_to(smtp, address: str, subject: str):
    """The last e-mail the SMTP server accepted for ``address`` whose subject has ``subject``."""
    for i in range(len(smtp.received) - 1, -1, -1):
        msg = smtp.parsed(i)
        if address in str(msg["To"]) and subject in str(msg["Subject"]):
            return msg
    seen = [(str(smtp.parsed(i)["To"]), str(smtp.parsed(i)["Subject"]))
            for i in range(len(smtp.received))]
    raise AssertionError(f"no e-mail to {address} about {subject!r}; received: {seen}")


def _text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def _link(msg, path: str, base: str) -> str:
    """The link in ``msg`` to ``path``…, on the live server. Links are built on
    ``KOPPEL_BASE_URL`` (in development without one: the local address of ``make run``), not
    on the test server's random port, so only the path is kept."""
    found = re.search(r"https?://\S+?(" + re.escape(path) + r"\S+)", _text(msg))
    assert found, _text(msg)
    return base + found.group(1)


# --- the walk -----------------------------------------------------------------------------

def test_empty_database_to_first_introduction(live_app, live_server, smtp, page,
                                              browser_context, axe_check, tmp_path):
    base = live_server
    live_app.config["REQUIRE_2FA_STAFF"] = True  # as in production
    page.on("dialog", lambda dialog: dialog.accept())
    csp_errors: list[str] = []
    _watch_csp(page, csp_errors)

    # 0. The database is empty: no users, organisations or programmes
    def counts(db):
        from webapp.models import Organisation, Programme, User
        return [db.session.execute(db.select(db.func.count(m.id))).scalar()
                for m in (User, Organisation, Programme)]
    assert _db(live_app, counts) == [0, 0, 0]

    # 1. The installation admin, with the CLI
    result = _cli_create_admin(live_app)
    assert result.returncode == 0, result.stderr
    assert "created admin" in result.stdout

    # 2. Admin: log in, switch on two-step login, create the organisation
    _login(page, base, ADMIN[0], ADMIN[2])
    _switch_on_two_step_login(page, base)
    page.goto(f"{base}/dashboard")
    # the admin's longer menu fits the window: nothing is pushed out to the right
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("navigation").get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="New organisation").click()
    page.wait_for_url(f"{base}/admin/organisations/new")
    _no_serious(axe_check, page)
    page.get_by_label("Name", exact=True).fill(ORGANISATION)
    page.get_by_label("Municipalities served").fill("Leiden\nLeiderdorp")
    page.get_by_label("Postal address (printed in letters)").fill("Breestraat 1\n2311 CH Leiden")
    page.get_by_label("Phone number (printed in letters)").fill("071 512 00 00")
    page.get_by_label("E-mail address (printed in letters)").fill("info@homestart-leiden.example")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/admin/organisations*")
    page.locator(".alert-success").first.wait_for()

    # 3. A Home-Start programme, from the organisation's card
    assert "Breestraat 1\n2311 CH Leiden" in page.locator(
        "section.card", has_text=ORGANISATION).inner_text()  # the address keeps its lines
    page.locator("section.card", has_text=ORGANISATION).get_by_role(
        "link", name=re.compile("^New programme")).click()
    page.wait_for_url(f"{base}/admin/programmes/new*")
    _no_serious(axe_check, page)
    assert page.get_by_label("Organisation").input_value() != ""
    page.get_by_label("Kind of programme").select_option("homestart")
    page.get_by_label("Name", exact=True).fill(PROGRAMME)
    page.get_by_label("Municipalities").fill("Leiden")
    page.get_by_label("Postcode areas (4 digits)").fill("2311, 2312, 2313, 2316")
    page.get_by_role("button", name="Create the programme").click()
    page.wait_for_url(re.compile(r".*/admin/programmes/\d+/edit"))
    programme_id = int(re.search(r"/programmes/(\d+)/edit", page.url).group(1))
    _no_serious(axe_check, page)

    # 4. Invite the coordinator; the invitation arrives by e-mail
    page.get_by_role("navigation").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite someone").click()
    page.wait_for_url(f"{base}/admin/users/new")
    _no_serious(axe_check, page)
    page.get_by_label("Name", exact=True).fill(COORD[1])
    page.get_by_label("E-mail address").fill(COORD[0])
    page.get_by_label("Role").select_option("coordinator")
    page.get_by_label("Organisation").select_option(label=ORGANISATION)
    page.get_by_label("Language of the invitation").select_option("en")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url(f"{base}/admin/users*")
    _flash(page, "is invited")
    _no_serious(axe_check, page)
    invitation = _mail_to(smtp, COORD[0], "You are invited to Koppel")
    invite_link = _link(invitation, "/reset-password/", base)

    # 5. The coordinator chooses a password through the link, logs in, gives a phone number
    coord = browser_context("en-GB")
    coord.on("dialog", lambda dialog: dialog.accept())
    _watch_csp(coord, csp_errors)
    coord.goto(invite_link)
    coord.get_by_label("New password", exact=True).fill(COORD[2])
    coord.get_by_label("Repeat the new password").fill(COORD[2])
    coord.get_by_role("button", name="Save new password").click()
    coord.wait_for_url(f"{base}/login*")
    _login(coord, base, COORD[0], COORD[2])
    _switch_on_two_step_login(coord, base)
    coord.goto(f"{base}/account/details")
    coord.get_by_label("Phone number").fill(COORD_PHONE)
    coord.get_by_role("button", name="Save").click()
    _flash(coord, "Your details are saved.")

    # 6. The admin gives the coordinator the programme
    page.goto(f"{base}/admin/users")
    page.locator("tr", has_text=COORD[1]).get_by_role(
        "link", name=re.compile("^Change")).click()
    page.wait_for_url(re.compile(r".*/admin/users/\d+/edit"))
    page.get_by_label(PROGRAMME).check()
    page.get_by_role("button", name="Save").click()
    _flash(page, "are saved")
    _no_serious(axe_check, page)

    # 7. One page in Arabic: right to left
    page.goto(f"{base}/admin/organisations?lang=ar")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    assert ORGANISATION in page.content()
    _no_serious(axe_check, page)
    page.goto(f"{base}/admin/organisations?lang=en")
    assert page.get_attribute("html", "dir") == "ltr"

    # 8. The volunteer registers (public page) …
    vol = browser_context("en-GB")
    _watch_csp(vol, csp_errors)
    vol.goto(f"{base}/register?lang=en")
    vol.get_by_label("Your name").fill(VOLUNTEER[1])
    vol.get_by_label("E-mail address").fill(VOLUNTEER[0])
    vol.get_by_label("Choose a password").fill(VOLUNTEER[2])
    vol.get_by_label("Repeat the password").fill(VOLUNTEER[2])
    vol.get_by_label("Postcode").fill("2312 AB")
    vol.get_by_label("Year of birth").fill("1984")
    vol.get_by_label("Man", exact=True).check()
    vol.get_by_label("Your Dutch").select_option("B2")
    vol.locator("#languages-0-code").select_option("ti")
    vol.locator("#languages-0-level").select_option("native")
    vol.locator("input[name=refugee_background][value=yes]").check()
    vol.locator("#origin_country").select_option("ER")
    vol.locator("#arrival_year").fill("2014")
    vol.get_by_label("Monday morning").check()
    vol.get_by_label("Wednesday afternoon").check()
    vol.get_by_label(PROGRAMME, exact=False).first.check()
    vol.get_by_label("I agree").check()
    vol.get_by_role("button", name="Register").click()
    vol.wait_for_load_state()
    assert vol.locator(".invalid-feedback, .alert-danger").count() == 0, \
        vol.locator(".invalid-feedback, .alert-danger").all_inner_texts()
    vol.get_by_role("heading", name="Check your e-mail").wait_for()

    # … confirms the e-mail through the link …
    confirm = _mail_to(smtp, VOLUNTEER[0], "Please confirm your e-mail address")
    vol.goto(_link(confirm, "/register/confirm/", base))
    vol.get_by_text("your e-mail address is confirmed").wait_for()

    # … and logs the e-learning and the basic training
    _login(vol, base, VOLUNTEER[0], VOLUNTEER[2])
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(PDF)
    done = date.today() - timedelta(days=10)
    for item in ("pharos_elearning", "basis_homestart"):
        vol.goto(f"{base}/me/training")
        vol.get_by_label("Training", exact=True).select_option(item)
        vol.get_by_label("Date you completed it").fill(done.isoformat())
        vol.get_by_label("Certificate").set_input_files(str(pdf))
        vol.get_by_role("button", name="Send").click()
        vol.get_by_text("Your coordinator will check it").wait_for()

    # 9. A themabijeenkomst: the coordinator plans it, the volunteer signs up
    coord.get_by_role("navigation").get_by_role("link", name="Themabijeenkomsten").click()
    coord.get_by_role("link", name="New themabijeenkomst").click()
    starts = (datetime.now() + timedelta(days=7)).replace(hour=19, minute=0, second=0,
                                                          microsecond=0)
    coord.locator("#starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    coord.locator("#ends_at").fill((starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    coord.get_by_label("Place (address)").fill("Breestraat 1, Leiden")
    coord.get_by_label(PROGRAMME, exact=False).first.check()
    coord.get_by_role("button", name="Create", exact=True).click()
    coord.wait_for_url(re.compile(r".*/sessions/\d+$"))
    session_id = int(coord.url.rsplit("/", 1)[1])

    vol.goto(f"{base}/sessions/{session_id}")
    vol.get_by_role("button", name=re.compile("^Sign up")).click()
    _flash(vol, "You are signed up.")

    def evening_has_come(db):  # the only step the browser cannot do: wait a week
        from webapp.models import TrainingSession
        row = db.session.get(TrainingSession, session_id)
        row.starts_at = datetime.now() - timedelta(days=1, hours=2)
        row.ends_at = row.starts_at + timedelta(hours=2)
        db.session.commit()
    _db(live_app, evening_has_come)

    # 10. The coordinator records attendance, verifies the reports and records the VOG
    coord.goto(f"{base}/sessions/{session_id}")
    coord.get_by_label(f"Was there: {VOLUNTEER[1]}").check()
    coord.get_by_role("button", name="Save attendance").click()
    _flash(coord, "Attendance is saved. 1 training record(s) added.")

    coord.goto(f"{base}/volunteers?q=Tesfay")
    coord.get_by_role("link", name=VOLUNTEER[1]).click()
    coord.wait_for_url(re.compile(r".*/volunteers/\d+$"))
    volunteer_url = coord.url
    while coord.get_by_role("button", name=re.compile("^Verify")).count():
        coord.get_by_role("button", name=re.compile("^Verify")).first.click()
        _flash(coord, "Verified.")
    coord.locator("#vog-issued_on").fill((date.today() - timedelta(days=20)).isoformat())
    coord.locator("#vog-screening_profile").select_option("84")
    coord.locator("#vog-original_seen").check()
    coord.get_by_role("button", name="Save VOG").click()
    _flash(coord, "The VOG is recorded.")
    coord.goto(volunteer_url)
    assert coord.locator("[data-readiness]").first.get_attribute("data-readiness") == "ready"

    # 11. Family intake with consent: Rahwa, who reads Tigrinya and wants a letter
    coord.get_by_role("navigation").get_by_role("link", name="Families").click()
    coord.get_by_role("link", name="Record a family").click()
    coord.wait_for_url(f"{base}/families/new")
    coord.select_option("#referral_source", "vluchtelingenwerk")
    coord.fill("#consent_asked_on", (date.today() - timedelta(days=1)).isoformat())
    coord.select_option("#consent_language", "ti")
    coord.check("#consent_explained_by-1")  # an interpreter
    coord.check("#consent_matching")
    coord.check("#consent_share_profile")
    coord.fill("#housed_on", (date.today() - timedelta(days=120)).isoformat())
    coord.fill("#postcode", "2316 AB")
    coord.fill("#address", "Kooilaan 12")
    coord.fill("#parents-0-name", "Rahwa")
    coord.select_option("#parents-0-gender", "f")
    coord.select_option("#parents-0-lang1", "ti")
    coord.fill("#children-0-birth_year", str(date.today().year - 4))
    coord.select_option("#children-0-birth_month", "3")
    coord.check("input[name=needs][value=school]")
    coord.check("input[name=preferred_dagdelen][value=mon_am]")
    coord.check("input[name=message_channel][value=letter]")
    coord.select_option("#message_language", "ti")
    coord.click("button[name=submit]")
    coord.wait_for_url(re.compile(r".*/families/\d+$"))
    assert coord.locator(".alert-success").count() == 1
    reference = coord.locator("h1").inner_text().split()[-1]
    assert reference.startswith("G-")

    # 12. Matching: start a run, wait for it, approve the proposal
    coord.get_by_role("navigation").get_by_role("link", name="Overview").click()
    coord.locator(".card", has_text=PROGRAMME).get_by_role(
        "link", name=re.compile("^Matching")).click()
    assert coord.url.endswith(f"/programmes/{programme_id}/matching")
    coord.get_by_role("button", name="Start matching").click()
    coord.wait_for_url(re.compile(r".*/runs/\d+"))
    progress = coord.locator("[data-job-url]")
    if progress.count():
        try:
            progress.wait_for(state="detached", timeout=60_000)
        except PlaywrightError as exc:  # the page reloaded while waiting
            if "context was destroyed" not in str(exc):
                raise
    card = coord.locator("article", has_text="Tesfay")
    card.first.wait_for()
    card.first.get_by_role("button", name=re.compile(r"^Approve\b")).click()
    coord.get_by_text("Approved. The match is recorded.").wait_for()

    # 13. Introduce: from the list of matches, preview both messages, send
    coord.get_by_role("navigation").get_by_role("link", name="Matches").click()
    coord.get_by_role("link", name=reference).click()
    coord.get_by_role("link", name="Introduce them (send messages)").click()
    coord.wait_for_url(re.compile(r".*/matches/\d+/introduce"))
    previews = coord.locator("article.message-preview")
    assert previews.count() == 2
    assert previews.first.get_attribute("lang") == "ti"  # the family's: Tigrinya
    assert COORD_PHONE in previews.first.inner_text()
    assert COORD_PHONE in previews.nth(1).inner_text()
    _no_serious(axe_check, coord)
    coord.click("input[type=submit][value=Send], button:has-text('Send')")
    coord.wait_for_url(re.compile(r".*/matches/\d+$"))
    assert "Introduced" in coord.content()

    # 14. The family's letter and the volunteer's e-mail both give the coordinator's number
    coord.get_by_role("link", name="Print a copy").click()
    coord.wait_for_url(re.compile(r".*/messaging/outbox/\d+/letter"))
    letter = coord.locator("main").inner_text()
    assert "Rahwa" in letter and COORD[1] in letter
    assert COORD_PHONE in letter
    # the organisation's details, which its form says are printed in letters
    assert "071 512 00 00" in letter and "2311 CH Leiden" in letter
    volunteer_mail = _mail_to(smtp, VOLUNTEER[0], f"Meeting a family ({reference})")
    assert COORD_PHONE in _text(volunteer_mail)
    assert COORD[1] in _text(volunteer_mail)
    assert csp_errors == []
