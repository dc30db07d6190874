"""Views of the dashboards (thin: the figures come from :mod:`.stats` via :mod:`.page`)."""
from __future__ import annotations

from datetime import date

from flask import Response, render_template
from flask_login import login_required

from ..access import get_dashboard_organisation_or_404, get_programme_or_404
from . import bp
from .export import municipality_csv
from .page import dashboard_data
from .stats import organisation_scope, programme_scope


@bp.route("/programmes/<int:programme_id>")
@login_required
def programme(programme_id: int):
    prog = get_programme_or_404(programme_id)
    scope = programme_scope(prog)
    return render_template("dashboard/dashboard.html", programme=prog, organisation=None,
                           scope=scope, **dashboard_data(scope, date.today()))


@bp.route("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int):
    org = get_dashboard_organisation_or_404(organisation_id)
    scope = organisation_scope(org.id)
    return render_template("dashboard/dashboard.html", programme=None, organisation=org,
                           scope=scope, **dashboard_data(scope, date.today()))


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/programmes/<int:programme_id>/municipality.csv")
@login_required
def programme_csv(programme_id: int):
    prog = get_programme_or_404(programme_id)
    today = date.today()
    return _csv(municipality_csv(programme_scope(prog), today),
                f"koppel-programme-{prog.id}-{today.isoformat()}.csv")


@bp.route("/organisations/<int:organisation_id>/municipality.csv")
@login_required
def organisation_csv(organisation_id: int):
    org = get_dashboard_organisation_or_404(organisation_id)
    today = date.today()
    return _csv(municipality_csv(organisation_scope(org.id), today),
                f"koppel-organisation-{org.id}-{today.isoformat()}.csv")
