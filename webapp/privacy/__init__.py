"""The data lifecycle (AVG/GDPR): retention, subject access, erasure, legal holds and
unusual access. Register with ``app.register_blueprint(bp, url_prefix="/privacy")``; the
CLI group ``flask --app wsgi privacy …`` comes with it."""
from flask import Blueprint

bp = Blueprint("privacy", __name__, cli_group="privacy")

from . import cli, routes  # noqa: F401
