"""Command line of the volunteers area (the blueprint's ``training`` group):

    flask --app wsgi training remind [--date 2026-12-01]

Idempotent: suitable for a daily cron job (or enqueue the ``training_reminders`` job).
"""
from __future__ import annotations

from datetime import date

import click

from . import bp


@bp.cli.command("remind")
@click.option("--date", "on", default=None, help="Evaluate on this day (YYYY-MM-DD); "
              "default today.")
def remind_cmd(on):
    """E-mail volunteers whose required training is missing or expires within 30 days."""
    from .reminders import send_reminders
    day = None
    if on:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    result = send_reminders(day)
    click.echo(f"reminders sent to {result['volunteers']} volunteer(s) "
               f"for {result['items']} item(s)")
