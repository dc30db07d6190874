"""The coordinator's volunteer list: filters, pagination and export (CSV/XLSX)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from .. import audit, csv_safe, vocab
from ..access import visible_programme_ids, visible_volunteer_ids
from ..crypto import blind_index
from ..extensions import db
from ..models import TrainingCompletion, User, Volunteer, VolunteerVog, volunteer_programmes
from ..models.base import code_pattern, has_code, utcnow
from ..pagination import ListPage, page_start
from ..request_input import to_id
from .readiness import readiness_for, summary

READINESS_FILTERS = ("ready", "ready_warning", "not_ready")
# What a coordinator still has to do about a volunteer (``?check=``; the home page's to-do
# list links here): training they reported that waits for a check, a VOG whose original was
# not seen yet, a new sign-up (registered in the last NEW_DAYS days).
CHECK_FILTERS = ("training", "vog", "new")
NEW_DAYS = 14
CURRENT_STATUSES = ("active", "paused")


def training_to_check():
    """A ``select`` of the ids of volunteers with self-reported training not checked yet."""
    return db.select(TrainingCompletion.volunteer_id).where(
        TrainingCompletion.verified.is_(None), TrainingCompletion.source == "self")


def vog_to_check():
    """A ``select`` of the ids of volunteers with a VOG whose original was not seen."""
    return db.select(VolunteerVog.volunteer_id).where(VolunteerVog.original_seen.is_(False))


def new_signup(now=None):
    """The condition on :class:`Volunteer` of a sign-up in the last :data:`NEW_DAYS` days."""
    since = (now or utcnow()) - timedelta(days=NEW_DAYS)
    return db.and_(Volunteer.source == "registration", Volunteer.created_at >= since)


def check_condition(check: str):
    """The condition on :class:`Volunteer` for one of :data:`CHECK_FILTERS`."""
    if check == "training":
        return Volunteer.id.in_(training_to_check())
    if check == "vog":
        return Volunteer.id.in_(vog_to_check())
    return new_signup()


@dataclass
class Filters:
    q: str = ""
    readiness: str = ""
    language: str = ""
    programme: int | None = None
    refugee: str = ""  # "yes" / "no" / ""
    area: str = ""  # start of the PC4, e.g. "23" or "2312"
    dagdeel: str = ""
    status: str = "current"  # current (active+paused) / active / paused / left / all
    check: str = ""  # one of CHECK_FILTERS

    @classmethod
    def from_args(cls, args) -> Filters:
        f = cls(q=args.get("q", "").strip()[:100],
                readiness=args.get("readiness", ""),
                language=args.get("language", ""),
                programme=args.get("programme", type=to_id),
                refugee=args.get("refugee", ""),
                area="".join(ch for ch in args.get("area", "") if ch.isdigit())[:4],
                dagdeel=args.get("dagdeel", ""),
                status=args.get("status", "current"),
                check=args.get("check", ""))
        if f.readiness not in READINESS_FILTERS:
            f.readiness = ""
        if f.language not in vocab.LANGUAGES:
            f.language = ""
        if f.refugee not in ("yes", "no"):
            f.refugee = ""
        if f.dagdeel not in vocab.DAGDELEN:
            f.dagdeel = ""
        if f.status not in ("current", "active", "paused", "left", "all"):
            f.status = "current"
        if f.check not in CHECK_FILTERS:
            f.check = ""
        return f

    def as_args(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


@dataclass
class VolunteerPage(ListPage):
    """A page of volunteers with their readiness for the user's programmes."""

    readiness: dict = field(default_factory=dict)


