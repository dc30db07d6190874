"""Admins invite coordinators and admins, change roles and programmes, and see who is who
(issue 14): the invitation e-mail carries a one-time set-password link valid 72 hours (the
reset-password page with its own token purpose); sending it again stops the old link;
organisation admins stay within their organisation (404 on other organisations' users); role
and programme changes are stored and audited; an admin cannot demote themselves, nor the last
active admin of an organisation; a bad or taken e-mail address creates nothing and keeps what
was typed."""
from __future__ import annotations

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner

from tests.web.test_auth_races import race_app  # noqa: F401  (fixture)
from webapp.accounts import create_user
from webapp.extensions import db
from webapp.models import AuditEntry, Message, User

PASSWORD = "correct horse battery"
NEW_PASSWORD = "lantern quietly orbit pebble"
INVITE = {"email": "nieuw@example.org", "name": "Noor Nieuw", "phone": "071 555 12 34",
          "role": "coordinator", "locale": "en"}


def _login(client, email, password=PASSWORD):
    resp = client.post("/login", data={"email": email, "password": password})
    assert resp.status_code == 302, "could not log in"
    return resp


def _invite_link(user) -> str:
    msg = db.session.execute(db.select(Message).filter_by(user_id=user.id, kind="staff_invite")
                             .order_by(Message.id.desc())).scalars().first()
    assert msg is not None and msg.channel == "email" and msg.recipient == user.email
    found = re.search(r"http://koppel\.test(/reset-password/\S+)", msg.body_text)
    assert found, msg.body_text
    return found.group(1)


def _invitee(email=INVITE["email"]) -> User | None:
    db.session.expire_all()
    return User.by_email(email)


def _entries(object_id, action="update"):
    return db.session.execute(db.select(AuditEntry).filter_by(
        object_type="user", object_id=str(object_id), action=action)
        .order_by(AuditEntry.id)).scalars().all()


def _row(listing: str, name: str) -> str:
    """The table row of the user called ``name`` in the users list."""
    rows = [r for r in re.findall(r"<tr>.*?</tr>", listing, re.S) if f">{name}<" in r]
    assert len(rows) == 1, name
    return rows[0]


def _set_password(client, link, password=NEW_PASSWORD):
    return client.post(link, data={"password": password, "confirm": password})


# --- inviting ------------------------------------------------------------------------------

def test_invite_mail_set_password_through_link_and_log_in(app, client, world):
    _login(client, world.org_admin.email)
    page = client.get("/admin/users/new?lang=en")
    assert page.status_code == 200
    resp = client.post("/admin/users/new?lang=en", data=INVITE)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    user = _invitee()
    assert user is not None and user.role == "coordinator" and user.active
    assert user.organisation_id == world.org_a.id  # the org admin's own organisation
    assert user.phone == "071 555 12 34" and user.name == "Noor Nieuw"
    assert user.password_hash is None and user.locale == "en"
    created = _entries(user.id, "create")
    assert len(created) == 1 and created[0].user_id == world.org_admin.id
    assert created[0].reason == "invitation_sent"

    listing = client.get("/admin/users?lang=en").get_data(as_text=True)
    row = _row(listing, "Noor Nieuw")
    assert "nieuw@example.org" in row and "Invited" in row

    link = _invite_link(user)
    client.post("/logout")
    other = app.test_client()
    page = other.get(link + "?lang=en")
    assert page.status_code == 200 and "Choose your password" in page.get_data(as_text=True)
    resp = _set_password(other, link)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    assert _login(other, INVITE["email"], NEW_PASSWORD).headers["Location"].endswith("/dashboard")
    user = _invitee()
    assert user.email_confirmed_at is not None and user.last_login_at is not None
    assert "invitation_accepted" in [e.reason for e in _entries(user.id)]

    # once only: the same link does not set another password
    other.post("/logout")
    again = _set_password(other, link, "another quite long passphrase")
    assert again.status_code == 302 and again.headers["Location"].endswith("/forgot-password")
    assert other.post("/login", data={"email": INVITE["email"],
                                      "password": "another quite long passphrase"}
                      ).status_code == 200

    _login(client, world.org_admin.email)
    listing = client.get("/admin/users?lang=en").get_data(as_text=True)
    row = _row(listing, "Noor Nieuw")
    assert "Invited" not in row and "Active" in row


