"""Parent groups and dates (issues 13 and 15).

* Reminders of a meeting are sent exactly once per member however many callers race (the
  job and the button): each member is claimed with a conditional insert of its
  ``meeting_reminder`` row, and a second caller is told that nothing more was sent.
* Erasing one family scrubs exactly that family's messages: not the invitations and
  reminders of the other families of the same round (which share a ``batch_key``), but still
  the volunteer's introduction that describes the family.
* Dates that cannot be: a first visit or a group meeting in the past is refused with a clear
  message that keeps what was typed; attendance waits until the meeting has taken place; a
  VOG older than its validity is saved but flagged as not counting (the rule is
  ``training``'s), and a VOG entered by mistake can be corrected or removed (audited).

The races use real threads started together by a ``threading.Barrier``, each with its own
test client logged in as the coordinator, so the whole path (route, service, database) runs.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest

from tests.factories import PASSWORD, build_world, make_family, make_volunteer, ready_records
from tests.web.groups_support import build, make_round, make_staff
from webapp.extensions import db
from webapp.models import AuditEntry, Message, VolunteerVog
from webapp.models.groups import (
    GroupMeeting,
    GroupMember,
    GroupRound,
    MeetingAttendance,
    MeetingReminder,
    ParentGroup,
)
from webapp.models.matches import Match

THREADS = 20
FUTURE_TUESDAY = datetime(2030, 3, 5, 10, 0)  # the staff are available on Tuesday mornings


# --- helpers --------------------------------------------------------------------------------

def _client(app, email: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return client


def _race(clients: list, url: str, data: dict | None = None) -> tuple[list, list]:
    """POST ``url`` from every client at the same moment; (responses' texts, exceptions)."""
    barrier = threading.Barrier(len(clients))
    pages: list = [None] * len(clients)
    errors: list = []

    def work(i, client):
        barrier.wait()
        try:
            resp = client.post(url, data=data or {}, follow_redirects=True)
            pages[i] = (resp.status_code, resp.get_data(as_text=True))
        except Exception as exc:  # TESTING propagates a 500 as the exception
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return pages, errors


def _count(model, *where) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)
                              .where(*where)).scalar_one()


def _group(app, *, with_meetings: bool = True, n_mothers: int = 4):
    """An approved group of ``n_mothers`` invited mothers (invitations sent), with five
    meetings from FUTURE_TUESDAY."""
    from webapp.groups import invitations
    from webapp.groups.meetings import plan_meetings
    w = build(app, n_mothers=n_mothers, n_fathers=0)
    round_ = make_round(w)
    trainer, support = make_staff(w)
    invitations.select(round_, [p.id for p in invitations.candidates(round_)], w.coord.id)
    invitations.send(round_, w.coord.id)
    group = ParentGroup(round=round_, programme_id=w.pou.id, name="Moeders Arabisch 1",
                        gender="f", languages=["ar"], slot="tue_am", status="approved",
                        trainer_id=trainer.id, support_id=support.id)
    db.session.add(group)
    group.members = [GroupMember(invitation_id=inv.id) for inv in round_.invitations]
    db.session.commit()
    if with_meetings:
        plan_meetings(group, FUTURE_TUESDAY, "Buurthuis De Kooi", w.coord.id)
    return w, round_, group


# --- 1. reminders exactly once ---------------------------------------------------------------

def _reminder_race(app, n_threads: int):
    w, _round, group = _group(app)
    meeting_id, n_members = group.meetings[0].id, len(group.members)
    clients = [_client(app, w.coord.email) for _ in range(n_threads)]
    db.session.remove()
    pages, errors = _race(clients, f"/groups/meetings/{meeting_id}/remind")
    assert errors == []
    assert {code for code, _text in pages} == {200}
    db.session.remove()
    messages = db.session.execute(db.select(Message).filter_by(kind="group_reminder")
                                  ).scalars().all()
    assert len(messages) == n_members  # one per member, not one per caller
    assert len({m.party_id for m in messages}) == n_members
    rows = db.session.execute(db.select(MeetingReminder).filter_by(meeting_id=meeting_id)
                              ).scalars().all()
    assert sorted(r.message_id for r in rows) == sorted(m.id for m in messages)
    told = [text for _code, text in pages if "nothing more was sent" in text]
    sent = [text for _code, text in pages if f"{n_members} reminders written" in text]
    # one caller wrote them all (or the work was shared); everyone else was told so
    assert len(sent) + len(told) >= n_threads - 1
    assert len(told) >= 1


