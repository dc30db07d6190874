"""Per-programme training requirements as data, and their (de)serialisation from plain dicts.

The web app stores each programme's rules as JSON; :func:`requirements_from_dict` turns that
into a validated :class:`ProgrammeRequirements` and :func:`requirements_to_dict` turns it back.
The keys of the dict are exactly the field names of :class:`ProgrammeRequirements` except
``programme``, which is passed separately; every key is optional and defaults as below.

The VOG and the organisation's additional check are not listed in ``required``: they have their
own fields (``vog_required``, ``additional_check_required``) because their rules differ (issue
date and renewal policy; a check that does not expire). Both apply to every volunteer of the
programme alike: no rule here looks at where a volunteer comes from or when they arrived (the
handreiking asks to recruit volunteers with a refugee background, §4.1, and asks no extra
screening of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from training.catalogue import ADDITIONAL_CHECK, CATALOGUE, VOG, CatalogueItem

__all__ = [
    "DEFAULT_REQUIREMENTS",
    "FieldError",
    "ProgrammeRequirements",
    "RequirementsError",
    "requirements_from_dict",
    "requirements_to_dict",
    "validate_requirements",
]


@dataclass(frozen=True)
class ProgrammeRequirements:
    """What a volunteer needs to be ready for one programme.

    - ``required`` / ``recommended``: catalogue codes, in the order shown to volunteers.
    - ``validity_months``: per-item override of the catalogue's validity (``None`` = does not
      expire); items not named use the catalogue default.
    - ``renewal_window_days``: from this many days before expiry the item is reported as
      expiring (status ``ready_warning``, still ready).
    - ``grace_days``: for this many days from the expiry day the item still counts, with a
      warning (``ready_warning``); 0 = none.
    - ``accept_unverified``: self-reported completions still pending verification count
      (never for items the catalogue marks ``coordinator_recorded``).
    - ``vog_required`` / ``vog_renewal_months`` (``None`` = a VOG never expires) /
      ``vog_profiles`` (accepted Justis screening profiles; empty = any profile).
    - ``additional_check_required``: the organisation's own extra check (references, an
      interview) is needed for every volunteer of the programme alike. Off by default: no
      source asks for it (our default, editable).
    """

    programme: str
    required: tuple[str, ...] = ()
    recommended: tuple[str, ...] = ()
    validity_months: Mapping[str, int | None] = field(default_factory=dict)
    renewal_window_days: int = 30
    grace_days: int = 0
    accept_unverified: bool = False
    vog_required: bool = True
    vog_renewal_months: int | None = 36
    vog_profiles: tuple[str, ...] = ()
    additional_check_required: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "required", tuple(self.required))
        object.__setattr__(self, "recommended", tuple(self.recommended))
        object.__setattr__(self, "vog_profiles", tuple(self.vog_profiles))
        object.__setattr__(self, "validity_months", MappingProxyType(dict(self.validity_months)))

    def item_validity(self, item: CatalogueItem) -> int | None:
        """Validity in months of ``item`` for this programme (override, else catalogue)."""
        if item.code in self.validity_months:
            return self.validity_months[item.code]
        return item.validity_months


@dataclass(frozen=True)
class FieldError:
    """One problem in a programme's rules: ``field`` names the key (``required[2]``,
    ``validity_months.pharos_elearning``); ``code`` is stable, ``message`` is for logs/admins.

    Codes: ``unknown_field``, ``wrong_type``, ``out_of_range``, ``unknown_item``,
    ``duplicate``, ``special_item``, ``conflict``.
    """

    field: str
    code: str
    message: str


class RequirementsError(ValueError):
    """Programme rules that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, programme: str, errors: list[FieldError]) -> None:
        self.programme = programme
        self.errors = tuple(errors)
        detail = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(f"invalid requirements for programme {programme!r}: {detail}")


_INT_FIELDS = {
    # name: (minimum, nullable)
    "renewal_window_days": (0, False),
    "grace_days": (0, False),
    "vog_renewal_months": (1, True),
}
_BOOL_FIELDS = ("accept_unverified", "vog_required", "additional_check_required")
_LIST_FIELDS = ("required", "recommended", "vog_profiles")
_KNOWN_FIELDS = {f.name for f in fields(ProgrammeRequirements)} - {"programme"}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(name: str, value: object, minimum: int, nullable: bool) -> list[FieldError]:
    if value is None and nullable:
        return []
    if not _is_int(value):
        kind = "an integer or null" if nullable else "an integer"
        return [FieldError(name, "wrong_type", f"must be {kind}, got {value!r}")]
    if value < minimum:  # type: ignore[operator]
        return [FieldError(name, "out_of_range", f"must be >= {minimum}, got {value}")]
    return []


