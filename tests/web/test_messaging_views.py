"""The coordinator's outbox: status per message, access, resend on purpose, letters."""
# Fixtures are imported from tests/web/messaging_support.py (no shared conftest edits).
# ruff: noqa: F811
from __future__ import annotations

import re

from tests.web.messaging_support import intro_context, messaging_app, smtp_server  # noqa: F401
from webapp.extensions import db
from webapp.messaging.intro import prepare_introduction, send_prepared
from webapp.models import Message


def _send(world, **overrides):
    rows = send_prepared(prepare_introduction(intro_context(world, **overrides)),
                         created_by=world.coord_a.id)
    db.session.commit()
    return [r.id for r in rows]


def _client(app, user, world):
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": world.password})
    return client


def test_outbox_shows_status_and_reason(messaging_app, world, smtp_server):
    smtp_server.data_replies = ["550 5.7.1 Rejected"]
    _send(world)
    html = _client(messaging_app, world.coord_a, world).get("/messaging/outbox").get_data(
        as_text=True)
    assert "Failed" in html or "Mislukt" in html
    assert "550" in html


def test_outbox_is_per_programme_and_staff_only(messaging_app, world):
    family_id, _vol = _send(world)
    assert _client(messaging_app, world.coord_a, world).get(
        f"/messaging/outbox/{family_id}").status_code == 200
    assert _client(messaging_app, world.coord_b, world).get(
        f"/messaging/outbox/{family_id}").status_code == 404
    assert family_id not in [int(x) for x in re.findall(
        r"/messaging/outbox/(\d+)", _client(messaging_app, world.coord_b, world).get(
            "/messaging/outbox").get_data(as_text=True))]
    assert _client(messaging_app, world.volunteer, world).get(
        "/messaging/outbox").status_code == 403


def test_resend_on_purpose_needs_confirmation(messaging_app, world, smtp_server):
    family_id, _vol = _send(world)
    client = _client(messaging_app, world.coord_a, world)
    confirm = client.get(f"/messaging/outbox/{family_id}/resend")
    assert confirm.status_code == 200 and b"<form method=\"post\"" in confirm.data
    assert len(smtp_server.received) == 2  # nothing sent by looking at the question
    done = client.post(f"/messaging/outbox/{family_id}/resend")
    assert done.status_code == 302
    copy = db.session.execute(db.select(Message).filter_by(resend_of_id=family_id)).scalar_one()
    assert copy.status == "sent" and len(smtp_server.received) == 3


def test_letter_is_printable_rtl_with_dutch_back_and_no_inline_code(messaging_app, world):
    family_id, _vol = _send(world, family_channel="letter", family_contact=None)
    client = _client(messaging_app, world.coord_a, world)
    detail = client.get(f"/messaging/outbox/{family_id}").get_data(as_text=True)
    assert "letter" in detail
    page = client.get(f"/messaging/outbox/{family_id}/letter")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<section class="letter-page" lang="ar" dir="rtl"', html)
    assert re.search(r'<section class="letter-page letter-helper" lang="nl" dir="ltr"', html)
    assert "css/print.css" in html and "css/fonts.css" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    # handed over by the coordinator
    client.post(f"/messaging/outbox/{family_id}/handed-over")
    assert db.session.get(Message, family_id).status == "sent"


def test_whatsapp_link_is_a_link_not_a_request(messaging_app, world):
    family_id, _vol = _send(world, family_channel="whatsapp", family_contact="+31 6 1234 5678",
                            family_language="nl")
    html = _client(messaging_app, world.coord_a, world).get(
        f"/messaging/outbox/{family_id}").get_data(as_text=True)
    assert 'href="https://wa.me/31612345678?text=' in html
    assert 'rel="noopener noreferrer"' in html
    assert db.session.get(Message, family_id).status == "manual"


def test_messaging_migration_and_delivery_on_postgresql(pg_app):
    import sqlalchemy as sa

    from tests.factories import build_world
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"message_template", "delivery_attempt"} <= tables
    world = build_world()
    from webapp.messaging import bp
    if "messaging" not in pg_app.blueprints:
        pg_app.register_blueprint(bp, url_prefix="/messaging")
    family_id, _vol = _send(world)
    msg = db.session.get(Message, family_id)
    assert msg.status == "local" and msg.attempts_log[0].outcome == "local"
