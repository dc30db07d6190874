"""Message templates edited by admins, and the log of every delivery attempt.

Templates are stored per *scope* and shipped defaults (``webapp/messaging/defaults``) apply
where no row exists. A scope is ``*`` (every programme), ``type:<code>`` (a programme type) or
``programme:<id>`` (one organisation's programme); the most specific one wins.
"""
from __future__ import annotations

from ..crypto import EncryptedText
from ..extensions import db
from .base import utcnow

__all__ = ["GENERIC_SCOPE", "DeliveryAttempt", "MessageTemplate"]

GENERIC_SCOPE = "*"


class MessageTemplate(db.Model):
    """An admin's version of one template (kind × language × scope).

    ``version`` increases on every save; a save based on an older version is refused, so two
    admins never overwrite each other's work unseen.
    """

    id = db.Column(db.Integer, primary_key=True)
    scope = db.Column(db.String(60), nullable=False, default=GENERIC_SCOPE)
    programme_type_code = db.Column(db.String(40))
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"),
                             index=True)
    kind = db.Column(db.String(40), nullable=False)
    language = db.Column(db.String(8), nullable=False)
    subject = db.Column(db.Text, nullable=False)
    body = db.Column(db.Text, nullable=False)
    version = db.Column(db.Integer, nullable=False, default=1)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at = db.Column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    updated_by = db.relationship("User")

    __table_args__ = (db.UniqueConstraint("scope", "kind", "language",
                                          name="uq_message_template_scope_kind_language"),)


class DeliveryAttempt(db.Model):
    """One try at delivering a message: when, through what, and how it ended.

    ``outcome``: ``started`` (still running, or the worker died), ``sent``, ``temporary``,
    ``permanent``, ``cancelled``, ``uncertain`` (found ``started`` by reconciliation),
    ``local`` or ``handed_over`` (letter / WhatsApp marked done by a coordinator).
    ``detail`` may quote the server's answer, which can name the recipient: it is encrypted.
    """

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.Integer, db.ForeignKey("message.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    transport = db.Column(db.String(30), nullable=False)
    started_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    finished_at = db.Column(db.DateTime)
    outcome = db.Column(db.String(20), nullable=False, default="started")
    detail = db.Column(EncryptedText)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    message = db.relationship("Message", back_populates="attempts_log")
