"""Which reminder e-mails are due today: pure selection, no sending, no clock.

A reminder is due for a (volunteer, item) when, in any of the volunteer's programmes,

- the item is a required item that is missing for a reason the volunteer can act on
  (``never_done``, ``parts_missing``, ``expired``, ``rejected``, ``wrong_profile``; not
  ``pending_verification`` and not the organisation's additional check), reason
  ``"missing"``; or
- the item is a required item that counts but expires within ``within_days`` (default 30):
  ``expires_on <= today + within_days`` (this includes the grace period), reason
  ``"expiring"``;

and no reminder for that volunteer and item was sent in the last ``every_days`` (default 14)
days: a log entry with ``sent_on > today - every_days`` (including today, and any future date)
blocks it; one sent exactly ``every_days`` ago does not. The throttle is per item, whatever the
reason. Running the selection again after logging what was sent returns nothing (idempotent).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from training.catalogue import ADDITIONAL_CHECK
from training.dates import check_plain_date
from training.readiness import ProgrammeReadiness

__all__ = ["DueReminder", "SentReminder", "due_reminders"]

_ACTIONABLE = ("never_done", "parts_missing", "expired", "rejected", "wrong_profile")


@dataclass(frozen=True)
class SentReminder:
    """A reminder already sent (from the web app's reminder log)."""

    volunteer: Hashable
    item: str
    sent_on: date


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send. ``detail``: the missing reason, or ``None`` for ``expiring``;
    ``expires_on``: the expiry day for ``expiring`` (or of an expired item); ``programmes``:
    the programmes (sorted) in which the item is missing or expiring."""

    volunteer: Hashable
    item: str
    reason: Literal["missing", "expiring"]
    detail: str | None
    expires_on: date | None
    programmes: tuple[str, ...]


def _candidates(
    programmes: Mapping[str, ProgrammeReadiness], horizon: date
) -> dict[str, tuple[str, str | None, date | None, tuple[str, ...]]]:
    """item -> (reason, detail, expires_on, programmes). An item missing in one programme and
    expiring in another is reported as missing, with the programmes where it is missing."""
    missing: dict[str, tuple[str, date | None, set[str]]] = {}
    expiring: dict[str, tuple[date, set[str]]] = {}
    for code, result in programmes.items():
        for m in result.missing:
            if m.reason in _ACTIONABLE and m.item != ADDITIONAL_CHECK:
                missing.setdefault(m.item, (m.reason, m.expired_on, set()))[2].add(code)
        for v in result.valid:
            if v.expires_on is not None and v.expires_on <= horizon:
                first, progs = expiring.get(v.item, (v.expires_on, set()))
                expiring[v.item] = (min(first, v.expires_on), progs | {code})
    found: dict[str, tuple[str, str | None, date | None, tuple[str, ...]]] = {}
    for item, (reason, expired_on, progs) in missing.items():
        found[item] = ("missing", reason, expired_on, tuple(sorted(progs)))
    for item, (expires_on, progs) in expiring.items():
        if item not in found:
            found[item] = ("expiring", None, expires_on, tuple(sorted(progs)))
    return found


def due_reminders(
    results: Mapping[Hashable, Mapping[str, ProgrammeReadiness]],
    sent: Iterable[SentReminder],
    today: date,
    within_days: int = 30,
    every_days: int = 14,
) -> tuple[DueReminder, ...]:
    """Reminders due on ``today``.

    ``results``: volunteer id -> the output of :func:`training.readiness.readiness` for that
    volunteer (evaluated on ``today``). Output order: volunteers in input order, then
    "missing" before "expiring", then by item code.
    """
    check_plain_date(today, "today")
    cutoff = today - timedelta(days=every_days)
    blocked = {(s.volunteer, s.item) for s in sent if s.sent_on > cutoff}
    horizon = today + timedelta(days=within_days)
    due: list[DueReminder] = []
    for volunteer, programmes in results.items():
        found = _candidates(programmes, horizon)
        rows = [
            DueReminder(volunteer, item, reason, detail, expires, progs)  # type: ignore[arg-type]
            for item, (reason, detail, expires, progs) in found.items()
            if (volunteer, item) not in blocked
        ]
        due.extend(sorted(rows, key=lambda r: (r.reason != "missing", r.item)))
    return tuple(due)
