"""Words for training codes (catalogue items, their parts, why something does not count),
in the reader's language: used by the volunteer pages and the volunteer's home page."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

REASONS = {
    "never_done": _l("not done yet"), "expired": _l("no longer valid; please do it again"),
    "pending_verification": _l("reported; waiting for your coordinator to check it"),
    "rejected": _l("not accepted; see the reason below"),
    "wrong_profile": _l("a different screening profile is needed"),
    "parts_missing": _l("some parts are still open"),
    "in_grace": _l("expired; still counts for a short time, please renew now"),
    "expiring": _l("please renew before this date"),
}


def _dutch() -> bool:
    return str(get_locale()) == "nl"


def item_title(catalogue, code: str) -> str:
    item = catalogue.get(code)
    if item is None:
        return code
    return item.title_nl if _dutch() else item.title_en


def part_title(catalogue, code: str, part: str) -> str:
    item = catalogue.get(code)
    for p in (item.parts if item else ()):
        if p.code == part:
            return p.title_nl if _dutch() else p.title_en
    return part


def reason_text(reason: str) -> str:
    return str(REASONS.get(reason, reason))
