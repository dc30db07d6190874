"""``flask --app wsgi privacy enforce-retention [--dry-run] [--json]`` (run it daily), and
the same as a background job (``enforce_retention``) for a scheduler."""
from __future__ import annotations

import json

import click

from ..jobs import job
from . import bp
from .lifecycle import enforce_retention


def _summary(report) -> str:
    verb = "would be anonymised" if report.dry_run else "anonymised"
    fams = len(report.families) if report.dry_run else report.anonymised_families
    vols = len(report.volunteers) if report.dry_run else report.anonymised_volunteers
    return (f"{'dry run: ' if report.dry_run else ''}{fams} family(ies) and {vols} "
            f"volunteer(s) {verb}; {len(report.held)} family(ies) due but on legal hold")


@bp.cli.command("enforce-retention")
@click.option("--dry-run", is_flag=True, help="Only list what would be anonymised.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def enforce_retention_cmd(dry_run: bool, as_json: bool):
    """Anonymise the families and volunteers whose retention period has passed.

    Idempotent: run it daily. Prints references and counts, never personal data."""
    report = enforce_retention(dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(_summary(report))
    for label, rows in (("family", report.families), ("volunteer", report.volunteers),
                        ("on hold", report.held)):
        for row in rows:
            click.echo(f"  {label}: {row.reference} (ended {row.ended}, due {row.due_on})")


@job("enforce_retention")
def enforce_retention_job(ctx) -> dict:
    """The daily retention run as a job (for the scheduler)."""
    report = enforce_retention()
    ctx.progress(100, "done")
    return {"families": report.anonymised_families, "volunteers": report.anonymised_volunteers,
            "on_hold": len(report.held)}
