"""Safety wishes act, and urgency is stored once (issue 15).

- "Not someone from our own community" and "groups to avoid" are checked against what the
  volunteer declared (country, community, region — vocabularies with "other: …"); where the
  volunteer's origin is unknown or not agreed for matching, the proposal is shown with the
  warning "origin unknown — ask before introducing" instead of being silently proposed.
- Religion is compared as a code ("Islam" = "islam").
- The age factor, which could never count, is gone.
- Urgency lives in ``FamilyRequest.priority`` only: the same urgency gives the same solver
  priority whether it was set at intake or by an edit.
- The migrations map existing free text to codes and carry the higher urgency.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from matching.scoring import Scorer
from tests.factories import make_family, make_user, make_volunteer, ready_records
from tests.web.test_families import intake_form
from webapp.extensions import db
from webapp.models.families import Family, FamilyRequest
from webapp.models.matches import MatchingRun, Proposal

TODAY = date.today()


def _ready(user, programmes, **fields):
    vol = make_volunteer(user, programmes, pc4="2316", travel_km=10, **fields)
    ready_records(vol, TODAY - timedelta(days=30))
    return vol


def _scorer_and_requests(programme):
    from webapp.matches.inputs import build_inputs
    inputs = build_inputs(programme, {}, TODAY)
    scorer = Scorer(inputs.volunteers, {inputs.programme_code: inputs.rules}, TODAY)
    return scorer, inputs.requests


def _run(world):
    from webapp.matches.runs import start_run
    run = start_run(world.prog_a, world.coord_a.id)
    db.session.expire_all()
    run = db.session.get(MatchingRun, run.id)
    assert run.status == "finished", run.error
    return run


def _proposals(run):
    return db.session.execute(db.select(Proposal).filter_by(run_id=run.id)).scalars().all()


# --- "not someone from our own community" -----------------------------------------------

def test_own_community_wish_is_flagged_when_the_volunteer_origin_is_not_agreed(
        app, world, client, login):
    vol = _ready(world.volunteer, [world.prog_a], refugee_background=True,
                 origin_country="SY", arrival_year=2015, origin_for_matching=False)
    family = make_family(world.prog_a, world.coord_a, special="use", country_of_origin="SY",
                         pref_not_own_community=True)
    run = _run(world)
    [proposal] = _proposals(run)
    flags = [f for f in proposal.factors if f["code"] == "origin_unknown"]
    assert flags == [{"code": "origin_unknown", "points": 0, "params": {"side": "volunteer"}}]
    login(world.coord_a.email)
    page = client.get(f"/runs/{run.id}?lang=en").get_data(as_text=True)
    assert "origin unknown — ask before introducing" in page
    # Once the volunteer agrees, the wish is applied: the same volunteer is excluded.
    vol.origin_for_matching = True
    db.session.commit()
    scorer, [req] = _scorer_and_requests(world.prog_a)
    assert req.family_id == str(family.id)
    assert scorer.exclusions(req).excluded.get("own_community") == 1
    assert len(scorer.candidates([req])) == 0


def test_own_community_is_the_recorded_community(app, world):
    """A Syrian Alawite family that wants no one from its own community: a Syrian volunteer
    of another community fits, an Alawite one does not."""
    alawite = _ready(world.volunteer, [world.prog_a], refugee_background=True,
                     origin_country="SY", arrival_year=2015, origin_for_matching=True,
                     community="alawite")
    other = _ready(make_user("v2@example.org"), [world.prog_a], refugee_background=True,
                   origin_country="SY", arrival_year=2016, origin_for_matching=True,
                   community="sunni_arab")
    make_family(world.prog_a, world.coord_a, special="use", country_of_origin="SY",
                community="Alawite", pref_not_own_community=True)
    scorer, [req] = _scorer_and_requests(world.prog_a)
    cands = scorer.candidates([req])
    assert [c.volunteer for c in cands] == [str(other.id)]
    assert not any(f.code == "origin_unknown" for c in cands for f in c.factors)
    assert alawite.id != other.id


def test_without_a_wish_origin_changes_nothing(app, world):
    """No rule treats volunteers of one origin differently unless the family asked."""
    a = _ready(world.volunteer, [world.prog_a], refugee_background=True, origin_country="SY",
               arrival_year=2015, origin_for_matching=True, community="alawite")
    b = _ready(make_user("v2@example.org"), [world.prog_a])
    make_family(world.prog_a, world.coord_a, special="use", country_of_origin="SY",
                community="alawite")
    scorer, [req] = _scorer_and_requests(world.prog_a)
    cands = scorer.candidates([req])
    scores = {c.volunteer: c.score for c in cands}
    assert set(scores) == {str(a.id), str(b.id)} and scores[str(a.id)] == scores[str(b.id)]
    assert not any(f.points == 0 for c in cands for f in c.factors)


# --- groups to avoid ------------------------------------------------------------------------

@pytest.mark.parametrize("stored", ["Alawite", "alawite", "community:alawite"])
def test_groups_to_avoid_exclude_a_declared_community(app, world, stored):
    """The demo's own values ("Alawite", "Hazara") used to exclude nobody."""
    _ready(world.volunteer, [world.prog_a], refugee_background=True, origin_country="SY",
           arrival_year=2015, origin_for_matching=True, community="alawite")
    make_family(world.prog_a, world.coord_a, groups_to_avoid=f"{stored}\nHazara")
    scorer, [req] = _scorer_and_requests(world.prog_a)
    assert scorer.exclusions(req).excluded.get("avoided_group") == 1
    assert len(scorer.candidates([req])) == 0


