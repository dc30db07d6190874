"""Views of the main area: start page, dashboard, health, job progress."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from ..access import get_job_or_404, visible_programmes
from ..extensions import db
from ..jobs import give_up_if_dead, queue_state
from ..ops.observability import rate_limiter_state
from . import bp
from .todo import todo_items


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    todo = todo_items(current_user) if current_user.is_staff else []
    return render_template("main/dashboard.html", programmes=visible_programmes(current_user),
                           todo=todo)


@bp.route("/jobs/<job_id>")
@login_required
def job_status(job_id: str):
    row = get_job_or_404(job_id)
    if give_up_if_dead(row):  # its process died: say so instead of "running" for an hour
        db.session.refresh(row)
    return jsonify(id=row.id, status=row.status, progress=row.progress, stage=row.stage,
                   error=row.error if row.status == "failed" else None)


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:
        db.session.rollback()
        return "down"


@bp.route("/healthz")
def healthz():
    """503 only when the database is down (nothing works then). Redis down is "degraded":
    every page still works (jobs wait as rows, limits are counted in memory), so a load
    balancer must keep sending traffic; monitoring alerts on any status but "ok"."""
    database, queue = check_database(), queue_state()
    limits = rate_limiter_state(current_app)
    if database != "ok":
        status = "error"
    elif queue == "down" or limits.startswith("memory fallback"):
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "queue": queue, "rate_limiter": limits}
    return jsonify(body), 503 if status == "error" else 200