def _query(user: User, f: Filters):
    """The volunteers ``user`` may see that match ``f`` (all filters but readiness), by
    name."""
    query = (db.select(Volunteer).join(User, Volunteer.user_id == User.id)
             .where(Volunteer.id.in_(visible_volunteer_ids(user)))
             .order_by(User.name, Volunteer.id))
    if f.q:
        query = query.where(db.or_(User.name.ilike(f"%{f.q}%"),
                                   User.email_index == blind_index(f.q)))
    if f.programme:
        query = query.where(Volunteer.id.in_(
            db.select(volunteer_programmes.c.volunteer_id).where(
                volunteer_programmes.c.programme_id == f.programme)))
    if f.refugee:
        query = query.where(Volunteer.refugee_background.is_(f.refugee == "yes"))
    if f.area:
        query = query.where(Volunteer.pc4.startswith(f.area))
    if f.check:
        query = query.where(check_condition(f.check))
    if f.status == "current":
        query = query.where(Volunteer.status.in_(CURRENT_STATUSES))
    elif f.status != "all":
        query = query.where(Volunteer.status == f.status)
    if f.language:  # a key of the languages map; Dutch also through the Dutch level
        speaks = has_code(Volunteer.languages, code_pattern(f.language))
        if f.language == "nl":
            speaks = db.or_(speaks, db.func.coalesce(Volunteer.dutch_level, "") != "")
        query = query.where(speaks)
    if f.dagdeel:
        query = query.where(has_code(Volunteer.dagdelen, code_pattern(f.dagdeel)))
    return query


def _loaded(query):
    """``query`` loading what the list and the readiness rules read of each volunteer."""
    return query.options(contains_eager(Volunteer.user), selectinload(Volunteer.programmes))


def _readiness(user: User, f: Filters, volunteers: list[Volunteer]) -> dict:
    """Readiness of ``volunteers`` for the user's programmes (or the filtered one)."""
    mine = visible_programme_ids(user)
    if f.programme:
        mine = mine & {f.programme}
    results = readiness_for(volunteers)
    return {vid: {pid: r for pid, r in per.items() if pid in mine}
            for vid, per in results.items()}


def filtered(user: User, f: Filters) -> tuple[list[Volunteer], dict]:
    """All volunteers ``user`` may see that match ``f``, sorted by name, and their readiness
    for the user's programmes (volunteer id → programme id → readiness)."""
    volunteers = list(db.session.execute(_loaded(_query(user, f))).scalars())
    results = _readiness(user, f, volunteers)
    if f.readiness:
        volunteers = [v for v in volunteers if summary(results[v.id]) == f.readiness]
    return volunteers, results


def page_of(user: User, f: Filters, page: int) -> ListPage:
    """One page of the list. Readiness is worked out for the page's volunteers only, unless
    the list is filtered on readiness (then for every volunteer that passes the others)."""
    per_page = current_app.config["PAGE_SIZE"]
    start = page_start(page, per_page)
    if f.readiness:
        volunteers, results = filtered(user, f)
        items, total = volunteers[start:start + per_page], len(volunteers)
    else:
        query = _query(user, f)
        total = db.session.execute(db.select(db.func.count()).select_from(
            query.order_by(None).subquery())).scalar_one()
        items = list(db.session.execute(
            _loaded(query).limit(per_page).offset(start)).scalars())
        results = _readiness(user, f, items)
    return VolunteerPage.checked(items=items, page=page, per_page=per_page, total=total,
                                 readiness={v.id: results[v.id] for v in items})


# --- export --------------------------------------------------------------------------------

EXPORT_COLUMNS = ("name", "email", "phone", "postcode", "languages", "dutch_level",
                  "refugee_background", "origin_country", "arrival_year", "dagdelen",
                  "max_families", "hours_per_week", "programmes", "status", "readiness")


def export_rows(user: User, f: Filters) -> list[list[str]]:
    volunteers, results = filtered(user, f)
    rows = []
    for v in volunteers:
        rows.append([csv_safe.cell(x) for x in (
            v.user.name, v.user.email, v.phone, v.postcode,
            ";".join(f"{c}:{lvl}" for c, lvl in sorted((v.languages or {}).items())),
            v.dutch_level, "yes" if v.refugee_background else "no", v.origin_country,
            v.arrival_year, ";".join(v.dagdelen or []), v.max_families, v.hours_per_week,
            ";".join(p.name for p in v.programmes), v.status, summary(results[v.id]))])
    audit.record("export", "volunteer", "list", fields=list(EXPORT_COLUMNS),
                 reason=f"{len(rows)} rows")
    db.session.commit()
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    text = csv_safe.to_csv([list(EXPORT_COLUMNS), *rows])
    return ("\ufeff" + text).encode("utf-8")  # BOM: Excel reads UTF-8 correctly


def to_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Volunteers")[:31])
    ws.append(list(EXPORT_COLUMNS))
    for row in rows:
        ws.append(row)  # every cell is a string: nothing is evaluated as a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
