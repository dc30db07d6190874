"""Password rules after NIST SP 800-63B: length, no composition rules, no obvious words."""
from __future__ import annotations

from flask_babel import gettext as _

MIN_STAFF = 12
MIN_VOLUNTEER = 10
_COMMON = {
    "password", "wachtwoord", "welkom", "welcome", "qwerty", "123456", "letmein", "koppel",
    "admin", "azerty", "iloveyou", "monkey", "dragon", "football", "voetbal", "geheim",
}


def password_problem(password: str, *, staff: bool, context: tuple[str, ...] = ()) -> str | None:
    """A translated reason why ``password`` is not acceptable, or None."""
    minimum = MIN_STAFF if staff else MIN_VOLUNTEER
    if len(password) < minimum:
        return _("Use at least %(n)d characters.", n=minimum)
    low = password.lower()
    stripped = low.strip("0123456789!?.#@ ")
    if stripped in _COMMON or len(set(low)) < 4:
        return _("This password is too easy to guess. A few random words make a strong one.")
    for item in context:
        item = (item or "").lower()
        for part in item.replace("@", " ").replace(".", " ").split():
            if len(part) >= 4 and part in low:
                return _("Do not use your name, e-mail address or organisation in the password.")
    return None
