"""Families: intake of needs and preferences with consent, the family list and page, and the
audit log for admins."""
from datetime import datetime

from flask import Blueprint
from flask_babel import ngettext

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
        return ngettext("%(num)s day", "%(num)s days", days)
    if days < 13 * 7:
        return ngettext("%(num)s week", "%(num)s weeks", days // 7)
    return ngettext("%(num)s month", "%(num)s months", days // 30)


from . import routes  # noqa: F401
