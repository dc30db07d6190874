"""Outgoing messages (the outbox). A row is written first, then a job delivers it."""
from __future__ import annotations

import uuid

from ..crypto import EncryptedText
from ..extensions import db
from .base import utcnow


class Message(db.Model):
    """One message to one recipient through one channel, delivered at most once.

    ``idempotency_key`` is unique: delivery records it with the transport (as the e-mail's
    Message-ID) so a worker that crashes between sending and recording does not send twice.
    """

    id = db.Column(db.Integer, primary_key=True)
    idempotency_key = db.Column(db.String(64), nullable=False, unique=True,
                                default=lambda: uuid.uuid4().hex)
    kind = db.Column(db.String(40), nullable=False)  # e.g. password_reset, confirm_email
    channel = db.Column(db.String(20), nullable=False, default="email")
    recipient = db.Column(EncryptedText, nullable=False)
    language = db.Column(db.String(8), nullable=False, default="nl")
    subject = db.Column(EncryptedText, nullable=False)
    body_text = db.Column(EncryptedText, nullable=False)
    body_html = db.Column(EncryptedText)
    status = db.Column(db.String(20), nullable=False, default="queued")
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)
    next_attempt_at = db.Column(db.DateTime)
    sent_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
