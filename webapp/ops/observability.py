"""Structured JSON logs with a request id, and a Prometheus ``/metrics`` endpoint.

Every request gets an id (the ``X-Request-ID`` header from the proxy when it looks sane, a new
one otherwise); it is returned in the response and written in every log line of that request.
Metrics: request latency per endpoint, queue length, failed jobs, messages per status. Under
gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (see docs/deployment.md).
``/metrics`` answers only on loopback or with ``Authorization: Bearer $KOPPEL_METRICS_TOKEN``.
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


def _queue_length(app: Flask) -> float:
    if not app.config.get("REDIS_URL"):
        return 0
    try:
        from rq import Queue

        from ..jobs import QUEUE_NAME, redis_connection
        return len(Queue(QUEUE_NAME, connection=redis_connection()))
    except Exception:
        return float("nan")


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
        token = current_app.config.get("METRICS_TOKEN")
        given = request.headers.get("Authorization", "")
        local = request.remote_addr in ("127.0.0.1", "::1")
        if not local and not (token and hmac.compare_digest(given, f"Bearer {token}")):
            abort(404)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn: sum over the workers
            from prometheus_client import multiprocess
            combined = CollectorRegistry()
            multiprocess.MultiProcessCollector(combined)
            body = generate_latest(combined) + generate_latest(REGISTRY_DB)
        else:
            body = generate_latest(REGISTRY) + generate_latest(REGISTRY_DB)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
