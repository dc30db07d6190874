"""Command line: ``flask --app wsgi messaging sweep`` (run it every minute from cron or a
systemd timer when Redis is used) and ``flask --app wsgi messaging reconcile``."""
from __future__ import annotations

import click

from . import bp


@bp.cli.command("sweep")
def sweep_cmd():
    """Deliver every queued or due message (and settle ones a dead worker left)."""
    from .delivery import deliver_due
    click.echo(f"delivered {deliver_due()} message(s)")


@bp.cli.command("reconcile")
def reconcile_cmd():
    """Settle messages left 'sending' by a worker that stopped."""
    from .delivery import reconcile
    click.echo(f"settled {reconcile()} message(s)")
