"""Readiness: for one volunteer's records and a date, is the volunteer ready per programme?

This is the single implementation of the readiness rules; matching and the web app call it.

Rules (all dates are plain :class:`datetime.date`; ``on`` is the day being evaluated):

- **Counting.** Records dated after ``on`` are ignored. A rejected completion never counts.
  A verified (or coordinator-recorded) completion counts. A pending self-reported completion
  counts only if the programme sets ``accept_unverified`` and the item is not
  ``coordinator_recorded``. A VOG counts only when its original was seen and, if the programme
  lists ``vog_profiles``, its screening profile is one of them.
- **Expiry boundary.** Something done on ``D`` with validity ``M`` months *expires on*
  ``E = add_months(D, M)``: it counts through ``E - 1 day`` and not on ``E``. With a grace
  period of ``G`` days it still counts (with a warning, ``in_grace``) on ``E`` … ``E + G - 1``
  and stops counting on ``E + G``. It is *expiring* (warned, still ready) on
  ``E - renewal_window_days`` … ``E - 1``. The latest counting record is the one used.
- **Parts.** An item with parts is complete when every part counts; a completion with
  ``part=None`` covers all parts. Each part's validity runs from its own latest counting
  completion, so the item's validity runs from the *earliest* of those dates (the oldest part
  that still counts): the item expires when its oldest part does; redoing that part extends it.
- **Missing reasons** (when an item does not count): ``pending_verification`` if a pending
  record newer than the last counting one exists; else the newest such record decides
  (``rejected`` or ``wrong_profile``); else ``expired`` if an older counting record exists
  (``expired_on`` is its expiry day); else ``never_done``. For an item with parts the reason is
  the parts' common reason, ``never_done`` if no part was ever done, else ``parts_missing``;
  ``parts`` lists the parts that do not count.
- **Additional check.** Where a programme switches it on, every volunteer needs one recorded.
- **Status.** ``not_ready`` if any required item (including the VOG and the additional check
  where they apply) is missing; else ``ready_warning`` if any is expiring or in grace; else
  ``ready``. Recommended items never change the status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from training.catalogue import ADDITIONAL_CHECK, CATALOGUE, VOG, CatalogueItem
from training.dates import add_months, check_plain_date
from training.records import VolunteerRecords
from training.requirements import ProgrammeRequirements, validate_requirements

__all__ = [
    "ExpiringItem",
    "MissingItem",
    "NextStep",
    "ProgrammeReadiness",
    "ValidItem",
    "programme_readiness",
    "readiness",
]

Status = Literal["ready", "ready_warning", "not_ready"]
MissingReason = Literal[
    "never_done", "expired", "pending_verification", "rejected", "wrong_profile", "parts_missing"
]


@dataclass(frozen=True)
class MissingItem:
    """An item that does not count. ``parts``: the parts that do not count (items with
    parts only). ``expired_on``: the expiry day, when ``reason == "expired"``."""

    item: str
    reason: MissingReason
    parts: tuple[str, ...] = ()
    expired_on: date | None = None


@dataclass(frozen=True)
class ExpiringItem:
    """A required item that counts but is in its renewal window or grace period.

    ``expires_on``: first day it is past its validity; ``stops_counting_on``: first day it no
    longer counts (``expires_on`` + grace days); ``parts``: the parts due for renewal."""

    item: str
    expires_on: date
    in_grace: bool
    stops_counting_on: date
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidItem:
    """A required item that counts on the evaluated day; ``expires_on`` None = no expiry."""

    item: str
    expires_on: date | None


@dataclass(frozen=True)
class NextStep:
    """One line of "what to do next". ``reason``: a missing reason, ``"in_grace"`` or
    ``"expiring"``; ``due_on``: the relevant expiry day, if any; ``url``: where to do it."""

    item: str
    reason: str
    required: bool
    parts: tuple[str, ...] = ()
    due_on: date | None = None
    url: str | None = None


@dataclass(frozen=True)
class ProgrammeReadiness:
    """Readiness of one volunteer for one programme on one day."""

    programme: str
    status: Status
    missing: tuple[MissingItem, ...]
    expiring: tuple[ExpiringItem, ...]
    valid: tuple[ValidItem, ...]
    recommended_missing: tuple[MissingItem, ...]
    next_steps: tuple[NextStep, ...]

    @property
    def ready(self) -> bool:
        """True for ``ready`` and ``ready_warning``."""
        return self.status != "not_ready"



# --- evaluation of one unit (an item without parts, one part, the VOG, the check) ---------


@dataclass(frozen=True)
class _Evidence:
    on: date
    state: Literal["counts", "pending", "rejected", "wrong_profile"]


@dataclass(frozen=True)
class _Unit:
    reason: MissingReason | None  # None: counts on the evaluated day
    expires_on: date | None
    in_grace: bool = False


def _evaluate(
    evidence: Iterable[_Evidence], validity: int | None, on: date, grace_days: int
) -> _Unit:
    """Apply the counting, expiry and missing-reason rules to one unit's records."""
    past = [e for e in evidence if e.on <= on]
    counting = [e for e in past if e.state == "counts"]
    best = max(counting, key=lambda e: e.on, default=None)
    expires = None
    if best is not None:
        expires = add_months(best.on, validity) if validity is not None else None
        if expires is None or on < expires:
            return _Unit(None, expires)
        if on < expires + timedelta(days=grace_days):
            return _Unit(None, expires, in_grace=True)
    newer = [e for e in past if e.state != "counts" and (best is None or e.on > best.on)]
    if any(e.state == "pending" for e in newer):
        return _Unit("pending_verification", expires)
    if newer:
        return _Unit(max(newer, key=lambda e: e.on).state, expires)  # type: ignore[arg-type]
    if best is not None:
        return _Unit("expired", expires)
    return _Unit("never_done", None)


