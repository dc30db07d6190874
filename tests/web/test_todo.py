"""The coordinator's home page as a to-do list: open concerns (urgent first), training to
check, VOGs to check, proposals to decide, matches to introduce, failed messages and new
volunteers, each with a count and a link to a list that shows exactly those items; counted
for the user's own programmes only, in a few queries; an empty item is shown as done."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from tests.factories import make_family, make_user, make_volunteer
from webapp.extensions import db
from webapp.models import Message
from webapp.models.base import utcnow
from webapp.models.matches import Concern, Match, MatchingRun, Proposal
from webapp.models.volunteers import TrainingCompletion, VolunteerVog

KEYS = ("concerns", "training", "vogs", "proposals", "introductions", "failed_messages",
        "new_volunteers")


def _items_for(world, programme, tag: str) -> dict:
    """One of every to-do item in ``programme`` (names carry ``tag``)."""
    user = make_user(f"new.{tag}@example.org", name=f"Nieuw {tag}")
    vol = make_volunteer(user, [programme])
    old = make_volunteer(make_user(f"old.{tag}@example.org", name=f"Oud {tag}"), [programme])
    old.created_at = utcnow() - timedelta(days=40)
    checker = make_volunteer(make_user(f"cert.{tag}@example.org", name=f"Certificaat {tag}"),
                             [programme])
    checker.created_at = utcnow() - timedelta(days=40)
    vogger = make_volunteer(make_user(f"vog.{tag}@example.org", name=f"Vogger {tag}"),
                            [programme])
    vogger.created_at = utcnow() - timedelta(days=40)
    db.session.add_all([
        TrainingCompletion(volunteer=checker, item="pharos_elearning",
                           completed_on=date.today(), source="self"),
        # already checked, or recorded by a coordinator: nothing to do
        TrainingCompletion(volunteer=old, item="pharos_elearning", completed_on=date.today(),
                           source="self", verified=True),
        TrainingCompletion(volunteer=old, item="themabijeenkomst", completed_on=date.today(),
                           source="coordinator"),
        VolunteerVog(volunteer=vogger, issued_on=date.today(), original_seen=False),
        VolunteerVog(volunteer=old, issued_on=date.today(), original_seen=True),
    ])
    coord = world.coord_a if programme.organisation_id == world.org_a.id else world.coord_b
    fam1, fam2, fam3 = (make_family(programme, coord, pc4=pc) for pc in ("2316", "2317", "2318"))
    run = MatchingRun(programme_id=programme.id, status="finished")
    db.session.add(run)
    db.session.flush()
    db.session.add_all([
        Proposal(run_id=run.id, programme_id=programme.id, family_id=fam1.id,
                 family_request_id=fam1.requests[0].id, volunteer_id=vol.id, score=40),
        Proposal(run_id=run.id, programme_id=programme.id, family_id=fam2.id,
                 family_request_id=fam2.requests[0].id, volunteer_id=vol.id, score=30,
                 status="rejected"),
    ])
    approved = Match(programme_id=programme.id, family_id=fam2.id, volunteer_id=old.id,
                     family_request_id=fam2.requests[0].id, status="approved")
    running = Match(programme_id=programme.id, family_id=fam3.id, volunteer_id=old.id,
                    family_request_id=fam3.requests[0].id, status="active")
    db.session.add_all([approved, running])
    db.session.flush()
    db.session.add_all([
        Concern(match_id=running.id, text="zorg", urgent=True),
        Concern(match_id=running.id, text="vraag", urgent=False),
        Concern(match_id=running.id, text="klaar", urgent=True, handled_at=utcnow()),
        Message(kind="family_intro", channel="sms", recipient="+31600000000",
                recipient_name=f"Mislukt {tag}", subject="s", body_text="b", status="failed",
                programme_id=programme.id),
        Message(kind="family_intro", channel="sms", recipient="+31600000001",
                recipient_name=f"Gelukt {tag}", subject="s", body_text="b", status="sent",
                programme_id=programme.id),
    ])
    db.session.commit()
    return {"approved": approved, "new": vol, "checker": checker, "vogger": vogger,
            "family": fam1}


@pytest.fixture
def both(world):
    a = _items_for(world, world.prog_a, "A")
    b = _items_for(world, world.prog_b, "B")
    return world, a, b


def _counts(user) -> dict:
    from webapp.main.todo import todo_items
    return {item.key: item.count for item in todo_items(user)}


def test_counts_are_right_and_scoped(app, both):
    world, _a, _b = both
    expected = {"concerns": 2, "training": 1, "vogs": 1, "proposals": 1, "introductions": 1,
                "failed_messages": 1, "new_volunteers": 1}
    assert _counts(world.coord_a) == expected
    assert _counts(world.coord_b) == expected  # its own, not A's as well
    assert _counts(world.org_admin) == expected  # org A's programmes
    both_orgs = {k: 2 * v for k, v in expected.items()}
    assert _counts(world.admin) == both_orgs  # the installation admin sees everything
    from webapp.main.todo import todo_items
    concerns = next(i for i in todo_items(world.coord_a) if i.key == "concerns")
    assert concerns.urgent == 1


def test_coordinator_of_another_organisation_sees_none_of_its_items(app, world):
    _items_for(world, world.prog_a, "A")
    assert set(_counts(world.coord_b).values()) == {0}
    assert set(_counts(world.coord_a).values()) == {1, 2}


def test_counts_take_a_few_queries(app, both):
    world = both[0]
    from webapp.main.todo import todo_items
    db.session.expire_all()
    user = db.session.get(type(world.coord_a), world.coord_a.id)
    _ = list(user.programmes)  # loaded with the session on every request
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        todo_items(user)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 2, statements


def test_home_page_lists_items_with_links_and_done_items(app, world, client, login):
    _items_for(world, world.prog_a, "A")
    login(world.coord_b.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    for key in KEYS:  # nothing to do, but every item is there, shown as done
        assert f'data-todo="{key}"' in page
    assert page.count('data-done="1"') == len(KEYS)
    assert "No open concerns" in page
    client.post("/logout")
    login(world.coord_a.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert page.count('data-done="1"') == 0
    assert "1 urgent" in page


def _link(page: str, key: str) -> str:
    part = page.split(f'data-todo="{key}"')[1]
    return part.split('href="')[1].split('"')[0].replace("&amp;", "&")


def test_links_lead_to_lists_that_show_the_items(app, world, client, login):
    a = _items_for(world, world.prog_a, "A")
    login(world.coord_a.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    checks = {
        "training": ("Certificaat A", ("Nieuw A", "Oud A", "Vogger A")),
        "vogs": ("Vogger A", ("Nieuw A", "Oud A", "Certificaat A")),
        "new_volunteers": ("Nieuw A", ("Oud A", "Certificaat A", "Vogger A")),
        "introductions": (f'/matches/{a["approved"].id}"', ()),
        "proposals": (a["family"].reference, ()),
        "failed_messages": ("Mislukt A", ("Gelukt A",)),
        "concerns": ("/concerns/", ()),
    }
    for key, (shown, hidden) in checks.items():
        url = _link(page, key)
        listing = client.get(url)
        assert listing.status_code == 200, (key, url)
        text = listing.get_data(as_text=True)
        assert shown in text, (key, url)
        for name in hidden:
            assert name not in text, (key, url, name)
    matches = client.get(_link(page, "introductions")).get_data(as_text=True)
    assert matches.count('href="/matches/') == 1  # only the approved one, not the running one


def test_volunteer_home_has_no_todo_list(app, world, client, login):
    _items_for(world, world.prog_a, "A")
    login(world.volunteer.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "data-todo=" not in page and 'data-menu-badge="concerns"' not in page
