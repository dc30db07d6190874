"""Parent groups in the web app: invitations through the outbox, answers, formation,
approval with refusals and audited overrides, meetings, attendance, reminders (idempotent),
evaluation, the anonymised summary, referral, and access for other organisations."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.web.groups_support import build, login, make_round, make_staff
from webapp.extensions import db
from webapp.models import AuditEntry, FamilyRequest, Message
from webapp.models.groups import GroupMeeting, MeetingReminder, ParentGroup


@pytest.fixture(autouse=True)
def english_pages(client):
    """These tests read English page text (the default UI language is Dutch)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"



@pytest.fixture
def w(app):
    return build(app)


def _invite_all(client, round_):
    client.post(f"/groups/rounds/{round_.id}/candidates",
                data={"parent_id": [str(p.id) for p in _candidate_parents(round_)],
                      "confirm": "1"})
    return client.post(f"/groups/rounds/{round_.id}/send")


def _candidate_parents(round_):
    from webapp.groups.invitations import candidates
    return candidates(round_)


def _answer_all(client, round_, answer="yes"):
    for inv in round_.invitations:
        r = client.post(f"/groups/invitations/{inv.id}",
                        data={"a-answer": answer, "a-slots": ["tue_am"],
                              "a-family_wish": "any", "a-submit": "1"})
        assert r.status_code == 302


def test_invitations_go_through_the_outbox_in_the_family_language(w, client):
    round_ = make_round(w)
    login(client, "vw@example.org")
    page = client.get(f"/groups/rounds/{round_.id}/candidates")
    assert page.status_code == 200 and b"Ouder0" in page.data
    r = _invite_all(client, round_)
    assert r.status_code == 302
    rows = db.session.execute(db.select(Message).filter_by(kind="group_invitation")).scalars().all()
    assert len(rows) == 5
    assert {m.language for m in rows} == {"ar"}
    # SMS delivered after the commit (no gateway in tests: the local outbox); letters by hand
    assert sorted(m.status for m in rows) == ["local"] * 3 + ["manual"] * 2
    assert all("Buurthuis De Kooi" in m.body_text for m in rows)
    assert all(i.sent_at and i.message_id for i in round_.invitations)
    # sending again writes nothing new
    client.post(f"/groups/rounds/{round_.id}/send")
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == 5


def test_family_without_consent_is_not_a_candidate_and_gets_nothing(w, client):
    from webapp.families.services import withdraw_consent
    withdraw_consent(w.families[0], w.coord)
    round_ = make_round(w)
    assert w.families[0].parents[0] not in _candidate_parents(round_)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    assert not db.session.execute(db.select(Message).filter_by(
        party_id=w.families[0].id)).first()


def test_answers_and_follow_ups_are_recorded_and_bad_codes_change_nothing(w, client):
    round_ = make_round(w)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    inv = round_.invitations[0]
    r = client.post(f"/groups/invitations/{inv.id}",
                    data={"a-answer": "maybe", "a-slots": ["tue_am", "thu_pm"],
                          "a-family_wish": "apart", "a-submit": "1"})
    assert r.status_code == 302
    db.session.refresh(inv)
    assert (inv.answer, inv.slots, inv.family_wish) == ("maybe", ["thu_pm", "tue_am"], "apart")
    client.post(f"/groups/invitations/{inv.id}",
                data={"a-answer": "perhaps", "a-family_wish": "any", "a-submit": "1"})
    db.session.refresh(inv)
    assert inv.answer == "maybe"
    client.post(f"/groups/invitations/{inv.id}",
                data={"f-channel": "phone", "f-note": "belt terug", "f-submit_follow_up": "1"})
    db.session.refresh(inv)
    assert [f.channel for f in inv.follow_ups] == ["phone"]


