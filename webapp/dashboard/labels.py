"""The dashboard's words: labels of readiness groups, funnel steps, waiting-time buckets and
groups, translated at display time (codes stay codes in the data and the CSV)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..vocab import COUNTRIES, LANGUAGES

READINESS = {
    "ready": _l("Ready"),
    "ready_warning": _l("Ready, something expires soon"),
    "not_ready": _l("Not ready yet"),
    "paused": _l("Paused"),
}
FUNNEL = {
    "registered": _l("Registered"),
    "elearning": _l("E-learning done"),
    "themabijeenkomst": _l("Themabijeenkomst attended"),
    "vog": _l("VOG recorded"),
    "ready": _l("Ready"),
}


def bucket_label(bounds: tuple[int, int | None]) -> str:
    """Words for a waiting-time bucket given in days, e.g. "2 weeks to 1 month"."""
    words = {0: _("under 2 weeks"), 14: _("2 weeks to 1 month"), 30: _("1 to 2 months"),
             60: _("2 to 3 months"), 90: _("3 to 6 months"), 180: _("6 months or more")}
    lo, hi = bounds
    return words.get(lo) or (_("%(lo)s to %(hi)s days", lo=lo, hi=hi - 1) if hi
                             else _("%(lo)s days or more", lo=lo))


def language_label(code: str | None) -> str:
    return _("not recorded") if code is None else str(LANGUAGES.get(code, code))


def country_label(code: str | None) -> str:
    return _("not recorded") if code is None else str(COUNTRIES.get(code, code))


def background_label(value: bool) -> str:
    return _("Refugee background") if value else _("No refugee background")


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def days(value: float | None) -> str:
    if value is None:
        return "–"
    return _("%(n)s days", n=int(value) if float(value).is_integer() else round(value, 1))
