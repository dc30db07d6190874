"""Families: intake of needs and preferences with consent, the family list and page, and the
audit log for admins."""
from datetime import datetime

from flask import Blueprint
from flask_babel import ngettext
from markupsafe import Markup

from .. import vocab
from ..i18n import per_language
from ..models.base import utcnow
from . import choices

bp = Blueprint("families", __name__)


@bp.context_processor
def family_vocabularies():
    """Labels for the codes the family pages show."""
    return {"vocab_languages": vocab.translated("LANGUAGES"),
            "vocab_themes": vocab.translated("THEMES"), "theme_sources": vocab.THEME_SOURCES,
            "vocab_genders": vocab.GENDERS, "vocab_countries": vocab.COUNTRIES,
            "dagdeel_label": vocab.dagdeel_label, "choices": choices,
            "value_label": vocab.value_label, "group_label": vocab.group_label}


@bp.app_template_filter("format_weeks")
def format_weeks(since: datetime | None) -> str:
    """'3 weeks' / '5 months' since a moment, in plain words."""
    if since is None:
        return "—"
    days = max(0, (utcnow() - since).days)
    if days < 7:
        return per_language(("days", days), lambda: ngettext(
            "%(num)s day", "%(num)s days", days))
    if days < 13 * 7:
        return per_language(("weeks", days // 7), lambda: ngettext(
            "%(num)s week", "%(num)s weeks", days // 7))
    return per_language(("months", days // 30), lambda: ngettext(
        "%(num)s month", "%(num)s months", days // 30))


_STATUS_LOOK = {"waiting": ("warning", "bi-hourglass-split"),
                "matched": ("success", "bi-link-45deg"), "ended": ("secondary", "bi-stop-circle")}


@bp.app_template_global("family_status_badge")
def status_badge(status: str) -> Markup:
    """A request's status as a coloured badge with an icon and the word (made once per
    status and language: the family list shows one on every row)."""
    def build():
        colour, icon = _STATUS_LOOK[status]
        return Markup('<span class="badge text-bg-{}"><i class="bi {}" aria-hidden="true">'
                      '</i> {}</span>').format(colour, icon, str(choices.STATUSES[status]))
    return per_language(("family_status_badge", status), build)


from . import routes  # noqa: F401