@dataclass(frozen=True)
class _ItemResult:
    code: str
    missing: MissingItem | None
    expires_on: date | None = None
    in_grace: bool = False
    due_parts: tuple[str, ...] = ()


def _combine(code: str, units: Mapping[str | None, _Unit], window: int, on: date) -> _ItemResult:
    """Combine per-part units (key ``None`` for an item without parts) into one result."""
    bad = {p: u for p, u in units.items() if u.reason is not None}
    if not bad:
        dates = [u.expires_on for u in units.values() if u.expires_on is not None]
        due = tuple(
            p
            for p, u in units.items()
            if p is not None
            and u.expires_on is not None
            and (u.in_grace or on >= u.expires_on - timedelta(days=window))
        )
        return _ItemResult(
            code,
            None,
            min(dates, default=None),
            any(u.in_grace for u in units.values()),
            due,
        )
    reasons = {u.reason for u in bad.values()}
    if None in units:  # single unit
        unit = bad[None]
        reason = unit.reason
        parts: tuple[str, ...] = ()
    else:
        parts = tuple(p for p in units if p in bad)  # type: ignore[misc]
        if reasons == {"never_done"}:
            reason = "never_done" if len(bad) == len(units) else "parts_missing"
        elif len(reasons) == 1:
            reason = next(iter(reasons))
        else:
            reason = "parts_missing"
    expired_on = None
    if reason == "expired":
        expired_on = min(u.expires_on for u in bad.values() if u.expires_on is not None)
    return _ItemResult(code, MissingItem(code, reason, parts, expired_on))  # type: ignore[arg-type]


def _training_item(
    item: CatalogueItem,
    records: VolunteerRecords,
    req: ProgrammeRequirements,
    on: date,
) -> _ItemResult:
    pending_counts = req.accept_unverified and not item.coordinator_recorded
    validity = req.item_validity(item)
    keys: Sequence[str | None] = item.part_codes or (None,)
    units: dict[str | None, _Unit] = {}
    for key in keys:
        evidence = []
        for c in records.completions:
            if c.item != item.code or (c.part is not None and c.part != key):
                continue
            state = c.state
            if state == "verified" or (state == "pending" and pending_counts):
                evidence.append(_Evidence(c.completed_on, "counts"))
            else:
                evidence.append(_Evidence(c.completed_on, state))
        units[key] = _evaluate(evidence, validity, on, req.grace_days)
    return _combine(item.code, units, req.renewal_window_days, on)


def _vog_item(records: VolunteerRecords, req: ProgrammeRequirements, on: date) -> _ItemResult:
    evidence = []
    for v in records.vogs:
        if req.vog_profiles and v.screening_profile not in req.vog_profiles:
            evidence.append(_Evidence(v.issued_on, "wrong_profile"))
        elif not v.original_seen:
            evidence.append(_Evidence(v.issued_on, "pending"))
        else:
            evidence.append(_Evidence(v.issued_on, "counts"))
    unit = _evaluate(evidence, req.vog_renewal_months, on, req.grace_days)
    return _combine(VOG, {None: unit}, req.renewal_window_days, on)


