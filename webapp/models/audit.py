"""The append-only audit log: who read or changed which personal record, and when.

Only field names are recorded, never the values of sensitive fields. On PostgreSQL a trigger
refuses UPDATE and DELETE on the table (see the migration).
"""
from __future__ import annotations

from sqlalchemy import JSON

from ..extensions import db
from .base import utcnow


class AuditEntry(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, default=utcnow, nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action = db.Column(db.String(20), nullable=False)  # read/create/update/delete/export/override
    object_type = db.Column(db.String(40), nullable=False)
    object_id = db.Column(db.String(40), nullable=False)
    fields = db.Column(JSON)
    reason = db.Column(db.Text)
    ip = db.Column(db.String(45))
    user = db.relationship("User")

    __table_args__ = (db.Index("ix_audit_entry_object", "object_type", "object_id"),)
