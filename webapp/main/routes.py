"""Views of the main area: start page, dashboard, health, job progress."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..access import get_job_or_404, visible_programmes
from ..extensions import db
from ..jobs import redis_connection
from . import bp


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", programmes=visible_programmes(current_user))


@bp.route("/jobs/<job_id>")
@login_required
def job_status(job_id: str):
    row = get_job_or_404(job_id)
    return jsonify(id=row.id, status=row.status, progress=row.progress, stage=row.stage,
                   error=row.error if row.status == "failed" else None)


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        db.session.rollback()
        return "down"


def check_queue() -> str:
    if not current_app.config["REDIS_URL"]:
        return "inline"
    try:
        redis_connection().ping()
        return "ok"
    except Exception:
        return "down"


@bp.route("/healthz")
def healthz():
    database, queue = check_database(), check_queue()
    ok = database == "ok" and queue in ("ok", "inline")
    body = {"status": "ok" if ok else "error", "database": database, "queue": queue}
    return jsonify(body), 200 if ok else 503
