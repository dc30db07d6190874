"""Programme types and their rules, as data: defaults, where each default comes from, and the
ranges an admin may set.

This is the one place that knows

* which programme types exist (:data:`PROGRAMME_TYPES`) and their default rules (stored in
  ``ProgrammeType.default_rules`` by :func:`ensure_programme_types`);
* where each default comes from (:data:`SOURCES`: the NJi/Pharos handreiking, KIS, or our
  own default);
* the rules a programme can change and their allowed ranges (the ``*_RANGE`` constants), and
  how a programme's form values become ``Programme.rules`` (:func:`rules_from_form`).

The training catalogue's items come from the database (``webapp.training_catalogue``); where
each shipped item and its default validity come from is here too (:data:`CATALOGUE_SOURCES`).

What reads the rules: ``webapp.matches.inputs`` (volunteer_gender, child_age_months,
fixed_days, hours_per_match, min_common_level, volunteers_per_family), ``webapp.matches.runs``
(trios) and ``webapp.volunteers.readiness`` (requirements, on top of
``training.DEFAULT_REQUIREMENTS``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from training import (
    ADDITIONAL_CHECK,
    DEFAULT_REQUIREMENTS,
    VOG,
    ProgrammeRequirements,
    requirements_to_dict,
)

from .extensions import db
from .models import ProgrammeType
from .training_catalogue import catalogue, retired_codes

#: Where a default comes from (shown beside each rule on the programme form and beside each
#: item of the training catalogue). "ours": the sources say nothing about it.
SOURCES = {
    "handreiking": _l("Handreiking informele opvoedsteun vluchtelinggezinnen (NJi/Pharos)"),
    "kis": _l("KIS study (Kennisplatform Integratie & Samenleving)"),
    "ours": _l("No source. Our default, editable"),
    "admin": _l("Added by an administrator"),
}

#: Where each shipped catalogue item (``training.CATALOGUE``) comes from, and where its default
#: validity comes from: (item, validity). The handreiking (§4.1) asks volunteers to follow the
#: Pharos e-learning, points to the NJi draaiboek for the themabijeenkomst and to Pharos's
#: trainings in culturally sensitive working; the KIS team meeting "Waardenopvoeding in
#: diversiteit" is KIS's. No source says how long any of them stays valid (the e-learning's
#: 36 months are ours), nor anything about the VOG's renewal or an additional check.
CATALOGUE_SOURCES = {
    "pharos_elearning": ("handreiking", "ours"),
    "themabijeenkomst": ("handreiking", "ours"),
    "cultuursensitief_werken": ("handreiking", "ours"),
    "waardenopvoeding": ("kis", "ours"),
    VOG: ("ours", "ours"),
    ADDITIONAL_CHECK: ("ours", "ours"),
}  # any other shipped item (a programme's own basic training): ("ours", "ours")


@dataclass(frozen=True)
class TypeSpec:
    """One programme type: its code, name, default rules and the source of each default
    (by form field name; a field not named is ``"ours"``)."""

    code: str
    name: str
    rules: dict
    sources: dict = field(default_factory=dict)
    label: object = None  # shown when choosing a type (default: the name)


# Every home-visiting type asks for the Pharos e-learning and the themabijeenkomst (the
# handreiking's advice) and recommends KIS's "Waardenopvoeding in diversiteit".
_HOME_VISITING_SOURCES = {"required_training": "handreiking", "recommended_training": "kis"}

PROGRAMME_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec("homestart", "Home-Start", {"child_age_months": [0, 144], "hours_per_match": 2},
             _HOME_VISITING_SOURCES),
    TypeSpec("mim", "Moeders Informeren Moeders",
             {"volunteer_gender": "f", "child_age_months": [0, 72], "hours_per_match": 2},
             {**_HOME_VISITING_SOURCES, "volunteer_gender": "handreiking"}),
    TypeSpec("steunouder", "Steunouder",
             {"child_age_months": [0, 216], "fixed_days": True, "hours_per_match": 8},
             _HOME_VISITING_SOURCES),
    TypeSpec("spelaanhuis", "Spel aan Huis", {"child_age_months": [24, 120],
                                              "hours_per_match": 1}, _HOME_VISITING_SOURCES),
    TypeSpec("pou", "Preventieve Ouderschapsondersteuning", {"groups": True},
             {"recommended_training": "kis"},
             _l("Parent groups (Preventieve Ouderschapsondersteuning)")),
    TypeSpec("trio", "Mentortrio nieuwkomer–oudkomer–Nederlander",
             {"trios": True, "volunteers_per_family": 2, "hours_per_match": 2},
             {"trios": "handreiking", "volunteers_per_family": "handreiking"},
             _l("Mentor trios (newcomer, earlier arrival, Dutch volunteer)")),
    TypeSpec("generic", "Ander informeel programma", {}, {},
             _l("Other informal programme (generic)")),
)
TYPES_BY_CODE = {spec.code: spec for spec in PROGRAMME_TYPES}


def type_choices() -> list[tuple[str, str]]:
    """(code, label) of every programme type, in the order above."""
    return [(spec.code, str(spec.label or spec.name)) for spec in PROGRAMME_TYPES]


def ensure_programme_types() -> dict[str, ProgrammeType]:
    """The programme types by code, creating those missing (flushes; the caller commits).
    Safe on an empty database, and when another request creates them at the same time."""
    types = {t.code: t for t in db.session.execute(db.select(ProgrammeType)).scalars()}
    missing = [spec for spec in PROGRAMME_TYPES if spec.code not in types]
    if not missing:
        return types
    try:
        with db.session.begin_nested():
            for spec in missing:
                row = ProgrammeType(code=spec.code, name=spec.name, default_rules=dict(spec.rules))
                db.session.add(row)
                types[spec.code] = row
    except IntegrityError:  # created by a concurrent request: read them
        types = {t.code: t for t in db.session.execute(db.select(ProgrammeType)).scalars()}
    return types


# --- the rules a programme can change --------------------------------------------------------

AGE_YEARS_RANGE = (0, 18)
HOURS_PER_MATCH_RANGE = (0, 40)
VOLUNTEERS_PER_FAMILY_RANGE = (1, 4)
VOG_RENEWAL_MONTHS_RANGE = (1, 120)
VALIDITY_MONTHS_RANGE = (1, 120)  # a training's validity, in the catalogue and per programme
RENEWAL_WINDOW_DAYS_RANGE = (0, 365)
GRACE_DAYS_RANGE = (0, 365)
TRIO_VOLUNTEERS = 2
GENDERS = ("", "f", "m")
COMMON_LEVELS = ("basic", "good", "native")
# What the matching engine does when a rule is not set (matching.model.ProgrammeRules).
ENGINE_DEFAULTS = {"volunteer_gender": None, "child_age_months": None, "hours_per_match": 0,
                   "volunteers_per_family": 1, "trios": False, "fixed_days": False,
                   "min_common_level": "good"}
REQUIREMENT_FIELDS = {"required_training": "required", "recommended_training": "recommended",
                      "renewal_window_days": "renewal_window_days", "grace_days": "grace_days",
                      "vog_required": "vog_required", "vog_renewal_months": "vog_renewal_months",
                      "vog_profiles": "vog_profiles",
                      "additional_check_required": "additional_check_required"}
# The validity of each training item is one form field per item (``validity_<code>``), stored
# together as the requirements' ``validity_months`` map.
VALIDITY_PREFIX = "validity_"
# Form field → the top-level rule key it sets (the age band is two fields, one key).
RULE_FIELDS = ("volunteer_gender", "age_from", "age_to", "hours_per_match",
               "volunteers_per_family", "trios", "fixed_days", "min_common_level",
               *REQUIREMENT_FIELDS)


def validity_field(code: str) -> str:
    """The form field of an item's validity (months)."""
    return f"{VALIDITY_PREFIX}{code}"


