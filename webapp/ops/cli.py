"""``flask --app wsgi backup create|restore``."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.group("backup")
    def backup_group():
        """Back up and restore the database (keys are never inside a backup)."""

    @backup_group.command("create")
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="File to write (default: instance/backups/koppel-<time>.tar).")
    def create_cmd(output):
        from .backup import BackupError, create
        from flask import current_app
        if output is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path(current_app.instance_path) / "backups" / f"koppel-{stamp}.tar"
        try:
            manifest = create(output)
        except BackupError as exc:
            click.echo(f"backup: {exc}", err=True)
            sys.exit(1)
        click.echo(f"backup written to {output} (revision {manifest['revision']})")

    @backup_group.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--allow-other-keys", is_flag=True,
                  help="Restore although the configured keys differ from the backup's.")
    def restore_cmd(path, allow_other_keys):
        from .backup import BackupError, restore
        try:
            manifest = restore(path, allow_other_keys=allow_other_keys)
        except BackupError as exc:
            click.echo(f"backup: {exc}", err=True)
            sys.exit(1)
        click.echo(f"restored revision {manifest['revision']} from {path}")
