"""Delivering outbox messages: claim, check consent, send, record — at most once.

The guarantee, step by step (one message, one attempt):

1. **Claim** — one conditional UPDATE moves the row from ``queued``/``retrying`` (and due) to
   ``sending``, stamps ``sending_started_at`` and counts the attempt; a ``DeliveryAttempt``
   row (``started``) is written in the same commit. Two workers can never both claim it: the
   second UPDATE matches no row.
2. **Guard** — :func:`~.outbox.can_message` is asked; no → ``cancelled``.
3. **Send** through the transport, which carries the message's idempotency key (the
   e-mail's Message-ID, the SMS gateway's ``Idempotency-Key``).
4. **Record** — ``sent`` (or ``retrying`` with the next time, ``failed``, ``uncertain``) and
   the attempt's outcome, in one commit.

If the worker dies between 3 and 4 the row stays ``sending``. No delivery run sends a
``sending`` row (step 1 does not match it), so nothing is sent twice. Once its lease
(``MESSAGING_SENDING_LEASE_SECONDS``, default 15 minutes, longer than any SMTP time-out) has
run out, :func:`reconcile` decides: for a transport whose receiver drops duplicates by our key
(the HTTP SMS gateway) the message goes back to ``retrying``; for SMTP it becomes
``uncertain`` — it may have arrived — and a coordinator can check with the recipient and
resend on purpose (a new message with a new key). So: **at most once** per message, and
every message ends visibly as sent, failed, uncertain or cancelled; none is silently lost.

Retries: temporary failures wait ``MESSAGING_RETRY_BASE_SECONDS × 2^(attempt−1)`` (capped by
``MESSAGING_RETRY_MAX_SECONDS``) and give up after ``MESSAGING_MAX_ATTEMPTS``. A retry is
picked up by :func:`deliver_due` (the ``deliver_due_messages`` job / ``flask messaging
sweep``), and is also scheduled directly where possible (rq's ``enqueue_in`` when Redis is
configured — the worker must run with the rq scheduler —, a timer thread in-process).
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update

from ..extensions import db
from ..jobs import job
from ..models import DeliveryAttempt, Message
from ..models.base import utcnow
from . import channels
from .gateways import (
    DeliveryError,
    PermanentFailure,
    TemporaryFailure,
    UncertainDelivery,
    sms_gateway,
    smtp_send,
)
from .outbox import can_message

log = logging.getLogger(__name__)

# A test seam: called after the transport accepted the message and before it is recorded.
# Tests set it to kill the process right there; it is None in normal operation.
after_transport_hook = None


def setting(name: str, default):
    return current_app.config.get(name, default)


def backoff_seconds(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …)."""
    base = float(setting("MESSAGING_RETRY_BASE_SECONDS", 60))
    cap = float(setting("MESSAGING_RETRY_MAX_SECONDS", 6 * 3600))
    return min(cap, base * 2 ** max(0, attempt - 1))


def transport_name(message: Message) -> str:
    if message.channel == "email":
        return "smtp" if current_app.config["MAIL_SERVER"] else "local"
    if message.channel == "sms":
        return sms_gateway().name
    return "manual"


