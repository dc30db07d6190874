"""The Dutch and Arabic catalogues are complete: every string the code and templates mark for
translation (extracted exactly as ``make extract-messages`` does) has a translation in nl and
ar, and no translation is marked fuzzy. A new string without its translations fails here."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_catalogue_is_complete(extracted, language):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    missing, fuzzy = [], []
    for msgid in sorted(extracted):
        message = catalog.get(msgid)
        strings = ([message.string] if isinstance(message.string, str) else
                   list(message.string)) if message else []
        if not message or not all(strings):
            missing.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
    assert not missing, f"{len(missing)} strings without a {language} translation, e.g. " \
                        f"{missing[:5]}"
    assert not fuzzy, f"fuzzy {language} translations: {fuzzy[:5]}"
