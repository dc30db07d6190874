"""CLI commands: create-user, seed-demo."""
from __future__ import annotations

from webapp.extensions import db
from webapp.models import User


def test_create_user_reads_password_from_stdin(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "new@example.org", "--role",
                                 "coordinator", "--organisation", "Home-Start Leiden"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = User.by_email("new@example.org")
    assert user.role == "coordinator" and user.organisation.name == "Home-Start Leiden"
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_refuses_bad_input(app, world):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-user", "--email", "x@example.org", "--role", "coordinator",
                            "--organisation", "Nope"], input="a long enough password\n")
    assert r.exit_code == 2 and "no organisation" in r.output
    r = runner.invoke(args=["create-user", "--email", "y@example.org", "--role", "admin"],
                      input="short\n")
    assert r.exit_code == 2
    assert User.by_email("x@example.org") is None and User.by_email("y@example.org") is None


def test_seed_demo_fills_empty_db_and_refuses_real_users(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 0, r.output
    assert User.by_email("coordinator@demo.test").role == "coordinator"
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already" in again.output
    u = User(name="Real", role="volunteer")
    u.set_email("real@example.org")
    db.session.add(u)
    db.session.commit()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code == 1 and "real users" in refused.output


def test_make_run_seed_step_starts_normally_on_a_real_database(app):
    """`make run` runs `seed-demo --if-empty`: a real installation is served as it is."""
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-user", "--email", "beheer@home-start.example",
                                  "--role", "admin"], input="purple otter lamp grid\n")
    assert created.exit_code == 0, created.output
    r = runner.invoke(args=["seed-demo", "--if-empty"])
    assert r.exit_code == 0 and "no demo is added" in r.output
    assert User.by_email("coordinator@demo.test") is None
    admin = User.by_email("beheer@home-start.example")
    assert admin.role == "admin" and admin.organisation_id is None  # installation-wide
