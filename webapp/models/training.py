"""The training catalogue as rows: one per item a programme can require or recommend.

The shipped items (``training.CATALOGUE``) are seeded by the migration
``2026_12_04_14t_training_catalogue``; the installation admin adds, changes and retires items
(``webapp.training_catalogue``). ``training/`` stays pure: the web layer turns these rows into
``training.CatalogueItem``s. Rows are never deleted: completions keep referring to their
code, so a retired item stays readable (``retired_at``) and is only no longer offered.
"""
from __future__ import annotations

from sqlalchemy import JSON

from ..extensions import db
from .base import utcnow

__all__ = ["TrainingCatalogueItem"]


class TrainingCatalogueItem(db.Model):
    """One catalogue item. ``code`` and ``kind`` do not change after creation; ``parts``:
    a list of ``{"code", "title_nl", "title_en"}`` (the Pharos e-learning's themes)."""

    __tablename__ = "training_catalogue_item"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(60), nullable=False, unique=True)
    title_nl = db.Column(db.String(300), nullable=False)
    title_en = db.Column(db.String(300), nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    provider = db.Column(db.String(200))
    url = db.Column(db.String(500))
    validity_months = db.Column(db.Integer)  # None: does not expire
    coordinator_recorded = db.Column(db.Boolean, nullable=False, default=False)
    parts = db.Column(JSON, nullable=False, default=list)
    position = db.Column(db.Integer, nullable=False, default=0)
    retired_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
