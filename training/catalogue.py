"""The seeded training catalogue (DOMAIN.md, "Training that volunteers log") as plain data.

Each :class:`CatalogueItem` carries a Dutch and an English title; the web app translates
through its own message catalogue and may use these as seed values. ``validity_months`` is the
default validity (``None`` = does not expire); programmes may override it. The VOG's validity
is always programme policy (``ProgrammeRequirements.vog_renewal_months``), so its catalogue
default is ``None``.

The admin-editable catalogue in the web app may differ; every function that needs a catalogue
takes one as an argument and defaults to :data:`CATALOGUE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "ADDITIONAL_CHECK",
    "CATALOGUE",
    "KINDS",
    "VOG",
    "CatalogueItem",
    "ItemKind",
    "Part",
    "make_catalogue",
]

ItemKind = Literal["elearning", "session", "course", "vog", "check"]
KINDS: tuple[str, ...] = ("elearning", "session", "course", "vog", "check")

#: Code of the VOG item (Verklaring Omtrent het Gedrag); handled by ``vog_required``.
VOG = "vog"
#: Code of the organisation's additional check (references, interview), for every volunteer
#: of a programme that asks for it; handled by ``additional_check_required``.
ADDITIONAL_CHECK = "aanvullende_screening"


@dataclass(frozen=True)
class Part:
    """A separately completable part of an item (e.g. one theme of an e-learning)."""

    code: str
    title_nl: str
    title_en: str


@dataclass(frozen=True)
class CatalogueItem:
    """One training, session, course or check a programme can require.

    ``coordinator_recorded``: completions are recorded by a coordinator (attendance), so a
    self-reported, unverified completion of this item never counts, whatever the programme says.
    """

    code: str
    title_nl: str
    title_en: str
    kind: ItemKind
    parts: tuple[Part, ...] = ()
    validity_months: int | None = None
    url: str | None = None
    provider: str | None = None
    coordinator_recorded: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.code}: unknown kind {self.kind!r}")
        if self.validity_months is not None and self.validity_months < 1:
            raise ValueError(f"{self.code}: validity_months must be >= 1 or None")
        codes = [p.code for p in self.parts]
        if len(set(codes)) != len(codes):
            raise ValueError(f"{self.code}: duplicate part codes")

    @property
    def part_codes(self) -> tuple[str, ...]:
        """The codes of the parts, in catalogue order (empty for single-unit items)."""
        return tuple(p.code for p in self.parts)


def make_catalogue(items: Iterable[CatalogueItem]) -> Mapping[str, CatalogueItem]:
    """Return a read-only mapping code -> item, refusing duplicate codes."""
    result: dict[str, CatalogueItem] = {}
    for item in items:
        if item.code in result:
            raise ValueError(f"duplicate catalogue code {item.code!r}")
        result[item.code] = item
    return MappingProxyType(result)


PHAROS_PARTS: tuple[Part, ...] = (
    Part("elkaar_begrijpen", "Elkaar echt begrijpen", "Really understanding each other"),
    Part("laaggeletterdheid", "Laaggeletterdheid", "Low literacy"),
    Part("veerkracht", "Veerkracht en psychische gezondheid", "Resilience and mental health"),
    Part("opvoeding_jeugd", "Opvoeding en jeugd", "Parenting and youth"),
    Part("gevoelige_onderwerpen", "Gevoelige onderwerpen", "Sensitive topics"),
    Part("ketensamenwerking", "Ketensamenwerking", "Working with partner organisations"),
)


def _basis(code: str, name: str) -> CatalogueItem:
    """The basic volunteer training of one programme (run by the organisation itself)."""
    return CatalogueItem(
        code=f"basis_{code}",
        title_nl=f"Basistraining {name}",
        title_en=f"{name} basic volunteer training",
        kind="course",
    )


CATALOGUE: Mapping[str, CatalogueItem] = make_catalogue(
    [
        CatalogueItem(
            code="pharos_elearning",
            title_nl=(
                "E-learning Werken met mensen met een vluchtelingenachtergrond"
                " — module vrijwilligers"
            ),
            title_en=(
                "E-learning Working with people with a refugee background — volunteers' module"
            ),
            kind="elearning",
            parts=PHAROS_PARTS,
            validity_months=36,
            # The link the NJi/Pharos handreiking (seed 002) gives for this module.
            url="https://www.pharosleerplatform.nl/",
            provider="Pharos",
        ),
        CatalogueItem(
            code="themabijeenkomst",
            title_nl="Themabijeenkomst rond vluchtelinggezinnen",
            title_en="Theme session on refugee families",
            kind="session",
            provider="NJi (draaiboek), run by the coordinator",
            coordinator_recorded=True,
        ),
        CatalogueItem(
            code="cultuursensitief_werken",
            title_nl="Training cultuursensitief werken",
            title_en="Culturally sensitive working",
            kind="course",
            url="https://www.pharos.nl/training/",
            provider="Pharos",
        ),
        CatalogueItem(
            code="waardenopvoeding",
            title_nl="Waardenopvoeding in diversiteit. Het begint met een gesprek",
            title_en="Values in parenting in a diverse society: it starts with a conversation",
            kind="session",
            url="https://www.kis.nl/publicatie/teambijeenkomst-waardenopvoeding-diversiteit",
            provider="KIS",
        ),
        _basis("homestart", "Home-Start"),
        _basis("mim", "Moeders Informeren Moeders"),
        _basis("steunouder", "Steunouder"),
        _basis("spelaanhuis", "Spel aan Huis"),
        _basis("pou", "Preventieve Ouderschapsondersteuning"),
        CatalogueItem(
            code=VOG,
            title_nl="Verklaring Omtrent het Gedrag (VOG)",
            title_en="Certificate of conduct (VOG)",
            kind="vog",
            provider="Justis",
            coordinator_recorded=True,
        ),
        CatalogueItem(
            code=ADDITIONAL_CHECK,
            title_nl="Aanvullende screening (referenties, gesprek)",
            title_en="Additional check (references, interview)",
            kind="check",
            provider="the organisation",
            coordinator_recorded=True,
        ),
    ]
)
