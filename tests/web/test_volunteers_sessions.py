"""Themabijeenkomsten: creating, signing up, the waiting list, calendar files and the feed,
attendance creating verified completions, and who may see what."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories import make_user, make_volunteer
from webapp.extensions import db
from webapp.models import Message, SessionSignup, TrainingCompletion, TrainingSession


def _session(world, *, days=10, capacity=2, programmes=None) -> TrainingSession:
    start = (datetime.now() + timedelta(days=days)).replace(microsecond=0, second=0)
    row = TrainingSession(organisation_id=world.org_a.id, title="Themabijeenkomst Leiden",
                          starts_at=start, ends_at=start + timedelta(hours=2),
                          place="Bibliotheek, Leiden", language="nl", capacity=capacity,
                          programmes=programmes or [world.prog_a])
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def vols(world):
    first = make_volunteer(world.volunteer, [world.prog_a])
    second = make_volunteer(make_user("second@example.org", name="Second"), [world.prog_a])
    return first, second


def _as(app, user, world):
    c = app.test_client()
    c.post("/login", data={"email": user.email, "password": world.password})
    return c


def test_coordinator_creates_session(app, world):
    c = _as(app, world.coord_a, world)
    start = (datetime.now() + timedelta(days=5)).strftime("%Y-%m-%dT19:00")
    end = (datetime.now() + timedelta(days=5)).strftime("%Y-%m-%dT21:00")
    data = {"title": "Themabijeenkomst", "starts_at": start, "ends_at": end,
            "place": "Buurthuis", "language": "nl", "capacity": "10",
            "programmes": [str(world.prog_a.id)]}
    resp = c.post("/sessions/new", data=data)
    assert resp.status_code == 302
    row = db.session.execute(db.select(TrainingSession)).scalar_one()
    assert row.capacity == 10 and [p.id for p in row.programmes] == [world.prog_a.id]
    # not another organisation's programme, not in the past, not without a place
    for bad in ({"programmes": [str(world.prog_b.id)]},
                {"starts_at": "2020-01-01T19:00", "ends_at": "2020-01-01T21:00"},
                {"place": "", "online_url": ""},
                {"ends_at": start}):
        resp = c.post("/sessions/new?lang=en", data={**data, **bad})
        assert resp.status_code == 200, bad
        assert 'value="Themabijeenkomst"' in resp.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(TrainingSession.id))).scalar() == 1
    assert _as(app, world.volunteer, world).get("/sessions/new").status_code == 403


def test_signup_waiting_list_and_moving_up(app, world, vols):
    first, second = vols
    row = _session(world, capacity=1)
    a, b = _as(app, first.user, world), _as(app, second.user, world)
    assert "Themabijeenkomst Leiden" in a.get("/sessions").get_data(as_text=True)
    a.post(f"/sessions/{row.id}/signup")
    b.post(f"/sessions/{row.id}/signup")
    statuses = {s.volunteer_id: s.status for s in db.session.execute(
        db.select(SessionSignup)).scalars()}
    assert statuses == {first.id: "signed_up", second.id: "waiting"}
    assert a.post(f"/sessions/{row.id}/signup", follow_redirects=True).status_code == 200
    assert db.session.execute(db.select(db.func.count(SessionSignup.id))).scalar() == 2
    a.post(f"/sessions/{row.id}/cancel")
    db.session.expire_all()
    statuses = {s.volunteer_id: s.status for s in db.session.execute(
        db.select(SessionSignup)).scalars()}
    assert statuses == {first.id: "cancelled", second.id: "signed_up"}
    msg = db.session.execute(db.select(Message).filter_by(
        kind="training_session_place")).scalar_one()
    assert msg.user_id == second.user_id and "Themabijeenkomst Leiden" in msg.body_text
    # signing up again after cancelling puts the first volunteer on the waiting list
    a.post(f"/sessions/{row.id}/signup")
    db.session.expire_all()
    assert db.session.execute(db.select(SessionSignup).filter_by(
        volunteer_id=first.id)).scalar_one().status == "waiting"


def test_ics_file_and_personal_feed(app, world, vols):
    first, second = vols
    row = _session(world)
    a = _as(app, first.user, world)
    assert a.get(f"/sessions/{row.id}/calendar.ics").status_code == 404  # not signed up
    a.post(f"/sessions/{row.id}/signup")
    resp = a.get(f"/sessions/{row.id}/calendar.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    body = resp.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "SUMMARY:Themabijeenkomst Leiden" in body
    assert "LOCATION:Bibliotheek\\, Leiden" in body and "STATUS:CONFIRMED" in body
    assert "DTSTART:" in body and body.rstrip().endswith("END:VCALENDAR")
    # the personal feed: made on request, secret, reset makes the old address stop working
    a.post("/me/calendar")
    db.session.refresh(first)
    token = first.calendar_token
    anon = app.test_client()
    feed = anon.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and f"koppel-session-{row.id}@" in feed.get_data(as_text=True)
    assert anon.get("/calendar/not-a-token.ics").status_code == 404
    a.post("/me/calendar", data={"reset": "1"})
    db.session.refresh(first)
    assert first.calendar_token != token
    assert anon.get(f"/calendar/{token}.ics").status_code == 404
    assert anon.get(f"/calendar/{first.calendar_token}.ics").status_code == 200
    raw = db.session.execute(db.text("SELECT calendar_token FROM volunteer WHERE id=:i"),
                             {"i": first.id}).scalar()
    assert first.calendar_token not in raw  # stored encrypted


def test_session_access(app, world, vols):
    first, _second = vols
    row = _session(world, programmes=[world.prog_a2])  # not first's programme
    outsider = _as(app, first.user, world)
    assert outsider.get(f"/sessions/{row.id}").status_code == 404
    assert outsider.post(f"/sessions/{row.id}/signup").status_code == 404
    assert _as(app, world.coord_b, world).get(f"/sessions/{row.id}").status_code == 404
    assert _as(app, world.coord_b, world).post(
        f"/sessions/{row.id}/attendance").status_code == 404
    assert _as(app, world.org_admin, world).get(f"/sessions/{row.id}").status_code == 200


def test_attendance_creates_verified_completions_once(app, world, vols):
    first, second = vols
    row = _session(world, capacity=5)
    for v in (first, second):
        _as(app, v.user, world).post(f"/sessions/{row.id}/signup")
    c = _as(app, world.coord_a, world)
    signups = {s.volunteer_id: s.id for s in db.session.execute(
        db.select(SessionSignup)).scalars()}
    # not before the session has begun
    c.post(f"/sessions/{row.id}/attendance", data={"attended": [str(signups[first.id])]})
    assert db.session.execute(db.select(db.func.count(TrainingCompletion.id))).scalar() == 0
    row.starts_at = datetime.now() - timedelta(hours=3)
    row.ends_at = datetime.now() - timedelta(hours=1)
    db.session.commit()
    for _ in range(2):
        c.post(f"/sessions/{row.id}/attendance", data={"attended": [str(signups[first.id])]})
    rows = db.session.execute(db.select(TrainingCompletion)).scalars().all()
    assert [(r.volunteer_id, r.item, r.source, r.verified, r.completed_on) for r in rows] == [
        (first.id, "themabijeenkomst", "coordinator", True, row.starts_at.date())]
    db.session.expire_all()
    attended = {s.volunteer_id: s.attended for s in db.session.execute(
        db.select(SessionSignup)).scalars()}
    assert attended == {first.id: True, second.id: False}
