"""Links in e-mails come from the configured ``KOPPEL_BASE_URL``, never from the request's
``Host`` or ``X-Forwarded-Host`` header; unknown hosts are refused (``TRUSTED_HOSTS``);
production refuses to start without a base URL; and "forgot password" does the same work
whether or not the address has an account (no enumeration by timing)."""
# Fixtures are imported from tests/web/messaging_support.py (no shared conftest edits).
# ruff: noqa: F811
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import make_user, make_volunteer
from tests.web.messaging_support import smtp_server  # noqa: F401  (fixture)
from webapp.extensions import db
from webapp.models import Job, Message, TrainingSession, User

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://koppel.example.org"
LINKED = pytest.mark.parametrize("app", [{"KOPPEL_BASE_URL": BASE}], indirect=True)
BEHIND_PROXY = pytest.mark.parametrize("app", [{"KOPPEL_BASE_URL": BASE, "PROXY_HOPS": 1}],
                                       indirect=True)
URL = re.compile(r"https?://[^\s<>\"']+")


def _links(text: str) -> list[str]:
    return URL.findall(text)


def _mail_text(handler, i: int = -1) -> str:
    """The plain-text part of a message the loopback SMTP server received."""
    mime = handler.parsed(i)
    part = mime.get_body(preferencelist=("plain",))
    return part.get_content()


def _assert_only_base_links(text: str, *paths: str) -> None:
    """Every link to Koppel is on the base URL (other sites, e.g. an e-learning, may appear)."""
    links = _links(text)
    assert links, text
    assert "koppel.test" not in text and "evil.example.org" not in text, text
    for link in links:
        assert link.startswith(BASE + "/") or "koppel" not in link, link
    for path in paths:
        assert any(link.startswith(BASE + path) for link in links), (path, links)


def _jobs_and_messages() -> tuple[int, int]:
    return (db.session.execute(db.select(db.func.count(Job.id))).scalar(),
            db.session.execute(db.select(db.func.count(Message.id))).scalar())


# --- forged Host / X-Forwarded-Host --------------------------------------------------------

@LINKED
def test_forged_host_header_is_refused_and_sends_nothing(app, client, world):
    before = _jobs_and_messages()
    resp = client.post("/forgot-password", data={"email": world.volunteer.email},
                       headers={"Host": "evil.example.org"})
    assert resp.status_code == 400
    assert "evil.example.org" not in resp.get_data(as_text=True)
    assert _jobs_and_messages() == before
    # a GET with a forged host is refused too (no page built on the attacker's host)
    assert client.get("/login", headers={"Host": "evil.example.org"}).status_code == 400


@BEHIND_PROXY
def test_forged_forwarded_host_behind_proxy_is_refused(app, client, world):
    before = _jobs_and_messages()
    resp = client.post("/forgot-password", data={"email": world.volunteer.email},
                       headers={"X-Forwarded-Host": "evil.example.org"})
    assert resp.status_code == 400
    assert _jobs_and_messages() == before


@BEHIND_PROXY
def test_trusted_forwarded_host_gets_a_link_on_the_base_url(app, client, world, smtp_server):
    resp = client.post("/forgot-password", data={"email": world.volunteer.email},
                       headers={"X-Forwarded-Host": "koppel.example.org",
                                "X-Forwarded-Proto": "http"})
    assert resp.status_code == 302
    assert len(smtp_server.received) == 1
    _assert_only_base_links(_mail_text(smtp_server), "/reset-password/")


@LINKED
def test_reset_link_ignores_the_request_host(app, client, world, smtp_server):
    """koppel.test is a trusted host (the tests' SERVER_NAME) but not the base URL: the link
    still points at the base URL."""
    resp = client.post("/forgot-password", data={"email": world.volunteer.email})
    assert resp.status_code == 302
    assert smtp_server.received[-1].rcpt_tos == [world.volunteer.email]
    text = _mail_text(smtp_server)
    _assert_only_base_links(text, "/reset-password/")
    # and the link works
    path = re.search(re.escape(BASE) + r"(/reset-password/\S+)", text).group(1)
    assert client.get(path).status_code == 200


