"""A volunteer's concern reaches someone: an urgent one e-mails every coordinator of the
match's programme at once (a short e-mail with a link, never the concern's text), every
concern is listed for the coordinators with a badge in the menu and an item on the home
page, a coordinator acknowledges it (exactly once, also when two click at the same moment),
writes down what was done and closes it, and the volunteer sees that it was read and
closed, never the coordinator's notes. Erasing the family erases the texts."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from tests.factories import PASSWORD, build_world, make_family, make_volunteer, ready_records
from webapp.accounts import create_user
from webapp.extensions import db
from webapp.models import AuditEntry, Message
from webapp.models.matches import Concern, Match

CONCERN_TEXT = "Er is geen eten in huis, de kinderen hebben honger"
NOTE_TEXT = "Voedselbank gebeld, pakket komt morgen"
THREADS = 20


def _match(world, status="introduced") -> Match:
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=30))
    family = make_family(world.prog_a, world.coord_a)
    match = Match(programme_id=world.prog_a.id, family_id=family.id,
                  family_request_id=family.requests[0].id, volunteer_id=vol.id,
                  hours_per_week=2, created_by_id=world.coord_a.id, status=status)
    db.session.add(match)
    db.session.commit()
    return match


def _more_staff(world):
    """A second coordinator of programme A, a coordinator of A's other programme (same
    organisation) and a deactivated coordinator of A."""
    second = create_user(email="coord.a2@example.org", name="Coordinator A2",
                         role="coordinator", organisation_name=world.org_a.name,
                         password=PASSWORD, check_password=False)
    second.programmes = [world.prog_a]
    other = create_user(email="coord.mim@example.org", name="Coordinator MIM",
                        role="coordinator", organisation_name=world.org_a.name,
                        password=PASSWORD, check_password=False)
    other.programmes = [world.prog_a2]
    gone = create_user(email="coord.gone@example.org", name="Coordinator Gone",
                       role="coordinator", organisation_name=world.org_a.name,
                       password=PASSWORD, check_password=False)
    gone.programmes = [world.prog_a]
    gone.active = False
    db.session.commit()
    return second, other, gone


def _raise(client, login, world, match, *, urgent=True, text=CONCERN_TEXT):
    login(world.volunteer.email)
    data = {"w-text": text, "w-submit": "1"}
    if urgent:
        data["w-urgent"] = "y"
    resp = client.post(f"/my/matches/{match.id}?lang=en", data=data)
    assert resp.status_code == 302
    client.post("/logout")
    return db.session.execute(db.select(Concern).order_by(Concern.id.desc())).scalars().first()


def _concern_mails():
    return db.session.execute(db.select(Message).where(
        Message.kind == "concern_urgent").order_by(Message.id)).scalars().all()


# --- the e-mail -------------------------------------------------------------------------------

def test_urgent_concern_emails_each_coordinator_of_the_programme_and_nobody_else(
        app, world, client, login):
    second, other, gone = _more_staff(world)
    match = _match(world)
    concern = _raise(client, login, world, match)
    mails = _concern_mails()
    assert sorted(m.user_id for m in mails) == sorted([world.coord_a.id, second.id])
    assert {m.recipient for m in mails} == {world.coord_a.email, second.email}
    assert world.coord_b.id not in {m.user_id for m in mails}  # another organisation
    assert other.id not in {m.user_id for m in mails}  # another programme
    assert gone.id not in {m.user_id for m in mails}  # deactivated
    link = f"http://koppel.test/concerns/{concern.id}"
    for mail in mails:
        assert mail.channel == "email" and mail.programme_id == world.prog_a.id
        whole = " ".join([mail.subject, mail.body_text, mail.body_html or ""])
        assert link in mail.body_text
        assert match.family.reference in whole
        # nothing of the concern nor of the family: no text, no name, no address
        for secret in ("eten", "honger", "Rasha", "Kooilaan", "2316", world.volunteer.name):
            assert secret not in whole
    audit = db.session.execute(db.select(AuditEntry).where(
        AuditEntry.object_type == "concern",
        AuditEntry.reason == "concern_notified")).scalars().all()
    assert len(audit) == 1 and audit[0].object_id == str(concern.id)


def test_urgent_concern_without_coordinator_reaches_the_organisations_admins(
        app, world, client, login):
    world.coord_a.programmes = []
    db.session.commit()
    match = _match(world)
    _raise(client, login, world, match)
    assert [m.user_id for m in _concern_mails()] == [world.org_admin.id]


def test_non_urgent_concern_sends_no_email_but_is_listed(app, world, client, login):
    match = _match(world)
    concern = _raise(client, login, world, match, urgent=False)
    assert _concern_mails() == []
    login(world.coord_a.email)
    page = client.get("/concerns?lang=en").get_data(as_text=True)
    assert match.family.reference in page
    assert f"/concerns/{concern.id}" in page


def test_concern_form_keeps_veilig_thuis_guidance(app, world, client, login):
    match = _match(world)
    login(world.volunteer.email)
    page = client.get(f"/my/matches/{match.id}?lang=en").get_data(as_text=True)
    assert "0800-2000" in page and "112" in page


def test_empty_concern_is_refused_with_a_message(app, world, client, login):
    match = _match(world)
    login(world.volunteer.email)
    page = client.post(f"/my/matches/{match.id}?lang=en",
                       data={"w-text": "   ", "w-urgent": "y", "w-submit": "1"})
    assert page.status_code == 200
    assert "Please describe your concern." in page.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Concern.id))).scalar_one() == 0
    assert _concern_mails() == []


# --- home page, menu badge, list ---------------------------------------------------------------

def test_urgent_concern_shows_on_home_page_and_as_menu_badge(app, world, client, login):
    match = _match(world)
    _raise(client, login, world, match)
    login(world.coord_a.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert 'data-todo="concerns"' in page
    assert 'data-count="1"' in page.split('data-todo="concerns"')[1].split(">")[0]
    assert 'data-menu-badge="concerns"' in page
    assert "1 urgent" in page
    client.post("/logout")
    login(world.coord_b.email)  # another organisation: nothing
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert 'data-menu-badge="concerns"' not in page
    assert "No open concerns" in page
    assert client.get("/concerns?lang=en").get_data(as_text=True).count("/concerns/") == 0


@pytest.mark.parametrize("who,status", [("coord_b", 404), ("volunteer", 403),
                                        ("org_admin", 200), ("coord_a", 200)])
def test_concern_pages_are_scoped(app, world, client, login, who, status):
    match = _match(world)
    concern = _raise(client, login, world, match)
    login(getattr(world, who).email)
    assert client.get(f"/concerns/{concern.id}").status_code == status
    if status != 200:
        client.post(f"/concerns/{concern.id}/acknowledge")
        client.post(f"/concerns/{concern.id}/close", data={"text": "x"})
        db.session.expire_all()
        concern = db.session.get(Concern, concern.id)
        assert concern.acknowledged_at is None and concern.handled_at is None


def test_opening_a_concern_is_logged_as_a_family_view(app, world, client, login):
    match = _match(world)
    concern = _raise(client, login, world, match)
    login(world.coord_a.email)
    page = client.get(f"/concerns/{concern.id}?lang=en").get_data(as_text=True)
    assert CONCERN_TEXT in page and "0800-2000" in page
    assert db.session.execute(db.select(AuditEntry).where(
        AuditEntry.object_type == "family", AuditEntry.object_id == str(match.family_id),
        AuditEntry.reason == "view:concern_detail")).scalar_one()


# --- acknowledge, follow up, close ---------------------------------------------------------

def test_acknowledge_note_close_and_what_the_volunteer_sees(app, world, client, login):
    match = _match(world)
    concern = _raise(client, login, world, match)
    login(world.volunteer.email)
    mine = client.get(f"/my/matches/{match.id}?lang=en").get_data(as_text=True)
    assert "Not read yet" in mine
    client.post("/logout")

    login(world.coord_a.email)
    resp = client.post(f"/concerns/{concern.id}/acknowledge?lang=en", follow_redirects=True)
    assert "You have marked this concern as read." in resp.get_data(as_text=True)
    resp = client.post(f"/concerns/{concern.id}/note?lang=en", data={"text": NOTE_TEXT},
                       follow_redirects=True)
    assert NOTE_TEXT in resp.get_data(as_text=True)
    resp = client.post(f"/concerns/{concern.id}/close?lang=en",
                       data={"text": "Gezin heeft nu eten"}, follow_redirects=True)
    assert "The concern is closed." in resp.get_data(as_text=True)
    db.session.expire_all()
    concern = db.session.get(Concern, concern.id)
    assert concern.acknowledged_by_id == world.coord_a.id and concern.acknowledged_at
    assert concern.handled_by_id == world.coord_a.id and concern.handled_at
    assert [(a.kind, a.by_id) for a in concern.actions] == [
        ("acknowledged", world.coord_a.id), ("note", world.coord_a.id),
        ("closed", world.coord_a.id)]
    assert concern.actions[1].text == NOTE_TEXT
    codes = db.session.execute(db.select(AuditEntry.reason).where(
        AuditEntry.object_type == "concern", AuditEntry.object_id == str(concern.id))
        .order_by(AuditEntry.id)).scalars().all()
    assert codes == ["concern_raised", "concern_notified", "concern_acknowledged",
                     "concern_note", "concern_closed"]
    # closed concerns leave the open list
    assert f"/concerns/{concern.id}" not in client.get("/concerns").get_data(as_text=True)
    assert f"/concerns/{concern.id}" in client.get("/concerns?show=closed").get_data(
        as_text=True)
    client.post("/logout")

    login(world.volunteer.email)
    mine = client.get(f"/my/matches/{match.id}?lang=en").get_data(as_text=True)
    assert "Read by your coordinator" in mine and "Closed on" in mine
    assert NOTE_TEXT not in mine and "Gezin heeft nu eten" not in mine


def test_second_acknowledgement_is_told_it_was_done(app, world, client, login):
    match = _match(world)
    concern = _raise(client, login, world, match)
    login(world.coord_a.email)
    client.post(f"/concerns/{concern.id}/acknowledge")
    resp = client.post(f"/concerns/{concern.id}/acknowledge?lang=en", follow_redirects=True)
    assert "already marked as read" in resp.get_data(as_text=True)
    client.post(f"/concerns/{concern.id}/close")
    resp = client.post(f"/concerns/{concern.id}/close?lang=en", follow_redirects=True)
    assert "already closed" in resp.get_data(as_text=True)
    resp = client.post(f"/concerns/{concern.id}/note?lang=en", data={"text": "late"},
                       follow_redirects=True)
    assert "already closed" in resp.get_data(as_text=True)
    db.session.expire_all()
    kinds = [a.kind for a in db.session.get(Concern, concern.id).actions]
    assert kinds == ["acknowledged", "closed"]


def test_empty_or_too_long_note_changes_nothing(app, world, client, login):
    match = _match(world)
    concern = _raise(client, login, world, match)
    login(world.coord_a.email)
    resp = client.post(f"/concerns/{concern.id}/note?lang=en", data={"text": "  "},
                       follow_redirects=True)
    assert "Please write what was done." in resp.get_data(as_text=True)
    resp = client.post(f"/concerns/{concern.id}/note?lang=en", data={"text": "x" * 5000},
                       follow_redirects=True)
    assert resp.status_code == 200
    db.session.expire_all()
    assert db.session.get(Concern, concern.id).actions == []


def test_closing_without_reading_first_also_marks_it_read(app, world, client, login):
    match = _match(world)
    concern = _raise(client, login, world, match, urgent=False)
    login(world.coord_a.email)
    client.post(f"/concerns/{concern.id}/close")
    db.session.expire_all()
    concern = db.session.get(Concern, concern.id)
    assert concern.acknowledged_at is not None and concern.handled_at is not None


def _ack_race(app):
    world = build_world()
    match = _match(world)
    from webapp.matches import concerns
    concern = concerns.raise_concern(match, CONCERN_TEXT, True, user_id=world.volunteer.id)
    concern_id = concern.id
    clients = []
    for email in [world.coord_a.email, world.org_admin.email] * (THREADS // 2):
        c = app.test_client()
        assert c.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        clients.append(c)
    db.session.remove()
    barrier = threading.Barrier(len(clients))
    codes, errors = [None] * len(clients), []

    def work(i, c):
        barrier.wait()
        try:
            codes[i] = c.post(f"/concerns/{concern_id}/acknowledge").status_code
        except Exception as exc:  # TESTING propagates a 500 as the exception
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and set(codes) == {302}
    db.session.remove()
    concern = db.session.get(Concern, concern_id)
    assert concern.acknowledged_at is not None
    assert [a.kind for a in concern.actions] == ["acknowledged"]
    assert concern.actions[0].by_id == concern.acknowledged_by_id
    assert db.session.execute(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.reason == "concern_acknowledged")).scalar_one() == 1


@pytest.mark.postgres
def test_simultaneous_acknowledgements_record_one_on_postgresql(pg_app):
    _ack_race(pg_app)


def test_simultaneous_acknowledgements_record_one_on_sqlite(app):
    _ack_race(app)


# --- privacy ----------------------------------------------------------------------------------

def test_erasing_the_family_erases_concern_texts_and_notes(app, world, client, login):
    from webapp.matches import concerns
    from webapp.models.matches import ConcernAction
    from webapp.privacy.lifecycle import anonymise_family
    match = _match(world)
    concern = _raise(client, login, world, match)
    concerns.acknowledge(concern, world.coord_a.id)
    concerns.add_note(concern, world.coord_a.id, NOTE_TEXT)
    concerns.close(concern, world.coord_a.id, "Afgesloten-geheim")
    assert anonymise_family(match.family, "request", world.coord_a)
    db.session.expire_all()
    concern = db.session.get(Concern, concern.id)
    assert concern.text == ""
    texts = db.session.execute(db.select(ConcernAction.text)).scalars().all()
    assert texts and all(t is None for t in texts)
    raw = " ".join(str(v) for row in db.session.execute(db.text(
        "SELECT * FROM concern_action")).all() for v in row)
    assert "gAAAA" not in raw  # no encrypted text left at all
