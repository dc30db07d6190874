"""Administration: organisations, programmes, users and the local outbox."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import routes  # noqa: E402,F401
