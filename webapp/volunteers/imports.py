"""Importing existing volunteers and their training records from CSV or Excel (.xlsx).

Two steps: :func:`parse_and_validate` reads the file and lists every problem with its row
number, column and reason (nothing is stored); :func:`import_rows` stores a file without
problems in one transaction (all rows or none). Between the two steps the file waits,
encrypted, in ``instance/imports/`` (see :func:`stash` / :func:`unstash`), and a
:class:`~webapp.models.VolunteerImport` row records whether it was confirmed: :func:`confirm`
stores a file once, however often (or however simultaneously) its confirmation is posted.

Columns (header row; names are case-insensitive, order is free): ``name``, ``email``,
``postcode`` and ``birth_year`` are required; optional: ``phone``, ``gender`` (f/m/x),
``travel_km``, ``languages`` (``ar:native;en:good``), ``dutch_level`` (A0–C2 or native),
``refugee_background`` (yes/no), ``origin_country`` (SY, ER, …), ``arrival_year``,
``dagdelen`` (``mon_am;tue_pm``), ``max_families``, ``hours_per_week``, ``themes``; training:
one column per catalogue item code (e.g. ``pharos_elearning``, ``themabijeenkomst``,
``basis_homestart``) holding the completion date, and ``vog_issued_on``, ``vog_profile``,
``vog_original_seen``. Dates: 2026-03-14 or 14-03-2026.
"""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _


from .. import audit, crypto, vocab
from ..crypto import blind_index
from ..extensions import db
from ..models import (
    Programme,
    Role,
    TrainingCompletion,
    User,
    Volunteer,
    VolunteerImport,
    VolunteerVog,
)
from ..models.base import utcnow

MAX_ROWS = 20000
STASH_SECONDS = 3600
BATCH_DAYS = 2  # how long the record of an upload is kept (longer than its file)
REQUIRED = ("name", "email", "postcode", "birth_year")
OPTIONAL = ("phone", "gender", "travel_km", "languages", "dutch_level", "refugee_background",
            "origin_country", "arrival_year", "dagdelen", "max_families", "hours_per_week",
            "themes", "vog_issued_on", "vog_profile", "vog_original_seen")


def training_columns() -> tuple[str, ...]:
    """One column per training item of the installation's catalogue that is not retired
    (not the VOG or the check: they have their own columns)."""
    from ..training_catalogue import active_items
    return tuple(item.code for item in active_items() if item.kind not in ("vog", "check"))


def known_columns() -> tuple[str, ...]:
    return REQUIRED + OPTIONAL + training_columns()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = {"yes", "ja", "y", "j", "1", "true", "waar"}
_NO = {"no", "nee", "n", "0", "false", "onwaar", ""}


class ImportFileError(ValueError):
    """The file cannot be read at all (wrong type, empty, no header)."""


class AlreadyConfirmed(Exception):
    """This upload was confirmed and stored before (perhaps by a simultaneous request)."""


