"""Trios in the web app (issue 15): an Arabic-only family gets a trio (the oudkomer bridges
the language), the trio card names who is the oudkomer and who the Dutch volunteer, and the
"already proposed to another family" explanation appears only when such a proposal exists."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from tests.factories import make_family, make_user, make_volunteer, ready_records
from webapp.extensions import db
from webapp.models.matches import MatchingRun, Proposal

ALREADY_PROPOSED = ("already proposed to another family", "all proposed to other families")
ARABIC_ONLY = [{"name": "Amal", "gender": "f", "languages": [{"code": "ar", "level": "native"}],
                "dutch_level": "A0", "can_read": "limited"}]


@pytest.fixture
def trio_prog(world):
    from webapp.demo import ensure_programme_types
    from webapp.models import Programme
    prog = Programme(organisation=world.org_a, type=ensure_programme_types()["trio"],
                     name="Trio Leiden", municipality="Leiden",
                     rules={"requirements": {"required": []}})
    db.session.add(prog)
    world.coord_a.programmes.append(prog)
    db.session.commit()
    return prog


def _oudkomer(world, prog):
    v = make_volunteer(world.volunteer, [prog], refugee_background=True, origin_country="SY",
                       languages={"ar": "native"}, dutch_level="B2", pc4="2316", travel_km=10)
    ready_records(v, date.today() - timedelta(days=30))
    return v


def _dutch(prog, email="nl@example.org", name="Dutch Volunteer"):
    v = make_volunteer(make_user(email, name=name), [prog], languages={"nl": "native"},
                       dutch_level="native", pc4="2312", travel_km=10)
    ready_records(v, date.today() - timedelta(days=30))
    return v


def _run(world, prog) -> MatchingRun:
    from webapp.matches.runs import start_run
    run = start_run(prog, world.coord_a.id)
    db.session.expire_all()
    run = db.session.get(MatchingRun, run.id)
    assert run.status == "finished", run.error
    return run


def _page(client, login, world, run) -> str:
    login(world.coord_a.email)
    resp = client.get(f"/runs/{run.id}?status=all&lang=en")
    assert resp.status_code == 200
    return " ".join(resp.get_data(as_text=True).split())


def _text(page: str) -> str:
    """The page's visible words (tags removed, entities decoded)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_arabic_only_family_gets_a_trio_and_the_card_names_both_roles(app, world, trio_prog,
                                                                      client, login):
    oud = _oudkomer(world, trio_prog)
    dutch = _dutch(trio_prog)
    fam = make_family(trio_prog, world.coord_a, parents=ARABIC_ONLY)
    run = _run(world, trio_prog)
    p = db.session.execute(db.select(Proposal).filter_by(run_id=run.id)).scalar_one()
    assert (p.family_id, p.volunteer_id, p.volunteer2_id) == (fam.id, oud.id, dutch.id)
    text = _text(_page(client, login, world, run))
    # Role labels in words (not only icons), each next to the right person.
    assert f"Oudkomer {oud.name}" in text
    assert f"Dutch volunteer {dutch.name}" in text


PRACTISING = [{"name": "Rasha", "gender": "f", "languages": [{"code": "ar", "level": "native"}],
               "dutch_level": "A2", "can_read": "yes"}]


@pytest.mark.parametrize("parents,pref", [(ARABIC_ONLY, None), (PRACTISING, "dutch")],
                         ids=["arabic_only", "practises_dutch"])
def test_no_already_proposed_hint_without_a_proposal(app, world, trio_prog, client, login,
                                                     parents, pref):
    """Only a Dutch volunteer, no oudkomer: no trio, and nobody was proposed elsewhere —
    also when the Dutch volunteer is a candidate by the pair rules (the family practises
    Dutch)."""
    _dutch(trio_prog)
    fam = make_family(trio_prog, world.coord_a, parents=parents, pref_language=pref)
    run = _run(world, trio_prog)
    assert run.summary["proposals"] == 0
    html = _page(client, login, world, run)
    assert fam.reference in html  # the family is listed without a proposal
    assert not any(s in html for s in ALREADY_PROPOSED)
    assert "No suitable oudkomer who speaks the family's language" in _text(html)


def test_already_proposed_hint_when_the_volunteers_were_proposed(app, world, trio_prog, client,
                                                                 login):
    """One oudkomer and one Dutch volunteer, two families: the second family's explanation
    says its volunteers were proposed to the other family."""
    _oudkomer(world, trio_prog)
    _dutch(trio_prog)
    make_family(trio_prog, world.coord_a, parents=ARABIC_ONLY)
    make_family(trio_prog, world.coord_a, parents=ARABIC_ONLY, pc4="2313")
    run = _run(world, trio_prog)
    assert run.summary["proposals"] == 1
    html = _page(client, login, world, run)
    assert "all proposed to other families" in html


def test_stored_already_proposed_hint_is_hidden_when_the_run_has_no_proposal(
        app, world, trio_prog, client, login):
    """A run stored before the fix may carry a "capacity" hint although it proposed nothing:
    the page does not repeat it."""
    fam = make_family(trio_prog, world.coord_a, parents=ARABIC_ONLY)
    req = fam.requests[0]
    run = MatchingRun(programme_id=trio_prog.id, created_by_id=world.coord_a.id, kind="trios",
                      status="finished", scope={}, summary={
                          "status": "optimal", "proposals": 0, "requests": 1, "volunteers": 1,
                          "unmatched": {str(req.id): {
                              "family": str(fam.id), "volunteers": 1, "candidates": 1,
                              "excluded": {}, "only": {}, "blockers": ["capacity"],
                              "hints": [{"code": "capacity", "count": 1,
                                         "params": {"candidates": 1}}]}},
                          "bottlenecks": {"capacity": 1}})
    db.session.add(run)
    db.session.commit()
    html = _page(client, login, world, run)
    assert fam.reference in html
    assert not any(s in html for s in ALREADY_PROPOSED)
