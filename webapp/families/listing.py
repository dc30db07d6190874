"""The coordinator's family list: filters and one page of rows, read lean.

The list is the page coordinators open most, so a page is read with two plain SQL queries
(the page of requests with each family's latest consent and the length of the whole list;
then the parents and children of those families) into small row objects instead of full ORM objects: no identity map, and only the
columns shown are read (only the parents' names are decrypted). The row objects borrow the
models' own rules (``Family.languages``, ``Family.may_match``, ``Child.age_years``), so
there is one place for each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..crypto import blind_index
from ..extensions import db
from ..models import Child, Consent, Family, FamilyRequest, Parent, Programme
from ..models.base import utcnow
from ..pagination import ListPage, page_start

ACTIVE = ("waiting", "matched")
_req = FamilyRequest.__table__.c
LIST_ORDER = (_req.priority.desc(), _req.waiting_since, _req.id)  # urgent first, then longest wait


@dataclass
class Filters:
    """What the coordinator filtered on (already validated by the form)."""

    status: str | None = None
    language: str | None = None
    need: str | None = None
    waited_weeks: int | None = None
    programme_id: int | None = None
    q: str | None = None


def family_query(programme_ids: set[int], f: Filters | None = None,
                 now: datetime | None = None):
    """A ``select`` of family-request ids visible through ``programme_ids`` that match
    ``f``, in list order: urgent first, then longest waiting.

    Without filters on the family itself, the page is read in order from the index
    ``ix_family_request_open`` alone. Language and need filters run on JSON columns, so
    they are a portable ``LIKE`` on the serialised list (codes are short identifiers).
    """
    f = f or Filters()
    now = now or utcnow()
    ids = set(programme_ids)
    if f.programme_id is not None:
        ids &= {f.programme_id}
    req = FamilyRequest.__table__.c
    query = db.select(req.id).where(req.programme_id.in_(ids or {-1}))
    query = query.where(req.status == f.status if f.status else req.status.in_(ACTIVE))
    if f.need:
        query = query.where(req.family_id.in_(db.select(Family.id).where(
            db.cast(Family.needs, db.String).like(f'%"{f.need}"%'))))
    if f.language:
        query = query.where(req.family_id.in_(db.select(Parent.family_id).where(
            db.cast(Parent.languages, db.String).like(f'%"{f.language}"%'))))
    if f.waited_weeks:
        query = query.where(req.waiting_since <= now - timedelta(weeks=f.waited_weeks))
    if f.q:
        q = f.q.strip()
        conds = [req.family_id.in_(db.select(Parent.family_id)
                                   .where(Parent.name_index == blind_index(q)))]
        digits = q.upper().removeprefix("G-").lstrip("0")
        if digits.isdigit():
            conds.append(req.family_id == int(digits))
        if len(q) == 4 and q.isdigit():
            conds.append(req.family_id.in_(db.select(Family.id).where(Family.pc4 == q)))
        query = query.where(db.or_(*conds))
    return query.order_by(*LIST_ORDER)


# --- rows ---------------------------------------------------------------------------------

@dataclass
class ParentRow:
    name: str
    languages: list


@dataclass
class ChildRow:
    birth_year: int
    birth_month: int
    age_months = Child.age_months
    age_years = Child.age_years


@dataclass
class ConsentRow:
    purpose_matching: bool
    withdrawn_at: datetime | None


@dataclass
class FamilyRow:
    id: int
    needs: list
    parents: list[ParentRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    consents: list[ConsentRow] = field(default_factory=list)
    reference = Family.reference
    consent = Family.consent
    may_match = Family.may_match
    languages = Family.languages


@dataclass
class RequestRow:
    id: int
    status: str
    priority: int
    waiting_since: datetime
    ended_at: datetime | None
    programme: Programme
    family: FamilyRow


def _page_rows(query, per_page: int, start: int, programmes: dict[int, Programme]
               ) -> tuple[list[RequestRow], int | None]:
    """One page of ``query`` (a :func:`family_query`) with what the list shows of each
    family, and the number of rows of the whole list (``None`` when the page is empty).
    ``programmes`` are the caller's visible programmes by id. Two queries."""
    req, fam, con = FamilyRequest.__table__.c, Family.__table__.c, Consent.__table__.c
    earlier = Consent.__table__.alias("earlier")
    latest = (db.select(db.func.max(earlier.c.id)).where(earlier.c.family_id == fam.id)
              .correlate(Family.__table__).scalar_subquery())
    # the page first (read in order from the index), then the details of its rows only;
    # the length of the whole list comes along (computed once, as an uncorrelated subquery)
    page = query.limit(per_page).offset(start).subquery()
    total = (db.select(db.func.count()).select_from(query.order_by(None).subquery())
             .scalar_subquery().label("total"))
    requests = db.session.execute(
        db.select(req.id, req.status, req.priority, req.waiting_since, req.ended_at,
                  req.programme_id, req.family_id, fam.needs,
                  con.purpose_matching, con.withdrawn_at, total)
        .join_from(page, FamilyRequest.__table__, req.id == page.c.id)
        .join(Family.__table__, fam.id == req.family_id)
        .outerjoin(Consent.__table__, con.id == latest)  # the latest consent only
        .order_by(*LIST_ORDER)).all()
    families = {r.family_id: FamilyRow(
        id=r.family_id, needs=r.needs or [],
        consents=[] if r.purpose_matching is None else [
            ConsentRow(r.purpose_matching, r.withdrawn_at)]) for r in requests}
    if families:
        _add_people(families)
    rows = [RequestRow(id=r.id, status=r.status, priority=r.priority,
                       waiting_since=r.waiting_since, ended_at=r.ended_at,
                       programme=programmes[r.programme_id], family=families[r.family_id])
            for r in requests]
    return rows, (requests[0].total if requests else None)


def _add_people(families: dict[int, FamilyRow]) -> None:
    """Parents (names decrypted) and children of ``families``, in one query."""
    family_ids = list(families)
    par, chi = Parent.__table__.c, Child.__table__.c
    none = db.null()
    parents = (db.select(par.family_id, db.literal(0).label("kind"), par.position, par.id,
                         par.name, par.languages, db.cast(none, db.Integer).label("year"),
                         db.cast(none, db.Integer).label("month"))
               .where(par.family_id.in_(family_ids)))
    children = (db.select(chi.family_id, db.literal(1), chi.birth_year, chi.birth_month, none,
                          none, chi.birth_year, chi.birth_month)
                .where(chi.family_id.in_(family_ids)))
    people = db.union_all(parents, children).subquery()
    for r in db.session.execute(db.select(people).order_by(
            people.c.family_id, people.c.kind, people.c.position, people.c.id)):
        if r.kind == 0:
            families[r.family_id].parents.append(ParentRow(r.name, r.languages or []))
        else:
            families[r.family_id].children.append(ChildRow(r.year, r.month))


def page_of(programmes: list[Programme], f: Filters, page: int, per_page: int) -> ListPage:
    """One page of the family list for a user who sees ``programmes``; 404 past the end."""
    query = family_query({p.id for p in programmes}, f)
    items, total = _page_rows(query, per_page, page_start(page, per_page),
                              {p.id: p for p in programmes})
    return ListPage.checked(items=items, page=page, per_page=per_page, total=total or 0)
