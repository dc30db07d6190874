"""Fuzzing the volunteer importer (CSV and XLSX) with hypothesis.

Whatever file a coordinator uploads, :func:`parse_and_validate` either returns its list of
problems or raises :class:`ImportFileError` (a clean "cannot read this file" message) —
never another exception. A file it passes without problems must also store without error.
"""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from training import CATALOGUE
from webapp.volunteers.imports import OPTIONAL, REQUIRED, ImportFileError, parse_and_validate

# The columns an installation with the shipped catalogue knows (the app reads the catalogue
# from the database; the strategies below are built before any app exists).
KNOWN = REQUIRED + OPTIONAL + tuple(code for code, item in CATALOGUE.items()
                                    if item.kind not in ("vog", "check"))

TODAY = date(2026, 11, 23)
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Cell texts: plausible values, separators, quotes, formulas, odd unicode, huge numbers.
_plausible = st.sampled_from([
    "", " ", "Fatima Haddad", "fatima@example.org", "2312AB", "2312 ab", "1985", "f", "m", "x",
    "ar:native;en:good", "ar:fluent", "zz:native", "B1", "native", "yes", "nee", "SY", "2016",
    "mon_am;tue_pm", "mon_xx", "2", "-1", "99999999999999999999", "1e309", "NaN", "2026-03-14",
    "14-03-2026", "31-02-2026", "2999-01-01", "1900-01-01", "=HYPERLINK(\"http://x\")",
    "+cmd|' /C calc'!A0", "@SUM(1)", "\"quoted;value\"", "a\nb", "\u202egnp.exe", "\x00",
    "ﷺ" * 50, "😀", "x" * 5000,
])
cell_text = st.one_of(_plausible, st.text(max_size=40))
column = st.one_of(st.sampled_from(KNOWN), st.text(max_size=12))


@st.composite
def csv_file(draw) -> bytes:
    header = list(REQUIRED) + draw(st.lists(column, max_size=6))
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    sep = draw(st.sampled_from([";", ",", "\t"]))
    rows = draw(st.lists(st.lists(cell_text, max_size=len(header) + 2), max_size=6))

    def line(cells):
        return sep.join('"' + str(c).replace('"', '""') + '"' if
                        any(ch in str(c) for ch in (sep, '"', "\n")) else str(c) for c in cells)
    text = "\n".join([line(header)] + [line(r) for r in rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


xlsx_value = st.one_of(
    st.none(), cell_text.map(lambda s: s.replace("\x00", "")), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)))


@st.composite
def xlsx_file(draw) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError
    wb = Workbook()
    ws = wb.active
    header = list(REQUIRED) + draw(st.lists(st.sampled_from(KNOWN), max_size=4, unique=True))
    ws.append(header)
    for row in draw(st.lists(st.lists(xlsx_value, max_size=len(header) + 1), max_size=5)):
        try:
            ws.append(row)
        except (IllegalCharacterError, ValueError):
            ws.append(["?"] * len(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _check(content: bytes):
    try:
        parsed = parse_and_validate(content, TODAY)
    except ImportFileError as exc:
        assert str(exc)  # a message for the coordinator
        return None
    for problem in parsed.problems:
        assert problem.row >= 1 and isinstance(problem.message, str) and problem.message
    return parsed


@FUZZ
@given(content=st.binary(max_size=2000))
@example(content=b"")
@example(content=b"PK\x03\x04garbage")
@example(content=b"\xff\xfe\x00n\x00a\x00m\x00e")
@example(content=b"name;email;postcode;birth_year\n" + b"\"" * 3000)
def test_arbitrary_bytes_never_crash(app, content):
    _check(content)


@FUZZ
@given(content=csv_file())
def test_csv_files_never_crash(app, content):
    _check(content)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=xlsx_file(), cut=st.one_of(st.none(), st.integers(0, 4000)),
       flip=st.one_of(st.none(), st.integers(0, 4000)))
def test_xlsx_files_and_broken_ones_never_crash(app, content, cut, flip):
    if flip is not None and flip < len(content):
        content = content[:flip] + bytes([content[flip] ^ 0xFF]) + content[flip + 1:]
    if cut is not None:
        content = content[:cut]
    _check(content)


@st.composite
def valid_row(draw, number):
    return ";".join([
        draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"],
                                   exclude_characters=';"'), min_size=1, max_size=200))
        .strip() or "Naam",
        f"fuzz{number}.{draw(st.integers(0, 10**9))}@example.org",
        draw(st.sampled_from(["2312AB", "2316 ab", "1011AB", "3511"])),
        str(draw(st.integers(1940, 2008))),
        draw(st.sampled_from(["", "ar:native;en:good", "ti:basic"])),
        draw(st.sampled_from(["", "B1", "native"])),
        draw(st.sampled_from(["", "mon_am;tue_pm"])),
    ])


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_what_validates_also_stores(app, world, data):
    """No file that passes validation fails when stored (lengths, encodings, types)."""
    from webapp.extensions import db
    from webapp.volunteers.imports import import_rows
    rows = [data.draw(valid_row(i)) for i in range(data.draw(st.integers(1, 3)))]
    content = ("name;email;postcode;birth_year;languages;dutch_level;dagdelen\n"
               + "\n".join(rows)).encode()
    parsed = _check(content)
    if parsed is None or parsed.problems:
        return
    try:
        assert import_rows(parsed.rows, world.prog_a, world.coord_a) == len(rows)
    finally:
        db.session.rollback()
