"""Tests of the pure training package (catalogue, requirements, readiness, reminders)."""