@pytest.mark.postgres
def test_twenty_simultaneous_reminders_send_one_message_per_member_on_postgresql(pg_app):
    _reminder_race(pg_app, THREADS)


def test_twenty_simultaneous_reminders_send_one_message_per_member_on_sqlite(app):
    _reminder_race(app, THREADS)


def test_second_reminder_says_nothing_more_was_sent(app):
    w, _round, group = _group(app)
    meeting = group.meetings[0]
    client = _client(app, w.coord.email)
    first = client.post(f"/groups/meetings/{meeting.id}/remind", follow_redirects=True)
    assert "4 reminders written to the outbox" in first.get_data(as_text=True)
    second = client.post(f"/groups/meetings/{meeting.id}/remind", follow_redirects=True)
    text = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Everyone in this group has been reminded of this meeting already: " \
           "nothing more was sent." in text
    assert _count(Message, Message.kind == "group_reminder") == 4


def test_remind_service_reports_members_reminded_already(app):
    """The job and the button share one service: a second run sends nothing and says so."""
    from webapp.groups.meetings import remind
    _w, _round, group = _group(app)
    meeting = group.meetings[0]
    assert remind(meeting)["sent"] == 4
    again = remind(meeting)
    assert (again["sent"], again["problems"], again["already"]) == (0, 0, 4)


# --- 2. erasure scrubs exactly one family ----------------------------------------------------

def test_erasing_one_family_keeps_the_other_families_invitations_and_reminders(app):
    from webapp.groups.meetings import remind
    from webapp.privacy.lifecycle import anonymise_family
    w, round_, group = _group(app, n_mothers=2)
    remind(group.meetings[0])
    erased, kept = w.families
    before = {m.id: (m.body_text, m.recipient) for m in db.session.execute(
        db.select(Message).filter_by(party_id=kept.id)).scalars()}
    assert len(before) == 2  # the invitation and the reminder
    assert all("Ouder1" in body for body, _r in before.values())

    anonymise_family(erased, "erasure", w.coord)
    db.session.expire_all()
    for m in db.session.execute(db.select(Message).filter_by(party_id=kept.id)).scalars():
        assert (m.body_text, m.recipient) == before[m.id]  # untouched
    gone = db.session.execute(db.select(Message).filter_by(party_id=erased.id)).scalars().all()
    assert len(gone) == 2
    assert all(m.body_text == "" and m.recipient == "" for m in gone)


def test_erasing_a_family_still_scrubs_the_volunteers_introduction(app):
    """Widening by batch is what the volunteer's copy (which describes the family) needs."""
    from webapp.privacy.lifecycle import anonymise_family
    world = build_world()
    family = make_family(world.prog_a, world.coord_a)
    vol_user = world.volunteer
    db.session.add_all([
        Message(kind="family_intro", channel="sms", recipient="+31611122233",
                subject="Welkom", body_text="Hallo Rasha", status="sent",
                party_type="family", party_id=family.id, batch_key="match-1-intro"),
        Message(kind="volunteer_intro", channel="email", recipient=vol_user.email,
                subject="Gezin Rasha", body_text="Rasha, Kooilaan 1", status="sent",
                party_type="volunteer", party_id=vol_user.id, user_id=vol_user.id,
                batch_key="match-1-intro"),
        Message(kind="volunteer_intro", channel="email", recipient=vol_user.email,
                subject="Another family", body_text="Another family's text", status="sent",
                party_type="volunteer", party_id=vol_user.id, user_id=vol_user.id,
                batch_key="match-2-intro"),
    ])
    db.session.commit()
    anonymise_family(family, "erasure", world.coord_a)
    texts = sorted(m.body_text for m in db.session.execute(db.select(Message)).scalars())
    assert texts == ["", "", "Another family's text"]


# --- 3. dates that cannot be -----------------------------------------------------------------

def _approved_match(world) -> Match:
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=30))
    family = make_family(world.prog_a, world.coord_a)
    match = Match(programme_id=world.prog_a.id, family_id=family.id,
                  family_request_id=family.requests[0].id, volunteer_id=vol.id,
                  hours_per_week=2, created_by_id=world.coord_a.id)
    db.session.add(match)
    db.session.commit()
    return match


