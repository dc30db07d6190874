"""Family views (filled in by the families area)."""
from . import bp  # noqa: F401
