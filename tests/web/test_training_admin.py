"""The training catalogue and each programme's training rules, editable (issue 14).

The catalogue lives in the database (seeded with the shipped items by a migration); the
installation admin adds, changes and retires items. Per programme, the programme form sets
which items are required or recommended, their validity, the renewal window, the grace period,
the VOG's validity and screening profiles and the additional check, each beside its default
and that default's source. A change reaches readiness at once; bad values give a translated
message and change nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

from markupsafe import escape

import pytest

import training
from tests.factories import make_user, make_volunteer, ready_records
from webapp.extensions import db
from webapp.models import AuditEntry, Programme, TrainingCompletion

PASSWORD = "correct horse battery"


def _login(client, email):
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, "could not log in"


def _as(app, email):
    """A fresh client logged in as ``email`` (logging in again on a logged-in client keeps
    the first account)."""
    client = app.test_client()
    _login(client, email)
    return client


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def _edit_data(programme, **changes) -> dict:
    """The programme form as the browser sends it unchanged, with ``changes``."""
    from webapp.programme_types import programme_form_values
    data = {"name": programme.name, "municipalities": "Leiden", "postcode_areas": ""}
    for name, value in programme_form_values(programme).items():
        if isinstance(value, bool):
            data[name] = "y" if value else None
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = "" if value is None else str(value)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _status(volunteer, programme) -> str:
    from webapp.volunteers.readiness import volunteer_readiness
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    return volunteer_readiness(volunteer, programmes=[programme])[programme.id].status


NEW_ITEM = {"code": "eerste_hulp", "title_nl": "Eerste hulp bij kinderen",
            "title_en": "First aid for children", "kind": "course", "provider": "Rode Kruis",
            "url": "https://www.rodekruis.nl/", "validity_months": "24"}


# --- the catalogue in the database -----------------------------------------------------------

def _catalogue_rows():
    from webapp.models import TrainingCatalogueItem
    return {r.code: r for r in db.session.execute(db.select(TrainingCatalogueItem)).scalars()}


def _check_seed(rows):
    assert set(rows) == set(training.CATALOGUE)
    for code, item in training.CATALOGUE.items():
        row = rows[code]
        assert (row.title_nl, row.title_en, row.kind, row.validity_months, row.url,
                row.provider, row.coordinator_recorded) == (
            item.title_nl, item.title_en, item.kind, item.validity_months, item.url,
            item.provider, item.coordinator_recorded)
        assert row.retired_at is None
    assert [p["code"] for p in rows["pharos_elearning"].parts] == list(
        training.CATALOGUE["pharos_elearning"].part_codes)


def test_migration_seeds_the_shipped_items_sqlite(app):
    _check_seed(_catalogue_rows())


def test_migration_seeds_the_shipped_items_postgresql(pg_app):
    _check_seed(_catalogue_rows())


def test_web_layer_builds_the_catalogue_from_the_rows(app, world):
    from webapp.training_catalogue import catalogue
    rows = _catalogue_rows()
    rows["pharos_elearning"].validity_months = 12
    db.session.commit()
    cat = catalogue()
    assert cat["pharos_elearning"].validity_months == 12
    assert cat["pharos_elearning"].part_codes == training.CATALOGUE["pharos_elearning"].part_codes
    assert isinstance(cat["vog"], training.CatalogueItem)


# --- who may edit the catalogue --------------------------------------------------------------

@pytest.mark.parametrize("who,status", [("admin", 200), ("org_admin", 403),
                                        ("coord_a", 403), ("volunteer", 403)])
def test_catalogue_is_for_the_installation_admin_only(client, world, who, status):
    _login(client, getattr(world, who).email)
    assert client.get("/admin/training-catalogue").status_code == status
    assert client.get("/admin/training-catalogue/new").status_code == status
    resp = client.post("/admin/training-catalogue/new", data=NEW_ITEM)
    assert resp.status_code in ({302} if status == 200 else {status})
    if status != 200:
        assert "eerste_hulp" not in _catalogue_rows()
        assert client.post("/admin/training-catalogue/waardenopvoeding/retire"
                           ).status_code == status
        assert _catalogue_rows()["waardenopvoeding"].retired_at is None


def test_catalogue_page_shows_items_with_their_sources(client, world):
    _login(client, world.admin.email)
    html = _html(client.get("/admin/training-catalogue?lang=en"))
    assert escape(training.CATALOGUE["pharos_elearning"].title_en) in html
    assert "Handreiking informele opvoedsteun vluchtelinggezinnen" in html
    assert "KIS study" in html
    # the e-learning's 36 months: the sources say nothing about it
    assert "No source. Our default, editable" in html
    assert "36" in html


# --- adding, changing, retiring --------------------------------------------------------------

def test_add_an_item_then_require_it_for_a_programme(app, client, world):
    _login(client, world.admin.email)
    resp = client.post("/admin/training-catalogue/new", data=NEW_ITEM)
    assert resp.status_code == 302
    row = _catalogue_rows()["eerste_hulp"]
    assert (row.title_nl, row.title_en, row.kind, row.provider, row.url,
            row.validity_months) == ("Eerste hulp bij kinderen", "First aid for children",
                                     "course", "Rode Kruis", "https://www.rodekruis.nl/", 24)
    assert db.session.execute(db.select(AuditEntry).filter_by(
        object_type="training_catalogue_item", object_id=str(row.id), action="create")
    ).scalar_one_or_none() is not None
    html = _html(client.get("/admin/training-catalogue?lang=en"))
    assert "First aid for children" in html and "Added by an administrator" in html

    # a programme can now require it; a ready volunteer is no longer ready without it
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=30))
    assert _status(vol, world.prog_a) == "ready"
    page = _html(client.get(f"/admin/programmes/{world.prog_a.id}/edit?lang=en"))
    assert 'value="eerste_hulp"' in page
    required = ["pharos_elearning", "themabijeenkomst", "basis_homestart", "eerste_hulp"]
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit",
                       data=_edit_data(world.prog_a, required_training=required))
    assert resp.status_code == 302, _html(resp)
    assert _status(vol, world.prog_a) == "not_ready"
    # the volunteer can log it themselves; once verified they are ready again
    volunteer = _as(app, world.volunteer.email)
    assert 'value="eerste_hulp"' in _html(volunteer.get("/me/training"))
    db.session.add(TrainingCompletion(volunteer=vol, item="eerste_hulp",
                                      completed_on=date.today() - timedelta(days=3),
                                      source="coordinator", verified=True))
    db.session.commit()
    assert _status(vol, world.prog_a) == "ready"


@pytest.mark.parametrize("changes,message", [
    ({"code": "pharos_elearning"}, "There is already an item with this code."),
    ({"code": "Eerste Hulp!"}, "lower-case letters, digits and underscores"),
    ({"code": ""}, "Please give a code"),
    ({"title_nl": ""}, "Please give the Dutch title."),
    ({"title_en": ""}, "Please give the English title."),
    ({"kind": "vog"}, "Not a valid choice"),
    ({"validity_months": "0"}, "Give a number from 1 to 120."),
    ({"validity_months": "drie"}, "Give a whole number"),
    ({"url": "javascript:alert(1)"}, "Give a web address starting with https:// or http://"),
])
def test_bad_item_values_give_a_message_and_store_nothing(client, world, changes, message):
    _login(client, world.admin.email)
    sent = {**NEW_ITEM, "title_en": "Typed title", **changes}
    resp = client.post("/admin/training-catalogue/new?lang=en", data=sent)
    assert resp.status_code == 200
    html = _html(resp)
    assert message in html
    assert "everything you typed is kept" in html
    for key, value in changes.items():
        if value and key != "kind":
            assert value.replace("!", "") in html.replace("!", "")  # typed value shown again
    assert set(_catalogue_rows()) == set(training.CATALOGUE)


def test_changing_the_validity_changes_readiness_at_once(client, world):
    vol = make_volunteer(world.volunteer, [world.prog_a])
    ready_records(vol, date.today() - timedelta(days=400))  # 13 months ago
    assert _status(vol, world.prog_a) == "ready"
    _login(client, world.admin.email)
    page = _html(client.get("/admin/training-catalogue/pharos_elearning/edit?lang=en"))
    assert 'value="36"' in page
    resp = client.post("/admin/training-catalogue/pharos_elearning/edit", data={
        "title_nl": "E-learning vrijwilligers", "title_en": "E-learning for volunteers",
        "provider": "Pharos", "url": "https://www.pharosleerplatform.nl/",
        "validity_months": "12"})
    assert resp.status_code == 302
    assert _status(vol, world.prog_a) == "not_ready"
    row = _catalogue_rows()["pharos_elearning"]
    assert (row.title_en, row.validity_months, row.code, row.kind) == (
        "E-learning for volunteers", 12, "pharos_elearning", "elearning")
    html = _html(client.get("/admin/training-catalogue?lang=en"))
    assert "E-learning for volunteers" in html
    assert "Changed here; shipped default: 36" in html
    # empty: does not expire
    resp = client.post("/admin/training-catalogue/pharos_elearning/edit", data={
        "title_nl": "E-learning vrijwilligers", "title_en": "E-learning for volunteers",
        "provider": "Pharos", "url": "", "validity_months": ""})
    assert resp.status_code == 302
    assert _catalogue_rows()["pharos_elearning"].validity_months is None
    assert _status(vol, world.prog_a) == "ready"


def test_bad_edit_changes_nothing_and_keeps_the_typing(client, world):
    _login(client, world.admin.email)
    resp = client.post("/admin/training-catalogue/pharos_elearning/edit?lang=en", data={
        "title_nl": "Nieuwe titel", "title_en": "", "provider": "Pharos",
        "url": "ftp://example.org", "validity_months": "500"})
    html = _html(resp)
    assert resp.status_code == 200
    assert "Please give the English title." in html and "Give a number from 1 to 120." in html
    assert 'value="Nieuwe titel"' in html and 'value="500"' in html
    row = _catalogue_rows()["pharos_elearning"]
    assert row.title_nl == training.CATALOGUE["pharos_elearning"].title_nl
    assert row.validity_months == 36


def test_unknown_item_is_404(client, world):
    _login(client, world.admin.email)
    assert client.get("/admin/training-catalogue/no_such_item/edit").status_code == 404
    assert client.post("/admin/training-catalogue/no_such_item/retire").status_code == 404


def test_retire_an_item_in_use_is_refused_until_no_programme_uses_it(app, client, world):
    _login(client, world.admin.email)
    # waardenopvoeding is recommended by every Home-Start programme (the type's default)
    resp = client.post("/admin/training-catalogue/waardenopvoeding/retire?lang=en",
                       follow_redirects=True)
    html = _html(resp)
    assert "still required or recommended by" in html
    for programme in (world.prog_a, world.prog_a2, world.prog_b):
        assert programme.name in html
    assert _catalogue_rows()["waardenopvoeding"].retired_at is None
    for programme in (world.prog_a, world.prog_a2, world.prog_b):
        resp = client.post(f"/admin/programmes/{programme.id}/edit", data=_edit_data(
            programme, recommended_training=["cultuursensitief_werken"]))
        assert resp.status_code == 302, _html(resp)
    resp = client.post("/admin/training-catalogue/waardenopvoeding/retire")
    assert resp.status_code == 302
    assert _catalogue_rows()["waardenopvoeding"].retired_at is not None
    # no longer offered: not to programmes, not to volunteers
    page = _html(client.get(f"/admin/programmes/{world.prog_a.id}/edit"))
    assert 'value="waardenopvoeding"' not in page
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, recommended_training=["waardenopvoeding"]))
    assert resp.status_code == 200
    make_volunteer(world.volunteer, [world.prog_a])
    volunteer = _as(app, world.volunteer.email)
    page = _html(volunteer.get("/me/training"))
    assert 'value="pharos_elearning"' in page and 'value="waardenopvoeding"' not in page
    # activated again
    assert client.post("/admin/training-catalogue/waardenopvoeding/restore").status_code == 302
    assert _catalogue_rows()["waardenopvoeding"].retired_at is None


def test_the_vog_and_the_check_cannot_be_retired(client, world):
    _login(client, world.admin.email)
    for code in ("vog", "aanvullende_screening"):
        client.post(f"/admin/training-catalogue/{code}/retire")
        assert _catalogue_rows()[code].retired_at is None


# --- per programme ---------------------------------------------------------------------------

def test_programme_form_shows_every_rule_with_its_source(client, world):
    _login(client, world.admin.email)
    html = _html(client.get(f"/admin/programmes/{world.prog_a.id}/edit?lang=en"))
    for name in ("validity_pharos_elearning", "renewal_window_days", "grace_days",
                 "vog_profiles", "vog_renewal_months", "additional_check_required"):
        assert f'name="{name}"' in html
    assert "No source. Our default, editable" in html
    assert "Handreiking informele opvoedsteun vluchtelinggezinnen" in html
    assert "KIS study" in html
    # the additional check is for every volunteer alike
    assert "arrived recently" not in html
    assert "every volunteer of this programme alike" in html


def test_programme_rules_change_readiness_at_once(client, world):
    vol = make_volunteer(world.volunteer, [world.prog_a])
    done = date.today() - timedelta(days=37 * 31)  # more than 36 months ago
    ready_records(vol, done)
    assert _status(vol, world.prog_a) == "not_ready"  # e-learning and VOG expired
    _login(client, world.admin.email)
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, validity_pharos_elearning="60", vog_renewal_months="60"))
    assert resp.status_code == 302, _html(resp)
    assert _status(vol, world.prog_a) == "ready"
    rules = db.session.get(Programme, world.prog_a.id).rules["requirements"]
    assert rules["validity_months"] == {"pharos_elearning": 60}
    # the VOG must be of profile 45: the volunteer's is 84
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, vog_profiles=["45"]))
    assert resp.status_code == 302
    assert _status(vol, world.prog_a) == "not_ready"
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, vog_profiles=["45", "84"]))
    assert _status(vol, world.prog_a) == "ready"
    # the additional check: every volunteer needs one
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, additional_check_required="y"))
    assert resp.status_code == 302
    assert _status(vol, world.prog_a) == "not_ready"
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, additional_check_required=None))
    assert _status(vol, world.prog_a) == "ready"


def test_grace_period_and_renewal_window(client, world):
    from webapp.volunteers.readiness import volunteer_readiness
    vol = make_volunteer(world.volunteer, [world.prog_a])
    # the e-learning expired 10 days ago (36 months), the rest is recent
    expiry = date.today() - timedelta(days=10)
    ready_records(vol, date.today() - timedelta(days=20),
                  part_done=training.add_months(expiry, -36))
    assert _status(vol, world.prog_a) == "not_ready"
    _login(client, world.admin.email)
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, grace_days="30"))
    assert resp.status_code == 302, _html(resp)
    assert _status(vol, world.prog_a) == "ready_warning"
    # back to no grace period; with a long validity and a wide renewal window: warned
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit", data=_edit_data(
        world.prog_a, grace_days="0", validity_pharos_elearning="37",
        renewal_window_days="60"))
    assert resp.status_code == 302
    assert _status(vol, world.prog_a) == "ready_warning"
    prog = db.session.get(Programme, world.prog_a.id)
    result = volunteer_readiness(vol, programmes=[prog])[prog.id]
    assert [e.item for e in result.expiring] == ["pharos_elearning"]


def test_unchanged_form_stores_nothing_of_its_own(client, world):
    _login(client, world.admin.email)
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit",
                       data=_edit_data(world.prog_a))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, world.prog_a.id).rules == {}


@pytest.mark.parametrize("changes,message", [
    ({"validity_pharos_elearning": "0"}, "Give a number from 1 to 120."),
    ({"validity_pharos_elearning": "drie"}, "Give a whole number"),
    ({"renewal_window_days": "-1"}, "Give a number from 0 to 365."),
    ({"renewal_window_days": ""}, "Please give the renewal window"),
    ({"grace_days": "1000"}, "Give a number from 0 to 365."),
    ({"grace_days": "x"}, "Give a whole number"),
    ({"vog_profiles": ["12"]}, "is not a valid choice"),
])
def test_bad_training_rules_give_a_message_and_change_nothing(client, world, changes,
                                                              message):
    _login(client, world.admin.email)
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit?lang=en",
                       data=_edit_data(world.prog_a, name="Renamed", **changes))
    assert resp.status_code == 200
    html = _html(resp)
    assert message in html and "everything you typed is kept" in html
    for value in changes.values():
        if isinstance(value, str) and value:
            assert f'value="{value}"' in html
    db.session.expire_all()
    programme = db.session.get(Programme, world.prog_a.id)
    assert programme.rules == {} and programme.name == "Home-Start Leiden"


def test_organisation_admin_edits_own_programmes_rules_only(app, client, world):
    _login(client, world.org_admin.email)
    resp = client.post(f"/admin/programmes/{world.prog_a.id}/edit",
                       data=_edit_data(world.prog_a, grace_days="14"))
    assert resp.status_code == 302, _html(resp)
    assert db.session.get(Programme, world.prog_a.id).rules["requirements"]["grace_days"] == 14
    resp = client.post(f"/admin/programmes/{world.prog_b.id}/edit",
                       data=_edit_data(world.prog_b, grace_days="14"))
    assert resp.status_code == 404
    assert db.session.get(Programme, world.prog_b.id).rules in ({}, None)
    coordinator = _as(app, world.coord_a.email)
    assert coordinator.post(f"/admin/programmes/{world.prog_a.id}/edit",
                       data=_edit_data(world.prog_a, grace_days="20")).status_code == 404


def test_catalogue_is_read_once_per_request(client, world):
    """The programme page asks the database for the catalogue once, however often it is
    used."""
    from sqlalchemy import event
    _login(client, world.admin.email)
    statements = []

    def count(conn, cursor, statement, *args):
        if "training_catalogue_item" in statement:
            statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/admin/programmes/{world.prog_a.id}/edit").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_other_volunteer_unaffected_by_other_programme(client, world):
    """A rule of one programme does not change readiness for another."""
    other = make_volunteer(make_user("other@example.org"), [world.prog_b])
    ready_records(other, date.today() - timedelta(days=30))
    _login(client, world.admin.email)
    client.post(f"/admin/programmes/{world.prog_a.id}/edit",
                data=_edit_data(world.prog_a, additional_check_required="y"))
    assert _status(other, world.prog_b) == "ready"
