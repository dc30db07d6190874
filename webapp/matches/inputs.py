"""Database records → the plain inputs of ``matching/`` (and a JSON snapshot of them).

Nothing here decides who fits whom: readiness comes from ``training/`` (through
``webapp.volunteers.readiness``), the rules and scores from ``matching/``. This module only
translates.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy.orm import selectinload

from matching.model import FamilyRequest as MFamilyRequest
from matching.model import ProgrammeReadiness, ProgrammeRules, VolunteerProfile

from ..extensions import db
from ..families.services import waiting_requests
from ..models import Programme
from ..models.families import Family, FamilyRequest
from ..models.matches import ACTIVE_MATCH_STATUSES, Match, Rejection
from ..models.volunteers import Volunteer, volunteer_programmes
from .. import vocab
from ..volunteers.readiness import readiness_for


@dataclass
class Inputs:
    """Everything one run needs, as matching's own dataclasses."""

    programme_code: str
    rules: ProgrammeRules
    volunteers: list[VolunteerProfile]
    requests: list[MFamilyRequest]

    def snapshot(self) -> dict:
        """JSON-safe copy of the inputs, stored with the run."""
        return {"programme": self.programme_code, "rules": _jsonable(_fields(self.rules)),
                "volunteers": [_jsonable(_fields(v)) for v in self.volunteers],
                "requests": [_jsonable(_fields(r)) for r in self.requests]}


def _fields(obj) -> dict:
    """A dataclass's fields, one level deep (``asdict`` cannot copy mapping proxies)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):  # e.g. readiness
        return _jsonable(_fields(value))
    if hasattr(value, "items"):  # mappingproxy
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def programme_code(programme: Programme) -> str:
    return str(programme.id)


def programme_rules(programme: Programme) -> ProgrammeRules:
    """A programme's matching rules from its (type + own) rules, as data."""
    rules = programme.effective_rules
    gender = rules.get("volunteer_gender")
    ages = rules.get("child_age_months")
    kwargs = {}
    if ages:
        kwargs["child_age_min"] = int(ages[0]) // 12
        kwargs["child_age_max"] = int(ages[1]) // 12
    for key in ("min_common_level", "dutch_practice_family_min", "dutch_practice_volunteer_min"):
        if rules.get(key):
            kwargs[key] = rules[key]
    if rules.get("weights"):
        kwargs["weights"] = dict(rules["weights"])
    return ProgrammeRules(
        code=programme_code(programme),
        volunteer_genders=frozenset({gender}) if gender else None,
        needs_fixed_days=bool(rules.get("fixed_days")),
        hours_per_match=float(rules.get("hours_per_match") or 0), **kwargs)


def matching_group(value: str) -> str:
    """A stored group value as matching compares it: codes as they are, the words of
    "other: …" case-insensitively."""
    words = vocab.other_text(value)
    return value if words is None else vocab.OTHER_PREFIX + " ".join(words.split()).casefold()


def avoid_groups(family: Family) -> frozenset[str]:
    """The family's groups to avoid as group codes (countries, communities, regions, "other:
    …"); lines stored before the vocabularies are read through the same lists."""
    return frozenset(matching_group(vocab.group_for_text(g)) for g in family.groups_to_avoid_list)


def _vocab_value(name: str, value: str | None) -> str | None:
    """A stored community/region/religion as matching compares it (``None``: not given)."""
    code = vocab.code_for_text(name, value)
    return None if code is None else matching_group(code)


def volunteer_groups(v: Volunteer) -> frozenset[str]:
    """What the volunteer declared about their origin, as group codes (only with their
    consent): country, ``community:…``, ``region:…`` ("other: …" answers as their words)."""
    if not v.origin_for_matching:
        return frozenset()
    out = set()
    if v.refugee_background and v.origin_country:
        out.add(v.origin_country)
    for kind, name, value in (("community", "COMMUNITIES", v.community),
                              ("region", "REGIONS", v.origin_region)):
        code = _vocab_value(name, value)
        if code is not None:
            out.add(code if code.startswith(vocab.OTHER_PREFIX) else f"{kind}:{code}")
    return frozenset(out)


