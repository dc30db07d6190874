"""Volunteers: registration, profile, training log, themabijeenkomst sessions, and the
coordinator's volunteer list, verification, VOG and import/export.

The blueprint's command group is ``training``: ``flask --app wsgi training remind``.
"""
from flask import Blueprint

bp = Blueprint("volunteers", __name__, cli_group="training")

from . import cli, reminders, routes  # noqa: F401


@bp.record_once
def template_helpers(state):
    """Template globals for pages outside this blueprint (the volunteer's home page): the
    home page's values and the words for training codes (``volunteers/_readiness.html``)."""
    from . import home, labels
    state.app.jinja_env.globals.update(
        volunteer_home=home.volunteer_home, item_title=labels.item_title,
        part_title=labels.part_title, reason_text=labels.reason_text)
