"""Background jobs with rq, or in-process when no Redis is configured.

A job is a function registered with ``@job(name)`` taking a :class:`JobContext` and ids only
(never personal data: Redis stores arguments unencrypted). ``enqueue`` commits a
:class:`~webapp.models.Job` row first and then hands its id to rq, so a worker never starts
before the row exists. Progress is written to the row (and to rq's ``job.meta``) and shown in
the UI as a progress bar.

A running job's row gets a heartbeat every ``JOB_HEARTBEAT_SECONDS``; :func:`give_up_if_dead`
asks rq (its job status and heartbeat) or, without Redis, that row heartbeat whether the
process carrying the job is still alive, and marks a dead job failed so it can be retried.
"""
from __future__ import annotations

import logging
import threading
import traceback
from datetime import datetime, timedelta, timezone
from typing import Callable

from flask import current_app, has_app_context

from ..extensions import db
from ..models import Job
from ..models.base import utcnow

log = logging.getLogger(__name__)
REGISTRY: dict[str, Callable] = {}
QUEUE_NAME = "koppel"
HEARTBEAT_SECONDS = 15  # how often a running job's row says it is alive
# how old a heartbeat may be before the job counts as dead: above rq's own job heartbeat
# (every 30 s, valid 90 s) and several row heartbeats
HEARTBEAT_GRACE_SECONDS = 120


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
        self.row.heartbeat_at = utcnow()
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


def queue_state() -> str:
    """``"inline"`` (no Redis: jobs run in the web process), ``"ok"`` or ``"down"``."""
    if not current_app.config["REDIS_URL"]:
        return "inline"
    try:
        redis_connection().ping()
        return "ok"
    except Exception:  # noqa: BLE001  (any failure means: not usable now)
        return "down"


def enqueue(name: str, *args, created_by: int | None = None) -> Job:
    """Record a job and dispatch it: to Redis when configured, otherwise in-process. When
    Redis cannot be reached the row stays 'queued' (``jobs requeue`` sends it later)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    row = Job(name=name, args=list(args), created_by_id=created_by)
    db.session.add(row)
    db.session.commit()
    dispatch(row.id)
    return row


def dispatch(job_id: str) -> bool:
    """Hand job ``job_id`` to rq (or run it in-process); False when Redis was unreachable
    and the row stays 'queued' for ``jobs requeue``."""
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
            return False
        return True
    if app.config.get("JOBS_INLINE_THREAD") and not app.testing:
        def run():
            with app.app_context():
                execute(job_id)
        threading.Thread(target=run, name=f"job-{job_id}", daemon=True).start()
    else:
        execute(job_id)
    return True


class _Heartbeat:
    """A daemon thread that stamps ``heartbeat_at`` on a running job's row until stopped
    (its own connection: the job's session is left alone)."""

    def __init__(self, app, job_id: str):
        self._stop = threading.Event()
        self._every = float(app.config.get("JOB_HEARTBEAT_SECONDS") or HEARTBEAT_SECONDS)
        self._thread = threading.Thread(target=self._run, args=(app, job_id), daemon=True,
                                        name=f"heartbeat-{job_id}")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)

    def _run(self, app, job_id: str) -> None:
        with app.app_context():
            while not self._stop.wait(self._every):
                try:
                    with db.engine.begin() as conn:
                        conn.execute(db.update(Job).where(Job.id == job_id,
                                                          Job.status == "running")
                                     .values(heartbeat_at=utcnow()))
                except Exception as exc:  # noqa: BLE001  (a missed beat is no failure)
                    log.warning("heartbeat of job %s not written: %s", job_id, exc)


def execute(job_id: str, rq_job=None) -> Job | None:
    """Run the job whose row is ``job_id``; failures are recorded as failures."""
    # Claim the job atomically: a job dispatched twice (requeue after an outage) runs once.
    claimed = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.status.in_(("queued", "failed")))
        .values(status="running", started_at=utcnow(), heartbeat_at=utcnow(),
                error=None)).rowcount
    db.session.commit()
    row = db.session.get(Job, job_id)
    if row is None:
        log.error("job row %s not found", job_id)
        return None
    if not claimed:
        return row
    try:
        with _Heartbeat(current_app._get_current_object(), job_id):
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


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _rq_says_dead(job_id: str, grace: timedelta) -> bool | None:
    """rq's verdict on job ``job_id``: dead (True) when rq marked it failed/stopped (its
    work horse was killed) or its heartbeat is older than ``grace`` (the whole worker died);
    None when rq cannot tell (no such job, Redis unreachable)."""
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RqJob
    from rq.job import JobStatus
    try:
        rq_job = RqJob.fetch(job_id, connection=redis_connection())
        status = rq_job.get_status(refresh=False)
    except (NoSuchJobError, RedisError):
        return None
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return True
    beat = _naive_utc(rq_job.last_heartbeat)
    if status == JobStatus.STARTED and beat is not None:
        return utcnow() - beat > grace
    return None


def is_dead(row: Job) -> bool:
    """Whether job ``row`` is marked running but its process has died: from rq (job status
    and heartbeat) when Redis is used, otherwise from the row's own heartbeat."""
    if row.status != "running":
        return False
    grace = timedelta(seconds=float(current_app.config.get("JOB_HEARTBEAT_GRACE")
                                    or HEARTBEAT_GRACE_SECONDS))
    if current_app.config.get("REDIS_URL"):
        verdict = _rq_says_dead(row.id, grace)
        if verdict is not None:
            return verdict
    beats = [t for t in (row.heartbeat_at, row.started_at) if t is not None]
    return bool(beats) and utcnow() - max(beats) > grace


def _give_up(job_id: str) -> bool:
    """Mark running job ``job_id`` failed (its process died) and run its failure hook, once:
    the conditional update lets only one of several concurrent callers do it."""
    marked = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.status == "running")
        .values(status="failed", finished_at=utcnow(), error=Job.WORKER_LOST)).rowcount
    if not marked:
        db.session.rollback()
        return False
    row = db.session.get(Job, job_id)
    db.session.refresh(row)
    hook = ON_FAILURE.get(row.name)
    if hook:
        hook(row)
    db.session.commit()
    log.warning("job %s (%s) stopped before it finished (its process died); marked failed",
                job_id, row.name)
    return True


def give_up_if_dead(row: Job) -> bool:
    """Called where a job's state is shown: a dead job is marked failed (and e.g. its
    matching run freed for a new start). True when this call gave it up."""
    return is_dead(row) and _give_up(row.id)


def reap_stale(max_minutes: int = 60) -> int:
    """Mark as failed the jobs whose process died (see :func:`is_dead`) and jobs 'running'
    for longer than ``max_minutes`` (a killed worker never half-applies a job: each job
    commits its result at once). Returns how many were reaped."""
    cutoff = utcnow() - timedelta(minutes=max_minutes)
    rows = db.session.execute(db.select(Job).where(Job.status == "running")).scalars().all()
    stale = [row.id for row in rows if row.started_at is None or row.started_at < cutoff
             or is_dead(row)]
    return sum(_give_up(job_id) for job_id in stale)
