"""The volunteer's home page: per programme whether they can be matched and what is still
missing (training readiness from :mod:`.readiness`, whose rules live in ``training``), and
their running matches with the first visit's date. Exposed to templates as
``volunteer_home()`` (registered by the blueprint)."""
from __future__ import annotations

from flask_babel import get_locale
from flask_login import current_user

from ..extensions import db
from ..messaging.compose import format_when
from ..models.matches import ACTIVE_MATCH_STATUSES, Match
from ..training_catalogue import catalogue
from .readiness import volunteer_readiness


def volunteer_home() -> dict | None:
    """What the current volunteer's home page shows; ``None`` without a volunteer profile."""
    volunteer = getattr(current_user, "volunteer", None)
    if volunteer is None:
        return None
    results = volunteer_readiness(volunteer)
    programmes = {p.id: p for p in volunteer.programmes}
    language = str(get_locale() or "nl")
    matches = db.session.execute(db.select(Match).where(
        Match.volunteer_id == volunteer.id, Match.status.in_(ACTIVE_MATCH_STATUSES))
        .order_by(Match.approved_at.desc())).scalars().all()
    return {
        "volunteer": volunteer, "catalogue": catalogue(),
        "readiness": [(programmes[pid], r) for pid, r in results.items() if pid in programmes],
        "on_break": volunteer.status == "paused",
        "paused_until": volunteer.paused_until,
        "matches": [{"match": m, "first_visit": "" if m.status == "paused"
                     else format_when(m.first_visit_at, language)} for m in matches],
    }
