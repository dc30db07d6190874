"""Structured JSON logs with a request id, and a Prometheus ``/metrics`` endpoint.

Every request gets an id (the ``X-Request-ID`` header from the proxy when it looks sane, a new
one otherwise); it is returned in the response and written in every log line of that request.
Metrics: request latency per endpoint, queue length, failed jobs, messages per status. Under
gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (see docs/deployment.md).
``/metrics`` answers installation admins, direct (not proxied) loopback requests, and requests
with ``Authorization: Bearer $KOPPEL_METRICS_TOKEN``; everyone else gets a 404.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Histogram,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REGISTRY = CollectorRegistry(auto_describe=True)
LATENCY = Histogram("koppel_request_seconds", "Request latency in seconds",
                    ["endpoint", "method", "status"], registry=REGISTRY,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, path."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
            entry["method"], entry["path"] = request.method, request.path
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """JSON logs on stderr unless ``KOPPEL_LOG_FORMAT=text``."""
    if app.config.get("LOG_FORMAT", "json") != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


class _DatabaseCollector:
    """Gauges read from the database and the queue at scrape time (valid across workers)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from ..extensions import db
        from ..models import Job, Message
        with self.app.app_context():
            failed = GaugeMetricFamily("koppel_jobs_failed", "Jobs that ended failed")
            failed.add_metric([], db.session.execute(db.select(db.func.count(Job.id)).filter_by(
                status="failed")).scalar_one())
            yield failed
            msgs = GaugeMetricFamily("koppel_messages", "Messages per status", labels=["status"])
            for status, n in db.session.execute(db.select(Message.status, db.func.count(
                    Message.id)).group_by(Message.status)):
                msgs.add_metric([status], n)
            yield msgs
            queue = GaugeMetricFamily("koppel_queue_length", "Jobs waiting in the queue")
            queue.add_metric([], _queue_length(self.app))
            yield queue
            db.session.remove()


FALLBACK_STATE = "memory fallback (%s unreachable)"


def rate_limiter_state(app: Flask) -> str:
    """Where the login rate limits are counted: ``"memory"`` (configured so, per process),
    the storage's scheme (e.g. ``"redis"``) when it answers, or ``FALLBACK_STATE`` while the
    storage is unreachable and the limits are counted in this process's memory."""
    from ..extensions import limiter
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    scheme = uri.split("://", 1)[0].split("+", 1)[0] or "memory"
    if scheme == "memory":
        return "memory"
    try:
        reachable = limiter.storage.check()
    except Exception:  # noqa: BLE001  (a health check reports, it never fails)
        reachable = False
    if not reachable or limiter.in_fallback:
        return FALLBACK_STATE % scheme
    return scheme


def _queue_length(app: Flask) -> float:
    if not app.config.get("REDIS_URL"):
        return 0
    try:
        from rq import Queue

        from ..jobs import QUEUE_NAME, redis_connection
        return len(Queue(QUEUE_NAME, connection=redis_connection()))
    except Exception:
        return float("nan")


_LOOPBACK = ("127.0.0.1", "::1")
_FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", "Forwarded")


def _direct_loopback() -> bool:
    """The request came straight from this machine: the socket peer is loopback *and* no
    proxy forwarded it. A request from outside passed on by a local nginx also arrives from
    127.0.0.1 (with ``KOPPEL_PROXY_HOPS=0``) or claims a loopback client in its
    X-Forwarded-For (spoofable): neither counts."""
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get(
        "REMOTE_ADDR", request.environ.get("REMOTE_ADDR"))
    if peer not in _LOOPBACK or request.remote_addr not in _LOOPBACK:
        return False
    return not any(h in request.headers for h in _FORWARDING_HEADERS)


def _may_read_metrics() -> bool:
    """Installation admins, a direct loopback request (Prometheus on this machine), or the
    bearer token ``KOPPEL_METRICS_TOKEN``. Everyone else gets a 404."""
    from flask_login import current_user

    from ..models.accounts import Role
    if _direct_loopback():
        return True
    token = current_app.config.get("METRICS_TOKEN")
    if token and hmac.compare_digest(request.headers.get("Authorization", ""),
                                     f"Bearer {token}"):
        return True
    # installation-wide numbers: an organisation's admin sees only their organisation
    return bool(current_user.is_authenticated and current_user.role == Role.admin.value
                and current_user.organisation_id is None)


def init_app(app: Flask) -> None:
    if not app.testing:
        configure_logging(app)
    REGISTRY_DB = CollectorRegistry()
    REGISTRY_DB.register(_DatabaseCollector(app))

    @app.before_request
    def start_timer():
        rid = request.headers.get("X-Request-ID", "")
        g.request_id = rid if _SANE_ID.match(rid) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        if request.endpoint != "metrics":
            LATENCY.labels(request.endpoint or "unknown", request.method,
                           str(response.status_code)).observe(
                time.perf_counter() - getattr(g, "started", time.perf_counter()))
        return response

    @app.route("/metrics")
    def metrics():
        if not _may_read_metrics():
            abort(404)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn: sum over the workers
            from prometheus_client import multiprocess
            combined = CollectorRegistry()
            multiprocess.MultiProcessCollector(combined)
            body = generate_latest(combined) + generate_latest(REGISTRY_DB)
        else:
            body = generate_latest(REGISTRY) + generate_latest(REGISTRY_DB)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
