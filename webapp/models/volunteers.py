"""Volunteer profiles and their training records (filled in by the volunteers area)."""
