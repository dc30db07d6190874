"""Times and small things (issue 17).

* Group meetings are stored in UTC (naive, like every other timestamp) and typed and read
  in Europe/Amsterdam: 10:00 typed is 10:00 on the coordinator's pages, in the reminder and
  in the edit form, in winter (stored 09:00) and in summer (stored 08:00); evaluation opens
  and reminders are due by the UTC clock; the data migration moves existing rows to UTC.
* The favicon is served and linked from every page.
* A malformed date shows the form again with a translated message and what was typed, not a
  bare 400 page.
* An upload over the limit shows the form again with a translated message (not the bare 413
  page), and the form states the one limit the app applies.
"""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest

from tests.factories import build_world, make_volunteer
from tests.web.test_groups_dates import _client, _group
from webapp.extensions import db
from webapp.models import Message, Volunteer
from webapp.models.groups import GroupMeeting

WINTER_TUESDAY = "2030-03-05T10:00"   # CET: UTC+1
SUMMER_TUESDAY = "2030-07-02T10:00"   # CEST: UTC+2


def _plan(app):
    w, _round, group = _group(app, with_meetings=False)
    client = _client(app, w.coord.email)
    resp = client.post(f"/groups/{group.id}/meetings",
                       data={"first": WINTER_TUESDAY, "place": "Buurthuis"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return w, client, group


def _meeting_cells(html: str) -> str:
    """The meetings table of the group page."""
    start = html.rindex("<tbody>", 0, html.index("/groups/meetings/"))
    return html[start:html.index("</tbody>", start)]


def test_meeting_times_are_stored_in_utc_and_shown_in_amsterdam_time(app):
    w, client, group = _plan(app)
    meetings = db.session.get(type(group), group.id).meetings
    # 5 March 2030 is winter time, 2 April 2030 (after 31 March) summer time
    assert meetings[0].starts_at == datetime(2030, 3, 5, 9, 0)
    assert meetings[4].starts_at == datetime(2030, 4, 2, 8, 0)  # still 10:00 in Amsterdam
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    cells = _meeting_cells(page)
    assert cells.count("10:00") == 5, cells
    assert "11:00" not in cells and "12:00" not in cells and "9:00" not in cells
    edit = client.get(f"/groups/meetings/{meetings[0].id}").get_data(as_text=True)
    assert f'value="{WINTER_TUESDAY}"' in edit
    attendance = client.get(f"/groups/meetings/{meetings[0].id}/attendance")
    assert "10:00" in attendance.get_data(as_text=True)


def test_a_meeting_moved_to_summer_is_stored_two_hours_earlier(app):
    w, client, group = _plan(app)
    meeting = db.session.get(type(group), group.id).meetings[0]
    resp = client.post(f"/groups/meetings/{meeting.id}", data={
        "starts_at": SUMMER_TUESDAY, "place": "Elders", "theme": meeting.theme, "guest": "",
        "language": "ar"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    meeting = db.session.get(GroupMeeting, meeting.id)
    assert meeting.starts_at == datetime(2030, 7, 2, 8, 0)
    assert f'value="{SUMMER_TUESDAY}"' in client.get(
        f"/groups/meetings/{meeting.id}").get_data(as_text=True)
    cells = _meeting_cells(client.get(f"/groups/{group.id}").get_data(as_text=True))
    assert cells.count("10:00") == 5 and "12:00" not in cells
    # saving the form unchanged keeps the time (no drift of an hour on every save)
    client.post(f"/groups/meetings/{meeting.id}", data={
        "starts_at": SUMMER_TUESDAY, "place": "Elders 2", "theme": meeting.theme, "guest": "",
        "language": "ar"})
    db.session.expire_all()
    meeting = db.session.get(GroupMeeting, meeting.id)
    assert (meeting.starts_at, meeting.place) == (datetime(2030, 7, 2, 8, 0), "Elders 2")


def test_the_reminder_says_the_time_that_was_typed(app):
    w, client, group = _plan(app)
    meeting = db.session.get(type(group), group.id).meetings[0]
    resp = client.post(f"/groups/meetings/{meeting.id}/remind")
    assert resp.status_code == 302
    db.session.expire_all()
    bodies = [m.body_text for m in db.session.execute(
        db.select(Message).filter_by(kind="group_reminder")).scalars()]
    assert bodies and all("10:00" in b and "09:00" not in b for b in bodies), bodies


def test_reminders_due_and_evaluation_follow_the_utc_clock(app):
    from webapp.groups.followup import may_evaluate
    from webapp.groups.meetings import remind_due
    _w, _client_, group = _plan(app)
    group = db.session.get(type(group), group.id)
    # the first meeting is at 09:00 UTC: due at 08:30 UTC within the hour
    assert remind_due(now=datetime(2030, 3, 5, 8, 30), ahead=timedelta(hours=1))["meetings"] == 1
    # the last one starts at 08:00 UTC (10:00 Amsterdam summer time): evaluation opens then
    assert not may_evaluate(group, now=datetime(2030, 4, 2, 7, 59))
    assert may_evaluate(group, now=datetime(2030, 4, 2, 8, 1))


# --- the data migration ------------------------------------------------------------------

def _migration():
    import importlib.util
    from pathlib import Path
    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob(
        "*_17a_meeting_utc.py"))
    spec = importlib.util.spec_from_file_location("meeting_utc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(step: str) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    with Operations.context(MigrationContext.configure(db.session.connection())):
        getattr(_migration(), step)()
    db.session.commit()


def _check_migration(app) -> None:
    _w, _round, group = _group(app)
    m1, m5 = group.meetings[0], group.meetings[4]
    # rows as written before this change: Amsterdam wall-clock times
    m1.starts_at, m5.starts_at = datetime(2030, 3, 5, 10, 0), datetime(2030, 7, 2, 10, 0)
    db.session.commit()
    _run("upgrade")
    db.session.expire_all()
    assert db.session.get(GroupMeeting, m1.id).starts_at == datetime(2030, 3, 5, 9, 0)
    assert db.session.get(GroupMeeting, m5.id).starts_at == datetime(2030, 7, 2, 8, 0)
    _run("downgrade")
    db.session.expire_all()
    assert db.session.get(GroupMeeting, m1.id).starts_at == datetime(2030, 3, 5, 10, 0)
    assert db.session.get(GroupMeeting, m5.id).starts_at == datetime(2030, 7, 2, 10, 0)


def test_migration_moves_existing_meetings_to_utc_sqlite(app):
    _check_migration(app)


def test_migration_moves_existing_meetings_to_utc_postgresql(pg_app):
    _check_migration(pg_app)


# --- 2. favicon ---------------------------------------------------------------------------

def test_the_favicon_is_served_and_linked(app):
    client = app.test_client()
    assert client.get("/").status_code != 404
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")


# --- 3. a malformed date ------------------------------------------------------------------

@pytest.fixture
def volunteer_client(app):
    world = build_world()
    vol = make_volunteer(world.volunteer, [world.prog_a])
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": world.volunteer.email, "password": world.password})
    return client, vol.id


def test_a_malformed_break_date_shows_the_form_with_a_message(volunteer_client):
    client, vol_id = volunteer_client
    resp = client.post("/me/status", data={"action": "pause", "paused_until": "2030-13-45"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Please give a valid date, such as" in text
    assert 'value="2030-13-45"' in text
    db.session.expire_all()
    vol = db.session.get(Volunteer, vol_id)
    assert (vol.status, vol.paused_until) == ("active", None)
    # in Dutch too
    resp = client.post("/me/status?lang=nl", data={"action": "pause", "paused_until": "morgen"},
                       headers={"Accept-Language": "nl"})
    assert resp.status_code == 422 and 'value="morgen"' in resp.get_data(as_text=True)


# --- 4. an upload over the limit ----------------------------------------------------------

def _upload(client, size: int):
    content = b"%PDF-1.4\n" + b"0" * size
    return client.post("/me/training", data={
        "item": "pharos_elearning", "part": "__all__",
        "completed_on": date.today().isoformat(),
        "certificate": (io.BytesIO(content), "c.pdf")}, content_type="multipart/form-data")


def test_the_form_states_the_limit_the_app_applies(app, volunteer_client):
    client, _vol = volunteer_client
    mb = app.config["MAX_UPLOAD_MB"]
    assert app.config["MAX_CONTENT_LENGTH"] >= mb * 1024 * 1024
    page = client.get("/me/training").get_data(as_text=True)
    assert f"at most {mb} MB" in page
    # just over the limit but within the request limit: the field says the same number
    resp = _upload(client, mb * 1024 * 1024 + 10)
    assert resp.status_code == 422
    assert f"larger than {mb} MB" in resp.get_data(as_text=True)


def test_a_20_mb_upload_returns_the_form_with_a_message(app, volunteer_client):
    client, _vol = volunteer_client
    resp = _upload(client, 20 * 1024 * 1024)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 413
    mb = app.config["MAX_UPLOAD_MB"]
    assert f"The file is larger than {mb} MB" in text
    assert 'name="completed_on"' in text and 'name="certificate"' in text  # the form again
    from webapp.models import TrainingCompletion
    assert db.session.execute(db.select(db.func.count(TrainingCompletion.id))).scalar_one() == 0


def test_over_the_limit_with_csrf_on_still_returns_the_form(app, volunteer_client):
    """With CSRF protection on, the form is read (and refused) before the view runs."""
    client, _vol = volunteer_client
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = _upload(client, 20 * 1024 * 1024)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 413
    assert "The file is larger than" in resp.get_data(as_text=True)
    assert 'name="certificate"' in resp.get_data(as_text=True)


def test_an_import_over_the_limit_returns_the_import_form(app):
    world = build_world()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": world.coord_a.email, "password": world.password})
    resp = client.post("/volunteers/import", data={
        "programme": str(world.prog_a.id),
        "file": (io.BytesIO(b"a;b\n" * (6 * 1024 * 1024)), "big.csv")},
        content_type="multipart/form-data")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 413
    assert "The file is larger than" in text and 'name="file"' in text
    # someone else (logged out) gets no form, just the error page
    anon = app.test_client().post("/volunteers/import", data={
        "file": (io.BytesIO(b"a" * (20 * 1024 * 1024)), "big.csv")},
        content_type="multipart/form-data")
    assert anon.status_code in (302, 413) and 'name="file"' not in anon.get_data(as_text=True)
