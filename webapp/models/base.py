"""Shared column helpers for the models."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import String, cast


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored naive-UTC on SQLite, which has no time zones)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def code_pattern(code: str) -> str:
    """The ``LIKE`` pattern that finds the code ``code`` in a JSON list or map of codes."""
    return f'%"{code}"%'


def has_code(column, pattern):
    """SQL: the JSON ``column`` (a list of codes, or a map keyed by them) holds the code that
    ``pattern`` (:func:`code_pattern`, or a bound parameter holding one) looks for. A
    ``LIKE`` on the JSON text: the same on PostgreSQL and SQLite."""
    return cast(column, String).like(pattern)