# --- every kind of e-mail link -------------------------------------------------------------

@LINKED
def test_confirmation_link_uses_base_url(app, client, world, smtp_server):
    from tests.web.test_volunteers import registration_data
    resp = client.post("/register", data=registration_data(programmes=[str(world.prog_a.id)]))
    assert resp.status_code == 302
    _assert_only_base_links(_mail_text(smtp_server), "/register/confirm/")


@LINKED
def test_already_registered_notice_links_use_base_url(app, client, world, smtp_server):
    from tests.web.test_volunteers import registration_data
    resp = client.post("/register", data=registration_data(email=world.volunteer.email))
    assert resp.status_code == 302
    _assert_only_base_links(_mail_text(smtp_server), "/login", "/forgot-password")


def _as(app, user, world):
    c = app.test_client()
    c.post("/login", data={"email": user.email, "password": world.password})
    return c


@LINKED
def test_session_place_link_uses_base_url(app, world, smtp_server):
    first = make_volunteer(world.volunteer, [world.prog_a])
    second = make_volunteer(make_user("second@example.org", name="Second"), [world.prog_a])
    start = (datetime.now() + timedelta(days=10)).replace(microsecond=0, second=0)
    row = TrainingSession(organisation_id=world.org_a.id, title="Themabijeenkomst Leiden",
                          starts_at=start, ends_at=start + timedelta(hours=2),
                          place="Bibliotheek, Leiden", language="nl", capacity=1,
                          programmes=[world.prog_a])
    db.session.add(row)
    db.session.commit()
    a, b = _as(app, first.user, world), _as(app, second.user, world)
    a.post(f"/sessions/{row.id}/signup")
    b.post(f"/sessions/{row.id}/signup")
    a.post(f"/sessions/{row.id}/cancel")
    msg = db.session.execute(db.select(Message).filter_by(
        kind="training_session_place")).scalar_one()
    assert msg.recipient == "second@example.org"
    _assert_only_base_links(_mail_text(smtp_server), f"/sessions/{row.id}")


@LINKED
def test_training_reminder_link_uses_base_url_in_and_outside_a_request(app, world,
                                                                       smtp_server):
    from webapp.volunteers.reminders import send_reminders
    make_volunteer(world.volunteer, [world.prog_a])
    make_volunteer(make_user("second@example.org", name="Second"), [world.prog_a])
    # from a request on another (trusted) host
    with app.test_request_context("/", base_url="http://koppel.test"):
        assert send_reminders()["volunteers"] == 2
    # from the command line / a job: no request at all
    db.session.execute(db.delete(db.metadata.tables["reminder_log"]))
    db.session.commit()
    assert send_reminders()["volunteers"] == 2
    assert len(smtp_server.received) == 4
    for i in range(4):
        _assert_only_base_links(_mail_text(smtp_server, i), "/me/training")


@LINKED
def test_calendar_feed_address_uses_base_url(app, world):
    volunteer = make_volunteer(world.volunteer, [world.prog_a])
    a = _as(app, world.volunteer, world)
    a.post("/me/calendar")
    db.session.refresh(volunteer)
    page = a.get("/me/training").get_data(as_text=True)
    feed = re.search(r'id="feed-url" readonly value="([^"]+)"', page).group(1)
    assert feed.startswith(BASE + "/calendar/") and feed.endswith(".ics")


@pytest.mark.parametrize("app", [{"KOPPEL_BASE_URL": "https://example.org/koppel/"}],
                         indirect=True)
def test_base_url_with_a_path_prefix(app):
    from webapp.links import external_url
    assert app.config["KOPPEL_BASE_URL"] == "https://example.org/koppel"
    assert external_url("auth.login") == "https://example.org/koppel/login"
    with app.test_request_context("/", base_url="http://koppel.test"):
        assert external_url("auth.reset_password", token="t") == \
            "https://example.org/koppel/reset-password/t"


# --- configuration -------------------------------------------------------------------------

def _config(tmp_path, **overrides):
    from tests.conftest import base_config
    cfg = base_config(tmp_path, "sqlite://")
    cfg.update(overrides)
    return cfg