class ImportExpired(Exception):
    """No upload waits under this key (unknown, too old, or someone else's)."""


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class Parsed:
    rows: list[dict] = field(default_factory=list)  # clean values, ready to store
    problems: list[Problem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --- reading -------------------------------------------------------------------------------

def read_table(content: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """(header, [(row number, cells)]) from CSV or XLSX bytes (detected by content)."""
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    return _read_csv(content)


def _read_csv(content: bytes):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # bytes that are neither UTF-8 nor cp1252 (e.g. 0x81): not a text file (fuzz find)
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error:  # a cell over csv.field_size_limit() (131,072 characters)
        raise ImportFileError(_("A cell is too long. Please check the file: no cell can hold "
                                "more than a few lines of text.")) from None
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return rows[0], [(i + 2, r) for i, r in enumerate(rows[1:])]


def _read_xlsx(content: bytes):
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(_("This Excel file cannot be read. Save it again as .xlsx "
                                "or as CSV.")) from None
    ws = wb.worksheets[0]
    rows = []
    header = None
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else v for v in values]
        if header is None:
            header = [str(c) for c in cells]
            continue
        rows.append((number, cells))
    wb.close()
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return header, rows


# --- checking ------------------------------------------------------------------------------

def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


def _date(value, today: date) -> date:
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    else:
        text = _text(value)
        d = None
        for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
            try:
                d = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if d is None:
            raise ValueError(_("not a date; write it as 2026-03-14 or 14-03-2026"))
    if d > today:
        raise ValueError(_("this date is in the future"))
    if d.year < 1950:
        raise ValueError(_("this date is too long ago"))
    return d


def _int(value, low: int, high: int) -> int:
    text = _text(value)
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(_("not a whole number"))
    number = int(text)
    if not low <= number <= high:
        raise ValueError(_("must be from %(low)s to %(high)s", low=low, high=high))
    return number


def _yes_no(value) -> bool:
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(_("write yes or no"))


def _codes(value, allowed, what: str) -> list[str]:
    items = [p.strip() for p in re.split(r"[;,]", _text(value)) if p.strip()]
    bad = [p for p in items if p not in allowed]
    if bad:
        raise ValueError(_("unknown %(what)s: %(codes)s", what=what, codes=", ".join(bad)))
    return list(dict.fromkeys(items))


def _languages(value) -> dict[str, str]:
    result = {}
    for part in (p.strip() for p in re.split(r"[;,]", _text(value)) if p.strip()):
        code, _sep, level = part.partition(":")
        code, level = code.strip().lower(), level.strip().lower()
        if code not in vocab.LANGUAGES:
            raise ValueError(_("unknown language code %(code)s", code=code))
        if level not in vocab.LANGUAGE_LEVELS:
            raise ValueError(_("write the level as native, good or basic, e.g. ar:native"))
        result[code] = level
    return result


def _check_row(cells: dict, today: date, pc4_table,
               training_cols: tuple[str, ...] | None = None,
               ) -> tuple[dict, list[tuple[str, str]]]:
    """Clean values of one row, and its problems as (column, reason)."""
    out: dict = {"training": {}}
    problems: list[tuple[str, str]] = []

    def take(column, fn):
        raw = cells.get(column, "")
        if raw is None or _text(raw) == "":
            return None
        try:
            return fn(raw)
        except ValueError as exc:
            problems.append((column, str(exc)))
            return None

    name = _text(cells.get("name", ""))
    if not name:
        problems.append(("name", _("missing")))
    elif len(name) > 200:
        problems.append(("name", _("longer than 200 characters")))
    out["name"] = name
    email = _text(cells.get("email", "")).lower()
    if not email:
        problems.append(("email", _("missing")))
    elif not _EMAIL.match(email) or len(email) > 254:
        problems.append(("email", _("not a valid e-mail address")))
    out["email"] = email
    postcode = _text(cells.get("postcode", ""))
    parsed = vocab.parse_postcode(postcode)
    if not postcode:
        problems.append(("postcode", _("missing")))
    elif parsed is None:
        problems.append(("postcode", _("not a Dutch postcode (such as 2312 AB)")))
    elif parsed[0] not in pc4_table:
        problems.append(("postcode", _("unknown postcode")))
    else:
        out["pc4"], out["postcode_letters"] = parsed
    year = take("birth_year", lambda v: _int(v, 1920, today.year - 16))
    if year is None and not any(c == "birth_year" for c, _m in problems):
        problems.append(("birth_year", _("missing")))
    out["birth_year"] = year
    out["phone"] = _text(cells.get("phone", ""))[:30] or None
    gender = _text(cells.get("gender", "")).lower()
    if gender and gender not in vocab.GENDERS:
        problems.append(("gender", _("write f, m or x")))
    out["gender"] = gender or None
    out["travel_km"] = take("travel_km", lambda v: _int(v, 0, 100))
    out["languages"] = take("languages", _languages) or {}
    level = _text(cells.get("dutch_level", ""))
    if level and level != "native" and level.upper() not in vocab.CEFR_LEVELS:
        problems.append(("dutch_level", _("write a level from A0 to C2, or native")))
    out["dutch_level"] = (level if level == "native" else level.upper()) or None
    refugee = take("refugee_background", _yes_no) or False
    out["refugee_background"] = refugee
    country = _text(cells.get("origin_country", "")).upper()
    if country and country not in {c.upper() for c in vocab.COUNTRIES}:
        problems.append(("origin_country", _("unknown country code")))
    out["origin_country"] = country or None
    arrival = take("arrival_year", lambda v: _int(v, 1950, today.year))
    if refugee and arrival is None and not any(c == "arrival_year" for c, _m in problems):
        problems.append(("arrival_year", _("needed when refugee_background is yes")))
    out["arrival_year"] = arrival
    out["dagdelen"] = take("dagdelen", lambda v: _codes(v, vocab.DAGDELEN, _("part of day"))) \
        or []
    out["themes"] = take("themes", lambda v: _codes(v, vocab.THEMES, _("theme"))) or []
    out["max_families"] = take("max_families", lambda v: _int(v, 1, 5))
    out["hours_per_week"] = take("hours_per_week", lambda v: _int(v, 1, 40))
    for code in (training_columns() if training_cols is None else training_cols):
        done = take(code, lambda v: _date(v, today))
        if done is not None:
            out["training"][code] = done
    out["vog_issued_on"] = take("vog_issued_on", lambda v: _date(v, today))
    profile = _text(cells.get("vog_profile", "")) or "84"
    if out["vog_issued_on"] and profile not in ("84", "45", "other"):
        problems.append(("vog_profile", _("write 84, 45 or other")))
    out["vog_profile"] = profile
    out["vog_original_seen"] = take("vog_original_seen", _yes_no) or False
    return out, problems


def parse_and_validate(content: bytes, today: date) -> Parsed:
    """Read and check a whole file. Every problem is listed; nothing is stored."""
    from matching.geo import default_table
    started = time.perf_counter()
    header, rows = read_table(content)
    result = Parsed()
    columns = [_text(h).lower() for h in header]
    result.columns = columns
    training_cols = training_columns()
    known = REQUIRED + OPTIONAL + training_cols
    for column in REQUIRED:
        if column not in columns:
            result.problems.append(Problem(1, column, _("this column is missing")))
    for column in columns:
        if column and column not in known:
            result.problems.append(Problem(1, column, _("unknown column")))
    seen = [c for c in columns if c]
    for column in {c for c in seen if seen.count(c) > 1}:
        result.problems.append(Problem(1, column, _("this column appears twice")))
    if result.problems:
        result.seconds = time.perf_counter() - started
        return result
    data_rows = [(n, cells) for n, cells in rows if any(_text(c) for c in cells)]
    if not data_rows:
        result.problems.append(Problem(2, "", _("the file has no rows with volunteers")))
    if len(data_rows) > MAX_ROWS:
        result.problems.append(Problem(MAX_ROWS + 2, "", _(
            "more than %(n)s rows; please split the file", n=MAX_ROWS)))
        data_rows = data_rows[:MAX_ROWS]
    table = default_table()
    first_row_of: dict[str, int] = {}
    for number, cells in data_rows:
        values = {columns[i]: cells[i] for i in range(min(len(columns), len(cells)))
                  if columns[i]}
        clean, problems = _check_row(values, today, table, training_cols)
        clean["row"] = number
        for column, message in problems:
            result.problems.append(Problem(number, column, message))
        email = clean["email"]
        if email and not any(c == "email" for c, _m in problems):
            if email in first_row_of:
                result.problems.append(Problem(number, "email", _(
                    "the same address as row %(row)s", row=first_row_of[email])))
            else:
                first_row_of[email] = number
        result.rows.append(clean)
    # Addresses that have an account already (one query per 500 addresses).
    index_to_row = {blind_index(e): n for e, n in first_row_of.items()}
    keys = list(index_to_row)
    for i in range(0, len(keys), 500):
        for found in db.session.execute(db.select(User.email_index).where(
                User.email_index.in_(keys[i:i + 500]))).scalars():
            result.problems.append(Problem(index_to_row[found], "email", _(
                "an account with this e-mail address exists already")))
    result.problems.sort(key=lambda p: (p.row, p.column))
    result.seconds = time.perf_counter() - started
    return result


# --- storing -------------------------------------------------------------------------------

def import_rows(rows: list[dict], programme: Programme, by: User) -> int:
    """Store every row (one transaction: all or nothing). Returns the number imported."""
    now = utcnow()
    created: list[Volunteer] = []
    try:
        for clean in rows:
            user = User(name=clean["name"], role=Role.volunteer.value, locale="nl",
                        password_hash=None, active=True)
            user.set_email(clean["email"])
            volunteer = Volunteer(
                user=user, source="import", phone=clean["phone"], birth_year=clean["birth_year"],
                gender=clean["gender"], pc4=clean.get("pc4"),
                postcode_letters=clean.get("postcode_letters"),
                travel_km=clean["travel_km"] if clean["travel_km"] is not None else 5,
                languages=dict(clean["languages"], **({"nl": "native"}
                                                      if clean["dutch_level"] == "native"
                                                      else {})),
                dutch_level=clean["dutch_level"],
                refugee_background=clean["refugee_background"],
                origin_country=clean["origin_country"] if clean["refugee_background"] else None,
                arrival_year=clean["arrival_year"] if clean["refugee_background"] else None,
                dagdelen=clean["dagdelen"], themes=clean["themes"],
                max_families=clean["max_families"] or 1,
                hours_per_week=clean["hours_per_week"] or 2, programmes=[programme])
            db.session.add_all([user, volunteer])
            created.append(volunteer)
            for code, done in clean["training"].items():
                db.session.add(TrainingCompletion(
                    volunteer=volunteer, item=code, completed_on=done, source="coordinator",
                    verified=True, verified_by_id=by.id, verified_at=now, recorded_by_id=by.id))
            if clean["vog_issued_on"]:
                db.session.add(VolunteerVog(
                    volunteer=volunteer, issued_on=clean["vog_issued_on"],
                    screening_profile=clean["vog_profile"],
                    original_seen=clean["vog_original_seen"], recorded_by_id=by.id))
        db.session.flush()
        for volunteer in created:
            audit.record("create", "volunteer", volunteer.id, user_id=by.id,
                         fields=["name", "email", "profile", "training"], reason="import")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows)


