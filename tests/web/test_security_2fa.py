"""Two-step login (TOTP): set-up with a locally drawn QR code, login, replays, recovery codes,
the rate limit on the second factor, and the staff requirement (``REQUIRE_2FA_STAFF``)."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from webapp.extensions import db
from webapp.models import User

REQUIRED = pytest.mark.parametrize("app", [{"REQUIRE_2FA_STAFF": True}], indirect=True)


def _secret(page: str) -> str:
    match = re.search(r'<code class="fs-5" lang="en" dir="ltr">([A-Z2-7 ]+)</code>', page)
    assert match, "the set-up page shows the key for typing in"
    return match.group(1).replace(" ", "")


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _recovery_codes(page: str) -> list[str]:
    return re.findall(r'<li class="col mb-2">([a-z2-9]{5}-[a-z2-9]{5})</li>', page)


def _enable(client, user_email, password):
    """Log in with the password, set up TOTP; returns (secret, recovery codes)."""
    client.post("/login", data={"email": user_email, "password": password})
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _secret(page)
    resp = client.post("/account/two-factor", data={"code": _code(secret)})
    assert resp.status_code == 200
    codes = _recovery_codes(resp.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


@REQUIRED
def test_staff_must_set_up_two_step_login_first(client, world, login):
    resp = login(world.coord_a.email)
    assert resp.status_code == 302
    for path in ("/dashboard", "/families", "/account/security", "/admin/users"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/two-factor"), path
    # a POST is held back just the same
    assert client.post("/families/new").headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/two-factor").get_data(as_text=True)
    src = re.search(r'<img src="([^"]+)"', page).group(1)
    assert src.startswith("data:image/svg+xml")  # drawn here, not fetched from a QR service
    assert not re.search(r"https?://(?!www\.w3\.org)", page.replace(src, ""))
    secret = _secret(page)
    assert client.post("/account/two-factor", data={"code": "000000"}).status_code == 200
    resp = client.post("/account/two-factor", data={"code": _code(secret)})
    assert resp.status_code == 200 and len(_recovery_codes(resp.get_data(as_text=True))) == 10
    assert client.get("/dashboard").status_code == 200


@REQUIRED
def test_volunteer_may_log_in_without_second_factor(client, world, login):
    assert login(world.volunteer.email).headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert client.get("/account/security").status_code == 200


@REQUIRED
def test_login_asks_for_the_code_and_refuses_replays(app, client, world, login):
    secret, _codes = _enable(client, world.coord_a.email, world.password)
    client.post("/logout")
    resp = login(world.coord_a.email)
    assert resp.headers["Location"].endswith("/login/code")
    # between the two steps nothing is open
    assert client.get("/dashboard").status_code == 302
    assert "/login" in client.get("/dashboard").headers["Location"]
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 200 and "is-invalid" not in wrong.get_data(as_text=True)
    code = _code(secret, 1)  # the set-up used the current step
    resp = client.post("/login/code", data={"code": code})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    # the same code a second time (a replay) is refused, within its validity window
    login(world.coord_a.email)
    assert client.post("/login/code", data={"code": code}).status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_code_page_without_password_step_sends_back(client, world):
    resp = client.get("/login/code")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert client.post("/login/code", data={"code": "123456"}).status_code == 302


def test_pending_second_step_expires(client, world, login, monkeypatch):
    secret, _codes = _enable(client, world.coord_a.email, world.password)
    client.post("/logout")
    login(world.coord_a.email)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    resp = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(later)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")


def test_recovery_code_works_once(client, world, login):
    _secret, codes = _enable(client, world.volunteer.email, world.password)
    client.post("/logout")
    login(world.volunteer.email)
    resp = client.post("/login/code", data={"code": codes[0].upper().replace("-", " ")})
    assert resp.status_code == 302
    assert len(db.session.get(User, world.volunteer.id).recovery_codes) == 9
    client.post("/logout")
    login(world.volunteer.email)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 200
    assert client.post("/login/code", data={"code": codes[1]}).status_code == 302


def test_second_factor_is_rate_limited(client, world, login):
    secret, _codes = _enable(client, world.coord_a.email, world.password)
    client.post("/logout")
    login(world.coord_a.email)
    for _ in range(5):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 200
    resp = client.post("/login/code", data={"code": "000000"})
    assert resp.status_code == 429
    # the right code is refused while the limit holds
    assert client.post("/login/code", data={"code": _code(secret, 1)}).status_code == 429


def test_secret_is_stored_encrypted(client, world):
    secret, _codes = _enable(client, world.coord_a.email, world.password)
    raw = db.session.execute(db.text('SELECT totp_secret, recovery_codes FROM "user" WHERE id = :i'),
                             {"i": world.coord_a.id}).one()
    assert secret not in raw[0] and raw[0].startswith("gAAAAA")  # a Fernet token
    assert "$argon2id$" in raw[1] and all(c not in raw[1] for c in _codes)


@REQUIRED
def test_staff_cannot_switch_it_off_but_volunteer_can(app, world):
    staff = app.test_client()
    secret, _codes = _enable(staff, world.coord_a.email, world.password)
    staff.post("/account/two-factor/disable",
               data={"password": world.password, "code": _code(secret, 1)})
    assert db.session.get(User, world.coord_a.id).has_totp
    vol = app.test_client()
    vsecret, _codes = _enable(vol, world.volunteer.email, world.password)
    resp = vol.post("/account/two-factor/disable",
                    data={"password": "wrong password!!", "code": _code(vsecret, 1)})
    assert resp.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, world.volunteer.id).has_totp
    resp = vol.post("/account/two-factor/disable",
                    data={"password": world.password, "code": _code(vsecret, 1)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, world.volunteer.id).has_totp


def test_new_recovery_codes_replace_the_old(client, world):
    secret, old = _enable(client, world.coord_a.email, world.password)
    resp = client.post("/account/two-factor/recovery-codes",
                       data={"password": world.password, "code": _code(secret, 1)})
    new = _recovery_codes(resp.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    client.post("/login", data={"email": world.coord_a.email, "password": world.password})
    assert client.post("/login/code", data={"code": old[0]}).status_code == 200
    assert client.post("/login/code", data={"code": new[0]}).status_code == 302


def test_enabling_ends_password_only_sessions_elsewhere(app, world, login, client):
    other = app.test_client()
    other.post("/login", data={"email": world.coord_a.email, "password": world.password})
    assert other.get("/dashboard").status_code == 200
    _enable(client, world.coord_a.email, world.password)
    assert other.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_next_target_survives_second_step_but_not_offsite(client, world):
    secret, codes = _enable(client, world.coord_a.email, world.password)
    client.post("/logout")
    client.post("/login?next=/families", data={"email": world.coord_a.email,
                                                "password": world.password})
    resp = client.post("/login/code", data={"code": _code(secret, 1)})
    assert resp.headers["Location"].endswith("/families")
    for number, bad in enumerate(("//evil.example/x", "/\\evil.example", "https://evil.example/")):
        client.post("/logout")
        client.post("/login", query_string={"next": bad},
                    data={"email": world.coord_a.email, "password": world.password})
        resp = client.post("/login/code", data={"code": codes[number]})
        assert resp.status_code == 302
        assert resp.headers["Location"] in ("/dashboard", "http://koppel.test/dashboard"), bad


def test_cli_reset_two_factor(app, world, client):
    _enable(client, world.coord_a.email, world.password)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["auth", "reset-2fa", world.coord_a.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not db.session.get(User, world.coord_a.id).has_totp
    assert client.get("/dashboard").status_code == 302  # logged out too
    result = runner.invoke(args=["auth", "reset-2fa", "nobody@example.org"])
    assert result.exit_code != 0


def test_flag_defaults_on_outside_tests(tmp_path, migrated_sqlite, monkeypatch):
    from tests.conftest import base_config
    from webapp import create_app
    cfg = base_config(tmp_path, "sqlite://")
    del cfg["REQUIRE_2FA_STAFF"]
    monkeypatch.delenv("KOPPEL_REQUIRE_2FA_STAFF", raising=False)
    assert create_app(cfg).config["REQUIRE_2FA_STAFF"] is True
    monkeypatch.setenv("KOPPEL_REQUIRE_2FA_STAFF", "0")
    assert create_app(cfg).config["REQUIRE_2FA_STAFF"] is False


def test_admin_resets_a_lost_second_factor_after_a_confirmation(app, world, client):
    from webapp.models import AuditEntry
    _enable(client, world.coord_a.email, world.password)  # the coordinator's own browser
    admin = app.test_client()
    admin.post("/login", data={"email": world.org_admin.email, "password": world.password})
    page = admin.get("/admin/users?lang=en").get_data(as_text=True)
    form = page.split(f'/admin/users/{world.coord_a.id}/second-factor/reset')[1].split("</form>")[0]
    assert "checked that it is really them" in form and "Reset two-step login" in form
    resp = admin.post(f"/admin/users/{world.coord_a.id}/second-factor/reset?lang=en",
                      follow_redirects=True)
    assert "Two-step login is reset for Coordinator A" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, world.coord_a.id).has_totp
    assert client.get("/dashboard").status_code == 302  # logged out everywhere
    entries = db.session.execute(db.select(AuditEntry).filter_by(
        object_type="user", object_id=str(world.coord_a.id))).scalars().all()
    assert ("second factor reset by an administrator", world.org_admin.id) in [
        (e.reason, e.user_id) for e in entries if e.fields == ["totp"]]
    # done once: now there is nothing to reset, and no button
    again = admin.post(f"/admin/users/{world.coord_a.id}/second-factor/reset?lang=en",
                       follow_redirects=True).get_data(as_text=True)
    assert "has no two-step login to reset" in again
    assert f"/admin/users/{world.coord_a.id}/second-factor/reset" not in again


def test_second_factor_reset_is_refused_outside_the_admins_organisation(app, world, client):
    _enable(client, world.coord_b.email, world.password)
    admin = app.test_client()
    admin.post("/login", data={"email": world.org_admin.email, "password": world.password})
    assert admin.post(f"/admin/users/{world.coord_b.id}/second-factor/reset").status_code == 404
    assert admin.post("/admin/users/99999/second-factor/reset").status_code == 404
    coordinator = app.test_client()
    coordinator.post("/login", data={"email": world.coord_a.email, "password": world.password})
    assert coordinator.post(
        f"/admin/users/{world.coord_b.id}/second-factor/reset").status_code == 403
    db.session.expire_all()
    assert db.session.get(User, world.coord_b.id).has_totp
    assert client.get("/dashboard").status_code == 200  # coordinator B still logged in


def test_an_admin_cannot_reset_their_own_second_factor_here(app, world, client):
    _enable(client, world.org_admin.email, world.password)
    resp = client.post(f"/admin/users/{world.org_admin.id}/second-factor/reset?lang=en",
                       follow_redirects=True)
    assert "under My account" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.org_admin.id).has_totp