def test_formation_approval_refusal_override_meetings_attendance(w, client):
    round_ = make_round(w)
    trainer, support = make_staff(w)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    _answer_all(client, round_)
    r = client.post(f"/groups/rounds/{round_.id}/form")
    assert r.status_code == 302
    db.session.refresh(round_)
    groups = round_.groups
    # four mothers form one group; the single father is reported, not placed
    assert [(g.gender, len(g.members)) for g in groups] == [("f", 4)]
    assert round_.formation["placed"] == 4 and round_.formation["gap"] == 0
    assert round_.formation["unplaced"][0]["reason"] == "too_few"
    page = client.get(f"/groups/rounds/{round_.id}?lang=en")
    assert "1 Arabic-speaking fathers — 1 short of a group".encode() in page.data

    group = groups[0]
    # the sleutelpersoon no longer speaks Arabic: refused, nothing changes
    support.languages = ["ti"]
    db.session.commit()
    client.post(f"/groups/{group.id}/approve", data={})
    db.session.refresh(group)
    assert group.status == "proposed"
    page = client.get(f"/groups/{group.id}?lang=en")
    assert b"does not speak the group" in page.data
    # with a written reason it goes ahead, and the override is audited
    client.post(f"/groups/{group.id}/approve", data={"override_reason": "Tolk via telefoon"})
    db.session.refresh(group)
    assert group.status == "approved" and group.override_reason == "Tolk via telefoon"
    assert db.session.execute(db.select(AuditEntry).filter_by(
        action="override", object_type="parent_group")).scalar_one().reason == "override_reason"
    req = db.session.execute(db.select(FamilyRequest).filter_by(
        family_id=group.members[0].invitation.family_id)).scalar_one()
    assert req.status == "matched"

    # a meeting outside the staff's availability (a Monday) is refused without a reason
    client.post(f"/groups/{group.id}/meetings",
                data={"first": "2030-03-04T10:00", "place": "Buurthuis"})
    assert db.session.execute(db.select(db.func.count(GroupMeeting.id))).scalar_one() == 0
    client.post(f"/groups/{group.id}/meetings",
                data={"first": "2030-03-05T10:00", "place": "Buurthuis"})  # a Tuesday
    db.session.refresh(group)
    assert [m.number for m in group.meetings] == [1, 2, 3, 4, 5]
    assert group.meetings[4].starts_at == datetime(2030, 4, 2, 8, 0)  # 10:00 Amsterdam, in UTC
    assert group.meetings[0].language == "ar"

    meeting = group.meetings[0]
    meeting.starts_at -= timedelta(days=365 * 6)  # attendance once it has taken place
    db.session.commit()
    present = [group.members[0].id, group.members[2].id]
    r = client.post(f"/groups/meetings/{meeting.id}/attendance",
                    data={"present": [str(i) for i in present]})
    assert r.status_code == 302
    db.session.refresh(meeting)
    assert sorted(a.member_id for a in meeting.attendance if a.present) == sorted(present)
    assert len(meeting.attendance) == 4


def test_reminders_are_sent_once_through_the_outbox(w, client, app):
    round_ = make_round(w)
    make_staff(w)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    _answer_all(client, round_)
    client.post(f"/groups/rounds/{round_.id}/form")
    group = round_.groups[0]
    client.post(f"/groups/{group.id}/approve", data={})
    soon = datetime.now().replace(microsecond=0) + timedelta(days=1)
    while soon.weekday() != 1 or soon.hour >= 12:  # a Tuesday morning
        soon = soon + timedelta(hours=1)
    from webapp.groups.meetings import plan_meetings
    plan_meetings(group, soon, "Buurthuis", w.coord.id)
    # the first meeting moved to tomorrow whatever today is; the second is a week later,
    # outside the three days
    group.meetings[0].starts_at = datetime.now().replace(microsecond=0) + timedelta(days=1)
    db.session.commit()
    before = db.session.execute(db.select(db.func.count(Message.id))).scalar_one()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["groups", "remind", "--days", "3"])
    assert out.exit_code == 0, out.output
    reminders = db.session.execute(db.select(Message).filter_by(kind="group_reminder")).scalars().all()
    assert len(reminders) == 4 and {m.language for m in reminders} == {"ar"}
    again = runner.invoke(args=["groups", "remind", "--days", "3"])
    assert again.exit_code == 0
    assert db.session.execute(db.select(db.func.count(Message.id))).scalar_one() == before + 4
    assert db.session.execute(db.select(db.func.count(MeetingReminder.id))).scalar_one() == 4


