"""Suggestions for the staff list: volunteers of the programme with a refugee background
whose training is complete are natural *sleutelpersonen* (trainers from the target group)."""
from __future__ import annotations

from ..models import Programme
from ..volunteers.readiness import readiness_for


def sleutelpersoon_suggestions(programme: Programme) -> list[dict]:
    """Volunteers interested in ``programme`` with a refugee background, ready for it."""
    from ..extensions import db
    from ..models import Volunteer, volunteer_programmes
    vols = db.session.execute(
        db.select(Volunteer).join(volunteer_programmes)
        .where(volunteer_programmes.c.programme_id == programme.id,
               Volunteer.refugee_background.is_(True))).scalars().all()
    ready = readiness_for(vols, programmes=[programme])
    return [{"volunteer": v, "languages": sorted(v.languages or {}),
             "ready": bool(ready.get(v.id, {}).get(programme.id)
                           and ready[v.id][programme.id].status != "not_ready")}
            for v in vols]
