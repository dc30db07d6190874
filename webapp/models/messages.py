"""Outgoing messages (the outbox). A row is written first, then a job delivers it.

Statuses (see :mod:`webapp.messaging.delivery` for how a message moves between them):

``queued``     written, waiting for its first delivery attempt
``sending``    claimed by a worker, transport in progress (a worker that dies here leaves it)
``retrying``   a temporary failure; ``next_attempt_at`` says when
``sent``       the transport accepted it (``sent_at``); for letters/WhatsApp: handed over
``local``      kept in the local outbox (no mail server or SMS gateway configured)
``manual``     a letter to print or a WhatsApp link to open: the coordinator delivers it
``failed``     a permanent failure (``last_error`` says why); never retried automatically
``uncertain``  a worker died during the transport: it may or may not have arrived; never
               retried automatically (at most once), a coordinator may resend on purpose
``cancelled``  not sent on purpose (e.g. the family withdrew consent)
"""
from __future__ import annotations

import uuid

from ..crypto import EncryptedText
from ..extensions import db
from .base import utcnow

STATUSES = ("queued", "sending", "retrying", "sent", "local", "manual", "failed",
            "uncertain", "cancelled")
# Statuses a delivery run may pick up (everything else is final or in someone's hands).
DELIVERABLE = ("queued", "retrying")
FINAL = ("sent", "local", "failed", "uncertain", "cancelled")


class Message(db.Model):
    """One message to one recipient through one channel, delivered at most once.

    ``idempotency_key`` is unique and travels with the transport (the e-mail's Message-ID, the
    SMS gateway's ``Idempotency-Key``). ``party_type``/``party_id`` say whom the message is
    about (``family``, ``volunteer``, ``user``): the consent guard looks there. A resend on
    purpose is a new row (new key) pointing at the original through ``resend_of_id``.
    """

    id = db.Column(db.Integer, primary_key=True)
    idempotency_key = db.Column(db.String(64), nullable=False, unique=True,
                                default=lambda: uuid.uuid4().hex)
    kind = db.Column(db.String(40), nullable=False)  # e.g. password_reset, family_intro
    channel = db.Column(db.String(20), nullable=False, default="email")
    recipient = db.Column(EncryptedText, nullable=False)
    recipient_name = db.Column(EncryptedText)
    language = db.Column(db.String(8), nullable=False, default="nl")
    subject = db.Column(EncryptedText, nullable=False)
    body_text = db.Column(EncryptedText, nullable=False)
    body_html = db.Column(EncryptedText)
    body_text_nl = db.Column(EncryptedText)  # Dutch subject, blank line, Dutch text (letters)
    status = db.Column(db.String(20), nullable=False, default="queued", index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)
    next_attempt_at = db.Column(db.DateTime)
    sending_started_at = db.Column(db.DateTime)
    sent_at = db.Column(db.DateTime)
    provider_ref = db.Column(db.String(200))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="SET NULL"),
                             index=True)
    party_type = db.Column(db.String(20))
    party_id = db.Column(db.Integer)
    batch_key = db.Column(db.String(64), index=True)  # messages prepared together
    # What this message is the one and only message for, where there may be only one
    # (``intro:<match id>:family``, ``invitation:<id>``): unique, so a second writer's
    # commit fails instead of sending it twice. A resend on purpose has none.
    dedupe_key = db.Column(db.String(80), unique=True)
    resend_of_id = db.Column(db.Integer, db.ForeignKey("message.id", ondelete="SET NULL"))

    attempts_log = db.relationship("DeliveryAttempt", back_populates="message",
                                   cascade="all, delete-orphan",
                                   order_by="DeliveryAttempt.number")

    __table_args__ = (db.Index("ix_message_party", "party_type", "party_id"),)

    @property
    def is_rtl(self) -> bool:
        from ..vocab import RTL_LANGUAGES
        return self.language in RTL_LANGUAGES