def test_groups_to_avoid_region_and_other_text(app, world):
    _ready(world.volunteer, [world.prog_a], refugee_background=True, origin_country="AF",
           arrival_year=2012, origin_for_matching=True, origin_region="ghazni",
           community="other:Groep Zeta")
    make_family(world.prog_a, world.coord_a, groups_to_avoid="region:ghazni")
    make_family(world.prog_a, world.coord_a, groups_to_avoid="other:GROEP zeta")
    make_family(world.prog_a, world.coord_a, groups_to_avoid="region:kabul")
    scorer, reqs = _scorer_and_requests(world.prog_a)
    excluded = [scorer.exclusions(r).excluded.get("avoided_group", 0) for r in reqs]
    assert sorted(excluded) == [0, 1, 1]


def test_groups_to_avoid_with_unknown_origin_is_flagged(app, world):
    _ready(world.volunteer, [world.prog_a], refugee_background=True, origin_country="SY",
           arrival_year=2015, origin_for_matching=False, community="alawite")
    make_family(world.prog_a, world.coord_a, groups_to_avoid="community:alawite")
    scorer, [req] = _scorer_and_requests(world.prog_a)
    [cand] = list(scorer.candidates([req]))
    assert [f.code for f in cand.factors if f.points == 0] == ["origin_unknown"]


# --- religion as a code ------------------------------------------------------------------

def test_religion_is_compared_as_a_code(app, world):
    _ready(world.volunteer, [world.prog_a], religion="islam", religion_for_matching=True)
    make_family(world.prog_a, world.coord_a, special="use", religion="Islam")
    scorer, [req] = _scorer_and_requests(world.prog_a)
    [cand] = list(scorer.candidates([req]))
    assert "religion" in {f.code for f in cand.factors}


def test_no_age_factor_in_proposals(app, world):
    _ready(world.volunteer, [world.prog_a])
    make_family(world.prog_a, world.coord_a)
    [proposal] = _proposals(_run(world))
    assert "age_difference" not in {f["code"] for f in proposal.factors}
    from matching.model import DEFAULT_WEIGHTS
    assert "age_difference" not in DEFAULT_WEIGHTS


# --- the forms ---------------------------------------------------------------------------

@pytest.fixture
def coord(world, login):
    login(world.coord_a.email)
    return world.coord_a


