"""Date helpers for training rules: month arithmetic and completion-date validation.

Expiry semantics used throughout ``training/``: something done on day ``D`` with a validity
of ``M`` months *expires on* ``add_months(D, M)``. That day is the first day on which it no
longer counts; it is valid **through the day before**. Month arithmetic clamps to the end of
the month: 31 January + 1 month = 28 (or 29) February; 29 February 2024 + 36 months =
28 February 2027.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

__all__ = ["TrainingDateError", "add_months", "check_plain_date", "validate_completion_date"]


class TrainingDateError(ValueError):
    """A date the training rules refuse; ``code`` is a stable machine-readable reason.

    Codes: ``"future_date"`` (a completion after today), ``"not_a_date"`` (not a
    :class:`datetime.date`, or a :class:`datetime.datetime`, which would compare wrongly).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_plain_date(value: object, what: str) -> date:
    """Return ``value`` if it is a plain :class:`date` (not a datetime), else raise."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TrainingDateError("not_a_date", f"{what} must be a datetime.date, got {value!r}")
    return value


def add_months(start: date, months: int) -> date:
    """Return ``start`` plus ``months`` calendar months, clamped to the month's last day."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def validate_completion_date(completed_on: date, today: date) -> date:
    """Return ``completed_on`` if it may be recorded on ``today``.

    Raises :class:`TrainingDateError` with code ``"future_date"`` when it lies after today
    (today itself is allowed), or ``"not_a_date"`` for anything but a plain date.
    """
    check_plain_date(completed_on, "completed_on")
    check_plain_date(today, "today")
    if completed_on > today:
        raise TrainingDateError(
            "future_date",
            f"completion date {completed_on.isoformat()} is after today ({today.isoformat()})",
        )
    return completed_on
