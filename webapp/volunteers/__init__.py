"""Volunteers: registration, profile, training log, themabijeenkomst sessions, and the
coordinator's volunteer list, verification, VOG and import/export.

The blueprint's command group is ``training``: ``flask --app wsgi training remind``.
"""
from flask import Blueprint

bp = Blueprint("volunteers", __name__, cli_group="training")

from . import cli, reminders, routes  # noqa: F401
