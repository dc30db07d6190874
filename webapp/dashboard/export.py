"""The aggregated, anonymised CSV for the municipality: counts only, with small-cell
suppression (any count under 5 is written as "<5", and where one small cell could be worked
out from a total, another cell of the same set is hidden as "x"; a last row says so). Codes
identify the groups, so the file reads the same in every interface language; the header and
group names are translated."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import gettext as _

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


def _safe(text: str) -> str:
    """No spreadsheet formulas: a cell never starts with = + - @."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def municipality_csv(scope: stats.Scope, today: date) -> str:
    """The export as CSV text (suppressed counts)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_("section"), _("group"), _("group name"), _("measure"), _("count")])
    for section, code, measure, shown in stats.suppress_rows(
            stats.municipality_rows(scope, today)):
        writer.writerow([section, code, _safe(_group_name(section, code)), measure, shown])
    writer.writerow(["note", "", _safe(_("<5: fewer than 5. x: hidden, so that a group of "
                                         "fewer than 5 cannot be worked out by subtraction.")),
                     "", ""])
    return out.getvalue()
