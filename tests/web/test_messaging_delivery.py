"""Delivery through real transports on loopback: SMTP (aiosmtpd) and an HTTP SMS gateway.
Retries, permanent failures, at-most-once after a killed worker, consent, header safety."""
# Fixtures are imported from tests/web/messaging_support.py (no shared conftest edits).
# ruff: noqa: F811
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.web.messaging_support import (  # noqa: F401  (fixtures)
    guards,
    intro_context,
    messaging_app,
    sms_gateway_server,
    smtp_server,
)
from webapp.extensions import db
from webapp.messaging import delivery
from webapp.messaging.channels import RLM
from webapp.messaging.intro import CannotSend, prepare_introduction, send_prepared
from webapp.models import DeliveryAttempt, Message

ROOT = Path(__file__).resolve().parents[2]


def _send(world, **overrides) -> list[Message]:
    prepared = prepare_introduction(intro_context(world, **overrides))
    assert prepared.ok, prepared.problems
    rows = send_prepared(prepared, created_by=world.coord_a.id)
    db.session.commit()  # delivery is dispatched after the commit (in-process in tests)
    return rows


def _fresh(msg_id) -> Message:
    db.session.expire_all()
    return db.session.get(Message, msg_id)


def _outcomes(msg_id) -> list[str]:
    return [a.outcome for a in db.session.execute(db.select(DeliveryAttempt).filter_by(
        message_id=msg_id).order_by(DeliveryAttempt.number)).scalars()]


def test_email_arrives_multipart_with_language_direction_and_subject(messaging_app, world,
                                                                      smtp_server):
    family, volunteer = _send(world)
    assert _fresh(family.id).status == "sent" and _fresh(volunteer.id).status == "sent"
    assert len(smtp_server.received) == 2
    by_to = {env.rcpt_tos[0]: i for i, env in enumerate(smtp_server.received)}
    mime = smtp_server.parsed(by_to["amina@example.net"])
    assert mime["Content-Language"] == "ar"
    assert mime["Subject"] == "تعارف مع Sara من Home-Start Leiden"
    assert mime["Message-ID"] == f"<{_fresh(family.id).idempotency_key}@koppel.local>"
    assert mime.get_content_type() == "multipart/alternative"
    text = mime.get_body(("plain",)).get_content()
    html = mime.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and 'lang="ar"' in html and "Sara" in html
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and all(line.startswith(RLM) for line in lines)  # RTL in the text part too
    assert "Els de Vries" in text and "opvoedsteun" not in text
    vol = smtp_server.parsed(by_to["sara@example.org"])
    assert vol["Content-Language"] == "nl"
    assert 'dir="ltr"' in vol.get_body(("html",)).get_content()
    assert "Kooilaan" not in vol.get_body(("plain",)).get_content()  # address not confirmed
    assert _outcomes(family.id) == ["sent"]


def test_volunteer_gets_the_address_only_once_the_first_visit_is_confirmed(messaging_app, world,
                                                                           smtp_server):
    _send(world, address_confirmed=True)
    texts = [smtp_server.parsed(i).get_body(("plain",)).get_content() for i in range(2)]
    assert sum("Kooilaan 1" in t for t in texts) == 1


def test_451_then_250_is_retried_with_backoff_and_delivered_once(messaging_app, world,
                                                                 smtp_server):
    messaging_app.config.update(MESSAGING_RETRY_BASE_SECONDS=2, MESSAGING_RETRY_MAX_SECONDS=2)
    smtp_server.data_replies = ["451 4.3.0 Try again later"]  # the first DATA only
    family, volunteer = _send(world)
    first = _fresh(family.id)
    assert first.status == "retrying" and first.next_attempt_at is not None
    assert "451" in first.last_error and _fresh(volunteer.id).status == "sent"
    assert delivery.deliver(first.id) == "retrying"  # not due yet: nothing happens
    assert delivery.deliver_due() == 0
    first.next_attempt_at = first.next_attempt_at - timedelta(seconds=2)  # time passes
    db.session.commit()
    assert delivery.deliver_due() == 1
    first = _fresh(first.id)
    assert first.status == "sent" and first.attempts == 2
    assert _outcomes(first.id) == ["temporary", "sent"]
    assert len(smtp_server.received) == 2  # each of the two messages exactly once
    assert delivery.deliver_due() == 0 and len(smtp_server.received) == 2