def _claim(message_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(("queued", "retrying")),
               or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now))
        .values(status="sending", sending_started_at=now, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    return True


def deliver(message_id: int) -> str:
    """One delivery attempt for one message; returns the status afterwards."""
    if not _claim(message_id):
        msg = db.session.get(Message, message_id)
        return msg.status if msg else "missing"
    msg = db.session.get(Message, message_id)
    db.session.refresh(msg)
    attempt = DeliveryAttempt(message=msg, number=msg.attempts, transport=transport_name(msg))
    db.session.add(attempt)
    db.session.commit()  # step 1 is durable before anything leaves

    try:
        allowed = can_message(msg)
    except Exception as exc:  # a broken guard never lets a message through
        log.exception("consent guard failed for message %s", msg.id)
        return _record_failure(msg, attempt, TemporaryFailure(f"consent check failed: {exc}"))
    if not allowed:
        return _finish(msg, attempt, "cancelled", "cancelled",
                       "Not sent: consent for messages was withdrawn.")
    try:
        ref, outcome = _send(msg)
    except DeliveryError as exc:
        return _record_failure(msg, attempt, exc)
    if after_transport_hook is not None:
        after_transport_hook(msg)
    msg.provider_ref = (ref or "")[:200] or None
    msg.sent_at = utcnow()
    return _finish(msg, attempt, outcome, outcome, None)


def _send(msg: Message) -> tuple[str, str]:
    """Hand the message to its transport; returns (provider reference, status)."""
    if msg.channel == "email":
        if not current_app.config["MAIL_SERVER"]:
            return "", "local"  # the local outbox: staff read it in the app
        if not channels.valid_email(msg.recipient):
            raise PermanentFailure("invalid e-mail address")
        mime = channels.build_email(key=msg.idempotency_key, recipient=msg.recipient,
                                    recipient_name=msg.recipient_name, subject=msg.subject,
                                    text=msg.body_text, html=msg.body_html,
                                    language=msg.language)
        return smtp_send(mime, msg.recipient), "sent"
    if msg.channel == "sms":
        phone = channels.normalise_phone(msg.recipient)
        if not phone:
            raise PermanentFailure("invalid phone number")
        gateway = sms_gateway()
        ref = gateway.send(phone, msg.body_text, msg.idempotency_key)
        return ref, "local" if gateway.local else "sent"
    raise PermanentFailure(f"channel {msg.channel} is delivered by hand")


def _record_failure(msg: Message, attempt: DeliveryAttempt, exc: DeliveryError) -> str:
    if isinstance(exc, UncertainDelivery):
        return _finish(msg, attempt, "uncertain", "uncertain", exc.detail)
    if isinstance(exc, TemporaryFailure) \
            and msg.attempts < int(setting("MESSAGING_MAX_ATTEMPTS", 8)):
        delay = backoff_seconds(msg.attempts)
        msg.next_attempt_at = utcnow() + timedelta(seconds=delay)
        status = _finish(msg, attempt, "retrying", "temporary", exc.detail)
        schedule_retry(msg.id, delay)
        return status
    outcome = "temporary" if isinstance(exc, TemporaryFailure) else "permanent"
    return _finish(msg, attempt, "failed", outcome, exc.detail)


def _finish(msg: Message, attempt: DeliveryAttempt, status: str, outcome: str,
            detail: str | None) -> str:
    msg.status = status
    msg.last_error = detail[:500] if detail else None
    if status != "retrying":
        msg.next_attempt_at = None
    attempt.outcome, attempt.detail, attempt.finished_at = outcome, detail, utcnow()
    db.session.commit()
    return status


def reconcile(now=None) -> int:
    """Settle messages left ``sending`` by a worker that died (lease run out); see the module
    docstring. Returns how many were settled."""
    now = now or utcnow()
    lease = float(setting("MESSAGING_SENDING_LEASE_SECONDS", 900))
    stale = db.session.execute(db.select(Message).where(
        Message.status == "sending",
        Message.sending_started_at < now - timedelta(seconds=lease))).scalars().all()
    for msg in stale:
        started = db.session.execute(db.select(DeliveryAttempt).filter_by(
            message_id=msg.id, outcome="started")).scalars().all()
        retry_safe = msg.channel == "sms" and sms_gateway().idempotent
        for attempt in started:
            attempt.outcome = "temporary" if retry_safe else "uncertain"
            attempt.finished_at = now
            attempt.detail = "The worker stopped during this attempt."
        if retry_safe:
            msg.status, msg.next_attempt_at = "retrying", now
        else:
            msg.status, msg.next_attempt_at = "uncertain", None
            msg.last_error = "The worker stopped while sending: it may have arrived."
    db.session.commit()
    return len(stale)


def deliver_due(now=None, limit: int = 200) -> int:
    """The sweep: settle stale ``sending`` rows, then deliver every queued or due message."""
    reconcile(now)
    now = now or utcnow()
    ids = db.session.execute(
        db.select(Message.id)
        .where(Message.status.in_(("queued", "retrying")),
               Message.channel.in_(channels.AUTOMATIC_CHANNELS),
               or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now))
        .order_by(Message.id).limit(limit)).scalars().all()
    for message_id in ids:
        deliver(message_id)
    return len(ids)


def schedule_retry(message_id: int, delay: float) -> None:
    """Try to wake delivery when the retry is due (the sweep is the safety net)."""
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        try:
            from rq import Queue

            from ..jobs import QUEUE_NAME, redis_connection
            from ..models import Job
            row = Job(name="deliver_message", args=[message_id])
            db.session.add(row)
            db.session.commit()
            Queue(QUEUE_NAME, connection=redis_connection()).enqueue_in(
                timedelta(seconds=delay), "webapp.jobs.perform", row.id, job_id=row.id,
                job_timeout=600, failure_ttl=7 * 24 * 3600, result_ttl=24 * 3600)
        except Exception as exc:  # noqa: BLE001  (any failure here: the sweep will find it)
            log.warning("retry of message %s not scheduled (%s); the sweep will", message_id,
                        exc)
    elif app.config.get("JOBS_INLINE_THREAD") and not app.testing:
        def run():
            with app.app_context():
                deliver(message_id)
        timer = threading.Timer(delay, run)
        timer.daemon = True
        timer.start()


def resend(original: Message, user_id: int | None) -> Message:
    """Resend on purpose: a copy with a new idempotency key, written to the outbox (the
    caller commits). The original keeps its history."""
    from .outbox import write
    copy = Message(kind=original.kind, channel=original.channel, recipient=original.recipient,
                   recipient_name=original.recipient_name, language=original.language,
                   subject=original.subject, body_text=original.body_text,
                   body_html=original.body_html, body_text_nl=original.body_text_nl,
                   status="manual" if original.channel in channels.MANUAL_CHANNELS else "queued",
                   user_id=original.user_id, created_by_id=user_id,
                   programme_id=original.programme_id, party_type=original.party_type,
                   party_id=original.party_id, batch_key=original.batch_key,
                   resend_of_id=original.id)
    write([copy])
    return copy


def mark_handed_over(msg: Message, user_id: int | None) -> None:
    """A letter was printed and given, or a WhatsApp text sent, by the coordinator."""
    n = msg.attempts + 1
    msg.attempts = n
    msg.status, msg.sent_at, msg.last_error = "sent", utcnow(), None
    db.session.add(DeliveryAttempt(message=msg, number=n, transport=msg.channel,
                                   outcome="handed_over", finished_at=utcnow(),
                                   user_id=user_id))


@job("deliver_message")
def deliver_message(ctx, message_id: int) -> dict:
    """Job: one delivery attempt for one message."""
    return {"status": deliver(message_id)}


@job("deliver_due_messages")
def deliver_due_messages(ctx) -> dict:
    """Job: the sweep (run it periodically, e.g. every minute)."""
    return {"delivered": deliver_due()}