def test_evaluation_summary_and_referral(w, client):
    round_ = make_round(w)
    make_staff(w)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    _answer_all(client, round_)
    client.post(f"/groups/rounds/{round_.id}/form")
    group = round_.groups[0]
    client.post(f"/groups/{group.id}/approve", data={})
    member = group.members[0]
    client.post(f"/groups/{group.id}/meetings",
                data={"first": "2030-03-05T10:00", "place": "Buurthuis"})
    # before the last meeting: refused
    client.post(f"/groups/members/{member.id}/evaluation", data={"useful": "yes"})
    db.session.refresh(member)
    assert member.evaluated_at is None
    for m in group.meetings:  # move the meetings into the past
        m.starts_at -= timedelta(days=365 * 6)
    db.session.commit()
    for mem in group.members:
        r = client.post(f"/groups/members/{mem.id}/evaluation",
                        data={"useful": "yes", "wishes": ["parents_network"],
                              "themes": ["school"]})
        assert r.status_code == 302
    report = client.get(f"/groups/{group.id}/report")
    assert report.status_code == 200
    assert b"Ouder" not in report.data and b"G-0" not in report.data  # names no one
    assert b"&lt;5" in report.data  # 4 answers are blurred

    # referral needs the parent's consent; then the family waits at Home-Start
    client.post(f"/groups/members/{member.id}/refer",
                data={"programme_id": w.homestart.id})
    family_id = member.invitation.family_id
    assert not db.session.execute(db.select(FamilyRequest).filter_by(
        family_id=family_id, programme_id=w.homestart.id)).first()
    r = client.post(f"/groups/members/{member.id}/refer",
                    data={"programme_id": w.homestart.id, "consent": "y"})
    assert r.status_code == 302
    req = db.session.execute(db.select(FamilyRequest).filter_by(
        family_id=family_id, programme_id=w.homestart.id)).scalar_one()
    assert req.status == "waiting"


def test_other_organisation_gets_404_everywhere(w, client):
    round_ = make_round(w)
    make_staff(w)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    _answer_all(client, round_)
    client.post(f"/groups/rounds/{round_.id}/form")
    group = round_.groups[0]
    client.post(f"/groups/{group.id}/approve", data={})
    client.post(f"/groups/{group.id}/meetings",
                data={"first": "2030-03-05T10:00", "place": "Buurthuis"})
    inv, member, meeting = round_.invitations[0], group.members[0], group.meetings[0]
    client.post("/logout")
    login(client, "vwb@example.org")
    urls = [f"/groups/rounds/{round_.id}", f"/groups/rounds/{round_.id}/candidates",
            f"/groups/rounds/{round_.id}/staff", f"/groups/invitations/{inv.id}",
            f"/groups/{group.id}", f"/groups/{group.id}/report",
            f"/groups/meetings/{meeting.id}", f"/groups/meetings/{meeting.id}/attendance",
            f"/groups/members/{member.id}/evaluation", f"/groups/members/{member.id}/refer",
            f"/groups/programmes/{w.pou.id}/rounds/new"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in [f"/groups/rounds/{round_.id}/send", f"/groups/rounds/{round_.id}/form",
                f"/groups/{group.id}/approve", f"/groups/{group.id}/whatsapp",
                f"/groups/meetings/{meeting.id}/remind"]:
        assert client.post(url).status_code == 404, url
    assert db.session.get(ParentGroup, group.id).whatsapp_link is None


def test_whatsapp_link_is_checked(w, client):
    round_ = make_round(w)
    make_staff(w)
    login(client, "vw@example.org")
    _invite_all(client, round_)
    _answer_all(client, round_)
    client.post(f"/groups/rounds/{round_.id}/form")
    group = round_.groups[0]
    client.post(f"/groups/{group.id}/approve", data={})
    client.post(f"/groups/{group.id}/whatsapp", data={"link": "https://evil.example/x"})
    db.session.refresh(group)
    assert group.whatsapp_link is None
    client.post(f"/groups/{group.id}/whatsapp",
                data={"link": "https://chat.whatsapp.com/AbCdEf123"})
    db.session.refresh(group)
    assert group.whatsapp_link == "https://chat.whatsapp.com/AbCdEf123"


def test_pages_render_for_the_coordinator(w, client):
    round_ = make_round(w)
    login(client, "vw@example.org")
    assert client.get("/groups/").status_code == 200
    assert client.get(f"/groups/programmes/{w.pou.id}/rounds/new").status_code == 200
    assert client.get(f"/groups/rounds/{round_.id}/staff").status_code == 200
    r = client.post(f"/groups/programmes/{w.pou.id}/rounds/new",
                    data={"name": "", "first_meeting_on": "", "slots": []})
    assert r.status_code == 200  # errors shown, nothing stored
    from webapp.models.groups import GroupRound
    assert db.session.execute(db.select(db.func.count(GroupRound.id))).scalar_one() == 1


def test_no_group_round_in_a_programme_that_is_not_for_parent_groups(w, client):
    """Home-Start is (made) the coordinator's own programme, but it has no parent groups."""
    w.coord.programmes.append(w.homestart)
    db.session.commit()
    login(client, "vw@example.org")
    url = f"/groups/programmes/{w.homestart.id}/rounds/new"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"name": "Round", "place": "Buurthuis"}).status_code == 404
    from webapp.models.groups import GroupRound
    assert db.session.execute(db.select(db.func.count(GroupRound.id))).scalar_one() == 0
