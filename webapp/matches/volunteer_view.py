"""What a volunteer sees of a match: exactly what the family agreed to, and only while the
match runs.

- paused (the family withdrew consent) or ended: no family details at all, only whom to
  contact;
- without the family's consent to share a short profile: only what is needed to meet — the
  programme, the coordinator (name, phone, e-mail), the first visit's date and, once the
  coordinator confirmed the first visit, the address;
- with it: also the short profile (:func:`webapp.families.services.minimal_profile`).
"""
from __future__ import annotations

from flask_babel import get_locale

from ..families.services import address_of, minimal_profile, shares_profile
from ..messaging.compose import format_when
from ..models.matches import Match
from .pausing import match_coordinator


def volunteer_view(match: Match) -> dict:
    """The values the volunteer's match page shows; ``family_shown`` says whether any
    family data is among them (the read is then audited by the caller)."""
    coordinator = match_coordinator(match)
    view = {
        "programme": match.programme.name,
        "coordinator": ({"name": coordinator.name, "phone": coordinator.phone or "",
                         "email": coordinator.email or ""} if coordinator else None),
        "paused": match.status == "paused",
        "ended": match.status == "ended",
        "first_visit": "", "profile": None, "address": None, "address_pending": False,
        "family_shown": False,
    }
    if view["paused"] or view["ended"]:
        return view
    family = match.family
    confirmed = match.address_confirmed_at is not None
    view["first_visit"] = format_when(match.first_visit_at, str(get_locale() or "nl"))
    if shares_profile(family):
        view["profile"] = minimal_profile(family, reveal_address=False)
    view["address"] = address_of(family) if confirmed else None
    view["address_pending"] = not confirmed
    view["family_shown"] = view["profile"] is not None or view["address"] is not None
    return view
