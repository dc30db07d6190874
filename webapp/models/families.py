"""Families, their requests per programme and consent (filled in by the families area)."""
