"""Matching in the web app: runs, proposals, approval, manual matches, the match lifecycle,
and what volunteers report about their matches."""
from flask import Blueprint

bp = Blueprint("matches", __name__)

from . import concern_views, routes  # noqa: E402,F401


@bp.record_once
def template_helpers(state):
    """Helpers for templates (also inside imported macros) that word matching's codes."""
    import json

    from flask_babel import get_locale

    from ..vocab import LANGUAGES, THEMES
    from . import concerns
    from .texts import (
        END_REASON_LABELS,
        FLAGS,
        STAGES,
        STATUS_LABELS,
        factor_text,
        refusal_text,
    )
    state.app.jinja_env.globals.update(
        factor_text=factor_text, factor_flags=FLAGS, refusal_text=refusal_text,
        status_labels=STATUS_LABELS,
        end_reasons=END_REASON_LABELS, language_name=lambda c: str(LANGUAGES.get(c, c)),
        theme_name=lambda c: str(THEMES.get(c, c)),
        stages_json=lambda: get_locale() and json.dumps({k: str(v) for k, v in STAGES.items()}),
        concern_badge=concerns.badge_counts)