def test_invite_link_works_for_72_hours_and_not_after(app, client, world, monkeypatch):
    _login(client, world.org_admin.email)
    client.post("/admin/users/new", data=INVITE)
    link = _invite_link(_invitee())
    client.post("/logout")
    made = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: made + 72 * 3600 + 5)
    late = client.get(link)
    assert late.status_code == 302 and late.headers["Location"].endswith("/forgot-password")
    assert _set_password(client, link).status_code == 302
    assert _invitee().password_hash is None
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: made + 72 * 3600 - 60)
    assert client.get(link).status_code == 200
    assert _set_password(client, link).headers["Location"].endswith("/login")
    assert _invitee().password_hash is not None


def test_reset_link_does_not_get_the_invitation_lifetime(app, client, world, monkeypatch):
    """A password-reset link is read with its own purpose and age: it is not valid for 72
    hours because invitations are."""
    client.post("/forgot-password", data={"email": world.coord_a.email})
    msg = db.session.execute(db.select(Message).filter_by(
        user_id=world.coord_a.id, kind="password_reset")).scalars().one()
    link = re.search(r"http://koppel\.test(/reset-password/\S+)", msg.body_text).group(1)
    made = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made + 2 * 3600)
    resp = client.get(link)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/forgot-password")


def test_resend_invalidates_the_old_link(app, client, world):
    _login(client, world.org_admin.email)
    client.post("/admin/users/new", data=INVITE)
    user = _invitee()
    first = _invite_link(user)
    resp = client.post(f"/admin/users/{user.id}/invitation")
    assert resp.status_code == 302
    second = _invite_link(_invitee())
    assert second != first
    assert db.session.execute(db.select(db.func.count(Message.id)).filter_by(
        user_id=user.id, kind="staff_invite")).scalar() == 2
    assert "invitation_resent" in [e.reason for e in _entries(user.id)]
    client.post("/logout")
    stale = _set_password(client, first)
    assert stale.headers["Location"].endswith("/forgot-password")
    assert _invitee().password_hash is None
    assert _set_password(client, second).headers["Location"].endswith("/login")
    # an account with a password is not "invited" any more: nothing to send again
    _login(client, world.org_admin.email)
    client.post(f"/admin/users/{user.id}/invitation")
    assert db.session.execute(db.select(db.func.count(Message.id)).filter_by(
        user_id=user.id, kind="staff_invite")).scalar() == 2


