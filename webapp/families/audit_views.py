"""The audit log for admins: filter, page through, export as CSV. Reading or exporting the
log is itself recorded.

An installation admin sees every entry; an organisation's admin sees the entries made by
users of their organisation.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ..access import admin_required
from ..audit import ACTIONS, record
from ..extensions import db
from ..models import AuditEntry, User
from ..pagination import paginate
from . import bp

EXPORT_LIMIT = 50_000


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    user = SelectField(_l("Who"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()],
                         choices=[("", _l("All actions"))] + [(a, a) for a in sorted(ACTIONS)])
    object_type = StringField(_l("Kind of record"), validators=[Optional(), Length(max=40)],
                              description=_l("For example family, family_request or volunteer."))
    object_id = StringField(_l("Record number"), validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Up to and including"), validators=[Optional()])


def _scoped_users():
    query = db.select(User).order_by(User.name)
    if current_user.organisation_id is not None:
        query = query.filter_by(organisation_id=current_user.organisation_id)
    return db.session.execute(query).scalars().all()


def audit_query(form: AuditFilterForm):
    """The entries the current admin may see, filtered by ``form`` (newest first)."""
    query = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if current_user.organisation_id is not None:
        query = query.join(User, AuditEntry.user_id == User.id).where(
            User.organisation_id == current_user.organisation_id)
    if (form.user.data or "").isdigit():
        query = query.where(AuditEntry.user_id == int(form.user.data))
    if form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if form.object_type.data:
        query = query.where(AuditEntry.object_type == form.object_type.data.strip())
    if form.object_id.data:
        query = query.where(AuditEntry.object_id == form.object_id.data.strip())
    if form.date_from.data:
        query = query.where(AuditEntry.at >= datetime.combine(form.date_from.data, time.min))
    if form.date_to.data:
        query = query.where(AuditEntry.at < datetime.combine(form.date_to.data, time.min)
                            + timedelta(days=1))
    return query


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.user.choices = [("", _l("Everyone"))] + [(str(u.id), u.name) for u in _scoped_users()]
    form.validate()
    return form


def _filters(form) -> list[str]:
    return [f.name for f in form if f.data not in (None, "")]


@bp.route("/admin/audit")
@admin_required
def audit_log():
    form = _form()
    page = paginate(audit_query(form))
    record("read", "audit_log", "list", fields=_filters(form))
    db.session.commit()
    return render_template("admin/audit.html", form=form, page=page)


@bp.route("/admin/audit.csv")
@admin_required
def audit_export():
    form = _form()
    rows = db.session.execute(audit_query(form).limit(EXPORT_LIMIT)).scalars().all()
    record("export", "audit_log", "csv", fields=_filters(form))
    db.session.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "user_id", "user", "action", "object_type", "object_id",
                     "fields", "reason", "ip"])
    for e in rows:
        writer.writerow([e.at.isoformat(timespec="seconds"), e.user_id or "",
                         _safe(e.user.name if e.user else ""), e.action, e.object_type,
                         e.object_id, " ".join(e.fields or []), _safe(e.reason or ""),
                         e.ip or ""])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=koppel-audit.csv"})


def _safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
