"""Form helpers for the special-category vocabularies (communities, regions, religions): a
select of the codes with "other", and a text field next to it for the words of "other".

Used by the family intake form and the volunteer profile form, so both sides of a match
answer from the same lists.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from . import vocab


def vocab_choices(name: str, blank) -> list[tuple[str, object]]:
    """Choices of a special-category vocabulary (communities, regions, religions): not
    recorded, the codes, and "other" (the words typed in the field next to it)."""
    return [("", blank)] + list(getattr(vocab, name).items()) \
        + [(vocab.OTHER, _l("Other (type it in the next field)"))]


def vocab_answer(select, other, name: str) -> tuple[str | None, str | None]:
    """(stored value, error) of a select with its "other" text field: the code, or the typed
    words as ``"other:<text>"`` (a typed label of the list becomes its code)."""
    code, text = select.data or "", " ".join((other.data or "").split())
    if code == vocab.OTHER:
        if not text:
            return None, _l("Type it in, or choose from the list.")
        return vocab.code_for_text(name, text), None
    if text:
        return None, _l("Choose “Other” in the list to type your own words, or clear them.")
    return code or None, None


def fill_vocab(select, other, value: str | None) -> None:
    """Show a stored value in a select and its "other" text field."""
    words = vocab.other_text(value)
    if words is not None:
        select.data, other.data = vocab.OTHER, words
    else:
        select.data, other.data = value or "", ""
