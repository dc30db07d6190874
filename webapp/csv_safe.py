"""CSV files that are safe to open in a spreadsheet: every export goes through :func:`to_csv`.

* Formula injection: a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (also after
  leading spaces), or with a tab, carriage return or line feed, gets a leading apostrophe,
  so Excel and LibreOffice show it as text instead of running it (OWASP "CSV injection").
  Numbers are written as they are.
* Quoting: a cell is quoted when it holds a comma, a semicolon (the separator Dutch Excel
  uses), a quote, a tab or a line break, so the columns stay where they are whichever
  separator the spreadsheet assumes.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@")
CONTROL_START = ("\t", "\r", "\n")
QUOTE_IF = (",", ";", '"', "\t", "\r", "\n")


def cell(value) -> str:
    """The text of one cell with formulas neutralised (``None`` is an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text[:1] in CONTROL_START or text.lstrip(" ")[:1] in FORMULA_START:
        return "'" + text
    return text


def _quoted(text: str) -> str:
    if any(ch in text for ch in QUOTE_IF):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(rows: Iterable[Iterable], *, lineterminator: str = "\r\n") -> str:
    """CSV text of ``rows`` (the header is simply the first row), comma-separated."""
    return "".join(",".join(_quoted(cell(v)) for v in row) + lineterminator for row in rows)