@pytest.mark.parametrize("typed, message", [
    ("2020-05-01T10:00", "The first visit cannot be in the past"),
    ("not a date", "Please give a valid date and time."),
])
def test_first_visit_in_the_past_is_refused_and_kept(app, typed, message):
    world = build_world()
    match = _approved_match(world)
    client = _client(app, world.coord_a.email)
    resp = client.post(f"/matches/{match.id}/introduce",
                       data={"first_visit_at": typed, "send": "1"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in text
    assert f'value="{typed}"' in text  # what was typed is still there
    db.session.expire_all()
    assert db.session.get(Match, match.id).status == "approved"
    assert _count(Message) == 0


def test_first_visit_from_now_on_is_accepted(app):
    world = build_world()
    match = _approved_match(world)
    client = _client(app, world.coord_a.email)
    later = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(f"/matches/{match.id}/introduce",
                       data={"first_visit_at": later, "send": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, match.id).status == "introduced"


def test_meetings_planned_in_the_past_are_refused_and_kept(app):
    w, _round, group = _group(app, with_meetings=False)
    client = _client(app, w.coord.email)
    resp = client.post(f"/groups/{group.id}/meetings",
                       data={"first": "2020-03-03T10:00", "place": "Buurthuis Oud"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "A meeting cannot be in the past" in text
    assert 'value="2020-03-03T10:00"' in text and 'value="Buurthuis Oud"' in text
    assert _count(GroupMeeting) == 0


def test_a_meeting_cannot_be_moved_into_the_past(app):
    w, _round, group = _group(app)
    meeting = group.meetings[0]
    client = _client(app, w.coord.email)
    data = {"starts_at": "2020-03-03T10:00", "place": "Elders", "theme": meeting.theme,
            "guest": "", "language": "ar"}
    resp = client.post(f"/groups/meetings/{meeting.id}", data=data)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "A meeting cannot be in the past" in text and 'value="2020-03-03T10:00"' in text
    db.session.expire_all()
    meeting = db.session.get(GroupMeeting, meeting.id)
    assert (meeting.starts_at, meeting.place) == (datetime(2030, 3, 5, 9, 0),  # UTC
                                                  "Buurthuis De Kooi")
    # a meeting that took place can still be corrected, as long as its date is not moved
    meeting.starts_at = datetime(2021, 3, 2, 9, 0)  # 10:00 in Amsterdam
    db.session.commit()
    data["starts_at"] = "2021-03-02T10:00"
    assert client.post(f"/groups/meetings/{meeting.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(GroupMeeting, meeting.id).place == "Elders"


def test_a_round_whose_first_meeting_is_in_the_past_is_refused(app):
    w = build(app)
    client = _client(app, w.coord.email)
    resp = client.post(f"/groups/programmes/{w.pou.id}/rounds/new", data={
        "name": "Ronde 2020", "municipality": "Leiden", "first_meeting_on": "2020-03-03T10:00",
        "place": "Buurthuis", "slots": ["tue_am"], "contact_name": "Joost",
        "contact_phone": "071 123", "min_size": "12", "max_size": "15", "max_km": "10"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "A meeting cannot be in the past" in text and 'value="2020-03-03T10:00"' in text
    assert _count(GroupRound) == 0


def test_attendance_waits_until_the_meeting_has_taken_place(app):
    w, _round, group = _group(app)
    meeting = group.meetings[0]
    client = _client(app, w.coord.email)
    page = client.get(f"/groups/meetings/{meeting.id}/attendance")
    assert page.status_code == 200
    assert "This meeting has not taken place yet" in page.get_data(as_text=True)
    resp = client.post(f"/groups/meetings/{meeting.id}/attendance",
                       data={"present": [str(group.members[0].id)]}, follow_redirects=True)
    assert "This meeting has not taken place yet" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert _count(MeetingAttendance) == 0
    assert db.session.get(GroupMeeting, meeting.id).attendance_recorded_at is None
    # once it has taken place, attendance is recorded
    meeting = db.session.get(GroupMeeting, meeting.id)
    meeting.starts_at = datetime.now() - timedelta(hours=2)
    db.session.commit()
    resp = client.post(f"/groups/meetings/{meeting.id}/attendance",
                       data={"present": [str(group.members[0].id)]})
    assert resp.status_code == 302
    assert _count(MeetingAttendance, MeetingAttendance.present.is_(True)) == 1


# --- VOG ---------------------------------------------------------------------------------------

@pytest.fixture
def vog_world(app):
    world = build_world()
    vol = make_volunteer(world.volunteer, [world.prog_a])
    return world, vol


def test_an_expired_vog_is_saved_but_flagged(app, vog_world):
    world, vol = vog_world
    client = _client(app, world.coord_a.email)
    resp = client.post(f"/volunteers/{vol.id}/vog", data={
        "vog-issued_on": "2019-01-10", "vog-screening_profile": "84",
        "vog-original_seen": "y"}, follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200
    vog = db.session.execute(db.select(VolunteerVog)).scalar_one()
    assert vog.issued_on == date(2019, 1, 10)  # saved
    # … but the coordinator is told in words that it does not count, and why
    assert "does not count for Home-Start Leiden" in text
    assert "36 months" in text and "January 10, 2022" in text
    # a recent VOG gets no such warning
    recent = (date.today() - timedelta(days=30)).isoformat()
    resp = client.post(f"/volunteers/{vol.id}/vog", data={
        "vog-issued_on": recent, "vog-screening_profile": "84", "vog-original_seen": "y"},
        follow_redirects=True)
    assert "does not count" not in resp.get_data(as_text=True).split("VOG is recorded")[-1][:400]


def test_the_expiry_follows_the_programmes_rule(app, vog_world):
    """The validity is the programme's (``vog_renewal_months``), not a number in the web app."""
    world, vol = vog_world
    world.prog_a.rules = {"requirements": {"vog_renewal_months": 120}}
    db.session.commit()
    client = _client(app, world.coord_a.email)
    resp = client.post(f"/volunteers/{vol.id}/vog", data={
        "vog-issued_on": "2019-01-10", "vog-screening_profile": "84",
        "vog-original_seen": "y"}, follow_redirects=True)
    assert "does not count" not in resp.get_data(as_text=True)


def test_a_vog_can_be_corrected_and_removed_with_an_audit_entry(app, vog_world):
    world, vol = vog_world
    client = _client(app, world.coord_a.email)
    client.post(f"/volunteers/{vol.id}/vog", data={
        "vog-issued_on": "2019-01-10", "vog-screening_profile": "84"})
    vog = db.session.execute(db.select(VolunteerVog)).scalar_one()
    page = client.get(f"/volunteers/{vol.id}").get_data(as_text=True)
    assert f"/volunteers/{vol.id}/vogs/{vog.id}/delete" in page
    assert "data-confirm=" in page.split(f"/vogs/{vog.id}/delete")[1][:200]
    # correcting: a future date is refused and changes nothing
    future = (date.today() + timedelta(days=3)).isoformat()
    resp = client.post(f"/volunteers/{vol.id}/vogs/{vog.id}", data={
        f"vog{vog.id}-issued_on": future, f"vog{vog.id}-screening_profile": "84"})
    assert resp.status_code == 422 and "in the future" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(VolunteerVog, vog.id).issued_on == date(2019, 1, 10)
    resp = client.post(f"/volunteers/{vol.id}/vogs/{vog.id}", data={
        f"vog{vog.id}-issued_on": "2025-01-10", f"vog{vog.id}-screening_profile": "45",
        f"vog{vog.id}-original_seen": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    vog = db.session.get(VolunteerVog, vog.id)
    assert (vog.issued_on, vog.screening_profile, vog.original_seen) == (
        date(2025, 1, 10), "45", True)
    entry = db.session.execute(db.select(AuditEntry).filter_by(
        action="update", object_type="volunteer_vog", object_id=vog.id)).scalar_one()
    assert set(entry.fields) == {"issued_on", "screening_profile", "original_seen"}
    # another organisation's coordinator cannot touch it
    other = _client(app, world.coord_b.email)
    assert other.post(f"/volunteers/{vol.id}/vogs/{vog.id}/delete").status_code == 404
    # removing
    resp = client.post(f"/volunteers/{vol.id}/vogs/{vog.id}/delete")
    assert resp.status_code == 302
    db.session.expire_all()
    assert _count(VolunteerVog) == 0
    assert db.session.execute(db.select(AuditEntry).filter_by(
        action="delete", object_type="volunteer_vog", object_id=vog.id)).scalar_one()


def test_a_vog_of_another_volunteer_is_not_found(app, vog_world):
    from tests.factories import make_user
    world, vol = vog_world
    other = make_volunteer(make_user("other.vol@example.org"), [world.prog_a])
    db.session.add(VolunteerVog(volunteer=other, issued_on=date(2025, 1, 1),
                                screening_profile="84"))
    db.session.commit()
    vog = other.vogs[0]
    client = _client(app, world.coord_a.email)
    assert client.post(f"/volunteers/{vol.id}/vogs/{vog.id}/delete").status_code == 404
    assert _count(VolunteerVog) == 1