def confirm(key: str, content: bytes, programme: Programme, by: User,
            today: date) -> tuple[Parsed, int]:
    """Store the stashed upload ``key`` once: (the checked file, the number imported). When
    the file has problems now (e.g. an address was taken since the preview) nothing is stored.
    Raises :class:`AlreadyConfirmed` when it was stored before, :class:`ImportExpired` when
    no upload waits under ``key``.

    The file is checked first, outside any lock; then "pending" becomes "done" by a
    conditional update in the transaction that stores the rows. A simultaneous twin waits for
    that commit and finds nothing to update; if the import fails, the rollback makes the
    batch pending again."""
    if already_confirmed(key, by):
        raise AlreadyConfirmed
    parsed = parse_and_validate(content, today)
    claimed = db.session.execute(
        db.update(VolunteerImport)
        .where(VolunteerImport.key == key, VolunteerImport.user_id == by.id,
               VolunteerImport.status == "pending")
        .values(status="done", confirmed_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise AlreadyConfirmed if already_confirmed(key, by) else ImportExpired
    if parsed.problems:
        db.session.rollback()  # still pending; nothing stored
        return parsed, 0
    count = import_rows(parsed.rows, programme, by)  # commits the rows and the "done"
    unstash(key, by, remove=True)
    return parsed, count


def waiting_upload(key: str, user: User) -> tuple[bytes, int]:
    """The file and programme id of ``user``'s upload ``key`` that waits for confirmation.
    Raises :class:`AlreadyConfirmed` or :class:`ImportExpired`."""
    stashed = unstash(key, user)
    if stashed is None:
        raise AlreadyConfirmed if already_confirmed(key, user) else ImportExpired
    return stashed


def already_confirmed(key: str, user: User) -> bool:
    """Was ``user``'s upload ``key`` confirmed and stored?"""
    return db.session.execute(db.select(VolunteerImport.id).filter_by(
        key=key, user_id=user.id, status="done")).first() is not None


# --- waiting between preview and import ----------------------------------------------------

def _stash_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash(content: bytes, user: User, programme_id: int) -> str:
    """Keep an uploaded file (encrypted) until the coordinator confirms; returns its key."""
    import base64
    key = secrets.token_urlsafe(16)
    payload = json.dumps({"user": user.id, "programme": programme_id,
                          "data": base64.b64encode(content).decode("ascii")})
    (_stash_dir() / f"{key}.bin").write_text(crypto.encrypt(payload))
    db.session.execute(db.delete(VolunteerImport).where(
        VolunteerImport.created_at < utcnow() - timedelta(days=BATCH_DAYS)))
    db.session.add(VolunteerImport(key=key, user_id=user.id, programme_id=programme_id))
    db.session.commit()
    return key


def unstash(key: str, user: User, *, remove: bool = False) -> tuple[bytes, int] | None:
    """The file and programme id stashed by ``user`` under ``key``; None when unknown,
    expired or someone else's."""
    import base64
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,40}", key or ""):
        return None
    path = _stash_dir() / f"{key}.bin"
    try:  # a simultaneous confirmation may remove the file at any moment
        if time.time() - path.stat().st_mtime > STASH_SECONDS:
            path.unlink(missing_ok=True)
            return None
        text = path.read_text()
    except FileNotFoundError:
        return None
    payload = json.loads(crypto.decrypt(text))
    if payload["user"] != user.id:
        return None
    if remove:
        path.unlink(missing_ok=True)
    return base64.b64decode(payload["data"]), payload["programme"]