def test_production_without_base_url_refuses_to_start(tmp_path, monkeypatch):
    from webapp import create_app
    from webapp.links import ConfigError
    monkeypatch.delenv("KOPPEL_BASE_URL", raising=False)
    monkeypatch.delenv("KOPPEL_ENV", raising=False)
    # production is the default when nothing says otherwise
    with pytest.raises(ConfigError, match="KOPPEL_BASE_URL"):
        create_app(_config(tmp_path, TESTING=False, SERVER_NAME=None))
    with pytest.raises(ConfigError, match="KOPPEL_BASE_URL"):
        create_app(_config(tmp_path, TESTING=False, KOPPEL_ENV="production"))
    for bad in ("koppel.example.org", "ftp://koppel.example.org", "https://",
                "https://koppel.example.org/?next=x"):
        with pytest.raises(ConfigError, match="KOPPEL_BASE_URL"):
            create_app(_config(tmp_path, TESTING=False, KOPPEL_ENV="production",
                               KOPPEL_BASE_URL=bad))
    with pytest.raises(ConfigError, match="KOPPEL_ENV"):
        create_app(_config(tmp_path, TESTING=False, KOPPEL_ENV="staging", KOPPEL_BASE_URL=BASE))


def test_production_command_line_refuses_to_start_with_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("KOPPEL_BASE_URL", "KOPPEL_ENV", "KOPPEL_TRUSTED_HOSTS")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", KOPPEL_INSTANCE=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check-db"],
                            check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "KOPPEL_BASE_URL" in result.stderr
    env["KOPPEL_BASE_URL"] = BASE
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check-db"],
                            check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "KOPPEL_BASE_URL" not in result.stderr, result.stderr


def test_trusted_hosts_defaults_and_environment(tmp_path, monkeypatch):
    from webapp import create_app
    monkeypatch.delenv("KOPPEL_BASE_URL", raising=False)
    monkeypatch.delenv("KOPPEL_TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("KOPPEL_ENV", raising=False)
    prod = create_app(_config(tmp_path, TESTING=False, SERVER_NAME=None,
                              KOPPEL_BASE_URL="https://koppel.example.org:8443/"))
    assert prod.config["KOPPEL_BASE_URL"] == "https://koppel.example.org:8443"
    assert prod.config["TRUSTED_HOSTS"] == ["koppel.example.org"]
    dev = create_app(_config(tmp_path, TESTING=False, SERVER_NAME=None,
                             KOPPEL_ENV="development"))
    assert dev.config["KOPPEL_BASE_URL"] == "http://127.0.0.1:5000"
    assert set(dev.config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}
    monkeypatch.setenv("KOPPEL_TRUSTED_HOSTS", " koppel.example.org, .koppel.example.net ,")
    env = create_app(_config(tmp_path, TESTING=False, SERVER_NAME=None, KOPPEL_BASE_URL=BASE))
    assert env.config["TRUSTED_HOSTS"] == ["koppel.example.org", ".koppel.example.net"]
    client = env.test_client()
    assert client.get("/healthz", base_url="https://a.koppel.example.net").status_code == 200
    assert client.get("/healthz", base_url="https://koppel.example.org").status_code == 200
    assert client.get("/healthz", base_url="https://localhost").status_code == 400


def test_development_serves_localhost_and_links_to_it(tmp_path, monkeypatch):
    from webapp import create_app
    from webapp.links import external_url
    monkeypatch.delenv("KOPPEL_BASE_URL", raising=False)
    monkeypatch.delenv("KOPPEL_TRUSTED_HOSTS", raising=False)
    dev = create_app(_config(tmp_path, TESTING=False, SERVER_NAME=None,
                             KOPPEL_ENV="development"))
    client = dev.test_client()
    assert client.get("/healthz", base_url="http://127.0.0.1:5000").status_code == 200
    assert client.get("/healthz", base_url="http://localhost:5000").status_code == 200
    assert client.get("/healthz", base_url="http://evil.example.org").status_code == 400
    with dev.test_request_context("/", base_url="http://localhost:5000"):
        assert external_url("auth.login") == "http://127.0.0.1:5000/login"


# --- "forgot password": the same work for known and unknown addresses ----------------------

def _capture_sql(app):
    from sqlalchemy import event
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", before)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", before)


