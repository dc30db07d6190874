"""Everything one dashboard page shows, gathered for the template (keeps the views thin).

The volunteer pool and the request facts are computed once and shared by the figures that
need them."""
from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _

from ..i18n import text_direction
from . import stats
from .charts import bar_chart
from .labels import FUNNEL, bucket_label, language_label


def dashboard_data(scope: stats.Scope, today: date) -> dict:
    pool = stats.volunteer_pool(scope, today)
    facts = stats._request_facts(scope, today)
    languages = stats.language_supply_demand(scope, today, pool)
    funnel = stats.training_funnel(scope, today, pool)
    ttm = stats.time_to_match(scope)
    registered = funnel[0][1] or 1
    rtl = text_direction(str(get_locale() or "nl")) == "rtl"  # charts mirror on Arabic pages
    return {
        "today": today,
        "waiting": stats.families_waiting(scope, today),
        "matched_month": stats.matched_this_month(scope, today),
        "active": stats.active_matches(scope),
        "readiness": stats.volunteers_by_readiness(scope, today, pool),
        "language_rows": languages,
        "language_chart": bar_chart(
            "chart-languages",
            [(language_label(r.code), [r.waiting_families, r.ready_volunteers])
             for r in languages],
            [_("Families waiting"), _("Ready volunteers")], rtl=rtl),
        "funnel": funnel,
        "funnel_chart": bar_chart(
            "chart-funnel", [(str(FUNNEL[step]), [n]) for step, n in funnel],
            [_("Volunteers")],
            texts=[[f"{n} ({round(100 * n / registered)}%)"] for _s, n in funnel], rtl=rtl),
        "time_to_match": ttm,
        "time_chart": bar_chart(
            "chart-time", [(bucket_label(b), [n]) for b, n in ttm.buckets], [_("Matches")],
            rtl=rtl),
        "hours": stats.volunteer_hours(scope, today),
        "by_language": stats.fairness_by_language(scope, today, facts),
        "by_origin": stats.fairness_by_origin(scope, today, facts),
        "volunteer_groups": stats.fairness_volunteer_groups(scope, today, pool),
        "ready_by_programme": stats.ready_by_programme(scope, today, pool),
        "headlines": stats.programme_headlines([p.id for p in scope.programmes], today),
    }
