"""Password rules after NIST SP 800-63B (section 5.1.1.2).

* Length is what counts: at least 12 characters for staff (coordinators, admins), 10 for
  volunteers; up to 1000 characters (the form's limit) and every character allowed.
* No composition rules (no "one digit, one capital"): they make passwords harder to remember,
  not harder to guess.
* Every new password is checked **offline** against lists of common passwords, dictionary
  words, names, keyboard patterns, repeats and sequences (``zxcvbn`` ships those lists, so
  nothing is sent anywhere), and against the user's own context: their name, e-mail address,
  the name of their organisation and the word "Koppel".
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

MIN_STAFF = 12
MIN_VOLUNTEER = 10
# zxcvbn's scores run from 0 (too guessable) to 4 (very unguessable). Score 3 means "safely
# unguessable: moderate protection from an offline slow-hash scenario" (about 10^8 guesses
# and more, to which argon2id adds its own cost).
MIN_SCORE_STAFF = 3
MIN_SCORE_VOLUNTEER = 3
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; a password longer than this is not guessable
_COMMON = {
    "password", "wachtwoord", "welkom", "welcome", "qwerty", "123456", "letmein", "koppel",
    "admin", "azerty", "iloveyou", "monkey", "dragon", "football", "voetbal", "geheim",
}
ALWAYS_CONTEXT = ("koppel", "home-start", "homestart", "vluchtelingenwerk", "refugee")


def context_words(context: tuple[str, ...]) -> list[str]:
    """The words of the user's own context that must not carry a password."""
    words: set[str] = set(ALWAYS_CONTEXT)
    for item in context:
        item = (item or "").lower()
        words.add(item.strip())
        for part in re.split(r"[\s@._\-+]+", item):
            if len(part) >= 3:
                words.add(part)
    return sorted(w for w in words if w)


def strength(password: str, context: tuple[str, ...] = ()) -> int:
    """zxcvbn's score 0–4 of ``password`` given the user's context."""
    from zxcvbn import zxcvbn  # imported lazily: it loads its word lists on first use

    return int(zxcvbn(password[:_ZXCVBN_MAX], user_inputs=context_words(context))["score"])


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
    needed = MIN_SCORE_STAFF if staff else MIN_SCORE_VOLUNTEER
    if strength(password, context) < needed:
        return _("This password is too easy to guess. A few random words make a strong one.")
    return None
