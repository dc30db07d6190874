"""Turning a volunteer's rows into ``training`` inputs, and readiness per programme.

This module only translates: the rules live in :mod:`training` (``training.readiness``), and
nothing here re-implements them. Matching calls :func:`volunteer_readiness` (one volunteer) or
:func:`readiness_for` (many, with batched queries).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import training
from training import (
    ProgrammeReadiness,
    ProgrammeRequirements,
    requirements_from_dict,
)

from ..clock import local_today
from ..extensions import db
from ..training_catalogue import catalogue
from ..models import (
    AdditionalCheckRecord,
    Programme,
    TrainingCompletion,
    Volunteer,
    VolunteerVog,
)


def today() -> date:
    """The day readiness is evaluated on: today in Amsterdam (``webapp.clock``)."""
    return local_today()


def programme_requirements(programme: Programme) -> ProgrammeRequirements:
    """The requirements of ``programme``: its type's defaults (``DEFAULT_REQUIREMENTS`` by type
    code, without retired catalogue items: ``programme_types.training_defaults``; the plain
    defaults of :class:`~training.ProgrammeRequirements` for a type without any), with the
    keys of ``programme.effective_rules["requirements"]`` overriding them, checked against
    the installation's catalogue (``webapp.training_catalogue``).

    The result's ``programme`` is ``str(programme.id)``. Raises
    :class:`training.RequirementsError` when the programme's rules are invalid.
    """
    from ..programme_types import training_defaults
    key = str(programme.id)
    data = training_defaults(programme.type.code) if programme.type else {}
    override = (programme.effective_rules or {}).get("requirements") or {}
    data.update(override)
    return requirements_from_dict(key, data, catalogue())


def records_from_rows(volunteer: Volunteer,
                      completions: Iterable[TrainingCompletion],
                      vogs: Iterable[VolunteerVog],
                      checks: Iterable[AdditionalCheckRecord]) -> training.VolunteerRecords:
    """Plain :class:`training.VolunteerRecords` from database rows."""
    return training.VolunteerRecords(
        completions=tuple(
            training.Completion(item=c.item, completed_on=c.completed_on, part=c.part,
                                verified=c.verified,
                                source="coordinator" if c.source == "coordinator" else "self")
            for c in completions),
        vogs=tuple(training.VogRecord(issued_on=v.issued_on,
                                      screening_profile=v.screening_profile or "",
                                      free_vog_scheme=bool(v.free_vog_scheme),
                                      original_seen=bool(v.original_seen)) for v in vogs),
        additional_checks=tuple(
            training.AdditionalCheck(done_on=a.done_on,
                                     kind=a.kind if a.kind in ("references", "interview")
                                     else "other") for a in checks),
    )


def volunteer_records(volunteer: Volunteer) -> training.VolunteerRecords:
    """The training inputs of one volunteer (loads its relationships)."""
    return records_from_rows(volunteer, volunteer.completions, volunteer.vogs,
                             volunteer.additional_checks)


def volunteer_readiness(volunteer: Volunteer, on: date | None = None,
                        programmes: Iterable[Programme] | None = None,
                        ) -> dict[int, ProgrammeReadiness]:
    """Readiness of ``volunteer`` per programme id, evaluated on ``on`` (default: today).

    ``programmes`` defaults to the programmes the volunteer is interested in. Each programme's
    requirements are its type's defaults overridden by ``effective_rules["requirements"]``.
    """
    progs = list(volunteer.programmes if programmes is None else programmes)
    return _evaluate(volunteer_records(volunteer), progs, on or today())


def readiness_for(volunteers: Iterable[Volunteer], on: date | None = None,
                  programmes: Iterable[Programme] | None = None,
                  ) -> dict[int, dict[int, ProgrammeReadiness]]:
    """Readiness for many volunteers at once: volunteer id → programme id → readiness.

    Loads all training rows with three queries. ``programmes`` defaults to each volunteer's
    own programmes of interest.
    """
    vols = list(volunteers)
    ids = [v.id for v in vols]
    day = on or today()
    if not ids:
        return {}
    by_vol: dict[int, dict[str, list]] = {i: {"c": [], "v": [], "a": []} for i in ids}
    for key, model in (("c", TrainingCompletion), ("v", VolunteerVog),
                       ("a", AdditionalCheckRecord)):
        for chunk in _chunks(ids, 500):
            for row in db.session.execute(
                    db.select(model).where(model.volunteer_id.in_(chunk))).scalars():
                by_vol[row.volunteer_id][key].append(row)
    fixed = list(programmes) if programmes is not None else None
    cache: dict[int, ProgrammeRequirements] = {}
    cat = catalogue()  # once for all volunteers (outside a request it is read each time)
    result: dict[int, dict[int, ProgrammeReadiness]] = {}
    for v in vols:
        rows = by_vol[v.id]
        records = records_from_rows(v, rows["c"], rows["v"], rows["a"])
        result[v.id] = _evaluate(records, fixed if fixed is not None else v.programmes, day,
                                 cache, cat)
    return result


def _evaluate(records: training.VolunteerRecords, programmes: Iterable[Programme], on: date,
              cache: dict | None = None, cat=None) -> dict[int, ProgrammeReadiness]:
    cache = {} if cache is None else cache
    reqs: list[ProgrammeRequirements] = []
    for p in programmes:
        if p.id not in cache:
            cache[p.id] = programme_requirements(p)
        reqs.append(cache[p.id])
    return {int(code): r for code, r in
            training.readiness(records, reqs, on, cat if cat is not None else catalogue()
                               ).items()}


@dataclass(frozen=True)
class VogExpiry:
    """A VOG too old to count for a programme: its validity there and the day it expired.
    ``programme`` is None when the volunteer has no programme (the defaults apply)."""

    programme: Programme | None
    months: int
    expired_on: date


def vog_expired_for(volunteer: Volunteer, vog: VolunteerVog, on: date | None = None
                    ) -> list[VogExpiry]:
    """The programmes of ``volunteer`` for which ``vog`` no longer counts on ``on`` (default:
    today) because of its date: ``training``'s readiness rule decides, with each programme's
    ``vog_renewal_months`` and grace period. Only the date is asked about (the original is
    taken as seen and any screening profile as accepted: those are separate steps)."""
    record = training.VogRecord(issued_on=vog.issued_on,
                                screening_profile=vog.screening_profile or "",
                                free_vog_scheme=bool(vog.free_vog_scheme), original_seen=True)
    records = training.VolunteerRecords(vogs=(record,))
    day = on or today()
    programmes: list[Programme | None] = list(volunteer.programmes) or [None]
    out = []
    for programme in programmes:
        try:
            req = (programme_requirements(programme) if programme is not None
                   else ProgrammeRequirements(programme="0"))
        except training.RequirementsError:
            continue  # a programme with broken rules is reported where its rules are set
        if not req.vog_required or req.vog_renewal_months is None:
            continue
        only_the_vog = replace(req, required=(), recommended=(), vog_profiles=(),
                               additional_check_required=False)
        result = training.programme_readiness(records, only_the_vog, day, catalogue())
        for missing in result.missing:
            if missing.item == training.VOG and missing.reason == "expired":
                out.append(VogExpiry(programme, req.vog_renewal_months, missing.expired_on))
    return out


def _chunks(seq: list, size: int):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def summary(results: Mapping[int, ProgrammeReadiness]) -> str:
    """'ready', 'ready_warning' or 'not_ready' over all given programmes (best one wins);
    'none' when there are no programmes."""
    if not results:
        return "none"
    statuses = {r.status for r in results.values()}
    for status in ("ready", "ready_warning", "not_ready"):
        if status in statuses:
            return status
    return "not_ready"