def test_invitation_link_is_never_shown_in_an_outbox(app, client, world):
    _login(client, world.org_admin.email)
    client.post("/admin/users/new", data=INVITE)
    link = _invite_link(_invitee())
    token = link.rsplit("/", 1)[1]
    msg = db.session.execute(db.select(Message).filter_by(kind="staff_invite")).scalar_one()
    for url in ("/admin/outbox", "/messaging/outbox", f"/messaging/outbox/{msg.id}"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert token not in resp.get_data(as_text=True), url


def test_installation_admin_invites_into_any_organisation_or_none(app, client, world):
    _login(client, world.admin.email)
    resp = client.post("/admin/users/new", data={**INVITE, "organisation_id": world.org_b.id})
    assert resp.status_code == 302
    assert _invitee().organisation_id == world.org_b.id
    resp = client.post("/admin/users/new", data={
        **INVITE, "email": "root2@example.org", "role": "admin", "organisation_id": ""})
    assert resp.status_code == 302
    root2 = _invitee("root2@example.org")
    assert root2.role == "admin" and root2.organisation_id is None
    # a coordinator works for an organisation
    resp = client.post("/admin/users/new?lang=en", data={
        **INVITE, "email": "lost@example.org", "organisation_id": ""})
    assert resp.status_code == 200
    assert "A coordinator works for an organisation" in resp.get_data(as_text=True)
    assert _invitee("lost@example.org") is None


def test_org_admin_cannot_invite_into_another_organisation(app, client, world):
    _login(client, world.org_admin.email)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert world.org_b.name not in page
    resp = client.post("/admin/users/new", data={**INVITE, "organisation_id": world.org_b.id})
    assert resp.status_code in (200, 404)
    user = _invitee()
    assert user is None or user.organisation_id == world.org_a.id
    # an organisation admin cannot invite an installation-wide admin either
    resp = client.post("/admin/users/new", data={**INVITE, "email": "x@example.org",
                                                 "role": "admin", "organisation_id": ""})
    user = _invitee("x@example.org")
    assert user is None or user.organisation_id == world.org_a.id


def test_org_admin_cannot_see_or_change_other_organisations_users(app, client, world):
    _login(client, world.org_admin.email)
    b = world.coord_b.id
    assert client.get(f"/admin/users/{b}/edit").status_code == 404
    assert client.post(f"/admin/users/{b}/edit", data={"role": "admin"}).status_code == 404
    assert client.post(f"/admin/users/{b}/invitation").status_code == 404
    assert client.get("/admin/users/99999/edit").status_code == 404
    db.session.expire_all()
    assert db.session.get(User, b).role == "coordinator"
    assert world.coord_b.name not in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    _login(client, world.coord_a.email)
    assert client.get(f"/admin/users/{world.coord_a.id}/edit").status_code == 404
    assert client.get("/admin/users/new").status_code == 403


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("email,message", [
    ("not-an-address", "This is not an e-mail address"),
    ("COORD.A@example.org", "An account with this e-mail address exists already"),
    ("coord.b@example.org", "An account with this e-mail address exists already"),
])
def test_bad_or_taken_email_creates_nothing_and_keeps_the_input(app, client, world,
                                                                email, message):
    _login(client, world.org_admin.email)
    users = db.session.execute(db.select(db.func.count(User.id))).scalar()
    resp = client.post("/admin/users/new?lang=en", data={**INVITE, "email": email})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert message in page
    assert 'value="Noor Nieuw"' in page and 'value="071 555 12 34"' in page
    assert f'value="{email}"' in page
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == users
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0
    assert db.session.execute(db.select(
        db.func.count(AuditEntry.id)).filter_by(action="create", object_type="user")).scalar() == 0


def test_missing_name_or_unknown_role_creates_nothing(app, client, world):
    _login(client, world.org_admin.email)
    users = db.session.execute(db.select(db.func.count(User.id))).scalar()
    for data in ({**INVITE, "name": " "}, {**INVITE, "role": "volunteer"},
                 {**INVITE, "phone": "call me"}):
        resp = client.post("/admin/users/new?lang=en", data=data)
        assert resp.status_code == 200
    assert db.session.execute(db.select(db.func.count(User.id))).scalar() == users


# --- roles and programmes ------------------------------------------------------------------

def test_role_change_and_programmes_are_stored_and_audited(app, client, world):
    _login(client, world.org_admin.email)
    a = world.coord_a.id
    page = client.get(f"/admin/users/{a}/edit?lang=en").get_data(as_text=True)
    assert world.prog_a2.name in page and world.prog_b.name not in page
    resp = client.post(f"/admin/users/{a}/edit", data={
        "role": "coordinator", "programmes": [world.prog_a.id, world.prog_a2.id]})
    assert resp.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, a)
    assert {p.id for p in user.programmes} == {world.prog_a.id, world.prog_a2.id}
    assert _entries(a)[-1].fields == ["programmes"]
    assert _entries(a)[-1].user_id == world.org_admin.id

    # a programme of another organisation is refused, nothing changes
    resp = client.post(f"/admin/users/{a}/edit?lang=en", data={
        "role": "coordinator", "programmes": [world.prog_b.id]})
    assert resp.status_code == 200
    db.session.expire_all()
    assert {p.id for p in db.session.get(User, a).programmes} == {world.prog_a.id,
                                                                  world.prog_a2.id}

    resp = client.post(f"/admin/users/{a}/edit", data={"role": "admin"})
    assert resp.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, a)
    assert user.role == "admin" and user.programmes == []  # an admin sees every programme
    assert set(_entries(a)[-1].fields) == {"programmes", "role"}

    listing = client.get("/admin/users?lang=en").get_data(as_text=True)
    row = _row(listing, "Coordinator A")
    assert "Administrator" in row and "coord.a@example.org" in row


def test_admin_cannot_demote_or_deactivate_themselves(app, client, world):
    second = create_user(email="second@example.org", name="Second Admin", role="admin",
                         organisation_name=world.org_a.name, password=PASSWORD,
                         check_password=False)
    _login(client, world.org_admin.email)
    me = world.org_admin.id
    resp = client.post(f"/admin/users/{me}/edit?lang=en", data={"role": "coordinator"})
    assert resp.status_code == 200
    assert "You cannot take away your own administrator role" in resp.get_data(as_text=True)
    client.post(f"/admin/users/{me}/active", data={"active": "0"})
    db.session.expire_all()
    user = db.session.get(User, me)
    assert user.role == "admin" and user.active
    assert not _entries(me)
    # another admin of the organisation can be demoted: one stays
    assert client.post(f"/admin/users/{second.id}/edit",
                       data={"role": "coordinator"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, second.id).role == "coordinator"


def test_last_active_admin_of_an_organisation_cannot_be_demoted(app, client, world):
    _login(client, world.admin.email)  # installation admin
    oa = world.org_admin.id
    resp = client.post(f"/admin/users/{oa}/edit?lang=en", data={"role": "coordinator"})
    assert resp.status_code == 200
    assert "last active administrator" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, oa).role == "admin"
    # …nor deactivated
    resp = client.post(f"/admin/users/{oa}/active?lang=en", data={"active": "0"},
                       follow_redirects=True)
    assert "last active administrator" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, oa).active


