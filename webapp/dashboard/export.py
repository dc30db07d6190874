"""The aggregated, anonymised CSV for the municipality: counts only, with small-cell
suppression (any count under 5 is written as "<5", and where one small cell could be worked
out from a total, another cell of the same set is hidden as "x"; a last row says so). Codes
identify the groups, so the file reads the same in every interface language; the header and
group names are translated."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from .. import csv_safe
from . import stats
from .labels import FUNNEL, READINESS, background_label, country_label, language_label


def _group_name(section: str, code: str) -> str:
    if code == "not_recorded":
        return _("not recorded")
    if section == "language" or section == "family_language":
        return language_label(code)
    if section in ("family_origin", "volunteer_origin"):
        return country_label(code)
    if section == "volunteer_background":
        return background_label(code == "yes")
    if section == "volunteers":
        return str(READINESS.get(code, code))
    if section == "training_funnel":
        return str(FUNNEL.get(code, code))
    if section == "summary":
        return _("all")
    return code


def municipality_csv(scope: stats.Scope, today: date) -> str:
    """The export as CSV text (suppressed counts)."""
    rows = [[_("section"), _("group"), _("group name"), _("measure"), _("count")]]
    for section, code, measure, shown in stats.suppress_rows(
            stats.municipality_rows(scope, today)):
        rows.append([section, code, _group_name(section, code), measure, shown])
    rows.append(["note", "", _("<5: fewer than 5. x: hidden, so that a group of fewer than 5 "
                               "cannot be worked out by subtraction."), "", ""])
    return csv_safe.to_csv(rows, lineterminator="\n")