def training_items(keep: tuple[str, ...] | list[str] = ()) -> list:
    """Catalogue items a programme may require or recommend (not the VOG or the check,
    which have their own switches): the items not retired, and of the retired ones those
    in ``keep`` (what a programme has chosen already, so saving it does not fail)."""
    retired = retired_codes()
    return [item for code, item in catalogue().items()
            if code not in (VOG, ADDITIONAL_CHECK) and (code not in retired or code in keep)]


def training_defaults(type_code: str) -> dict:
    """What ``webapp.volunteers.readiness`` starts from for a type (before any rules): the
    training defaults (``training.DEFAULT_REQUIREMENTS``) without retired catalogue items (a
    programme keeps a retired item only where it chose it itself)."""
    base = requirements_to_dict(DEFAULT_REQUIREMENTS.get(type_code)
                                or ProgrammeRequirements(programme=type_code))
    retired = retired_codes()
    if retired:
        for key in ("required", "recommended"):
            base[key] = [code for code in base[key] if code not in retired]
    return base


_requirements_base = training_defaults


def type_requirements(programme_type: ProgrammeType) -> dict:
    """A type's default requirements: the training defaults with the type's own rules."""
    return {**_requirements_base(programme_type.code),
            **((programme_type.default_rules or {}).get("requirements") or {})}


def _form_values(rules: dict, requirements: dict) -> dict:
    ages = rules.get("child_age_months")
    values = {
        "volunteer_gender": rules.get("volunteer_gender") or "",
        "age_from": int(ages[0]) // 12 if ages else None,
        "age_to": int(ages[1]) // 12 if ages else None,
        "hours_per_match": rules.get("hours_per_match") or 0,
        "volunteers_per_family": int(rules.get("volunteers_per_family") or 1),
        "trios": bool(rules.get("trios")),
        "fixed_days": bool(rules.get("fixed_days")),
        "min_common_level": rules.get("min_common_level") or "good",
    }
    for name, key in REQUIREMENT_FIELDS.items():
        values[name] = requirements.get(key)
    overrides = requirements.get("validity_months") or {}
    for item in training_items(keep=[*(requirements.get("required") or ()),
                                     *(requirements.get("recommended") or ())]):
        values[validity_field(item.code)] = overrides.get(item.code, item.validity_months)
    return values