def family_own_groups(family: Family) -> frozenset[str]:
    """The family's own community as group codes, for "not someone from our own community":
    its community when recorded, else its country of origin; only with consent to use them
    (empty: not known, and the wish is flagged on every proposal)."""
    if not family.special_category_use:
        return frozenset()
    community = _vocab_value("COMMUNITIES", family.community)
    if community is not None:
        return frozenset({community if community.startswith(vocab.OTHER_PREFIX)
                          else f"community:{community}"})
    return frozenset({family.country_of_origin}) if family.country_of_origin else frozenset()


def active_load(volunteer_ids: list[int]) -> dict[int, tuple[int, float]]:
    """volunteer id → (active matches, their weekly hours), over all programmes."""
    if not volunteer_ids:
        return {}
    rows = db.session.execute(
        db.select(Match.volunteer_id, db.func.count(Match.id),
                  db.func.coalesce(db.func.sum(Match.hours_per_week), 0))
        .where(Match.volunteer_id.in_(volunteer_ids),
               Match.status.in_(ACTIVE_MATCH_STATUSES))
        .group_by(Match.volunteer_id)).all()
    return {vid: (int(n), float(h)) for vid, n, h in rows}


def family_load(family_ids: list[int]) -> dict[int, int]:
    """family id → volunteers it has through Koppel now (trio members count one each)."""
    if not family_ids:
        return {}
    rows = db.session.execute(
        db.select(Match.family_id, db.func.count(Match.id))
        .where(Match.family_id.in_(family_ids), Match.status.in_(ACTIVE_MATCH_STATUSES))
        .group_by(Match.family_id)).all()
    return {fid: int(n) for fid, n in rows}


def candidate_volunteers(programme: Programme, today: date) -> list[Volunteer]:
    """Volunteers interested in ``programme`` who can be matched today (with their accounts,
    loaded in batches)."""
    vols = db.session.execute(
        db.select(Volunteer).options(selectinload(Volunteer.user))
        .join(volunteer_programmes,
                                  volunteer_programmes.c.volunteer_id == Volunteer.id)
        .where(volunteer_programmes.c.programme_id == programme.id)
        .order_by(Volunteer.id)).scalars().all()
    return [v for v in vols if v.matchable_on(today) and v.pc4]


def _origin_usable(v: Volunteer) -> bool:
    return bool(v.refugee_background and v.origin_country and v.origin_for_matching)


def _origin_known(v: Volunteer) -> bool:
    """The volunteer answered the origin questions and agreed they may be used: a family's
    safety wish can be checked against what they declared."""
    return bool(v.origin_for_matching and (v.origin_country or not v.refugee_background))


def volunteer_profile(v: Volunteer, readiness: dict, load: tuple[int, float]) -> VolunteerProfile:
    active, hours = load
    langs = {code: level for code, level in (v.languages or {}).items() if code != "nl"}
    dutch = "native" if (v.languages or {}).get("nl") == "native" else (v.dutch_level or "A0")
    return VolunteerProfile(
        id=str(v.id), postcode=v.pc4, gender=v.gender, languages=langs, dutch_level=dutch,
        travel_radius_km=float(v.travel_km or 0),
        readiness={code: ProgrammeReadiness(r.ready, tuple(m.item for m in r.missing))
                   for code, r in readiness.items()},
        max_families=max(0, (v.max_families or 0) - active),
        hours_per_week=max(0.0, float(v.hours_per_week or 0) - hours),
        dagdelen=frozenset(v.dagdelen or ()), themes=frozenset(v.themes or ()),
        experience_ages=frozenset(v.parenting_experience or ()),
        # special categories (GDPR art. 9): each only with the volunteer's own, separately
        # recorded consent; without it the factor is left out, and a family's safety wish is
        # flagged for the coordinator ("origin unknown")
        country_of_origin=v.origin_country if _origin_usable(v) else None,
        religion=_vocab_value("RELIGIONS", v.religion) if v.religion_for_matching else None,
        groups=volunteer_groups(v), origin_known=_origin_known(v),
        oudkomer=bool(v.refugee_background),
    )


def solver_priority(req: FamilyRequest) -> int:
    """The solver's priority of a request: 1 + its urgency (the one stored value)."""
    return 1 + max(0, req.priority or 0)


