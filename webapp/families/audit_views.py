"""The audit log for admins: filter, page through, export as CSV. Reading or exporting the
log is itself recorded.

An installation admin sees every entry; an organisation's admin sees the entries made by
users of their organisation. Reasons are stored as codes; the page words them
(``webapp.audit.reason_label``), the CSV keeps the codes.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from .. import csv_safe
from ..access import admin_required
from ..audit import ACTIONS, reason_label, record
from ..extensions import db
from ..models import AuditEntry, User
from ..pagination import paginate
from ..request_input import to_id
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
    try:
        query = query.where(AuditEntry.user_id == to_id(form.user.data))
    except (TypeError, ValueError):  # no choice, or not a user number: no filter
        pass
    if form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if form.object_type.data:
        query = query.where(AuditEntry.object_type == form.object_type.data.strip())
    if form.object_id.data:
        query = query.where(AuditEntry.object_id == form.object_id.data.strip())
    if form.date_from.data:
        query = query.where(AuditEntry.at >= datetime.combine(form.date_from.data, time.min))
    if form.date_to.data and form.date_to.data < date.max:  # the last day: no upper bound
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
    return render_template("admin/audit.html", form=form, page=page, reason_label=reason_label)


@bp.route("/admin/audit.csv")
@admin_required
def audit_export():
    form = _form()
    rows = db.session.execute(audit_query(form).limit(EXPORT_LIMIT)).scalars().all()
    record("export", "audit_log", "csv", fields=_filters(form))
    db.session.commit()
    header = ["at_utc", "user_id", "user", "action", "object_type", "object_id", "fields",
              "reason", "ip"]
    text = csv_safe.to_csv([header] + [
        [e.at.isoformat(timespec="seconds"), e.user_id, e.user.name if e.user else "",
         e.action, e.object_type, e.object_id, " ".join(e.fields or []), e.reason, e.ip]
        for e in rows])
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=koppel-audit.csv"})

