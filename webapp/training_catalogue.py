"""The training catalogue of this installation: the rows of ``training_catalogue_item`` turned
into ``training.make_catalogue(...)`` (read once per request), and the installation admin's
changes to it: add an item, change its titles, provider, link and default validity, retire it
and bring it back.

``training/`` stays pure: everything in the web layer that needs the catalogue (readiness,
the programme form, the volunteer's training log, imports, reminders) asks :func:`catalogue`
here instead of using ``training.CATALOGUE``, which is only the seed (the migration
``14t_training_catalogue`` stores it as rows). A shipped item without a row (a database
created without the migrations) is taken as shipped.

Who may change the catalogue (the installation admin) is decided in the view
(``webapp.access.installation_admin_required``). Each change is audited; a problem raises
:class:`CatalogueError` (a translated message and its form field) before anything changes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

import training
from training import ADDITIONAL_CHECK, VOG, CatalogueItem, Part

from .extensions import db
from .models import TrainingCatalogueItem
from .models.base import utcnow

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
#: Kinds an admin may add (the VOG and the additional check have their own rules).
ADDABLE_KINDS = ("elearning", "session", "course")
#: Items that cannot be retired: the VOG and the check have their own switches per programme.
SPECIAL = (VOG, ADDITIONAL_CHECK)
EDITABLE_FIELDS = ("title_nl", "title_en", "provider", "url", "validity_months")
_CACHE = "_koppel_training_catalogue"


class CatalogueError(ValueError):
    """A change that cannot be made; ``message`` is translated, ``field`` names the form
    field it belongs to (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class _Loaded:
    items: Mapping[str, CatalogueItem]
    retired: frozenset[str]


def _item(row: TrainingCatalogueItem) -> CatalogueItem:
    return CatalogueItem(
        code=row.code, title_nl=row.title_nl, title_en=row.title_en, kind=row.kind,
        parts=tuple(Part(p["code"], p["title_nl"], p["title_en"]) for p in row.parts or ()),
        validity_months=row.validity_months, url=row.url or None,
        provider=row.provider or None, coordinator_recorded=bool(row.coordinator_recorded))


def _load() -> _Loaded:
    rows = db.session.execute(db.select(TrainingCatalogueItem).order_by(
        TrainingCatalogueItem.position, TrainingCatalogueItem.id)).scalars().all()
    items = [_item(row) for row in rows]
    known = {row.code for row in rows}
    items += [item for code, item in training.CATALOGUE.items() if code not in known]
    return _Loaded(training.make_catalogue(items),
                   frozenset(row.code for row in rows if row.retired_at is not None))


def _loaded() -> _Loaded:
    """The catalogue, read once per request (outside a request: read each time, so a job
    or a command sees the latest rows)."""
    if not has_request_context():
        return _load()
    current = request._get_current_object()
    cached = g.get(_CACHE)
    if cached is None or cached[0] is not current:
        cached = (current, _load())
        setattr(g, _CACHE, cached)
    return cached[1]


def forget() -> None:
    """Drop the request's copy (after a change, so the rest of the request sees it)."""
    if has_app_context():
        g.pop(_CACHE, None)


def catalogue() -> Mapping[str, CatalogueItem]:
    """The installation's catalogue (retired items included: old records and rules that
    still name them stay readable), for every ``training`` function that takes one."""
    return _loaded().items


def retired_codes() -> frozenset[str]:
    """Codes of retired items: no longer offered to programmes or volunteers."""
    return _loaded().retired


def active_items() -> list[CatalogueItem]:
    """The items not retired, in catalogue order."""
    loaded = _loaded()
    return [item for code, item in loaded.items.items() if code not in loaded.retired]


@dataclass(frozen=True)
class Entry:
    """One line of the admin's catalogue page."""

    item: CatalogueItem
    retired: bool
    shipped: bool
    source: str
    validity_source: str


def entries() -> list[Entry]:
    """Every item with whether it is retired or shipped, and where it and its default
    validity come from (``webapp.programme_types.catalogue_sources``)."""
    from .programme_types import catalogue_sources
    loaded = _loaded()
    result = []
    for code, item in loaded.items.items():
        source, validity_source = catalogue_sources(item)
        result.append(Entry(item, code in loaded.retired, code in training.CATALOGUE, source,
                            validity_source))
    return result


# --- changes (installation admin) ------------------------------------------------------------

def _row(code: str) -> TrainingCatalogueItem | None:
    row = db.session.execute(db.select(TrainingCatalogueItem).filter_by(code=code)
                             ).scalar_one_or_none()
    if row is None and code in training.CATALOGUE:  # a database without the seed rows
        row = _seed_row(training.CATALOGUE[code])
    return row


def get_row(code: str) -> TrainingCatalogueItem | None:
    """The row of ``code`` (None: no such item)."""
    return _row(code) if isinstance(code, str) and CODE_PATTERN.match(code) else None


def _seed_row(item: CatalogueItem) -> TrainingCatalogueItem:
    row = TrainingCatalogueItem(
        code=item.code, title_nl=item.title_nl, title_en=item.title_en, kind=item.kind,
        provider=item.provider, url=item.url, validity_months=item.validity_months,
        coordinator_recorded=item.coordinator_recorded,
        parts=[{"code": p.code, "title_nl": p.title_nl, "title_en": p.title_en}
               for p in item.parts],
        position=list(training.CATALOGUE).index(item.code))
    db.session.add(row)
    db.session.flush()
    return row


def _clean(data: dict) -> dict:
    """Trimmed values; refuses what the form may have let through."""
    from .programme_types import VALIDITY_MONTHS_RANGE
    values = {
        "title_nl": " ".join((data.get("title_nl") or "").split()),
        "title_en": " ".join((data.get("title_en") or "").split()),
        "provider": " ".join((data.get("provider") or "").split()) or None,
        "url": (data.get("url") or "").strip() or None,
        "validity_months": data.get("validity_months"),
    }
    if not values["title_nl"]:
        raise CatalogueError(_("Please give the Dutch title."), "title_nl")
    if not values["title_en"]:
        raise CatalogueError(_("Please give the English title."), "title_en")
    if values["url"] and not re.match(r"^https?://[^\s/]+\.[^\s]+$", values["url"]):
        raise CatalogueError(_("Give a web address starting with https:// or http://."), "url")
    months = values["validity_months"]
    low, high = VALIDITY_MONTHS_RANGE
    if months is not None and (not isinstance(months, int) or not low <= months <= high):
        raise CatalogueError(_("Give a number from %(min)s to %(max)s.", min=low, max=high),
                             "validity_months")
    return values


def add_item(data: dict) -> TrainingCatalogueItem:
    """A new item (``code``, ``kind`` and the editable fields); audited, flushed."""
    code = (data.get("code") or "").strip()
    if not CODE_PATTERN.match(code):
        raise CatalogueError(_("Use 2 to 60 lower-case letters, digits and underscores, "
                               "starting with a letter, for example eerste_hulp."), "code")
    if data.get("kind") not in ADDABLE_KINDS:
        raise CatalogueError(_("Please choose the kind of training."), "kind")
    values = _clean(data)
    taken = _CodeTaken()
    if code in training.CATALOGUE or db.session.execute(
            db.select(TrainingCatalogueItem.id).filter_by(code=code)).first():
        raise taken
    position = (db.session.execute(db.select(db.func.max(TrainingCatalogueItem.position))
                                   ).scalar() or 0) + 1
    row = TrainingCatalogueItem(code=code, kind=data["kind"], parts=[], position=position,
                                coordinator_recorded=False, **values)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same code added at this very moment
        raise taken from None
    _audit("create", row, ["code", "kind", *EDITABLE_FIELDS])
    forget()
    return row


class _CodeTaken(CatalogueError):
    def __init__(self):
        super().__init__(_("There is already an item with this code."), "code")


def update_item(row: TrainingCatalogueItem, data: dict) -> list[str]:
    """Change an item's titles, provider, link and default validity; returns the changed
    fields (audited). Readiness uses the new validity at once."""
    for name, value in _clean(data).items():
        setattr(row, name, value)
    from .audit import changed_fields
    fields = changed_fields(row, EDITABLE_FIELDS)
    if fields:
        _audit("update", row, fields)
    db.session.flush()
    forget()
    return fields


def programmes_using(code: str) -> list:
    """The programmes whose rules (their own, or their type's defaults) require or recommend
    ``code``, by name."""
    from training import RequirementsError

    from .models import Programme
    from .volunteers.readiness import programme_requirements
    found = []
    for programme in db.session.execute(db.select(Programme).order_by(Programme.name,
                                                                      Programme.id)).scalars():
        try:
            req = programme_requirements(programme)
            codes = {*req.required, *req.recommended}
        except RequirementsError:  # broken rules: look at what they name
            own = (programme.effective_rules or {}).get("requirements") or {}
            codes = {*(own.get("required") or ()), *(own.get("recommended") or ())}
        if code in codes:
            found.append(programme)
    return found


def retire_item(row: TrainingCatalogueItem) -> None:
    """Stop offering an item. Refused for the VOG and the check, and while a programme
    still requires or recommends it (its rules would change without anyone choosing so)."""
    if row.code in SPECIAL:
        raise CatalogueError(_("The VOG and the additional check cannot be retired: each "
                               "programme switches them on or off."))
    if row.retired_at is not None:
        return
    using = programmes_using(row.code)
    if using:
        raise CatalogueError(_("This item is still required or recommended by %(names)s. "
                               "Change the training rules of those programmes first.",
                               names=", ".join(p.name for p in using)))
    row.retired_at = utcnow()
    _audit("update", row, ["retired_at"])
    db.session.flush()
    forget()


def restore_item(row: TrainingCatalogueItem) -> None:
    """Offer a retired item again."""
    if row.retired_at is None:
        return
    row.retired_at = None
    _audit("update", row, ["retired_at"])
    db.session.flush()
    forget()


def _audit(action: str, row: TrainingCatalogueItem, fields: list[str]) -> None:
    from .audit import record
    db.session.flush()
    record(action, "training_catalogue_item", row.id, fields=fields)
