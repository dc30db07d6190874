"""Rows that track background jobs (a matching run, a message delivery) and their progress."""
from __future__ import annotations

import uuid

from sqlalchemy import JSON

from ..extensions import db
from .base import utcnow


class Job(db.Model):
    """One background job. Its id is also the rq job id; arguments are ids only."""

    id = db.Column(db.String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    name = db.Column(db.String(80), nullable=False, index=True)
    args = db.Column(JSON, nullable=False, default=list)
    status = db.Column(db.String(20), nullable=False, default="queued")  # queued/running/finished/failed
    progress = db.Column(db.Integer, nullable=False, default=0)
    stage = db.Column(db.String(40))
    error = db.Column(db.Text)
    result = db.Column(JSON)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    started_at = db.Column(db.DateTime)
    # written every few seconds while the job runs (webapp.jobs): a stale value means the
    # process carrying the job died
    heartbeat_at = db.Column(db.DateTime)
    finished_at = db.Column(db.DateTime)

    # the reason recorded when the process running a job died before it finished
    WORKER_LOST = "the worker stopped before the job finished; it can be retried"

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed")
