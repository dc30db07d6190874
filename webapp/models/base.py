"""Shared column helpers for the models."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored naive-UTC on SQLite, which has no time zones)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
