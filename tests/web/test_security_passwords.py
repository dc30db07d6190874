"""Password rules (NIST SP 800-63B), changing one's password, and one's own sessions."""
from __future__ import annotations

import re

import pytest

from webapp.auth.policy import password_problem
from webapp.extensions import db
from webapp.models import User, UserSession

ORG = ("Coordinator A", "coord.a@example.org", "Home-Start Leiden")


@pytest.mark.parametrize("password", [
    "short",                      # too short
    "elevenchars",                # 11: too short for staff
    "welkom12345678",             # common word + sequence
    "Wachtwoord2024!",            # common word, "complex" by composition rules
    "qwertyuiopasdf",             # keyboard walk
    "aaaaaaaaaaaaaaaa",           # repeats
    "leiden-leiden-2026",         # the organisation's town
    "HomeStartLeiden1",           # the organisation's name
    "coordinatorA2026",           # the user's own name
    "koppelkoppel12",             # the application's name
])
def test_weak_staff_passwords_are_refused(app, password):
    assert password_problem(password, staff=True, context=ORG) is not None


@pytest.mark.parametrize("password", [
    "purple otter lamp grid",     # words, all lower case: no composition rules
    "fietsbel-ochtend-marmer",
    "مرحبا بالعالم الجميل كثيرا",  # any characters
    "x" * 3 + "7Kp#vQ2m!zL9",
])
def test_long_unguessable_passwords_pass(app, password):
    assert password_problem(password, staff=True, context=ORG) is None


def test_volunteer_minimum_is_ten(app):
    assert password_problem("mistig-veld-17", staff=False) is None
    assert "10" in password_problem("short one", staff=False)


def test_very_long_password_is_fine_and_fast(app):
    import time
    start = time.perf_counter()
    assert password_problem("purple otter lamp grid " * 40, staff=True, context=ORG) is None
    assert time.perf_counter() - start < 2


def _change(client, current, new):
    return client.post("/account/password",
                       data={"current": current, "password": new, "confirm": new})


def test_password_change_ends_every_other_session(app, world, login, client):
    other = app.test_client()
    other.post("/login", data={"email": world.coord_a.email, "password": world.password})
    login(world.coord_a.email)
    old_sid = client.get_cookie("session", domain="koppel.test").value
    resp = _change(client, world.password, "purple otter lamp grid")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/security")
    assert other.get("/dashboard").status_code == 302  # logged out
    assert client.get("/dashboard").status_code == 200  # this browser got a new session
    assert client.get_cookie("session", domain="koppel.test").value != old_sid
    open_rows = db.session.execute(db.select(UserSession).filter_by(
        user_id=world.coord_a.id, revoked_at=None)).scalars().all()
    assert len(open_rows) == 1
    client.post("/logout")
    assert client.post("/login", data={"email": world.coord_a.email,
                                       "password": "purple otter lamp grid"}).status_code == 302


def test_password_change_checks_current_and_rules(world, login, client):
    login(world.coord_a.email)
    before = db.session.get(User, world.coord_a.id).password_hash
    resp = _change(client, "not my password", "purple otter lamp grid")
    assert resp.status_code == 200 and "is-invalid" in resp.get_data(as_text=True)
    resp = _change(client, world.password, "Home-Start Leiden 2026")
    assert resp.status_code == 200 and "is-invalid" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.coord_a.id).password_hash == before


def test_wrong_current_password_is_rate_limited(world, login, client):
    login(world.coord_a.email)
    for _ in range(5):
        assert _change(client, "not my password", "purple otter lamp grid").status_code == 200
    assert _change(client, "not my password", "purple otter lamp grid").status_code == 429


def test_session_list_and_revoking_one(app, world, login, client):
    phone = app.test_client()
    phone.post("/login", data={"email": world.volunteer.email, "password": world.password},
               headers={"User-Agent": "PhoneBrowser/1.0"})
    login(world.volunteer.email)
    page = client.get("/account/security").get_data(as_text=True)
    assert "PhoneBrowser/1.0" in page
    # the secret session ids never appear in the page, only public handles
    for sid in db.session.execute(db.select(UserSession.id)).scalars():
        assert sid not in page
    handles = re.findall(r'/account/sessions/([0-9a-f]{20})/revoke', page)
    assert len(handles) == 2
    rows = [r for r in page.split("<tr>") if "/account/sessions/" in r]
    phone_row = next(r for r in rows if "PhoneBrowser/1.0" in r)
    assert "this browser" not in phone_row
    handle = re.search(r'/account/sessions/([0-9a-f]{20})/revoke', phone_row).group(1)
    resp = client.post(f"/account/sessions/{handle}/revoke")
    assert resp.headers["Location"].endswith("/account/security")
    assert phone.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_cannot_revoke_someone_elses_session(app, world, login, client):
    victim = app.test_client()
    victim.post("/login", data={"email": world.coord_a.email, "password": world.password})
    vpage = victim.get("/account/security").get_data(as_text=True)
    handle = re.search(r'/account/sessions/([0-9a-f]{20})/revoke', vpage).group(1)
    login(world.coord_b.email)
    assert client.post(f"/account/sessions/{handle}/revoke").status_code == 404
    assert victim.get("/dashboard").status_code == 200


def test_log_out_everywhere(app, world, login, client):
    other = app.test_client()
    other.post("/login", data={"email": world.volunteer.email, "password": world.password})
    login(world.volunteer.email)
    resp = client.post("/account/sessions/revoke-all")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert client.get("/dashboard").status_code == 302
    assert other.get("/dashboard").status_code == 302
    assert db.session.execute(db.select(db.func.count(UserSession.id)).filter_by(
        user_id=world.volunteer.id, revoked_at=None)).scalar() == 0
