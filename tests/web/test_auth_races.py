"""Races on one-time things, with real threads started together (``threading.Barrier``) on
SQLite and on PostgreSQL: a TOTP code and a recovery code log in once, a burst of "send me a
new link" clicks sends one confirmation mail, and an import is stored once however often its
confirmation is posted."""
from __future__ import annotations

import re
import shutil
import threading
import traceback
from datetime import timedelta

import pyotp
import pytest

from tests.factories import PASSWORD, build_world, make_user
from tests.web.test_volunteers_import import GOOD, _csv, _upload
from webapp.auth.totp import current_step, enable, new_secret
from webapp.extensions import db
from webapp.models import Message, User, UserSession, Volunteer
from webapp.models.base import utcnow

BACKENDS = pytest.mark.parametrize("race_app", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def race_app(request, tmp_path):
    """An app on a migrated SQLite or PostgreSQL database, without rate limits: every one of
    the simultaneous requests reaches the code under test (and the in-memory store of
    ``limits`` has a thread race of its own when it restarts its expiry timer)."""
    from flask_migrate import upgrade

    from tests.conftest import make_app
    if request.param == "sqlite":
        db_file = tmp_path / "koppel.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), db_file)
        app = make_app(tmp_path, f"sqlite:///{db_file}", RATELIMIT_ENABLED=False)
    else:
        app = make_app(tmp_path, request.getfixturevalue("pg_url"), RATELIMIT_ENABLED=False)
    with app.app_context():
        if request.param != "sqlite":
            upgrade(revision="heads")
        yield app
        db.session.remove()
        db.engine.dispose()


def _together(app, clients, work) -> list:
    """Run ``work(client)`` for every client in its own thread, all released at once;
    returns each outcome (or the exception it raised)."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def run(i, client):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(client)
            except Exception as exc:  # a 500 under TESTING propagates: record it
                results[i] = exc
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def _no_errors(results) -> None:
    errors = [r for r in results if isinstance(r, Exception)
              or getattr(r, "status_code", 200) >= 500]
    assert errors == [], "".join(traceback.format_exception(errors[0])) \
        if isinstance(errors[0], Exception) else errors


def _staff_with_totp(world):
    """coord_a with two-step login on; returns (secret, recovery codes)."""
    secret = new_secret()
    user = db.session.get(User, world.coord_a.id)
    codes = enable(user, secret, current_step() - 10)
    db.session.commit()
    return secret, codes


def _halfway_logged_in(app, email: str, n: int) -> list:
    """``n`` browsers that gave the right password and now wait for the second factor."""
    clients = []
    for _i in range(n):
        client = app.test_client()
        resp = client.post("/login", data={"email": email, "password": PASSWORD})
        assert resp.headers["Location"].endswith("/login/code")
        clients.append(client)
    return clients


def _logged_in(resp) -> bool:
    return resp.status_code == 302 and "/login" not in resp.headers["Location"]


def _recovery_codes_left(user_id: int) -> int:
    db.session.expire_all()
    return len(db.session.get(User, user_id).recovery_codes)


def _sessions(user_id: int) -> int:
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count(UserSession.id))
                              .filter_by(user_id=user_id)).scalar()


# --- TOTP and recovery codes ---------------------------------------------------------------

@BACKENDS
@pytest.mark.parametrize("n", [2, 20])
def test_same_totp_code_in_parallel_logs_in_once(race_app, n):
    world = build_world()
    secret, _codes = _staff_with_totp(world)
    clients = _halfway_logged_in(race_app, world.coord_a.email, n)
    code = pyotp.TOTP(secret, interval=30).now()
    results = _together(race_app, clients,
                        lambda c: c.post("/login/code", data={"code": code}))
    _no_errors(results)
    assert sum(_logged_in(r) for r in results) == 1
    assert _sessions(world.coord_a.id) == 1
    assert all(r.status_code in (200, 302) for r in results)


@BACKENDS
def test_same_recovery_code_in_parallel_logs_in_once(race_app):
    world = build_world()
    _secret, codes = _staff_with_totp(world)
    clients = _halfway_logged_in(race_app, world.coord_a.email, 10)
    results = _together(race_app, clients,
                        lambda c: c.post("/login/code", data={"code": codes[0]}))
    _no_errors(results)
    assert sum(_logged_in(r) for r in results) == 1
    assert _sessions(world.coord_a.id) == 1
    assert _recovery_codes_left(world.coord_a.id) == 9


@BACKENDS
def test_different_recovery_codes_in_parallel_are_all_struck_off(race_app):
    """Five codes used at the same moment: each logs in once and none comes back (no lost
    update of the stored list)."""
    world = build_world()
    _secret, codes = _staff_with_totp(world)
    clients = _halfway_logged_in(race_app, world.coord_a.email, 5)
    used = dict(zip(map(id, clients), codes[:5]))
    results = _together(race_app, clients,
                        lambda c: c.post("/login/code", data={"code": used[id(c)]}))
    _no_errors(results)
    assert sum(_logged_in(r) for r in results) == 5
    assert _recovery_codes_left(world.coord_a.id) == 5
    # none of the five works again
    for client, code in zip(_halfway_logged_in(race_app, world.coord_a.email, 5), codes[:5]):
        assert client.post("/login/code", data={"code": code}).status_code == 200


def test_code_used_on_the_security_page_stays_used(app, world):
    """The step taken by the compare-and-set is the one the page's later writes keep (new
    recovery codes must not put the previous step back)."""
    secret, _codes = _staff_with_totp(world)
    client = _halfway_logged_in(app, world.coord_a.email, 1)[0]
    step = current_step()
    totp = pyotp.TOTP(secret, interval=30)
    assert _logged_in(client.post("/login/code", data={"code": totp.at((step - 1) * 30)}))
    now = totp.at(step * 30)
    resp = client.post("/account/two-factor/recovery-codes",
                       data={"password": PASSWORD, "code": now})
    assert resp.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, world.coord_a.id).totp_last_step == step
    again = _halfway_logged_in(app, world.coord_a.email, 1)[0]
    assert again.post("/login/code", data={"code": now}).status_code == 200


# --- resending the confirmation link -------------------------------------------------------

def _unconfirmed_volunteer():
    user = make_user("new.volunteer@example.org", name="New Volunteer")
    user.email_confirmed_at = None
    db.session.commit()
    return user


def _confirm_mails(user_id: int) -> int:
    return db.session.execute(db.select(db.func.count(Message.id)).filter_by(
        kind="confirm_email", user_id=user_id)).scalar()


def _logged_in_clients(app, email: str, n: int) -> list:
    clients = []
    for _i in range(n):
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}) \
            .status_code == 302
        clients.append(client)
    return clients


@BACKENDS
def test_burst_of_resend_clicks_sends_one_mail(race_app):
    build_world()
    user = _unconfirmed_volunteer()
    clients = _logged_in_clients(race_app, user.email, 20)
    results = _together(race_app, clients, lambda c: c.post("/register/resend?lang=en"))
    _no_errors(results)
    assert all(r.status_code == 302 for r in results)
    assert _confirm_mails(user.id) == 1


@BACKENDS
def test_double_submitted_registration_makes_one_account_and_one_mail(race_app):
    from tests.web.test_volunteers import registration_data
    world = build_world()
    data = registration_data(programmes=[str(world.prog_a.id)])
    clients = [race_app.test_client() for _i in range(20)]
    results = _together(race_app, clients, lambda c: c.post("/register", data=data))
    _no_errors(results)
    assert all(r.status_code == 302 for r in results)
    user = User.by_email("amal@example.org")
    assert db.session.execute(db.select(db.func.count(Volunteer.id))
                              .filter_by(user_id=user.id)).scalar() == 1
    assert _confirm_mails(user.id) == 1


def test_resend_again_after_a_while_sends_a_new_link(app):
    build_world()
    user = _unconfirmed_volunteer()
    client = _logged_in_clients(app, user.email, 1)[0]
    first = client.post("/register/resend?lang=en", follow_redirects=True)
    assert "We have sent you a new link." in first.get_data(as_text=True)
    again = client.post("/register/resend?lang=en", follow_redirects=True)
    assert again.status_code == 200 and "a moment ago" in again.get_data(as_text=True)
    assert _confirm_mails(user.id) == 1
    db.session.get(User, user.id).confirmation_sent_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    client.post("/register/resend?lang=en")
    assert _confirm_mails(user.id) == 2


# --- confirming an import ------------------------------------------------------------------

def _preview_key(client, programme_id: int) -> str:
    resp = _upload(client, _csv(*GOOD), programme_id)
    assert resp.status_code == 200
    return re.search(r'action="/volunteers/import/([^"]+)"',
                     resp.get_data(as_text=True)).group(1)


def _volunteers() -> int:
    return db.session.execute(db.select(db.func.count(Volunteer.id))).scalar()


@BACKENDS
def test_parallel_import_confirmations_store_once(race_app):
    world = build_world()
    clients = _logged_in_clients(race_app, world.coord_a.email, 20)
    key = _preview_key(clients[0], world.prog_a.id)

    def confirm(client):
        resp = client.post(f"/volunteers/import/{key}?lang=en")
        page = client.get(resp.headers["Location"]).get_data(as_text=True) \
            if resp.status_code == 302 else resp.get_data(as_text=True)
        return resp, page
    results = _together(race_app, clients, confirm)
    _no_errors([r if isinstance(r, Exception) else r[0] for r in results])
    pages = [page for _resp, page in results]
    assert sum("2 volunteers imported" in p for p in pages) == 1
    assert sum("This import was already confirmed." in p for p in pages) == 19
    assert _volunteers() == 2


def test_second_import_confirmation_says_it_was_confirmed(client, world, login):
    login(world.coord_a.email)
    key = _preview_key(client, world.prog_a.id)
    assert client.post(f"/volunteers/import/{key}").status_code == 302
    resp = client.post(f"/volunteers/import/{key}?lang=en", follow_redirects=True)
    assert resp.status_code == 200
    assert "This import was already confirmed." in resp.get_data(as_text=True)
    assert _volunteers() == 2