def test_550_is_permanent_and_never_tried_again(messaging_app, world, smtp_server):
    smtp_server.data_replies = ["550 5.7.1 Rejected"]
    rows = _send(world)
    failed = [m for m in (_fresh(r.id) for r in rows) if m.status == "failed"]
    assert len(failed) == 1 and "550" in failed[0].last_error
    time.sleep(0.1)
    assert delivery.deliver_due() == 0
    assert _fresh(failed[0].id).attempts == 1 and _outcomes(failed[0].id) == ["permanent"]
    assert len(smtp_server.received) == 1 and smtp_server.data_calls == 2


def test_unknown_recipient_550_at_rcpt_is_permanent(messaging_app, world, smtp_server):
    smtp_server.rcpt_replies = ["550 5.1.1 No such user"]
    rows = _send(world)
    assert sorted(_fresh(r.id).status for r in rows) == ["failed", "sent"]


def test_connection_refused_is_temporary_and_gives_up_after_max_attempts(messaging_app, world):
    from tests.web.messaging_support import free_port
    messaging_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(),
                                MESSAGING_MAX_ATTEMPTS=3)
    family, _vol = _send(world)
    assert _fresh(family.id).status == "retrying"
    for _i in range(2):
        time.sleep(0.25)
        delivery.deliver_due()
    msg = _fresh(family.id)
    assert msg.status == "failed" and msg.attempts == 3
    assert _outcomes(family.id) == ["temporary"] * 3


CRASHING_WORKER = r"""
import json, os, signal, sys
sys.path.insert(0, os.getcwd())
from webapp import create_app
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    from webapp.messaging import delivery
    # The transport has accepted the message; the worker dies before recording it.
    delivery.after_transport_hook = lambda msg: os.kill(os.getpid(), signal.SIGKILL)
    delivery.deliver(int(sys.argv[2]))
print("not reached")
"""


