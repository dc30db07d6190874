"""Command-line commands: ``flask --app wsgi seed-demo``, ``create-user``, ``worker``, …"""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app

from .extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True,
                  help="On a database with real data, seed nothing and exit 0 (make run).")
    def seed_demo_cmd(if_empty):
        """Fill an empty database with a realistic demo region and demo accounts."""
        from .demo import DemoRefused, seed_demo
        try:
            summary = seed_demo()
        except DemoRefused as exc:
            if if_empty:
                click.echo(f"seed-demo: {exc}; no demo is added, Koppel starts with your data.")
                return
            click.echo(f"seed-demo: {exc}", err=True)
            sys.exit(1)
        click.echo(summary)

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", default=None)
    @click.option("--role", type=click.Choice(["volunteer", "coordinator", "admin"]),
                  required=True)
    @click.option("--organisation", default=None, help="Organisation name (omit for an "
                  "installation-wide admin).")
    @click.option("--phone", default=None, help="Staff: the number introductions give.")
    def create_user_cmd(email, name, role, organisation, phone):
        """Create an account; the password is read from standard input."""
        from .accounts import AccountError, create_user
        password = sys.stdin.readline().rstrip("\n")
        try:
            user = create_user(email=email, name=name or email.split("@")[0], role=role,
                               organisation_name=organisation, password=password,
                               phone=phone)
        except AccountError as exc:
            click.echo(f"create-user: {exc}", err=True)
            sys.exit(2)
        click.echo(f"created {user.role} #{user.id}")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker_cmd(burst):
        """Run an rq worker for Koppel's queue (needs REDIS_URL)."""
        from rq import Queue, Worker

        from .jobs import QUEUE_NAME, redis_connection
        if not current_app.config["REDIS_URL"]:
            click.echo("worker: REDIS_URL is not set; jobs run inside the web process.", err=True)
            sys.exit(2)
        conn = redis_connection()
        # with rq's scheduler: retries planned with `enqueue_in` (message delivery backoff)
        # are moved to the queue when due (in burst mode: those due at start)
        Worker([Queue(QUEUE_NAME, connection=conn)], connection=conn).work(
            burst=burst, with_scheduler=True)

    @app.cli.group("jobs")
    def jobs_group():
        """Background jobs."""

    @jobs_group.command("requeue")
    @click.option("--older-than", default=120, show_default=True,
                  help="Only jobs queued at least this many seconds ago.")
    def requeue_cmd(older_than):
        """Send jobs that are still queued to the queue again (after a Redis outage)."""
        from .jobs import requeue_pending
        click.echo(f"requeued {requeue_pending(older_than)} job(s)")

    @jobs_group.command("reap")
    @click.option("--minutes", default=60, show_default=True)
    def reap_cmd(minutes):
        """Mark jobs whose worker died (running too long) as failed, so they can be retried."""
        from .jobs import reap_stale
        click.echo(f"marked {reap_stale(minutes)} job(s) as failed")

    @app.cli.command("check-db")
    def check_db_cmd():
        """Exit 0 when the database answers, 1 with the reason otherwise."""
        from sqlalchemy import text
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as exc:
            url = db.engine.url.render_as_string(hide_password=True)
            click.echo(f"database {url} is not reachable: {exc.__class__.__name__}: "
                       f"{str(exc).splitlines()[0]}", err=True)
            sys.exit(1)
        click.echo("database ok")