def test_deactivate_and_reactivate_are_audited(app, client, world):
    _login(client, world.org_admin.email)
    a = world.coord_a.id
    assert client.post(f"/admin/users/{a}/active", data={"active": "0"}).status_code == 302
    assert client.post(f"/admin/users/{a}/active", data={"active": "1"}).status_code == 302
    assert [e.fields for e in _entries(a)] == [["active"], ["active"]]


# --- the list ------------------------------------------------------------------------------

def test_users_list_shows_email_last_login_role_programmes_and_status(app, client, world):
    other = app.test_client()
    _login(other, world.coord_a.email)
    db.session.expire_all()
    assert db.session.get(User, world.coord_a.id).last_login_at is not None
    _login(client, world.org_admin.email)
    client.post("/admin/users/new", data=INVITE)
    client.post(f"/admin/users/{world.coord_a.id}/active", data={"active": "0"})
    listing = client.get("/admin/users?lang=en").get_data(as_text=True)
    row = _row(listing, "Coordinator A")
    assert "coord.a@example.org" in row and "Coordinator" in row
    assert world.prog_a.name in row and "Deactivated" in row
    assert re.search(r"\d{1,2}:\d{2}", row) and "Never" not in row  # date and time of the login
    row = _row(listing, "Noor Nieuw")
    assert "Invited" in row and "Never" in row
    # search still works (name substring, exact e-mail), and a page past the end is 404
    found = client.get("/admin/users?q=nieuw@example.org").get_data(as_text=True)
    assert "Noor Nieuw" in found and "Coordinator A" not in found
    assert client.get("/admin/users?page=50").status_code == 404


# --- races ---------------------------------------------------------------------------------

@pytest.mark.parametrize("race_app", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_twenty_simultaneous_demotions_leave_an_admin(race_app):
    """Twenty admins of one organisation, demoted at the same moment by the installation
    admin (20 threads): all but one are demoted, the organisation keeps an active admin,
    and no request fails."""
    from tests.factories import build_world
    from tests.web.test_auth_races import _no_errors, _together
    world = build_world()
    admins = [world.org_admin.id] + [
        create_user(email=f"admin{i}@example.org", name=f"Admin {i}", role="admin",
                    organisation_name=world.org_a.name, password=PASSWORD,
                    check_password=False).id for i in range(19)]
    clients = []
    for _ in admins:
        client = race_app.test_client()
        _login(client, world.admin.email)
        clients.append(client)
    targets = iter(admins)
    jobs = [(client, next(targets)) for client in clients]

    results = _together(race_app, jobs, lambda job: job[0].post(
        f"/admin/users/{job[1]}/edit", data={"role": "coordinator"}))
    _no_errors(results)
    assert sorted(r.status_code for r in results) == [200] + [302] * 19
    db.session.expire_all()
    left = db.session.execute(db.select(User.id).filter_by(
        organisation_id=world.org_a.id, role="admin", active=True)).scalars().all()
    assert len(left) == 1
    assert len(db.session.execute(db.select(AuditEntry).filter_by(
        object_type="user", action="update")).scalars().all()) == 19


@pytest.mark.parametrize("race_app", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_twenty_simultaneous_invitations_of_one_address_make_one_account(race_app):
    """A double (here: twentyfold) submit of the invitation form: one account, one e-mail;
    the other requests say the address has an account, none fails."""
    from tests.factories import build_world
    from tests.web.test_auth_races import _no_errors, _together
    world = build_world()
    clients = []
    for _ in range(20):
        client = race_app.test_client()
        _login(client, world.org_admin.email)
        clients.append(client)
    results = _together(race_app, clients,
                        lambda client: client.post("/admin/users/new?lang=en", data=INVITE))
    _no_errors(results)
    assert sorted(r.status_code for r in results) == [200] * 19 + [302]
    assert all("exists already" in r.get_data(as_text=True)
               for r in results if r.status_code == 200)
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(User.id)).where(
        User.email_index == _invitee().email_index)).scalar() == 1
    assert db.session.execute(db.select(db.func.count(Message.id)).filter_by(
        kind="staff_invite")).scalar() == 1