def _check_item(records: VolunteerRecords, on: date) -> _ItemResult:
    evidence = [_Evidence(c.done_on, "counts") for c in records.additional_checks]
    return _combine(ADDITIONAL_CHECK, {None: _evaluate(evidence, None, on, 0)}, 0, on)


# --- assembling a programme's result -------------------------------------------------------

_WAITING = ("pending_verification",)


def _next_steps(
    required: Sequence[_ItemResult],
    expiring: Sequence[ExpiringItem],
    recommended: Sequence[MissingItem],
    catalogue: Mapping[str, CatalogueItem],
) -> tuple[NextStep, ...]:
    """Order: (1) required items the volunteer must do now, in requirement order;
    (2) items in grace, (3) items in the renewal window, both by expiry day; (4) required items
    waiting on the organisation (pending verification, the additional check); (5) recommended
    items, in requirement order."""

    def step(m: MissingItem, required_: bool) -> NextStep:
        return NextStep(m.item, m.reason, required_, m.parts, m.expired_on, catalogue[m.item].url)

    missing = [r.missing for r in required if r.missing is not None]
    waits = [m for m in missing if m.reason in _WAITING or m.item == ADDITIONAL_CHECK]
    todo = [m for m in missing if m not in waits]
    order = {r.code: i for i, r in enumerate(required)}
    renewals = sorted(expiring, key=lambda e: (not e.in_grace, e.expires_on, order[e.item]))
    return (
        tuple(step(m, True) for m in todo)
        + tuple(
            NextStep(
                e.item,
                "in_grace" if e.in_grace else "expiring",
                True,
                e.parts,
                e.expires_on,
                catalogue[e.item].url,
            )
            for e in renewals
        )
        + tuple(step(m, True) for m in waits)
        + tuple(step(m, False) for m in recommended)
    )


def programme_readiness(
    records: VolunteerRecords,
    requirements: ProgrammeRequirements,
    on: date,
    catalogue: Mapping[str, CatalogueItem] = CATALOGUE,
) -> ProgrammeReadiness:
    """Readiness of the volunteer described by ``records`` for one programme on day ``on``.

    Raises :class:`~training.requirements.RequirementsError` if the requirements name items
    not in ``catalogue``.
    """
    check_plain_date(on, "on")
    validate_requirements(requirements, catalogue)
    req = requirements
    required = [_training_item(catalogue[c], records, req, on) for c in req.required]
    if req.vog_required:
        required.append(_vog_item(records, req, on))
    if req.additional_check_required:
        required.append(_check_item(records, on))
    recommended = [_training_item(catalogue[c], records, req, on) for c in req.recommended]

    missing = tuple(r.missing for r in required if r.missing is not None)
    window = timedelta(days=req.renewal_window_days)
    expiring = tuple(
        ExpiringItem(
            r.code,
            r.expires_on,
            r.in_grace,
            r.expires_on + timedelta(days=req.grace_days),
            r.due_parts,
        )
        for r in required
        if r.missing is None
        and r.expires_on is not None
        and (r.in_grace or on >= r.expires_on - window)
    )
    valid = tuple(ValidItem(r.code, r.expires_on) for r in required if r.missing is None)
    recommended_missing = tuple(r.missing for r in recommended if r.missing is not None)
    status: Status = "not_ready" if missing else "ready_warning" if expiring else "ready"
    return ProgrammeReadiness(
        programme=req.programme,
        status=status,
        missing=missing,
        expiring=expiring,
        valid=valid,
        recommended_missing=recommended_missing,
        next_steps=_next_steps(required, expiring, recommended_missing, catalogue),
    )


def readiness(
    records: VolunteerRecords,
    requirements: Iterable[ProgrammeRequirements] | Mapping[str, ProgrammeRequirements],
    on: date,
    catalogue: Mapping[str, CatalogueItem] = CATALOGUE,
) -> dict[str, ProgrammeReadiness]:
    """Readiness per programme code, for every programme in ``requirements`` (an iterable of
    :class:`ProgrammeRequirements`, or a mapping whose values are). Pure: same input, same
    output; nothing is read from the clock."""
    reqs = requirements.values() if isinstance(requirements, Mapping) else requirements
    result: dict[str, ProgrammeReadiness] = {}
    for req in reqs:
        if req.programme in result:
            raise ValueError(f"programme {req.programme!r} given twice")
        result[req.programme] = programme_readiness(records, req, on, catalogue)
    return result
