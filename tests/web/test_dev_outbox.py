"""The admin's local outbox in development (issue 14): without MAIL_SERVER, ``make run`` keeps
every e-mail in the local outbox. There, and only in development, the installation admin sees
the e-mails that carry login links (confirmation, password reset, invitation) with their links,
so a self-registration can be finished locally. In production (and in tests, and with a mail
server) their text is never shown."""
from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest

from tests.conftest import make_app
from webapp.extensions import db
from webapp.models import Message, User

PASSWORD = "correct horse battery"
NOTICE = "only in development"


def registration_data(**overrides) -> dict:
    data = {
        "name": "Amal Yusuf", "email": "amal@example.org",
        "password": "blue kettle river song", "confirm": "blue kettle river song",
        "phone": "0612345678", "birth_year": "1988", "gender": "f", "postcode": "2312 ab",
        "travel_km": "7", "dutch_level": "B2",
        "languages-0-code": "ar", "languages-0-level": "native",
        "languages-1-code": "", "languages-1-level": "",
        "languages-2-code": "", "languages-2-level": "",
        "refugee_background": "no", "religion": "", "parenting_experience": ["0-3"],
        "occupation": "teacher", "dagdelen": ["mon_am"], "max_families": "1",
        "hours_per_week": "3", "themes": ["school"], "motivation": "Helping.",
        "consent": "y",
    }
    data.update(overrides)
    return data


@pytest.fixture
def mode_app(tmp_path, migrated_sqlite, request):
    """An app as ``make run`` (development) or production starts it, no mail server unless
    the parameter says so; jobs run in the request (no thread) so the test sees them."""
    mode, mail_server = request.param
    db_file = tmp_path / "koppel.sqlite3"
    shutil.copy(migrated_sqlite, db_file)
    overrides = {"TESTING": False, "KOPPEL_ENV": mode, "MAIL_SERVER": mail_server,
                 "JOBS_INLINE_THREAD": False, "RATELIMIT_ENABLED": False,
                 "KOPPEL_BASE_URL": "http://koppel.test" if mode == "production" else None,
                 "SESSION_COOKIE_SECURE": False}
    app = make_app(tmp_path, f"sqlite:///{db_file}", **overrides)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _admin_client(app):
    from tests.factories import build_world
    world = build_world()
    client = app.test_client()
    resp = client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    assert resp.status_code == 302
    return world, client


def _hidden_messages(world):
    """One message of each hidden kind, as the outbox keeps them without a mail server."""
    from webapp.messaging.labels import HIDDEN_KINDS
    volunteer = world.volunteer
    for kind in sorted(HIDDEN_KINDS):
        db.session.add(Message(idempotency_key=uuid.uuid4().hex, kind=kind, channel="email",
                               recipient=volunteer.email, subject=f"Subject {kind}",
                               body_text=f"Open http://koppel.test/secret-{kind} to continue",
                               status="local", user_id=volunteer.id, party_type="user",
                               party_id=volunteer.id))
    db.session.commit()
    return sorted(HIDDEN_KINDS)


@pytest.mark.parametrize("mode_app", [("development", None)], indirect=True)
def test_development_without_mail_server_shows_login_links(mode_app):
    world, client = _admin_client(mode_app)
    kinds = _hidden_messages(world)
    html = client.get("/admin/outbox?lang=en").get_data(as_text=True)
    for kind in kinds:
        assert f"http://koppel.test/secret-{kind}" in html
    assert NOTICE in html
    assert "The text of this message contains a login link and is not shown." not in html


@pytest.mark.parametrize("mode_app", [("production", None), ("development", "smtp.example.org")],
                         indirect=True)
def test_production_or_a_mail_server_never_shows_login_links(mode_app):
    world, client = _admin_client(mode_app)
    kinds = _hidden_messages(world)
    html = client.get("/admin/outbox?lang=en").get_data(as_text=True)
    for kind in kinds:
        assert f"secret-{kind}" not in html
    assert "The text of this message contains a login link and is not shown." in html
    assert NOTICE not in html


def test_tests_never_show_login_links(app, client):
    from tests.factories import build_world
    world = build_world()
    client.post("/login", data={"email": world.admin.email, "password": PASSWORD})
    kinds = _hidden_messages(world)
    html = client.get("/admin/outbox?lang=en").get_data(as_text=True)
    for kind in kinds:
        assert f"secret-{kind}" not in html


@pytest.mark.parametrize("mode_app", [("development", None)], indirect=True)
def test_self_registration_can_be_finished_on_make_run(mode_app):
    """As README promises: register, find the link in the admin's outbox, confirm, log in."""
    world, admin = _admin_client(mode_app)
    visitor = mode_app.test_client()
    resp = visitor.post("/register?lang=en", data=registration_data(
        programmes=[str(world.prog_a.id)]))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    sent = visitor.get(resp.headers["Location"]).get_data(as_text=True)
    assert "outbox" in sent  # the page says where the e-mail is in development
    html = admin.get("/admin/outbox?lang=en").get_data(as_text=True)
    link = re.search(r"http://koppel\.test(/register/confirm/[^\s<\"]+)", html)
    assert link, "the confirmation link is shown in the development outbox"
    visitor.get(link.group(1))
    assert User.by_email("amal@example.org").email_confirmed_at is not None
    resp = visitor.post("/login", data={"email": "amal@example.org",
                                        "password": "blue kettle river song"})
    assert resp.status_code == 302
    assert visitor.get("/me/training").status_code == 200


@pytest.mark.parametrize("mode_app", [("production", None)], indirect=True)
def test_production_register_page_does_not_point_to_the_outbox(mode_app):
    from tests.factories import build_world
    build_world()
    html = mode_app.test_client().get("/register/sent?lang=en").get_data(as_text=True)
    assert "outbox" not in html


def test_hidden_kinds_are_defined_once():
    """One list of the kinds whose text carries a login link (webapp.messaging.labels)."""
    root = Path(__file__).resolve().parents[2] / "webapp"
    definitions = [str(p.relative_to(root)) for p in root.rglob("*.py")
                   if re.search(r"^HIDDEN_KINDS\s*=", p.read_text(encoding="utf-8"), re.M)]
    assert definitions == ["messaging/labels.py"]
    from webapp.admin import routes
    from webapp.messaging import labels
    from webapp.privacy import export
    assert routes.HIDDEN_KINDS is labels.HIDDEN_KINDS
    assert export.HIDDEN_KINDS is labels.HIDDEN_KINDS
