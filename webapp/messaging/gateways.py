"""Transports: SMTP for e-mail, and a pluggable SMS gateway (SMTP-to-SMS, HTTP, development).

Every transport raises one of three exceptions, which decide what delivery does next:

- :class:`TemporaryFailure` — the message certainly did not arrive and trying later may work
  (SMTP 4xx, connection refused, time-out before the message text was handed over, HTTP 429
  or 5xx): retried with backoff;
- :class:`PermanentFailure` — it did not arrive and never will this way (SMTP 5xx, invalid
  address, HTTP 4xx): not retried;
- :class:`UncertainDelivery` — the connection broke *after* the message text was handed over,
  so it may have arrived: never retried automatically (at most once).

A transport with ``idempotent = True`` lets the receiver drop duplicates by our key (the HTTP
gateway sends ``Idempotency-Key``), so a message left ``sending`` by a dead worker may safely
be sent again; for SMTP that is not so, and such a message becomes ``uncertain``.
"""
from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import ClassVar

from flask import current_app


class DeliveryError(Exception):
    """Base class; ``detail`` is what the other side said (kept, encrypted, in the log)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail[:500]


class TemporaryFailure(DeliveryError):
    """Did not arrive; try again later."""


class PermanentFailure(DeliveryError):
    """Did not arrive; trying again will not help."""


class UncertainDelivery(DeliveryError):
    """May have arrived: the connection broke after the message was handed over."""


# --- SMTP ------------------------------------------------------------------------------------

def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    conn = cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    if cfg["MAIL_USE_TLS"]:
        conn.starttls()
    if cfg["MAIL_USERNAME"]:
        conn.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    return conn


def _classify(code: int, text) -> DeliveryError:
    detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return TemporaryFailure(detail) if 400 <= code < 500 else PermanentFailure(detail)


def smtp_send(mime: EmailMessage, recipient: str) -> str:
    """Send ``mime`` to ``recipient`` over SMTP, step by step so a failure before the message
    text is handed over (safe to retry) is told apart from one after it (uncertain).
    Returns the Message-ID."""
    if not current_app.config["MAIL_SERVER"]:
        raise PermanentFailure("no mail server configured")
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    try:
        conn = _connect()
    except smtplib.SMTPResponseException as exc:
        raise _classify(exc.smtp_code, exc.smtp_error) from None
    except (OSError, smtplib.SMTPException) as exc:  # refused, time-out, DNS, TLS
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
    try:
        try:
            conn.ehlo_or_helo_if_needed()
            code, text = conn.mail(_envelope(sender))
            if code != 250:
                raise _classify(code, text)
            code, text = conn.rcpt(recipient)
            if code not in (250, 251):
                raise _classify(code, text)
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        try:
            code, text = conn.data(mime.as_bytes(policy=mime.policy.clone(linesep="\r\n")))
        except smtplib.SMTPDataError as exc:  # the DATA command itself was refused
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise UncertainDelivery(f"{type(exc).__name__} during DATA: {exc}") from None
        if code != 250:
            raise _classify(code, text)
        return mime["Message-ID"]
    finally:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()


def _envelope(sender: str) -> str:
    from email.utils import parseaddr
    return parseaddr(sender)[1] or sender


# --- SMS ------------------------------------------------------------------------------------

class SmsGateway:
    """Interface: ``send(phone_digits, text, key) -> provider reference`` or raise one of the
    three failures. ``local`` gateways only record (the message becomes ``local``)."""

    name = "sms"
    idempotent = False
    local = False

    def send(self, phone: str, text: str, key: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class DevSmsGateway(SmsGateway):
    """Development: records the text in memory (and the outbox shows it); sends nothing."""

    name = "sms-dev"
    idempotent = True
    local = True
    sent: ClassVar[list[dict]] = []

    def send(self, phone: str, text: str, key: str) -> str:
        if not any(r["key"] == key for r in self.sent):
            self.sent.append({"phone": phone, "text": text, "key": key})
        return f"dev:{key}"


class SmtpSmsGateway(SmsGateway):
    """SMTP-to-SMS: an e-mail to ``<digits>@<domain>`` whose text becomes the SMS."""

    name = "sms-smtp"

    def __init__(self, domain: str):
        self.domain = domain

    def send(self, phone: str, text: str, key: str) -> str:
        from .channels import build_email
        mime = build_email(key=key, recipient=f"{phone}@{self.domain}", recipient_name=None,
                           subject="SMS", text=text, html=None, language="")
        return smtp_send(mime, f"{phone}@{self.domain}")


class HttpSmsGateway(SmsGateway):
    """An HTTP SMS API: POST JSON ``{"to", "text", "reference"}`` with ``Idempotency-Key``.

    2xx: sent (the JSON answer's ``id`` is kept); 429 and 5xx: temporary; other 4xx:
    permanent; connection problems before an answer: temporary (the key makes a retry safe).
    """

    name = "sms-http"
    idempotent = True

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str, key: str) -> str:
        body = json.dumps({"to": "+" + phone, "text": text, "reference": key}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                answer = resp.read(4096)
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code}"
            if exc.code == 429 or exc.code >= 500:
                raise TemporaryFailure(detail) from None
            raise PermanentFailure(detail) from None
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        try:
            ref = str(json.loads(answer or b"{}").get("id") or "")
        except (ValueError, AttributeError):
            ref = ""
        return ref[:200] or f"http:{key}"


def sms_gateway() -> SmsGateway:
    """The configured gateway: ``MESSAGING_SMS_GATEWAY`` = ``dev`` (default), ``smtp`` (with
    ``MESSAGING_SMS_SMTP_DOMAIN``) or ``http`` (with ``MESSAGING_SMS_HTTP_URL`` and optionally
    ``MESSAGING_SMS_HTTP_TOKEN``)."""
    import os
    cfg = current_app.config

    def setting(name, default=None):
        return cfg.get(name) or os.environ.get(name) or default

    kind = setting("MESSAGING_SMS_GATEWAY", "dev")
    if kind == "smtp" and setting("MESSAGING_SMS_SMTP_DOMAIN"):
        return SmtpSmsGateway(setting("MESSAGING_SMS_SMTP_DOMAIN"))
    if kind == "http" and setting("MESSAGING_SMS_HTTP_URL"):
        return HttpSmsGateway(setting("MESSAGING_SMS_HTTP_URL"),
                              setting("MESSAGING_SMS_HTTP_TOKEN"),
                              float(setting("MESSAGING_SMS_HTTP_TIMEOUT", 10)))
    return DevSmsGateway()