def _forgot(client, email: str, statements: list[str]) -> tuple[list[str], int]:
    statements.clear()
    resp = client.post("/forgot-password", data={"email": email})
    return list(statements), resp.status_code


@LINKED
def test_forgot_password_does_the_same_work_for_known_and_unknown(app, world, monkeypatch,
                                                                  smtp_server):
    from webapp import jobs
    dispatched: list[str] = []
    monkeypatch.setattr(jobs, "dispatch", dispatched.append)  # keep the jobs for later
    world.coord_b.active = False
    db.session.commit()
    client = app.test_client()
    statements, stop = _capture_sql(app)
    try:
        _forgot(client, "warm-up@example.org", statements)
        unknown, s1 = _forgot(client, "nobody@example.org", statements)
        known, s2 = _forgot(client, world.volunteer.email, statements)
        inactive, s3 = _forgot(client, world.coord_b.email, statements)
    finally:
        stop()
    assert s1 == s2 == s3 == 302
    # the request runs the very same SQL, writes included, whoever the address belongs to
    assert unknown == known == inactive
    rows = [db.session.get(Job, job_id) for job_id in dispatched]
    assert [r.name for r in rows] == ["password_reset_mail"] * 4
    assert len({len(r.args) for r in rows}) == 1 and all(isinstance(a, str) for r in rows
                                                         for a in r.args)
    assert all(world.volunteer.email not in str(r.args) for r in rows)  # no address in args
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0
    # the job, when it runs, mails the known active account only, with a base-URL link
    for job_id in dispatched:
        assert jobs.execute(job_id).status == "finished"
    sent = db.session.execute(db.select(Message)).scalars().all()
    assert [(m.kind, m.user_id) for m in sent] == [("password_reset", world.volunteer.id)]
    assert [env.rcpt_tos for env in smtp_server.received] == [[world.volunteer.email]]
    _assert_only_base_links(_mail_text(smtp_server), "/reset-password/")


@LINKED
def test_reset_mail_from_the_job_works_end_to_end(app, client, world):
    """In tests jobs run in-process: the view's job sends the mail and the link resets."""
    client.post("/forgot-password", data={"email": world.volunteer.email})
    msg = db.session.execute(db.select(Message).filter_by(kind="password_reset")).scalar_one()
    path = re.search(re.escape(BASE) + r"(/reset-password/\S+)", msg.body_text).group(1)
    new = "a much longer new password"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert client.post("/login", data={"email": world.volunteer.email,
                                       "password": new}).status_code == 302
    assert db.session.get(User, world.volunteer.id).password_changed_at is not None


@pytest.mark.redis
@LINKED
def test_reset_mail_sent_by_a_real_worker_links_to_the_base_url(app, client, world, redis_url):
    """With Redis the view only queues; an rq worker (its own process, configured from the
    environment like production) looks the account up and mails the base-URL link."""
    app.config["REDIS_URL"] = redis_url
    for email in ("nobody@example.org", world.volunteer.email):
        assert client.post("/forgot-password", data={"email": email}).status_code == 302
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar() == 0
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=redis_url, SECRET_KEY=app.config["SECRET_KEY"],
               KOPPEL_ENCRYPTION_KEYS=",".join(app.config["ENCRYPTION_KEYS"]),
               KOPPEL_INDEX_KEY=app.config["INDEX_KEY"], KOPPEL_INSTANCE=app.instance_path,
               KOPPEL_BASE_URL=BASE)
    env.pop("KOPPEL_ENV", None)  # production
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                             "--burst"], check=False, cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    jobs = db.session.execute(db.select(Job).filter_by(name="password_reset_mail")).scalars()
    assert [(j.status, j.args) for j in jobs] == [("finished", [])] * 2, \
        result.stderr[-3000:]  # the look-up key is not kept
    msg = db.session.execute(db.select(Message)).scalar_one()
    assert msg.user_id == world.volunteer.id
    _assert_only_base_links(msg.body_text, "/reset-password/")
