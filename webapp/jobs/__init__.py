"""Background jobs with rq, or in-process when no Redis is configured.

A job is a function registered with ``@job(name)`` taking a :class:`JobContext` and ids only
(never personal data: Redis stores arguments unencrypted). ``enqueue`` commits a
:class:`~webapp.models.Job` row first and then hands its id to rq, so a worker never starts
before the row exists. Progress is written to the row (and to rq's ``job.meta``) and shown in
the UI as a progress bar.
"""
from __future__ import annotations

import logging
import threading
import traceback
from typing import Callable

from flask import current_app, has_app_context

from ..extensions import db
from ..models import Job
from ..models.base import utcnow

log = logging.getLogger(__name__)
REGISTRY: dict[str, Callable] = {}
QUEUE_NAME = "koppel"


def job(name: str):
    """Register a job function under ``name``."""
    def register(fn):
        REGISTRY[name] = fn
        return fn
    return register


class JobContext:
    """Handed to a job function: report progress with ``ctx.progress(percent, stage)``."""

    def __init__(self, row: Job, rq_job=None):
        self.row = row
        self.rq_job = rq_job

    def progress(self, percent: int, stage: str | None = None) -> None:
        self.row.progress = max(0, min(100, int(percent)))
        if stage:
            self.row.stage = stage
        db.session.commit()
        if self.rq_job is not None:
            self.rq_job.meta["progress"] = self.row.progress
            self.rq_job.meta["stage"] = self.row.stage
            self.rq_job.save_meta()


def redis_connection():
    from redis import Redis
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2,
                          socket_timeout=5)


def enqueue(name: str, *args, created_by: int | None = None) -> Job:
    """Record a job and dispatch it: to Redis when configured, otherwise in-process."""
    if name not in REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    row = Job(name=name, args=list(args), created_by_id=created_by)
    db.session.add(row)
    db.session.commit()
    dispatch(row.id)
    return row


def dispatch(job_id: str) -> None:
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        from redis.exceptions import RedisError
        from rq import Queue
        try:
            Queue(QUEUE_NAME, connection=redis_connection()).enqueue(
                "webapp.jobs.perform", job_id, job_id=job_id, job_timeout=1800,
                failure_ttl=7 * 24 * 3600, result_ttl=24 * 3600)
        except RedisError as exc:  # the row stays 'queued'; `flask jobs requeue` sends it later
            log.warning("queue unreachable, job %s kept for later: %s", job_id, exc)
        return
    if app.config.get("JOBS_INLINE_THREAD") and not app.testing:
        def run():
            with app.app_context():
                execute(job_id)
        threading.Thread(target=run, name=f"job-{job_id}", daemon=True).start()
    else:
        execute(job_id)


def execute(job_id: str, rq_job=None) -> Job | None:
    """Run the job whose row is ``job_id``; failures are recorded as failures."""
    # Claim the job atomically: a job dispatched twice (requeue after an outage) runs once.
    claimed = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.status.in_(("queued", "failed")))
        .values(status="running", started_at=utcnow(), error=None)).rowcount
    db.session.commit()
    row = db.session.get(Job, job_id)
    if row is None:
        log.error("job row %s not found", job_id)
        return None
    if not claimed:
        return row
    try:
        result = REGISTRY[row.name](JobContext(row, rq_job), *row.args)
    except Exception as exc:  # report failure as failure, with the reason
        db.session.rollback()
        row = db.session.get(Job, job_id)
        row.status, row.finished_at = "failed", utcnow()
        row.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        log.error("job %s (%s) failed:\n%s", job_id, row.name, traceback.format_exc())
        if rq_job is not None:
            raise
        return row
    row.status, row.progress, row.finished_at = "finished", 100, utcnow()
    row.result = result if isinstance(result, (dict, list)) else None
    db.session.commit()
    return row


_worker_app = None


def perform(job_id: str):
    """rq entry point: run the job inside an app context of this worker process."""
    from rq import get_current_job
    global _worker_app
    if has_app_context():
        return execute(job_id, get_current_job()) and None
    if _worker_app is None:
        from .. import create_app
        _worker_app = create_app()
    with _worker_app.app_context():
        db.engine.dispose(close=False)  # never share pooled connections across a fork
        execute(job_id, get_current_job())


def requeue_pending(older_than_seconds: int = 0) -> int:
    """Dispatch again every job still 'queued' (e.g. after Redis was unreachable). A job
    dispatched twice still runs once (see :func:`execute`)."""
    from datetime import timedelta
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = db.session.execute(db.select(Job.id).where(Job.status == "queued",
                                                     Job.created_at <= cutoff)).scalars().all()
    for job_id in ids:
        dispatch(job_id)
    return len(ids)


# Called with the job row when a job is given up as failed (e.g. to free a matching run).
ON_FAILURE: dict[str, Callable] = {}


def on_failure(name: str):
    """Register what to do when job ``name`` is marked failed without finishing."""
    def register(fn):
        ON_FAILURE[name] = fn
        return fn
    return register


def reap_stale(max_minutes: int = 60) -> int:
    """Mark jobs 'running' for longer than ``max_minutes`` as failed: their worker died (a
    killed worker never half-applies a job: each job commits its result at once). Returns
    how many were reaped."""
    from datetime import timedelta
    cutoff = utcnow() - timedelta(minutes=max_minutes)
    rows = db.session.execute(db.select(Job).where(Job.status == "running",
                                                   Job.started_at < cutoff)).scalars().all()
    for row in rows:
        row.status, row.finished_at = "failed", utcnow()
        row.error = "the worker stopped before the job finished; it can be retried"
        hook = ON_FAILURE.get(row.name)
        if hook:
            hook(row)
    db.session.commit()
    return len(rows)
