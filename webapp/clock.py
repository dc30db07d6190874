"""One notion of "now" and "today" for the dates people type and read: the wall clock in
Europe/Amsterdam, where Koppel's programmes run.

Planned moments (a first visit) are stored as naive local times and compared with
:func:`local_now`; days (a VOG's date of issue, a training) with :func:`local_today`.
Timestamps of what the system did stay in UTC (``models.base.utcnow``). Group meetings are
stored in UTC too (naive) and converted at the form boundary: :func:`to_utc` for what was
typed, :func:`from_utc` for the form's value; pages show them with Babel's
``datetimeformat`` (which reads a naive value as UTC and shows Amsterdam time).
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")


def local_now() -> datetime:
    """The current wall-clock time in Amsterdam, naive (as planned moments are stored)."""
    return datetime.now(LOCAL).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in Amsterdam (not in UTC: between midnight and 01:00/02:00 they differ)."""
    return local_now().date()


def as_local(when: datetime) -> datetime:
    """``when`` as a naive Amsterdam wall-clock time (an aware value is converted)."""
    if when.tzinfo is not None:
        return when.astimezone(LOCAL).replace(tzinfo=None)
    return when


def to_utc(local: datetime) -> datetime:
    """A naive Amsterdam wall-clock time (as typed) as a naive UTC time (as stored).
    A time that does not exist (the hour skipped in March) is read as if the clock had not
    moved yet; an ambiguous one (the hour repeated in October) as the first of the two."""
    aware = local if local.tzinfo is not None else local.replace(tzinfo=LOCAL)
    return aware.astimezone(UTC).replace(tzinfo=None)


def from_utc(utc: datetime) -> datetime:
    """A naive UTC time (as stored) as a naive Amsterdam wall-clock time (as typed)."""
    return utc.replace(tzinfo=UTC).astimezone(LOCAL).replace(tzinfo=None)


def in_the_past(when: datetime | date, now: datetime | None = None) -> bool:
    """Has ``when`` gone by? A moment: before now; a day: before today (today is not past)."""
    now = now or local_now()
    if isinstance(when, datetime):
        return as_local(when) < now
    return when < now.date()
