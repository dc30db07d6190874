"""The coordinator's family list: filters and one page of rows, read lean.

The list is the page coordinators open most, so it is read with two SQL queries (the page
of requests with each family's latest consent and the length of the whole list; then the
parents and children of those families) into small row objects instead of ORM objects: no
identity map, and only the columns shown are read (only the parents' names are decrypted).
The statements are built once per combination of filters and reused with new values.
The row objects borrow the models' own rules (``Family.languages``, ``Family.may_match``,
``Child.age_years``), so there is one place for each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from ..crypto import blind_index
from ..extensions import db
from ..models import Child, Consent, Family, FamilyRequest, Parent, Programme
from ..models.base import code_pattern, has_code, utcnow
from ..pagination import ListPage, page_start

ACTIVE = ("waiting", "matched")
_req, _fam, _con = FamilyRequest.__table__.c, Family.__table__.c, Consent.__table__.c
_par, _chi = Parent.__table__.c, Child.__table__.c
LIST_ORDER = (_req.priority.desc(), _req.waiting_since, _req.id)  # urgent first, then longest wait


@dataclass
class Filters:
    """What the coordinator filtered on."""

    status: str | None = None
    language: str | None = None
    need: str | None = None
    waited_weeks: int | None = None
    programme_id: int | None = None
    q: str | None = None


def _conditions(programme_ids: set[int], f: Filters, now: datetime
                ) -> tuple[tuple[str, ...], dict]:
    """Which conditions apply (the statement's shape) and the values they take."""
    ids = set(programme_ids)
    if f.programme_id is not None:
        ids &= {f.programme_id}
    shape, params = ["programmes"], {"programme_ids": sorted(ids) or [-1]}
    if f.status:
        shape.append("status")
        params["status"] = f.status
    if f.need:
        shape.append("need")
        params["need"] = code_pattern(f.need)
    if f.language:
        shape.append("language")
        params["language"] = code_pattern(f.language)
    if f.waited_weeks:
        shape.append("waited")
        params["waited_before"] = now - timedelta(weeks=f.waited_weeks)
    q = (f.q or "").strip()
    if q:
        shape.append("name")
        params["name_index"] = blind_index(q)
        digits = q.upper().removeprefix("G-").lstrip("0")
        if digits.isdigit():
            shape.append("reference")
            params["family_id"] = int(digits)
        if len(q) == 4 and q.isdigit():
            shape.append("pc4")
            params["pc4"] = q
    return tuple(shape), params


@lru_cache(maxsize=64)
def _ids_statement(shape: tuple[str, ...]):
    """The ``select`` of request ids for one combination of filters, with bound parameters.

    Without filters on the family itself, a page is read in order from the index
    ``ix_family_request_open`` alone."""
    query = db.select(_req.id).where(
        _req.programme_id.in_(db.bindparam("programme_ids", expanding=True)))
    query = query.where(_req.status == db.bindparam("status") if "status" in shape
                        else _req.status.in_(ACTIVE))
    if "need" in shape:
        query = query.where(_req.family_id.in_(db.select(_fam.id).where(
            has_code(_fam.needs, db.bindparam("need")))))
    if "language" in shape:
        query = query.where(_req.family_id.in_(db.select(_par.family_id).where(
            has_code(_par.languages, db.bindparam("language")))))
    if "waited" in shape:
        query = query.where(_req.waiting_since <= db.bindparam("waited_before"))
    if "name" in shape:
        found = [_req.family_id.in_(db.select(_par.family_id)
                                    .where(_par.name_index == db.bindparam("name_index")))]
        if "reference" in shape:
            found.append(_req.family_id == db.bindparam("family_id"))
        if "pc4" in shape:
            found.append(_req.family_id.in_(db.select(_fam.id)
                                            .where(_fam.pc4 == db.bindparam("pc4"))))
        query = query.where(db.or_(*found))
    return query.order_by(*LIST_ORDER)


def family_query(programme_ids: set[int], f: Filters | None = None,
                 now: datetime | None = None):
    """The request ids visible through ``programme_ids`` that match ``f``, in list order
    (urgent first, then longest waiting), as ``(statement, parameters)`` to execute."""
    shape, params = _conditions(programme_ids, f or Filters(), now or utcnow())
    return _ids_statement(shape), params


@lru_cache(maxsize=64)
def _page_statement(shape: tuple[str, ...]):
    """One page of :func:`_ids_statement` with the details the list shows, and the length
    of the whole list (an uncorrelated subquery: computed once)."""
    ids = _ids_statement(shape)
    page = (ids.limit(db.bindparam("limit", type_=db.Integer))
            .offset(db.bindparam("offset", type_=db.Integer)).subquery())
    total = (db.select(db.func.count()).select_from(ids.order_by(None).subquery())
             .scalar_subquery().label("total"))
    earlier = Consent.__table__.alias("earlier")
    latest = (db.select(db.func.max(earlier.c.id)).where(earlier.c.family_id == _fam.id)
              .correlate(Family.__table__).scalar_subquery())
    return (db.select(_req.id, _req.status, _req.priority, _req.waiting_since, _req.ended_at,
                      _req.programme_id, _req.family_id, _fam.needs,
                      _con.purpose_matching, _con.withdrawn_at, total)
            .join_from(page, FamilyRequest.__table__, _req.id == page.c.id)
            .join(Family.__table__, _fam.id == _req.family_id)
            .outerjoin(Consent.__table__, _con.id == latest)  # the latest consent only
            .order_by(*LIST_ORDER))


def _people_statement():
    """Parents and children of a page's families in one query (one round trip less)."""
    families, none = db.bindparam("family_ids", expanding=True), db.null()
    parents = (db.select(_par.family_id, db.literal(0).label("kind"), _par.position, _par.id,
                         _par.name, _par.languages, db.cast(none, db.Integer).label("year"),
                         db.cast(none, db.Integer).label("month"))
               .where(_par.family_id.in_(families)))
    children = (db.select(_chi.family_id, db.literal(1), _chi.birth_year, _chi.birth_month,
                          none, none, _chi.birth_year, _chi.birth_month)
                .where(_chi.family_id.in_(families)))
    people = db.union_all(parents, children).subquery()
    return db.select(people).order_by(people.c.family_id, people.c.kind, people.c.position,
                                      people.c.id)


_PEOPLE = _people_statement()


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


def _add_people(families: dict[int, FamilyRow]) -> None:
    """Parents (names decrypted, in their order) and children (youngest last) of
    ``families``."""
    for r in db.session.execute(_PEOPLE, {"family_ids": list(families)}):
        if r.kind == 0:
            families[r.family_id].parents.append(ParentRow(r.name, r.languages or []))
        else:
            families[r.family_id].children.append(ChildRow(r.year, r.month))


def page_of(programmes: list[Programme], f: Filters, page: int, per_page: int,
            now: datetime | None = None) -> ListPage:
    """One page of the family list for a user who sees ``programmes``; 404 past the end."""
    shape, params = _conditions({p.id for p in programmes}, f, now or utcnow())
    params.update(limit=per_page, offset=page_start(page, per_page))
    rows = db.session.execute(_page_statement(shape), params).all()
    families = {r.family_id: FamilyRow(
        id=r.family_id, needs=r.needs or [],
        consents=[] if r.purpose_matching is None else [
            ConsentRow(r.purpose_matching, r.withdrawn_at)]) for r in rows}
    if families:
        _add_people(families)
    by_id = {p.id: p for p in programmes}
    items = [RequestRow(id=r.id, status=r.status, priority=r.priority,
                        waiting_since=r.waiting_since, ended_at=r.ended_at,
                        programme=by_id[r.programme_id], family=families[r.family_id])
             for r in rows]
    return ListPage.checked(items=items, page=page, per_page=per_page,
                            total=rows[0].total if rows else 0)