def type_form_values(programme_type: ProgrammeType) -> dict:
    """The form values of a type's defaults (a new programme starts from these)."""
    return _form_values({**ENGINE_DEFAULTS, **(programme_type.default_rules or {})},
                        type_requirements(programme_type))


def programme_form_values(programme) -> dict:
    """The form values of a programme's rules (type defaults with its own rules)."""
    rules = {**ENGINE_DEFAULTS, **programme.effective_rules}
    own = (programme.rules or {}).get("requirements")
    requirements = ({**_requirements_base(programme.type.code), **own} if own is not None
                    else type_requirements(programme.type))
    return _form_values(rules, requirements)


def default_notes(programme_type: ProgrammeType) -> dict[str, tuple[object, str]]:
    """Form field → (the type's default value, where that default comes from). An item's
    validity comes from the catalogue (:func:`catalogue_sources`)."""
    sources = TYPES_BY_CODE.get(programme_type.code, TypeSpec("", "", {})).sources
    notes = {name: (value, str(SOURCES[sources.get(name, "ours")]))
             for name, value in type_form_values(programme_type).items()}
    from flask_babel import gettext as _
    type_validity = type_requirements(programme_type).get("validity_months") or {}
    for code, item in catalogue().items():
        name = validity_field(code)
        if name in notes:
            source = (str(SOURCES[sources.get(name, "ours")]) if code in type_validity
                      else catalogue_sources(item)[1])
            notes[name] = (notes[name][0], source)
    # words for "nothing" where nothing means something
    for name, (value, source) in notes.items():
        if value is None and (name.startswith(VALIDITY_PREFIX) or name == "vog_renewal_months"):
            notes[name] = (_("does not expire"), source)
        elif name == "vog_profiles" and not value:
            notes[name] = (_("any profile"), source)
    return notes


def catalogue_sources(item) -> tuple[str, str]:
    """Where a catalogue item and its current default validity come from, in words: a shipped
    item's source (:data:`CATALOGUE_SOURCES`), "added by an administrator", or, for a validity
    an administrator changed, that change with the shipped value."""
    from flask_babel import gettext as _

    from training import CATALOGUE
    shipped = CATALOGUE.get(item.code)
    if shipped is None:
        added = str(SOURCES["admin"])
        return added, added
    item_key, validity_key = CATALOGUE_SOURCES.get(item.code, ("ours", "ours"))
    validity = str(SOURCES[validity_key])
    if item.validity_months != shipped.validity_months:
        validity = (_("Changed here; shipped default: %(months)s months (%(source)s)",
                      months=shipped.validity_months, source=validity)
                    if shipped.validity_months is not None else
                    _("Changed here; shipped default: does not expire (%(source)s)",
                      source=validity))
    return str(SOURCES[item_key]), validity


def rules_from_form(programme_type: ProgrammeType, values: dict) -> dict:
    """``Programme.rules`` for validated form ``values``: only what differs from the type's
    defaults, so a later change of a type default reaches programmes that kept it."""
    defaults = {**ENGINE_DEFAULTS, **(programme_type.default_rules or {})}
    hours = float(values["hours_per_match"] or 0)
    age_from, age_to = values.get("age_from"), values.get("age_to")
    chosen = {
        "volunteer_gender": values.get("volunteer_gender") or None,
        "child_age_months": (None if age_from is None
                             else [int(age_from) * 12, int(age_to) * 12]),
        "hours_per_match": int(hours) if hours.is_integer() else hours,
        "volunteers_per_family": int(values["volunteers_per_family"]),
        "trios": bool(values.get("trios")),
        "fixed_days": bool(values.get("fixed_days")),
        "min_common_level": values.get("min_common_level") or "good",
    }
    rules = {key: value for key, value in chosen.items() if value != defaults.get(key)}
    requirements = {key: values.get(name) for name, key in REQUIREMENT_FIELDS.items()}
    requirements["required"] = list(requirements["required"] or [])
    requirements["recommended"] = list(requirements["recommended"] or [])
    requirements["vog_profiles"] = list(requirements["vog_profiles"] or [])
    # an item's validity is stored only where it differs from the catalogue's
    requirements["validity_months"] = {
        code: values[validity_field(code)] for code, item in catalogue().items()
        if validity_field(code) in values
        and values[validity_field(code)] != item.validity_months}
    if requirements != {k: type_requirements(programme_type).get(k) for k in requirements}:
        # readiness reads the training defaults with this dict on top (it replaces the
        # type's own "requirements" entirely): keep the type's other keys, and every chosen
        # value that differs from the training defaults
        base = _requirements_base(programme_type.code)
        type_own = (programme_type.default_rules or {}).get("requirements") or {}
        rules["requirements"] = {
            **{k: v for k, v in type_own.items() if k not in requirements},
            **{k: v for k, v in requirements.items() if v != base.get(k)}}
    return rules