def test_worker_killed_between_send_and_record_never_sends_twice(messaging_app, world,
                                                                 smtp_server):
    # A queued message, written without dispatch (as if the web process had just committed).
    from tests.factories import make_family
    family = make_family(world.prog_a, world.coord_a)
    msg = Message(kind="family_intro", channel="email", recipient="amina@example.net",
                  language="ar", subject="تعارف", body_text=RLM + "مرحبا", status="queued",
                  party_type="family", party_id=family.id)
    db.session.add(msg)
    db.session.commit()
    cfg = {k: messaging_app.config[k] for k in (
        "TESTING", "SECRET_KEY", "ENCRYPTION_KEYS", "INDEX_KEY", "SQLALCHEMY_DATABASE_URI",
        "REDIS_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT", "MAIL_DEFAULT_SENDER",
        "SERVER_NAME", "RATELIMIT_STORAGE_URI")}
    cfg["INSTANCE_PATH"] = messaging_app.instance_path
    proc = subprocess.run([sys.executable, "-c", CRASHING_WORKER, json.dumps(cfg), str(msg.id)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert len(smtp_server.received) == 1  # it went out …
    left = _fresh(msg.id)
    assert left.status == "sending" and _outcomes(msg.id) == ["started"]  # … unrecorded

    # A second delivery run (a restarted worker, the sweep) must not send it again.
    assert delivery.deliver(msg.id) == "sending"
    delivery.deliver_due()
    assert len(smtp_server.received) == 1
    # Once the lease has run out, reconciliation says so plainly; still no second send.
    messaging_app.config["MESSAGING_SENDING_LEASE_SECONDS"] = 0
    time.sleep(0.01)
    delivery.deliver_due()
    settled = _fresh(msg.id)
    assert settled.status == "uncertain" and _outcomes(msg.id) == ["uncertain"]
    assert delivery.deliver(msg.id) == "uncertain" and len(smtp_server.received) == 1
    # Resending on purpose is a new message with a new key.
    copy = delivery.resend(settled, world.coord_a.id)
    db.session.commit()
    assert _fresh(copy.id).status == "sent" and copy.idempotency_key != settled.idempotency_key
    assert len(smtp_server.received) == 2


def test_two_workers_cannot_claim_the_same_message(messaging_app, world, smtp_server):
    msg = Message(kind="x", channel="email", recipient="a@example.net", language="nl",
                  subject="s", body_text="t", status="queued")
    db.session.add(msg)
    db.session.commit()
    assert delivery._claim(msg.id) is True
    db.session.commit()
    assert delivery._claim(msg.id) is False


def test_consent_withdrawn_cancels_queued_messages(messaging_app, world, smtp_server):
    from tests.factories import make_family
    family = make_family(world.prog_a, world.coord_a)
    msg = Message(kind="family_intro", channel="email", recipient="amina@example.net",
                  language="ar", subject="s", body_text="t", status="queued",
                  party_type="family", party_id=family.id)
    db.session.add(msg)
    db.session.commit()
    # withdrawn behind the back of the outbox (no cancel_for): the guard still stops it
    family.consents[-1].withdrawn_at = family.consents[-1].recorded_at
    db.session.commit()
    assert delivery.deliver(msg.id) == "cancelled"
    assert _outcomes(msg.id) == ["cancelled"] and smtp_server.received == []
    # and nothing new can be written for that family
    with pytest.raises(CannotSend):
        send_prepared(prepare_introduction(intro_context(world, family_id=family.id)))
    db.session.rollback()


def test_withdrawing_consent_cancels_what_is_waiting(messaging_app, world):
    from webapp.families.services import withdraw_consent
    from webapp.models.families import Family
    rows = _send(world, family_channel="letter", family_contact=None)
    family = db.session.get(Family, rows[0].party_id)
    withdraw_consent(family, world.coord_a)
    assert _fresh(rows[0].id).status == "cancelled"


def test_cancel_for_cancels_everything_not_yet_out(messaging_app, world):
    from webapp.messaging.outbox import cancel_for
    rows = _send(world, family_channel="letter", family_contact=None)
    assert _fresh(rows[0].id).status == "manual"
    assert cancel_for("family", rows[0].party_id, "consent withdrawn") == 1
    db.session.commit()
    assert _fresh(rows[0].id).status == "cancelled"


def test_header_injection_through_names_is_impossible(messaging_app, world, smtp_server):
    evil = "Sara\r\nBcc: victim@evil.example\r\nX-Evil: 1"
    _send(world, volunteer_first_name=evil, parent_first_name="Amina\nCc: x@evil.example",
          family_language="nl")
    assert len(smtp_server.received) == 2
    for i, env in enumerate(smtp_server.received):
        assert len(env.rcpt_tos) == 1 and "evil" not in env.rcpt_tos[0]
        mime = smtp_server.parsed(i)
        assert mime["Bcc"] is None and mime["Cc"] is None and mime["X-Evil"] is None
        assert "\n" not in str(mime["Subject"]) and "\n" not in str(mime["To"])


def test_injected_recipient_address_is_refused_before_anything_is_written(messaging_app, world):
    prepared = prepare_introduction(intro_context(
        world, family_contact="amina@example.net\r\nBcc: victim@evil.example"))
    assert not prepared.ok and "letter" in prepared.family.problems[0]
    with pytest.raises(CannotSend):
        send_prepared(prepared)
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0


@pytest.mark.parametrize("channel", ["email", "sms", "whatsapp"])
def test_missing_contact_detail_blocks_sending_and_suggests_a_letter(messaging_app, world,
                                                                     channel):
    prepared = prepare_introduction(intro_context(world, family_channel=channel,
                                                  family_contact=""))
    assert not prepared.ok
    assert "printed letter" in prepared.family.problems[0]
    with pytest.raises(CannotSend):
        send_prepared(prepared)
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0
    letter = prepare_introduction(intro_context(world, family_channel="letter",
                                                family_contact=""))
    assert letter.ok


def test_sms_through_http_gateway_retries_then_sends_with_idempotency_key(
        messaging_app, world, sms_gateway_server):
    sms_gateway_server.statuses = [503]
    family, _vol = _send(world, family_channel="sms", family_contact="06 1234 5678")
    assert _fresh(family.id).status == "retrying"
    time.sleep(0.1)
    delivery.deliver_due()
    msg = _fresh(family.id)
    assert msg.status == "sent" and msg.provider_ref == "gw-2"
    keys = {r["headers"]["Idempotency-Key"] for r in sms_gateway_server.requests}
    assert keys == {msg.idempotency_key}
    sent = sms_gateway_server.requests[-1]["json"]
    assert sent["to"] == "+31612345678"
    assert all(line.startswith(RLM) for line in sent["text"].splitlines() if line)


def test_sms_gateway_4xx_is_permanent(messaging_app, world, sms_gateway_server):
    sms_gateway_server.statuses = [400]
    family, _vol = _send(world, family_channel="sms", family_contact="+31 6 1234 5678")
    assert _fresh(family.id).status == "failed"


def test_sms_gateway_message_left_sending_is_retried_safely(messaging_app, world,
                                                            sms_gateway_server):
    msg = Message(kind="family_intro", channel="sms", recipient="+31612345678", language="nl",
                  subject="s", body_text="t", status="sending", attempts=1,
                  sending_started_at=db.func.datetime("now", "-1 hour"))
    db.session.add(msg)
    db.session.commit()
    db.session.add(DeliveryAttempt(message_id=msg.id, number=1, transport="sms-http"))
    db.session.commit()
    delivery.deliver_due()
    assert _fresh(msg.id).status == "sent"  # the gateway drops duplicates by our key
    assert _outcomes(msg.id) == ["temporary", "sent"]


def test_development_sms_gateway_only_records(messaging_app, world):
    from webapp.messaging.gateways import DevSmsGateway
    family, _vol = _send(world, family_channel="sms", family_contact="0612345678")
    assert _fresh(family.id).status == "local"
    assert DevSmsGateway.sent[-1]["phone"] == "31612345678"


def test_without_mail_server_messages_stay_in_the_local_outbox(messaging_app, world):
    family, volunteer = _send(world)
    assert _fresh(family.id).status == "local" and _fresh(volunteer.id).status == "local"
    assert _outcomes(family.id) == ["local"]


def test_rollback_of_the_callers_transaction_sends_nothing(messaging_app, world, smtp_server):
    prepared = prepare_introduction(intro_context(world))
    send_prepared(prepared)
    db.session.rollback()  # e.g. marking the match introduced failed
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0
    db.session.commit()
    assert smtp_server.received == []


def test_a_message_committed_but_never_dispatched_is_found_by_the_sweep(messaging_app, world,
                                                                        smtp_server):
    msg = Message(kind="x", channel="email", recipient="a@example.net", language="nl",
                  subject="s", body_text="t", status="queued")
    db.session.add(msg)
    db.session.commit()  # written without dispatch, e.g. the process died right here
    assert delivery.deliver_due() == 1
    assert _fresh(msg.id).status == "sent" and len(smtp_server.received) == 1


def test_account_emails_still_work_through_the_outbox(messaging_app, world, smtp_server):
    from webapp.mail import queue_email
    with messaging_app.test_request_context():
        msg = queue_email(world.volunteer, "password_reset", "email/password_reset",
                          link="http://x/reset", minutes=60)
    assert _fresh(msg.id).status == "sent"
    assert smtp_server.parsed()["Subject"]
