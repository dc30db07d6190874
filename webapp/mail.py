"""Writing e-mails to the outbox and delivering them over SMTP.

The message row is committed first; a job then delivers it. Without ``MAIL_SERVER`` the
message stays in the local outbox (status ``local``) where staff can read it, so the demo works
end to end with no mail server.
"""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

from .extensions import db
from .jobs import enqueue, job
from .models import Message, User
from .models.base import utcnow


def _clean_header(value: str) -> str:
    """Header values never carry line breaks (no header injection through names)."""
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


def queue_email(user: User, kind: str, template: str, **context) -> Message:
    """Render ``template``.txt/.html in the user's language, store it, and enqueue delivery."""
    lang = user.locale or "nl"
    with force_locale(lang):
        subject = render_template(f"{template}.subject.txt", user=user, **context).strip()
        text = render_template(f"{template}.txt", user=user, **context)
    msg = Message(kind=kind, channel="email", recipient=user.email, language=lang,
                  subject=subject, body_text=text, user_id=user.id)
    db.session.add(msg)
    db.session.commit()
    enqueue("deliver_message", msg.id)
    return msg


def build_mime(msg: Message) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = _clean_header(current_app.config["MAIL_DEFAULT_SENDER"])
    mime["To"] = _clean_header(msg.recipient)
    mime["Subject"] = _clean_header(msg.subject)
    mime["Message-ID"] = make_msgid(idstring=msg.idempotency_key, domain="koppel.local")
    mime["Content-Language"] = msg.language
    mime.set_content(msg.body_text)
    if msg.body_html:
        mime.add_alternative(msg.body_html, subtype="html")
    return mime


def _smtp():
    cfg = current_app.config
    cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    conn = cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    if cfg["MAIL_USE_TLS"]:
        conn.starttls()
    if cfg["MAIL_USERNAME"]:
        conn.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return conn


class TemporaryFailure(Exception):
    """The transport said 'try again later' (SMTP 4xx, connection refused, time-out)."""


@job("deliver_message")
def deliver_message(ctx, message_id: int) -> dict:
    """Send one queued message. Already-sent messages are left alone (idempotent)."""
    msg = db.session.get(Message, message_id)
    if msg is None or msg.status in ("sent", "local", "cancelled"):
        return {"status": getattr(msg, "status", "missing")}
    msg.attempts += 1
    if not current_app.config["MAIL_SERVER"]:
        msg.status = "local"
        msg.sent_at = utcnow()
        db.session.commit()
        return {"status": "local"}
    try:
        with _smtp() as conn:
            conn.send_message(build_mime(msg))
    except smtplib.SMTPResponseException as exc:
        msg.last_error = f"{exc.smtp_code} {exc.smtp_error!r}"[:500]
        msg.status = "retrying" if 400 <= exc.smtp_code < 500 else "failed"
    except (OSError, socket.timeout, smtplib.SMTPServerDisconnected) as exc:
        msg.last_error = str(exc)[:500]
        msg.status = "retrying"
    else:
        msg.status = "sent"
        msg.sent_at = utcnow()
        msg.last_error = None
    db.session.commit()
    return {"status": msg.status}
