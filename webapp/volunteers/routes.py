"""Volunteer views (filled in by the volunteers area)."""
from . import bp  # noqa: F401
