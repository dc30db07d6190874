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
    "school": _l("School system and discrimination in school advice"),
    "discrimination": _l("Helping your child with discrimination and exclusion"),
    "religion_upbringing": _l("Religion in upbringing"),
    "family_reunification": _l("Family reunification"),
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

# Where each theme comes from. The KIS study is "Ondersteuning bij ouderschap en opvoeding voor
# inburgeringsplichtige ouders" (Kennisplatform Integratie en Samenleving).
_KIS_CONSENSUS = _l("KIS study on parenting support for newcomer parents: the themes everyone "
                    "agrees on")
_KIS_NEEDS = _l("KIS study on parenting support for newcomer parents: what parents and key "
                "persons told")
_HANDREIKING = _l("The NJi/Pharos handreiking for programmes with refugee families")
THEME_SOURCES = {
    "school": _KIS_CONSENSUS, "sexual_health": _KIS_CONSENSUS, "responsive_talk": _KIS_CONSENSUS,
    "confidence": _KIS_CONSENSUS, "two_cultures": _KIS_CONSENSUS, "wellbeing": _KIS_CONSENSUS,
    "digital": _KIS_CONSENSUS, "fear_removal": _KIS_CONSENSUS,
    "discrimination": _KIS_NEEDS, "religion_upbringing": _KIS_NEEDS,
    "family_reunification": _KIS_NEEDS, "leisure": _KIS_NEEDS, "puberty": _KIS_NEEDS,
    "fathers": _KIS_NEEDS, "own_language_contact": _KIS_NEEDS,
    "dutch_contact": _HANDREIKING, "practise_dutch": _HANDREIKING,
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

# Origin and religion (special categories, GDPR art. 9): codes with labels, plus "other: …"
# with the words as typed (stored as ``"other:<text>"``). The family's community and religion,
# a volunteer's community, region and religion, and the groups a family wants to avoid use
# these lists, so a family's wish can be checked against what a volunteer declared.
OTHER = "other"
OTHER_PREFIX = "other:"

COMMUNITIES = {
    "alawite": _l("Alawite"), "sunni_arab": _l("Sunni Arab"), "druze": _l("Druze"),
    "kurdish": _l("Kurdish"), "yazidi": _l("Yazidi"), "assyrian": _l("Assyrian / Chaldean"),
    "armenian": _l("Armenian"), "turkmen": _l("Turkmen"), "palestinian": _l("Palestinian"),
    "hazara": _l("Hazara"), "tajik": _l("Tajik"), "pashtun": _l("Pashtun"),
    "uzbek": _l("Uzbek"), "baloch": _l("Baloch"), "tigrinya": _l("Tigrinya"),
    "tigre": _l("Tigre"), "amhara": _l("Amhara"), "oromo": _l("Oromo"),
    "eritrean_orthodox": _l("Eritrean Orthodox"), "pentecostal": _l("Pentecostal"),
    "darod": _l("Darod"), "hawiye": _l("Hawiye"), "isaaq": _l("Isaaq"), "dir": _l("Dir"),
    "somali_bantu": _l("Somali Bantu"), "crimean_tatar": _l("Crimean Tatar"),
    "roma": _l("Roma"),
}

REGIONS = {
    "damascus": _l("Damascus (Syria)"), "aleppo": _l("Aleppo (Syria)"),
    "homs": _l("Homs (Syria)"), "idlib": _l("Idlib (Syria)"), "daraa": _l("Daraa (Syria)"),
    "latakia": _l("Latakia (Syria)"), "deir_ez_zor": _l("Deir ez-Zor (Syria)"),
    "raqqa": _l("Raqqa (Syria)"), "hasakah": _l("Al-Hasakah (Syria)"),
    "kabul": _l("Kabul (Afghanistan)"), "herat": _l("Herat (Afghanistan)"),
    "ghazni": _l("Ghazni (Afghanistan)"), "kandahar": _l("Kandahar (Afghanistan)"),
    "balkh": _l("Balkh (Afghanistan)"), "bamyan": _l("Bamyan (Afghanistan)"),
    "maekel": _l("Maekel / Asmara (Eritrea)"), "debub": _l("Debub (Eritrea)"),
    "gash_barka": _l("Gash-Barka (Eritrea)"), "tigray": _l("Tigray (Ethiopia)"),
    "oromia": _l("Oromia (Ethiopia)"), "kurdistan_iraq": _l("Kurdistan Region (Iraq)"),
    "nineveh": _l("Nineveh (Iraq)"), "baghdad": _l("Baghdad (Iraq)"),
    "somaliland": _l("Somaliland (Somalia)"), "puntland": _l("Puntland (Somalia)"),
    "mogadishu": _l("Mogadishu (Somalia)"), "darfur": _l("Darfur (Sudan)"),
    "khartoum": _l("Khartoum (Sudan)"), "gaza": _l("Gaza (Palestinian territories)"),
    "west_bank": _l("West Bank (Palestinian territories)"),
    "donetsk": _l("Donetsk (Ukraine)"), "luhansk": _l("Luhansk (Ukraine)"),
    "crimea": _l("Crimea (Ukraine)"), "kharkiv": _l("Kharkiv (Ukraine)"),
    "kyiv": _l("Kyiv (Ukraine)"), "khuzestan": _l("Khuzestan (Iran)"),
}

RELIGIONS = {
    "islam": _l("Islam"), "islam_sunni": _l("Islam (Sunni)"), "islam_shia": _l("Islam (Shia)"),
    "christianity": _l("Christianity"), "christian_orthodox": _l("Christianity (Orthodox)"),
    "christian_catholic": _l("Christianity (Catholic)"),
    "christian_protestant": _l("Christianity (Protestant or Pentecostal)"),
    "judaism": _l("Judaism"), "yazidism": _l("Yazidism"), "druze_faith": _l("Druze faith"),
    "bahai": _l("Bahá'í"), "hinduism": _l("Hinduism"), "buddhism": _l("Buddhism"),
    "sikhism": _l("Sikhism"), "none": _l("No religion"),
}

# Groups a family can ask to avoid: a country, a community or a region (stored one per line
# as "SY", "community:hazara", "region:idlib" or "other:<text>").
GROUP_KINDS = {"community": "COMMUNITIES", "region": "REGIONS"}


def other_value(text: str) -> str:
    """The stored form of an "other: …" answer."""
    return OTHER_PREFIX + " ".join(text.split())


def other_text(value: str | None) -> str | None:
    """The words of an "other: …" value (``None`` for a code)."""
    if value and value.startswith(OTHER_PREFIX):
        return value[len(OTHER_PREFIX):]
    return None


def _labels_in_languages(label) -> list[str]:
    """A label in Koppel's languages (only the current one outside an application)."""
    try:
        from flask import current_app
        from flask_babel import force_locale
        current_app._get_current_object()
    except RuntimeError:
        return [str(label)]
    out = []
    for lang in ("en", "nl", "ar"):
        with force_locale(lang):
            out.append(str(label))
    return out


_NAMES: dict[str, dict[str, str]] = {}


def _names(name: str) -> dict[str, str]:
    """Lower-cased codes and labels (English, Dutch, Arabic) of vocabulary ``name`` → code
    (made once, inside an application)."""
    if name in _NAMES:
        return _NAMES[name]
    names: dict[str, str] = {}
    for code, label in globals()[name].items():
        names[code.lower()] = code
        for text in _labels_in_languages(label):
            names.setdefault(" ".join(text.split()).casefold(), code)
    try:
        from flask import current_app
        current_app._get_current_object()
        _NAMES[name] = names
    except RuntimeError:
        pass
    return names


def code_for_text(name: str, text: str | None) -> str | None:
    """A typed or stored answer as a value of vocabulary ``name`` (``"COMMUNITIES"``,
    ``"REGIONS"``, ``"RELIGIONS"``): its code when the text is a code or a label
    (case-insensitively), else ``"other:<text>"`` with the words kept. ``None`` when empty."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if text in globals()[name] or other_text(text) is not None:
        return text
    return _names(name).get(text.casefold()) or other_value(text)


def group_for_text(text: str | None) -> str | None:
    """A typed or stored group to avoid as a group value: a country code, ``"community:…"``,
    ``"region:…"``, or ``"other:<text>"`` (matched case-insensitively on codes and labels)."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if text in COUNTRIES and text != OTHER or other_text(text) is not None:
        return text
    kind, _sep, code = text.partition(":")
    if kind in GROUP_KINDS and code in globals()[GROUP_KINDS[kind]]:
        return text
    key = text.casefold()
    country = {k: c for k, c in _names("COUNTRIES").items() if c != OTHER}.get(key)
    if country:
        return country
    for kind, name in GROUP_KINDS.items():
        code = _names(name).get(key)
        if code and code != OTHER:
            return f"{kind}:{code}"
    return other_value(text)


def value_label(name: str, value: str | None) -> str:
    """The label of a stored value of vocabulary ``name`` (the words of "other: …")."""
    if not value:
        return ""
    words = other_text(value)
    if words is not None:
        return words
    return str(globals()[name].get(value, value))


def group_label(value: str) -> str:
    """The label of a stored group to avoid."""
    words = other_text(value)
    if words is not None:
        return words
    kind, _sep, code = value.partition(":")
    if kind in GROUP_KINDS:
        return str(globals()[GROUP_KINDS[kind]].get(code, code))
    return str(COUNTRIES.get(value, value))


def group_choices() -> dict[str, list[tuple[str, str]]]:
    """Grouped (optgroup) choices of the groups a family can avoid."""
    return {
        str(_l("Countries")): [(c, n) for c, n in COUNTRIES.items() if c not in (OTHER, "NL")],
        str(_l("Communities")): [(f"community:{c}", n) for c, n in COMMUNITIES.items()],
        str(_l("Regions")): [(f"region:{c}", n) for c, n in REGIONS.items()],
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

