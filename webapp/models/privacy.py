"""The data lifecycle: legal holds on families and the log of erasure requests.

Neither table holds personal values: a hold says *that* an open Veilig Thuis report exists
(kind, the month it was made, who recorded it), an erasure request says who asked for what,
when, with which reason code and how it ended.
"""
from __future__ import annotations

from ..extensions import db
from .base import utcnow

__all__ = ["ERASURE_REASONS", "HOLD_KINDS", "ErasureRequest", "LegalHold"]

# Codes only; labels are in webapp/privacy/labels.py.
HOLD_KINDS = ("veilig_thuis",)
ERASURE_REASONS = ("subject_request", "representative_request", "consent_withdrawn",
                   "recorded_by_mistake", "other")


class LegalHold(db.Model):
    """A reason the family's data must be kept: an open Veilig Thuis report. While a hold is
    open (``released_at`` is NULL) neither erasure nor retention anonymises the family."""

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False, default="veilig_thuis")
    reported_on = db.Column(db.Date, nullable=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    released_at = db.Column(db.DateTime)
    released_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_by = db.relationship("User", foreign_keys=[recorded_by_id])
    released_by = db.relationship("User", foreign_keys=[released_by_id])

    @property
    def open(self) -> bool:
        return self.released_at is None


class ErasureRequest(db.Model):
    """One request to erase a family's or volunteer's data, carried out or refused."""

    id = db.Column(db.Integer, primary_key=True)
    subject_type = db.Column(db.String(20), nullable=False)  # family / volunteer
    subject_id = db.Column(db.Integer, nullable=False)
    reason = db.Column(db.String(30), nullable=False)
    outcome = db.Column(db.String(20), nullable=False)  # done / refused_hold / refused_scope
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    at = db.Column(db.DateTime, default=utcnow, nullable=False)
    by = db.relationship("User")

    __table_args__ = (db.Index("ix_erasure_request_subject", "subject_type", "subject_id"),)
