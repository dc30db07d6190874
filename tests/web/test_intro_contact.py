"""Introductions carry real contact details: the family's point of contact with a phone
number (the coordinator's from My details, or the one recorded on the family), the
coordinator's phone for the volunteer; a message that would show an empty value is never
sent, and the preview says which value is missing and where to fill it in."""
from __future__ import annotations

from datetime import date, timedelta

from tests.factories import PASSWORD, build_world, make_family, make_volunteer, ready_records
from webapp.extensions import db
from webapp.messaging import templating
from webapp.models import Message
from webapp.models.matches import Match


def _approved_match(world, **family_fields) -> Match:
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=30))
    family = make_family(world.prog_a, world.coord_a, **family_fields)
    match = Match(programme_id=world.prog_a.id, family_id=family.id,
                  family_request_id=family.requests[0].id, volunteer_id=vol.id,
                  hours_per_week=2, created_by_id=world.coord_a.id)
    db.session.add(match)
    db.session.commit()
    return match


def _login(client, email):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def _messages(match_id=None):
    return db.session.execute(db.select(Message)).scalars().all()


def test_printed_empty_value_is_reported_and_a_guarded_one_is_not():
    body = ("{% if first_visit %}On {{ first_visit }}.{% endif %}\n"
            "Call {{ contact_name }}: {{ contact_phone }}.")
    values = {**templating.sample_values("family_intro"), "first_visit": "",
              "contact_phone": "  "}
    out = templating.render("family_intro", "Hello {{ volunteer_name }}", body, values)
    assert out.missing == {"contact_phone"}
    assert "\ue000" not in out.text and out.text.endswith("Call Els de Vries: .")
    full = templating.render("family_intro", "Hi", body, templating.sample_values("family_intro"))
    assert full.missing == frozenset()


def test_introduction_without_a_phone_number_is_not_sent(app, client):
    world = build_world()
    world.coord_a.phone = None
    db.session.commit()
    match = _approved_match(world)
    _login(client, "coord.a@example.org")
    preview = client.get(f"/matches/{match.id}/introduce").get_data(as_text=True)
    assert "The point of contact&#39;s phone number" in preview or \
        "The point of contact's phone number" in preview
    assert "My details" in preview
    resp = client.post(f"/matches/{match.id}/introduce", data={"send": "1"})
    assert resp.status_code == 200  # the preview again, with the problem
    db.session.expire_all()
    assert _messages() == []
    assert db.session.get(Match, match.id).status == "approved"


def test_coordinator_fills_in_phone_and_both_messages_carry_numbers(app, client):
    world = build_world()
    world.coord_a.phone = None
    db.session.commit()
    match = _approved_match(world)
    _login(client, "coord.a@example.org")
    bad = client.post("/account/details", data={"name": "Carla de Vries", "phone": "call me"})
    assert bad.status_code == 200 and "digits only" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert world.coord_a.phone is None and world.coord_a.name == "Coordinator A"
    ok = client.post("/account/details", data={"name": "Carla de Vries", "phone": "071 512 34 56"})
    assert ok.status_code == 302
    resp = client.post(f"/matches/{match.id}/introduce", data={"send": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    rows = {m.party_type: m for m in _messages()}
    assert "Carla de Vries" in rows["family"].body_text  # an Arabic letter here
    assert "071 512 34 56" in rows["family"].body_text
    assert "071 512 34 56" in rows["volunteer"].body_text
    assert "coord.a@example.org" in rows["volunteer"].body_text


def test_family_point_of_contact_is_named_with_their_own_number(app, client):
    world = build_world()
    match = _approved_match(world, contact_person="Mira (VluchtelingenWerk)",
                            contact_phone="071 514 12 12")
    _login(client, "coord.a@example.org")
    assert client.post(f"/matches/{match.id}/introduce", data={"send": "1"}).status_code == 302
    family_msg = next(m for m in _messages() if m.party_type == "family")
    assert "Mira (VluchtelingenWerk)" in family_msg.body_text
    assert "071 514 12 12" in family_msg.body_text
    volunteer_msg = next(m for m in _messages() if m.party_type == "volunteer")
    assert "071 512 34 56" in volunteer_msg.body_text  # the coordinator's own number


def test_point_of_contact_without_number_blocks_the_letter(app, client):
    world = build_world()
    match = _approved_match(world, contact_person="Jeroen (wijkteam)")
    _login(client, "coord.a@example.org")
    resp = client.post(f"/matches/{match.id}/introduce", data={"send": "1"})
    assert resp.status_code == 200 and "point of contact" in resp.get_data(as_text=True)
    assert _messages() == []


def test_my_details_is_for_staff_only(app, client):
    build_world()
    _login(client, "vol@example.org")
    assert client.get("/account/details").status_code == 403
