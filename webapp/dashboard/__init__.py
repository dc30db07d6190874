"""Dashboards per programme and per organisation: waiting families, matches, volunteers by
readiness, language supply and demand, the training funnel, time to match, volunteer hours
for funders, the fairness monitor, and the municipality's anonymised CSV export.

Register with ``app.register_blueprint(bp)``: the blueprint carries its own url_prefix
(``/dashboard``)."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import routes  # noqa: F401


@bp.record_once
def template_helpers(state):
    """Template globals: ``programme_headlines(programmes)`` for the overview page (per
    programme id the waiting families, matches this month and active matches, in three
    queries for all cards), and the dashboard's label helpers."""
    from datetime import date

    from flask_babel import format_date

    from . import labels
    from .stats import programme_headlines

    state.app.jinja_env.globals.update(
        programme_headlines=lambda programmes: programme_headlines(
            [p.id for p in programmes], date.today()),
        dashboard_language=labels.language_label, dashboard_country=labels.country_label,
        dashboard_background=labels.background_label, dashboard_bucket=labels.bucket_label,
        dashboard_days=labels.days, dashboard_percent=labels.percent,
        dashboard_readiness=lambda key: str(labels.READINESS.get(key, key)),
        dashboard_funnel=lambda key: str(labels.FUNNEL.get(key, key)),
        dashboard_month=lambda month: format_date(date(month[0], month[1], 1), "MMMM y"))
