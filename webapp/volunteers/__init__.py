"""Volunteers: registration, profile, training log, themabijeenkomst sessions, and the
coordinator's volunteer list, verification, VOG and import/export."""
from flask import Blueprint

bp = Blueprint("volunteers", __name__)

from . import routes  # noqa: E402,F401