def test_intake_form_records_codes_and_other_words(client, world, coord):
    resp = client.post("/families/new", data=intake_form(
        world.prog_a.id, special_category="use", country_of_origin="AF",
        community="other", community_other="  hazara ", religion="islam_shia",
        avoid_groups=["community:pashtun", "IR"], groups_to_avoid="Groep A\nTajik",
        pref_not_own_community="y"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    family = db.session.execute(db.select(Family)).scalar_one()
    assert (family.community, family.religion) == ("hazara", "islam_shia")
    assert family.groups_to_avoid_list == ["community:pashtun", "IR", "other:Groep A",
                                           "community:tajik"]
    page = client.get(f"/families/{family.id}/edit?lang=en").get_data(as_text=True)
    assert 'value="community:pashtun" selected' in page or \
        'selected value="community:pashtun"' in page
    assert "Groep A" in page
    detail = client.get(f"/families/{family.id}?lang=en").get_data(as_text=True)
    assert "Hazara" in detail and "Pashtun" in detail and "Islam (Shia)" in detail


@pytest.mark.parametrize("overrides,field_id,message", [
    ({"community": "other", "community_other": ""}, "community_other",
     "Type it in, or choose from the list."),
    ({"community": "alawite", "community_other": "Something"}, "community_other",
     "to type your own words"),
    ({"religion": "not-a-religion"}, "religion", "Not a valid choice"),
    ({"avoid_groups": ["community:nope"]}, "avoid_groups", "not a valid choice"),
])
def test_intake_form_refuses_bad_vocabulary_answers(client, world, coord, overrides,
                                                   field_id, message):
    resp = client.post("/families/new?lang=en", data=intake_form(
        world.prog_a.id, special_category="use", **overrides))
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'id="{field_id}-error"' in page and message in page
    assert db.session.execute(db.select(db.func.count(Family.id))).scalar() == 0


def test_volunteer_profile_records_community_region_and_religion(client, world, login):
    from tests.web.test_volunteers import registration_data
    vol = make_volunteer(world.volunteer, [world.prog_a])
    login(world.volunteer.email)
    data = registration_data(community="other", community_other="Groep Zeta",
                             origin_region="idlib", religion="other",
                             religion_other="Christianity", origin_for_matching="y")
    for k in ("name", "email", "password", "confirm", "consent"):
        data.pop(k)
    data["programmes"] = [str(world.prog_a.id)]
    resp = client.post("/me/profile", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    db.session.refresh(vol)
    assert (vol.community, vol.origin_region, vol.religion) == (
        "other:Groep Zeta", "idlib", "christianity")
    page = client.get("/me/profile?lang=en").get_data(as_text=True)
    assert 'value="Groep Zeta"' in page
    bad = dict(data, community="other", community_other="")
    resp = client.post("/me/profile?lang=en", data=bad)
    assert resp.status_code != 302
    assert "Type it in, or choose from the list." in resp.get_data(as_text=True)
    db.session.refresh(vol)
    assert vol.community == "other:Groep Zeta"


# --- urgency stored once ---------------------------------------------------------------

def _solver_priority(programme, family):
    from webapp.matches.inputs import build_inputs
    inputs = build_inputs(programme, {}, TODAY + timedelta(weeks=9))
    return {r.family_id: r.priority for r in inputs.requests}[str(family.id)]


def test_same_urgency_same_solver_priority_whatever_path(client, world, coord):
    client.post("/families/new", data=intake_form(world.prog_a.id, urgency="2"))
    client.post("/families/new", data=intake_form(world.prog_a.id, urgency="0"))
    at_intake, later = db.session.execute(db.select(Family).order_by(Family.id)).scalars()
    page = client.get(f"/families/{later.id}/edit").get_data(as_text=True)
    assert 'value="0" selected' in page or 'selected value="0"' in page
    data = intake_form(world.prog_a.id, urgency="2")
    data.pop("programme_id")
    resp = client.post(f"/families/{later.id}/edit", data=data)
    assert resp.status_code == 302
    db.session.expire_all()
    assert later.requests[0].priority == at_intake.requests[0].priority == 2
    assert _solver_priority(world.prog_a, at_intake) == _solver_priority(world.prog_a, later) == 3
    page = client.get(f"/families/{later.id}/edit").get_data(as_text=True)
    assert 'value="2" selected' in page or 'selected value="2"' in page
    # the family list (ordered by the request's priority) follows the edit
    for family, weeks in ((at_intake, 1), (later, 20)):
        family.requests[0].waiting_since = datetime.utcnow() - timedelta(weeks=weeks)
    db.session.commit()
    listing = client.get("/families").get_data(as_text=True)
    assert listing.index(later.reference) < listing.index(at_intake.reference)
    # lowering it works the same way
    data["urgency"] = "0"
    client.post(f"/families/{later.id}/edit", data=data)
    assert _solver_priority(world.prog_a, later) == 1


def test_edit_changes_only_the_editors_programmes(app, world):
    from webapp.families import services
    family = make_family(world.prog_a, world.coord_a)
    services.enrol(family, world.prog_b, world.coord_b)
    data = {"referral_source": "jgz", "consent": None, "urgency": 2}
    services.update_family(family, data, world.coord_a, programme_ids={world.prog_a.id})
    prio = {r.programme_id: r.priority for r in family.requests}
    assert prio == {world.prog_a.id: 2, world.prog_b.id: 0}


def test_urgent_only_scope_reads_the_request(app, world):
    from webapp.matches.inputs import build_inputs
    make_family(world.prog_a, world.coord_a)
    urgent = make_family(world.prog_a, world.coord_a, urgency=1)
    inputs = build_inputs(world.prog_a, {"urgent_only": True}, TODAY + timedelta(weeks=9))
    assert [r.family_id for r in inputs.requests] == [str(urgent.id)]
    assert not hasattr(Family, "urgency")


# --- the migrations ------------------------------------------------------------------------

def _insert(conn, table_name: str, **values) -> int:
    """Insert a row at the old revision, filling required columns with plain values."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    for col in table.columns:
        if col.name in values or col.nullable or col.primary_key or col.server_default is not None:
            continue
        kind = str(col.type).upper()
        values[col.name] = ([] if "JSON" in kind else False if "BOOL" in kind
                            else 0 if "INT" in kind else datetime(2026, 1, 1)
                            if "DATE" in kind or "TIME" in kind else "x")
    return conn.execute(table.insert().values(**values)).inserted_primary_key[0]


def _migration_maps_free_text_and_urgency(app):
    from flask_migrate import upgrade

    from webapp.crypto import encrypt
    from webapp.models.volunteers import Volunteer
    upgrade(revision="15c_concerns")
    with db.engine.begin() as conn:
        org = _insert(conn, "organisation", name="Old org")
        ptype = _insert(conn, "programme_type", code="homestart", name="Home-Start",
                        default_rules={})
        prog = _insert(conn, "programme", organisation_id=org, type_id=ptype, name="P",
                       rules={}, active=True)
        prog2 = _insert(conn, "programme", organisation_id=org, type_id=ptype, name="Q",
                        rules={}, active=True)
        fam = _insert(conn, "family", referral_source="jgz", urgency=2,
                      community=encrypt("HAZARA"), religion=encrypt("Islam"),
                      groups_to_avoid=encrypt("Alawite\nsyrië\nSyria\nIdlib (Syria)\nGroep X"))
        _insert(conn, "family_request", family_id=fam, programme_id=prog, status="waiting",
                priority=0)
        _insert(conn, "family_request", family_id=fam, programme_id=prog2, status="waiting",
                priority=2)
        calm = _insert(conn, "family", referral_source="jgz", urgency=0,
                       community=encrypt("Soefi-X"))
        _insert(conn, "family_request", family_id=calm, programme_id=prog, status="waiting",
                priority=1)
        user = _insert(conn, "user", email=encrypt("old@example.org"), email_index="ix",
                       name="Old", role="volunteer", active=True)
        _insert(conn, "volunteer", user_id=user, religion=encrypt(" islam "),
                languages={}, status="active", source="registration")
    upgrade(revision="heads")
    db.session.expire_all()
    family = db.session.get(Family, fam)
    assert (family.community, family.religion) == ("hazara", "islam")
    assert family.groups_to_avoid_list == ["community:alawite", "SY", "region:idlib",
                                           "other:Groep X"]
    assert db.session.get(Family, calm).community == "other:Soefi-X"
    prios = dict(db.session.execute(db.select(FamilyRequest.family_id, FamilyRequest.priority)
                                    .where(FamilyRequest.programme_id == prog)).all())
    assert prios == {fam: 2, calm: 1}
    assert db.session.execute(db.select(Volunteer.religion)).scalar_one() == "islam"
    cols = {c["name"] for c in sa.inspect(db.engine).get_columns("family")}
    assert "urgency" not in cols
    vcols = {c["name"] for c in sa.inspect(db.engine).get_columns("volunteer")}
    assert {"community", "origin_region"} <= vcols
    indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("family_request")}
    assert "ix_family_request_open" in indexes


def test_migration_sqlite(tmp_path):
    from tests.conftest import make_app
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        try:
            _migration_maps_free_text_and_urgency(app)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migration_postgresql(tmp_path, pg_url):
    from tests.conftest import make_app
    app = make_app(tmp_path, pg_url)
    with app.app_context():
        try:
            _migration_maps_free_text_and_urgency(app)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_safety_rules_on_postgresql(pg_app):
    from tests.factories import build_world
    world = build_world()
    _ready(world.volunteer, [world.prog_a], refugee_background=True, origin_country="SY",
           arrival_year=2015, origin_for_matching=True, community="alawite")
    make_family(world.prog_a, world.coord_a, groups_to_avoid="community:alawite")
    make_family(world.prog_a, world.coord_a, urgency=2)
    scorer, reqs = _scorer_and_requests(world.prog_a)
    assert sorted(r.priority for r in reqs) == [1, 3]
    assert sorted(scorer.exclusions(r).excluded.get("avoided_group", 0) for r in reqs) == [0, 1]