def family_input(req: FamilyRequest, programme: Programme, rejected: frozenset[str],
                 load: int, today: date                 ) -> MFamilyRequest:
    family = req.family
    levels = {"basic": 1, "good": 2, "native": 3}
    langs: dict[str, str] = {}
    dutch_rank = ["A0", "A1", "A2", "B1", "B2", "C1", "C2"]
    dutch = "A0"
    for parent in family.parents:
        for item in parent.languages or []:
            code, level = item.get("code"), item.get("level", "basic")
            if code and code != "nl" and levels.get(level, 0) > levels.get(langs.get(code), 0):
                langs[code] = level
        if parent.dutch_level in dutch_rank and \
                dutch_rank.index(parent.dutch_level) > dutch_rank.index(dutch):
            dutch = parent.dutch_level
    special = family.special_category_use
    # the overload cap (across all programmes), and how many volunteers this programme gives
    # one family (one, unless its rules say otherwise)
    cap = min(family.room_left(load),
              int(programme.effective_rules.get("volunteers_per_family") or 1))
    return MFamilyRequest(
        id=str(req.id), family_id=str(family.id), programme=programme_code(programme),
        postcode=family.pc4, priority=solver_priority(req),
        max_new_volunteers=cap, languages=langs, dutch_level=dutch,
        wants_dutch_practice=family.pref_language == "dutch",
        volunteer_gender=None if family.pref_volunteer_gender in (None, "any")
        else family.pref_volunteer_gender,
        children_ages=tuple(c.age_years(today) for c in family.children),
        dagdelen=frozenset(family.preferred_dagdelen or ()), needs=frozenset(family.needs or ()),
        country_of_origin=family.country_of_origin if special else None,
        religion=_vocab_value("RELIGIONS", family.religion) if special else None,
        no_own_community=bool(family.pref_not_own_community),
        own_groups=family_own_groups(family),
        avoid_groups=avoid_groups(family), rejected_volunteers=rejected,
        not_before=family.not_before, waiting_since=req.waiting_since.date(),
        consent_matching=family.may_match)


def load_families(family_ids) -> list[Family]:
    """Load these families (ids, or a ``select`` of ids) with their parents, children and
    consents in a few batched queries, so that reading them afterwards runs no query per
    family."""
    if isinstance(family_ids, list) and not family_ids:
        return []
    return list(db.session.execute(
        db.select(Family).where(Family.id.in_(family_ids))
        .options(selectinload(Family.parents), selectinload(Family.children),
                 selectinload(Family.consents))).scalars())


def build_inputs(programme: Programme, scope: dict, today: date) -> Inputs:
    """The run's inputs: waiting requests (in scope) and the programme's volunteers."""
    requests = waiting_requests(programme, today)
    # kept in a variable: the session holds loaded objects only while someone refers to them
    families = load_families(db.select(FamilyRequest.family_id).where(  # noqa: F841
        FamilyRequest.programme_id == programme.id, FamilyRequest.status == "waiting"))
    if scope.get("urgent_only"):
        requests = [r for r in requests if (r.priority or 0) > 0]
    if scope.get("municipality"):
        from matching.geo import default_table
        table = default_table()
        wanted = scope["municipality"].lower()
        requests = [r for r in requests if r.family.pc4 in table
                    and table.municipality(r.family.pc4).lower() == wanted]
    requests = [r for r in requests if r.family.pc4]
    family_ids = [r.family_id for r in requests]
    rejected: dict[int, set[str]] = {}
    if family_ids:
        for fid, vid in db.session.execute(
                db.select(Rejection.family_id, Rejection.volunteer_id)
                .where(Rejection.family_id.in_(family_ids))):
            rejected.setdefault(fid, set()).add(str(vid))
    loads = family_load(family_ids)
    vols = candidate_volunteers(programme, today)
    readiness = readiness_for(vols, on=today, programmes=[programme])
    vloads = active_load([v.id for v in vols])
    code = programme_code(programme)
    profiles = [volunteer_profile(v, {code: readiness[v.id][programme.id]},
                                  vloads.get(v.id, (0, 0.0))) for v in vols]
    fam_inputs = [family_input(r, programme, frozenset(rejected.get(r.family_id, ())),
                               loads.get(r.family_id, 0), today) for r in requests]
    return Inputs(code, programme_rules(programme), profiles, fam_inputs)