def _check_item_list(
    name: str, value: object, catalogue: Mapping[str, CatalogueItem]
) -> list[FieldError]:
    if not isinstance(value, (list, tuple)):
        return [FieldError(name, "wrong_type", f"must be a list of item codes, got {value!r}")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, code in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(code, str):
            errors.append(FieldError(where, "wrong_type", f"must be a string, got {code!r}"))
        elif name == "vog_profiles":
            if code in seen:
                errors.append(FieldError(where, "duplicate", f"{code!r} is listed twice"))
        elif code in (VOG, ADDITIONAL_CHECK):
            flag = "vog_required" if code == VOG else "additional_check_required"
            errors.append(FieldError(where, "special_item", f"{code!r} is set with {flag}"))
        elif code not in catalogue:
            errors.append(FieldError(where, "unknown_item", f"no catalogue item {code!r}"))
        elif code in seen:
            errors.append(FieldError(where, "duplicate", f"{code!r} is listed twice"))
        if isinstance(code, str):
            seen.add(code)
    return errors


def _check_validity_map(value: object, catalogue: Mapping[str, CatalogueItem]) -> list[FieldError]:
    if not isinstance(value, Mapping):
        return [FieldError("validity_months", "wrong_type", f"must be an object, got {value!r}")]
    errors: list[FieldError] = []
    for code, months in value.items():
        where = f"validity_months.{code}"
        if code == VOG:
            errors.append(FieldError(where, "special_item", "set vog_renewal_months instead"))
        elif code not in catalogue:
            errors.append(FieldError(where, "unknown_item", f"no catalogue item {code!r}"))
        else:
            errors.extend(_check_int(where, months, 1, True))
    return errors


def _validate(data: Mapping[str, Any], catalogue: Mapping[str, CatalogueItem]) -> list[FieldError]:
    errors: list[FieldError] = []
    for key in data:
        if key not in _KNOWN_FIELDS:
            errors.append(FieldError(str(key), "unknown_field", "not a requirements field"))
    for name in _LIST_FIELDS:
        if name in data:
            errors.extend(_check_item_list(name, data[name], catalogue))
    if "validity_months" in data:
        errors.extend(_check_validity_map(data["validity_months"], catalogue))
    for name, (minimum, nullable) in _INT_FIELDS.items():
        if name in data:
            errors.extend(_check_int(name, data[name], minimum, nullable))
    for name in _BOOL_FIELDS:
        if name in data and not isinstance(data[name], bool):
            errors.append(
                FieldError(name, "wrong_type", f"must be true or false, got {data[name]!r}")
            )
    required = data.get("required", ())
    recommended = data.get("recommended", ())
    if isinstance(required, (list, tuple)) and isinstance(recommended, (list, tuple)):
        for i, code in enumerate(recommended):
            if isinstance(code, str) and code in required:
                errors.append(
                    FieldError(f"recommended[{i}]", "conflict", f"{code!r} is also required")
                )
    return errors


def validate_requirements(
    requirements: ProgrammeRequirements, catalogue: Mapping[str, CatalogueItem] = CATALOGUE
) -> None:
    """Raise :class:`RequirementsError` if ``requirements`` breaks any rule of the dict form."""
    errors = _validate(requirements_to_dict(requirements), catalogue)
    if errors:
        raise RequirementsError(requirements.programme, errors)


def requirements_from_dict(
    programme: str,
    data: Mapping[str, Any],
    catalogue: Mapping[str, CatalogueItem] = CATALOGUE,
) -> ProgrammeRequirements:
    """Build :class:`ProgrammeRequirements` for ``programme`` from JSON-like ``data``.

    Raises :class:`RequirementsError` listing every problem (each :class:`FieldError` names its
    field); nothing is partially accepted.
    """
    if not isinstance(data, Mapping):
        raise RequirementsError(programme, [FieldError("", "wrong_type", "must be an object")])
    errors = _validate(data, catalogue)
    if errors:
        raise RequirementsError(programme, errors)
    kwargs = {key: value for key, value in data.items()}
    for name in _LIST_FIELDS:
        if name in kwargs:
            kwargs[name] = tuple(kwargs[name])
    return ProgrammeRequirements(programme=programme, **kwargs)


def requirements_to_dict(requirements: ProgrammeRequirements) -> dict[str, Any]:
    """The JSON-ready dict form of ``requirements`` (without ``programme``)."""
    return {
        "required": list(requirements.required),
        "recommended": list(requirements.recommended),
        "validity_months": dict(requirements.validity_months),
        "renewal_window_days": requirements.renewal_window_days,
        "grace_days": requirements.grace_days,
        "accept_unverified": requirements.accept_unverified,
        "vog_required": requirements.vog_required,
        "vog_renewal_months": requirements.vog_renewal_months,
        "vog_profiles": list(requirements.vog_profiles),
        "additional_check_required": requirements.additional_check_required,
    }


def _home_visiting(programme: str) -> ProgrammeRequirements:
    """Programmes where a volunteer is with a family and its children, usually at home:
    the Pharos e-learning, the themabijeenkomst (its draaiboek was made for exactly these
    programmes, handreiking §4.1) and the programme's own basic training; and a VOG. The
    organisation's additional check is off: an organisation may switch it on for every
    volunteer of a programme alike."""
    return ProgrammeRequirements(
        programme=programme,
        required=("pharos_elearning", "themabijeenkomst", f"basis_{programme}"),
        recommended=("cultuursensitief_werken", "waardenopvoeding"),
        vog_required=True,
        additional_check_required=False,
    )


#: Default rules for the programmes in DOMAIN.md. Preventieve Ouderschapsondersteuning runs
#: parent groups led by VluchtelingenWerk staff, often with a *sleutelpersoon* who arrived
#: recently; it requires its own training and a VOG, and recommends the rest.
DEFAULT_REQUIREMENTS: Mapping[str, ProgrammeRequirements] = MappingProxyType(
    {
        "homestart": _home_visiting("homestart"),
        "mim": _home_visiting("mim"),
        "steunouder": _home_visiting("steunouder"),
        "spelaanhuis": _home_visiting("spelaanhuis"),
        "pou": ProgrammeRequirements(
            programme="pou",
            required=("basis_pou",),
            recommended=("pharos_elearning", "cultuursensitief_werken", "waardenopvoeding"),
            vog_required=True,
            additional_check_required=False,
        ),
    }
)
