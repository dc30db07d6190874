"""What the matching run reads: waiting requests (consent!), the overload count, the
minimal profile for a volunteer."""
from __future__ import annotations

from datetime import date, timedelta

from tests.factories import make_family
from webapp.extensions import db
from webapp.families import services


def test_waiting_requests_need_consent_for_matching(app, world):
    yes = make_family(world.prog_a, world.coord_a)
    no = make_family(world.prog_a, world.coord_a, matching=False)
    assert services.waiting_requests(world.prog_a) == [yes.requests[0]]
    assert no.requests[0] not in services.waiting_requests(world.prog_a)
    assert services.waiting_requests(world.prog_b) == []


def test_withdrawing_consent_removes_family_from_matching_input_at_once(app, world):
    family = make_family(world.prog_a, world.coord_a)
    assert [r.family_id for r in services.waiting_requests(world.prog_a)] == [family.id]
    services.withdraw_consent(family, world.coord_a)
    assert services.waiting_requests(world.prog_a) == []
    assert not services.can_message(family)


def test_latest_consent_counts(app, world):
    """Consent given again after a withdrawal brings the family back."""
    from webapp.models import Consent
    family = make_family(world.prog_a, world.coord_a)
    services.withdraw_consent(family, world.coord_a)
    family.consents.append(Consent(asked_on=date.today(), language="ar",
                                   purpose_matching=True, special_category="none"))
    db.session.commit()
    assert [r.family_id for r in services.waiting_requests(world.prog_a)] == [family.id]


def test_not_before_date_is_respected(app, world):
    family = make_family(world.prog_a, world.coord_a,
                         housed_on=date.today() - timedelta(days=10))
    assert family.not_before == date.today() - timedelta(days=10) + timedelta(weeks=8)
    assert services.waiting_requests(world.prog_a) == []
    later = date.today() + timedelta(weeks=8)
    assert services.waiting_requests(world.prog_a, today=later) == [family.requests[0]]


def test_waiting_requests_order_priority_then_waiting_time(app, world):
    from webapp.models.base import utcnow
    a = make_family(world.prog_a, world.coord_a)
    b = make_family(world.prog_a, world.coord_a)
    c = make_family(world.prog_a, world.coord_a, urgency=2)
    a.requests[0].waiting_since = utcnow() - timedelta(days=90)
    b.requests[0].waiting_since = utcnow() - timedelta(days=10)
    db.session.commit()
    assert [r.family_id for r in services.waiting_requests(world.prog_a)] == [c.id, a.id, b.id]


def test_overload_count_across_programmes_and_organisations(app, world):
    from tests.factories import make_user, make_volunteer
    from webapp.models.matches import Match
    family = make_family(world.prog_a, world.coord_a, max_volunteers=2,
                         support_social_worker="vluchtelingenwerk")
    assert services.active_volunteer_count(family) == 0
    v1 = make_volunteer(world.volunteer, [world.prog_a])
    v2 = make_volunteer(make_user("v2@example.org"), [world.prog_b])
    services.enrol(family, world.prog_b, world.coord_b)  # another organisation
    req_b = next(r for r in family.requests if r.programme_id == world.prog_b.id)
    m1 = Match(programme_id=world.prog_a.id, family_id=family.id, volunteer_id=v1.id,
               family_request_id=family.requests[0].id)
    m2 = Match(programme_id=world.prog_b.id, family_id=family.id, volunteer_id=v2.id,
               family_request_id=req_b.id)
    db.session.add_all([m1, m2])
    db.session.commit()
    assert services.active_volunteer_count(family) == 2
    assert services.active_volunteer_count(family, programme_ids={world.prog_b.id}) == 1
    assert services.overload_count(family) == 2  # the social worker does not count (default)
    assert services.remaining_capacity(family) == 0
    family.existing_support_counts = True
    db.session.commit()
    assert services.overload_count(family) == 3
    m2.move_to("ended", None, reason="family_moved")
    family.existing_support_counts = False
    db.session.commit()
    assert services.active_volunteer_count(family) == 1
    assert services.remaining_capacity(family) == 1


def test_minimal_profile_shows_only_what_a_volunteer_needs(app, world):
    family = make_family(world.prog_a, world.coord_a, special="use", country_of_origin="SY",
                         community="Alawite", groups_to_avoid="Groep X",
                         needs_note="private note", pc4="2316", postcode_letters="AB",
                         address="Kooilaan 12")
    profile = services.minimal_profile(family, reveal_address=False)
    flat = repr(profile)
    assert profile["parents"][0]["name"] == "Rasha"
    assert profile["children_ages"] == [3] or profile["children_ages"] == [2]
    assert profile["neighbourhood"] == {"pc4": "2316", "place": "Leiden"}
    assert profile["languages"] == ["ar"] and profile["needs"] == ["school"]
    for secret in ("Kooilaan", "AB", "SY", "Alawite", "Groep X", "private note",
                   "+31612345678"):
        assert secret not in flat
    revealed = services.minimal_profile(family, reveal_address=True)
    assert revealed["address"] == {"street": "Kooilaan 12", "postcode": "2316 AB"}


def test_special_category_use_follows_consent(app, world):
    stored = make_family(world.prog_a, world.coord_a, special="store", country_of_origin="SY")
    used = make_family(world.prog_a, world.coord_a, special="use", country_of_origin="SY")
    assert not stored.special_category_use and used.special_category_use
    services.withdraw_consent(used, world.coord_a)
    assert not used.special_category_use


def test_demo_families_are_seeded(app):
    import random

    from webapp.demo import seed_demo
    from webapp.models import Family, FamilyRequest
    seed_demo()
    families = db.session.execute(db.select(Family)).scalars().all()
    # 30 families of the informal programmes, and the parents the parent-group demo invites
    assert len(families) >= 30
    assert all(f.pc4.startswith("23") for f in families)
    langs = {code for f in families for code in f.languages()}
    assert {"ar", "ti", "prs", "uk", "so", "tr", "ku"} <= langs
    two = [f for f in families if len(f.requests) == 2]
    assert two
    assert any(f.consent and f.consent.withdrawn_at for f in families)
    assert any(f.consent is None for f in families)
    assert db.session.execute(db.select(db.func.count(FamilyRequest.id))).scalar_one() >= 30
    assert random  # seeded deterministically by seed_demo
