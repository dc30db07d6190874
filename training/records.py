"""Plain input records for readiness: what the web layer hands to ``training/``.

These mirror database rows but carry no identity or ORM state. Dates are plain
:class:`datetime.date` values (a ``datetime`` is refused: it would compare wrongly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from training.dates import check_plain_date

__all__ = [
    "ADDITIONAL_CHECK_KINDS",
    "AdditionalCheck",
    "Completion",
    "VogRecord",
    "VolunteerRecords",
]

Source = Literal["self", "coordinator"]
ADDITIONAL_CHECK_KINDS: tuple[str, ...] = ("references", "interview", "other")


@dataclass(frozen=True)
class Completion:
    """A completion of a catalogue item, or of one part of it.

    ``part=None`` on an item with parts means the whole item (all parts) was completed.
    ``verified``: ``True`` verified, ``None`` pending, ``False`` rejected by a coordinator.
    A completion with ``source="coordinator"`` and ``verified=None`` counts as verified
    (the coordinator recorded it, e.g. attendance at a session).
    """

    item: str
    completed_on: date
    part: str | None = None
    verified: bool | None = None
    source: Source = "self"

    def __post_init__(self) -> None:
        check_plain_date(self.completed_on, "completed_on")
        if self.source not in ("self", "coordinator"):
            raise ValueError(f"source must be 'self' or 'coordinator', got {self.source!r}")
        if self.verified not in (True, False, None):
            raise ValueError(f"verified must be True, False or None, got {self.verified!r}")

    @property
    def state(self) -> Literal["verified", "pending", "rejected"]:
        """``rejected`` if rejected; ``verified`` if verified or coordinator-recorded;
        otherwise ``pending``."""
        if self.verified is False:
            return "rejected"
        if self.verified is True or self.source == "coordinator":
            return "verified"
        return "pending"


@dataclass(frozen=True)
class VogRecord:
    """A VOG as recorded by a coordinator. Only a VOG whose original was seen counts;
    ``free_vog_scheme`` (the organisation used the free-VOG scheme) is informational."""

    issued_on: date
    screening_profile: str = ""
    free_vog_scheme: bool = False
    original_seen: bool = False

    def __post_init__(self) -> None:
        check_plain_date(self.issued_on, "issued_on")


@dataclass(frozen=True)
class AdditionalCheck:
    """The organisation's additional check of a volunteer, where a programme asks it of every
    volunteer. ``kind``: one of :data:`ADDITIONAL_CHECK_KINDS`. It does not expire."""

    done_on: date
    kind: str = "references"

    def __post_init__(self) -> None:
        check_plain_date(self.done_on, "done_on")
        if self.kind not in ADDITIONAL_CHECK_KINDS:
            raise ValueError(f"kind must be one of {ADDITIONAL_CHECK_KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class VolunteerRecords:
    """Everything readiness needs about one volunteer (nothing about where they come from)."""

    completions: tuple[Completion, ...] = ()
    vogs: tuple[VogRecord, ...] = ()
    additional_checks: tuple[AdditionalCheck, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "completions", tuple(self.completions))
        object.__setattr__(self, "vogs", tuple(self.vogs))
        object.__setattr__(self, "additional_checks", tuple(self.additional_checks))
