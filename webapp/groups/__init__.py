"""Parent groups (Preventieve Ouderschapsondersteuning): invitations, group formation with
``matching.groups``, five meetings with attendance and reminders, evaluation, and referral
to informal programmes. Registered at ``/groups``; CLI: ``flask --app wsgi groups remind``."""
from flask import Blueprint

bp = Blueprint("groups", __name__, cli_group="groups")

from . import cli, routes  # noqa: F401


@bp.record_once
def template_helpers(state):
    """Label helpers for the group templates."""
    from . import texts
    state.app.jinja_env.globals.update(groups_texts=texts)
