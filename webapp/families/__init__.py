"""Families: intake of needs and preferences with consent, the family list and page, and the
audit log for admins."""
from datetime import datetime

from flask import Blueprint
from flask_babel import get_locale, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .. import vocab
from ..models.base import utcnow
from . import choices

bp = Blueprint("families", __name__)


@bp.context_processor
def family_vocabularies():
    """Labels for the codes the family pages show."""
    return {"vocab_languages": vocab.translated(vocab.LANGUAGES),
            "vocab_themes": vocab.translated(vocab.THEMES),
            "vocab_genders": vocab.GENDERS, "vocab_countries": vocab.COUNTRIES,
            "dagdeel_label": vocab.dagdeel_label, "choices": choices}


@bp.app_template_filter("format_weeks")
def format_weeks(since: datetime | None) -> str:
    """'3 weeks' / '5 months' since a moment, in plain words."""
    if since is None:
        return "—"
    days = max(0, (utcnow() - since).days)
    if days < 7:
        unit, n = "day", days
    elif days < 13 * 7:
        unit, n = "week", days // 7
    else:
        unit, n = "month", days // 30
    key = (str(get_locale() or ""), unit, n)  # a list page says the same few things often
    words = _DURATIONS.get(key)
    if words is None:
        words = _DURATIONS[key] = (
            ngettext("%(num)s day", "%(num)s days", n) if unit == "day" else
            ngettext("%(num)s week", "%(num)s weeks", n) if unit == "week" else
            ngettext("%(num)s month", "%(num)s months", n))
    return words


_DURATIONS: dict[tuple[str, str, int], str] = {}


_STATUS = {"waiting": ("warning", "bi-hourglass-split", _l("Waiting")),
           "matched": ("success", "bi-link-45deg", _l("Matched")),
           "ended": ("secondary", "bi-stop-circle", _l("Ended"))}
_BADGES: dict[tuple[str, str], Markup] = {}


@bp.app_template_global("family_status_badge")
def status_badge(status: str) -> Markup:
    """A request's status as a coloured badge with an icon and the word (made once per
    status and language: the family list shows one on every row)."""
    key = (str(get_locale() or ""), status)
    badge = _BADGES.get(key)
    if badge is None:
        colour, icon, label = _STATUS[status]
        badge = _BADGES[key] = Markup(
            '<span class="badge text-bg-{}"><i class="bi {}" aria-hidden="true"></i> {}</span>'
        ).format(colour, icon, str(label))
    return badge


from . import routes  # noqa: F401
