"""``flask --app wsgi groups remind``: reminders of parent-group meetings (idempotent)."""
from __future__ import annotations

import click

from . import bp
from .meetings import remind_due


@bp.cli.command("remind")
@click.option("--days", default=2, show_default=True, type=int,
              help="Remind of meetings within this many days.")
def remind_cmd(days: int):
    """Remind members of meetings in the next DAYS days (sends each reminder once)."""
    from datetime import timedelta
    result = remind_due(ahead=timedelta(days=days))
    click.echo(f"{result['meetings']} meetings: {result['sent']} reminders written, "
               f"{result['problems']} could not be made (see the group pages), "
               f"{result['already']} sent before.")
