"""Families: intake of needs and preferences with consent, the family list and page."""
from flask import Blueprint

bp = Blueprint("families", __name__)

from . import routes  # noqa: E402,F401
