"""Shared vocabularies: languages, levels, themes, days, genders, countries.

Codes are stored; labels are translated at display time. Volunteers and families use the
same lists, so a theme or language means the same thing on both sides of a match.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# Languages Koppel knows (ISO 639-1, or 639-3 where there is no two-letter code).
LANGUAGES = {
    "nl": _l("Dutch"), "en": _l("English"), "ar": _l("Arabic"), "ti": _l("Tigrinya"),
    "fa": _l("Persian (Farsi)"), "prs": _l("Dari"), "ps": _l("Pashto"), "ku": _l("Kurdish"),
    "so": _l("Somali"), "uk": _l("Ukrainian"), "ru": _l("Russian"), "tr": _l("Turkish"),
    "am": _l("Amharic"), "fr": _l("French"), "es": _l("Spanish"), "de": _l("German"),
    "ur": _l("Urdu"), "pl": _l("Polish"),
}
# Languages of family messages (DOMAIN.md: at least these eight).
MESSAGE_LANGUAGES = ("nl", "en", "ar", "ti", "prs", "so", "uk", "tr")
RTL_LANGUAGES = frozenset({"ar", "fa", "prs", "ps", "ku", "ur"})

LANGUAGE_LEVELS = {"native": _l("Native language"), "good": _l("Good"), "basic": _l("Basic")}
CEFR_LEVELS = ("A0", "A1", "A2", "B1", "B2", "C1", "C2")

# Family-needs themes (seed 004), used for families' needs and volunteers' confident themes.
THEMES = {
    "school": _l("School system and school advice"),
    "sexual_health": _l("Sexual health"),
    "responsive_talk": _l("Talking with your child"),
    "confidence": _l("Confidence as a parent"),
    "two_cultures": _l("Raising children in two cultures and languages"),
    "wellbeing": _l("Mental health and wellbeing"),
    "digital": _l("Children in a digital world"),
    "fear_removal": _l("Fear that children are taken away"),
    "leisure": _l("Leisure time"),
    "puberty": _l("Puberty and supervision"),
    "own_language_contact": _l("A contact who speaks our language"),
    "dutch_contact": _l("Contact with Dutch people"),
    "practise_dutch": _l("Practising Dutch"),
    "fathers": _l("Involving fathers"),
}

DAYS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"),
        "thu": _l("Thursday"), "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}
PARTS = {"am": _l("morning"), "pm": _l("afternoon"), "ev": _l("evening")}
# A dagdeel is a day and a part of it, stored as e.g. "mon_am".
DAGDELEN = tuple(f"{d}_{p}" for d in DAYS for p in PARTS)

GENDERS = {"f": _l("Woman"), "m": _l("Man"), "x": _l("Other / rather not say")}

COUNTRIES = {
    "SY": _l("Syria"), "ER": _l("Eritrea"), "AF": _l("Afghanistan"), "UA": _l("Ukraine"),
    "IQ": _l("Iraq"), "IR": _l("Iran"), "SO": _l("Somalia"), "TR": _l("Turkey"),
    "YE": _l("Yemen"), "ET": _l("Ethiopia"), "SD": _l("Sudan"), "PS": _l("Palestinian territories"),
    "MA": _l("Morocco"), "NL": _l("the Netherlands"), "other": _l("Other country"),
}

_POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s?([A-Za-z]{2})?\s*$")


def parse_postcode(value: str) -> tuple[str, str | None] | None:
    """Split a Dutch postcode ('2312 AB', '2312ab' or just '2312') into (PC4, letters)."""
    m = _POSTCODE.match(value or "")
    if not m:
        return None
    letters = m.group(2).upper() if m.group(2) else None
    if letters in {"SA", "SD", "SS"}:  # never issued
        return None
    return m.group(1), letters


def translated(name: str) -> dict[str, str]:
    """The vocabulary ``name`` (e.g. ``"LANGUAGES"``) with its labels translated into the
    current language, as plain strings, made once per language: a list page looks labels up
    for every row, and a lazy label is translated again each time it is printed."""
    from .i18n import per_language
    return per_language(("vocab", name), lambda: {code: str(label)
                                                  for code, label in globals()[name].items()})


def translated_choices(key: str, choices) -> list[tuple[str, str]]:
    """The (value, label) choices of a fixed select named ``key``, labels translated once per
    language, as plain strings."""
    from .i18n import per_language
    return per_language(("choices", key), lambda: [(value, str(label))
                                                    for value, label in choices])


def dagdeel_label(code: str) -> str:
    day, part = code.split("_")
    return f"{DAYS[day]} {PARTS[part]}"

