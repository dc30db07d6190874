"""Setting up organisations and programmes without the demo (issue 14): the installation
admin creates an organisation and a programme on an empty database; rules start from the
programme type and edits are stored in ``Programme.rules``; bad values change nothing;
organisation admins stay within their organisation; deactivated organisations and programmes
disappear from the choices of programmes."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest

from webapp.accounts import create_user
from webapp.extensions import db
from webapp.models import Organisation, Programme, ProgrammeType, User

PASSWORD = "correct horse battery"


def _login(client, email):
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, "could not log in"


def _installation_admin(client):
    create_user(email="root@example.org", name="Installation Admin", role="admin",
                password=PASSWORD, check_password=False, locale="en")
    _login(client, "root@example.org")


def _png(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                           0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


ORG_FORM = {"name": "Home-Start Zoetermeer", "municipalities": "Zoetermeer\nLansingerland",
            "postal_address": "Dorpsstraat 1\n2712 AB Zoetermeer", "phone": "079 123 45 67",
            "email": "info@homestart-zoetermeer.example"}


def _create_org(client, **changes) -> Organisation:
    resp = client.post("/admin/organisations/new", data={**ORG_FORM, **changes})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return db.session.execute(db.select(Organisation).filter_by(
        name=changes.get("name", ORG_FORM["name"]))).scalar_one()


def _create_programme(client, org, type_code="homestart", name="Home-Start Zoetermeer"):
    resp = client.post(f"/admin/programmes/new?organisation={org.id}", data={
        "organisation_id": org.id, "type_code": type_code, "name": name,
        "municipalities": "Zoetermeer", "postcode_areas": "2711, 2712"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    programme = db.session.execute(db.select(Programme).filter_by(name=name)).scalar_one()
    assert resp.headers["Location"].endswith(f"/admin/programmes/{programme.id}/edit")
    return programme


def _edit_data(programme, **changes) -> dict:
    """The programme form as the browser sends it unchanged (the type's defaults, as the
    training and programme-type modules say today), with ``changes``."""
    from webapp.programme_types import type_form_values
    data = {"name": programme.name, "municipalities": "Zoetermeer", "postcode_areas": "2711"}
    for name, value in type_form_values(programme.type).items():
        if isinstance(value, bool):
            data[name] = "y" if value else None
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = "" if value is None else str(value)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- the installation admin, on an empty database --------------------------------------------

def test_installation_admin_gets_both_forms_on_an_empty_database(app, client):
    assert db.session.execute(db.select(db.func.count(Organisation.id))).scalar() == 0
    _installation_admin(client)
    page = client.get("/admin/organisations/new")
    assert page.status_code == 200
    assert 'name="municipalities"' in page.get_data(as_text=True)
    page = client.get("/admin/programmes/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="type_code"' in html and "Home-Start" in html and "Steunouder" in html


def test_create_organisation_and_home_start_programme_on_an_empty_database(app, client):
    _installation_admin(client)
    org = _create_org(client)
    assert org.active and org.municipalities == ["Zoetermeer", "Lansingerland"]
    assert org.municipality == "Zoetermeer" and org.phone == "079 123 45 67"
    assert org.postal_address.startswith("Dorpsstraat 1")
    assert db.session.execute(db.select(db.func.count(ProgrammeType.id))).scalar() == 0

    programme = _create_programme(client, org)
    # the types exist now (without the demo), the programme starts from its type's rules
    codes = set(db.session.execute(db.select(ProgrammeType.code)).scalars())
    assert {"homestart", "mim", "steunouder", "spelaanhuis", "pou", "trio", "generic"} <= codes
    assert programme.type.code == "homestart" and programme.rules == {}
    assert programme.effective_rules["child_age_months"] == [0, 144]
    assert programme.postcode_areas == ["2711", "2712"] and programme.active

    html = client.get(f"/admin/programmes/{programme.id}/edit").get_data(as_text=True)
    assert 'name="age_to" type="number" value="12"' in html
    assert 'name="hours_per_match" required step="any" type="number" value="2"' in html
    assert "Our default, editable" in html
    assert "Handreiking informele opvoedsteun vluchtelinggezinnen" in html
    assert "KIS study" in html
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Home-Start Zoetermeer" in listing
    assert f"/admin/programmes/new?organisation={org.id}" in listing
    assert f"/admin/organisations/{org.id}/edit" in listing
    assert "/admin/organisations/new" in listing


def test_rule_edits_are_stored_in_programme_rules(app, client):
    from webapp.volunteers.readiness import programme_requirements
    _installation_admin(client)
    org = _create_org(client)
    programme = _create_programme(client, org)
    coordinator = create_user(email="coord@example.org", name="Carla", role="coordinator",
                              organisation_name=org.name, password=PASSWORD,
                              check_password=False)
    resp = client.post(f"/admin/programmes/{programme.id}/edit", data=_edit_data(
        programme, volunteer_gender="f", age_to="6", hours_per_match="3.5",
        required_training=["pharos_elearning", "basis_homestart"],
        coordinators=[str(coordinator.id)]))
    assert resp.status_code == 302
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.rules == {
        "volunteer_gender": "f", "child_age_months": [0, 72], "hours_per_match": 3.5,
        "requirements": {"required": ["pharos_elearning", "basis_homestart"]}}
    assert programme.effective_rules["child_age_months"] == [0, 72]
    assert programme_requirements(programme).required == ("pharos_elearning", "basis_homestart")
    assert [p.id for p in db.session.get(User, coordinator.id).programmes] == [programme.id]
    # back to the type's values: nothing of its own is stored
    resp = client.post(f"/admin/programmes/{programme.id}/edit", data=_edit_data(programme))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).rules == {}
    assert db.session.get(User, coordinator.id).programmes == []


@pytest.mark.parametrize("changes,message", [
    ({"hours_per_match": "99"}, "Give a number from 0 to 40."),
    ({"age_from": "10", "age_to": "5"}, "The upper age is lower than the lower age."),
    ({"age_from": "", "age_to": "5"}, "Give both ages, or neither for no age limit."),
    ({"age_to": "25"}, "Give a number from 0 to 18."),
    ({"volunteers_per_family": "0"}, "Give a number from 1 to 4."),
    ({"trios": "y", "volunteers_per_family": "1"}, "A trio has 2 volunteers per family."),
    ({"recommended_training": ["pharos_elearning"]},
     "Training cannot be both required and recommended"),
    ({"vog_renewal_months": "0"}, "Give a number from 1 to 120."),
    ({"postcode_areas": "23A1"}, "These are not 4-digit postcode areas: 23A1."),
    ({"municipalities": "", "postcode_areas": ""},
     "Give at least one municipality or postcode area."),
    ({"name": ""}, "Please give the programme"),
    ({"coordinators": ["999999"]}, "is not a valid choice"),
])
def test_bad_rule_values_give_a_message_and_change_nothing(app, client, changes, message):
    _installation_admin(client)
    org = _create_org(client)
    programme = _create_programme(client, org)
    sent = _edit_data(programme, **{"name": "Renamed", **changes})
    resp = client.post(f"/admin/programmes/{programme.id}/edit", data=sent)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert message in html
    assert "everything you typed is kept" in html
    for key in ("hours_per_match", "age_from", "age_to", "postcode_areas"):
        if key in changes and changes[key]:
            assert changes[key] in html  # what was typed is shown again
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.rules == {} and programme.name == "Home-Start Zoetermeer"


def test_bad_organisation_values_change_nothing(app, client):
    _installation_admin(client)
    org = _create_org(client)
    resp = client.post(f"/admin/organisations/{org.id}/edit", data={
        **ORG_FORM, "name": "New name", "email": "not-an-address", "phone": "call me"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "This is not an e-mail address." in html and "Give a phone number in digits" in html
    assert 'value="New name"' in html
    # a name that another organisation has
    _create_org(client, name="Other organisation")
    resp = client.post(f"/admin/organisations/{org.id}/edit",
                       data={**ORG_FORM, "name": "other ORGANISATION"})
    assert "There is already an organisation with this name." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).name == ORG_FORM["name"]


def test_logo_is_read_and_stored_under_the_instance_folder(app, client):
    _installation_admin(client)
    org = _create_org(client)
    url = f"/admin/organisations/{org.id}/edit"
    for content, message in ((b"GIF89a not a png", "This file is not a PNG or JPEG image."),
                             (b"\x89PNG\r\n\x1a\n" + b"\x00" * 60,
                              "This file is not a PNG or JPEG image."),
                             (_png() + b"\x00" * (1024 * 1024), "The logo is larger than 1 MB.")):
        resp = client.post(url, data={**ORG_FORM, "name": "Changed", "logo": (
            io.BytesIO(content), "logo.png")}, content_type="multipart/form-data")
        assert resp.status_code == 200 and message in resp.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Organisation, org.id).logo_path is None
        assert db.session.get(Organisation, org.id).name == ORG_FORM["name"]
    resp = client.post(url, data={**ORG_FORM, "logo": (io.BytesIO(_png()), "logo.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    db.session.expire_all()
    path = db.session.get(Organisation, org.id).logo_path
    assert path and path.endswith(".png")
    assert (Path(app.instance_path) / path).read_bytes() == _png()


# --- organisation admins ---------------------------------------------------------------------

def test_organisation_admin_stays_within_their_organisation(app, client):
    _installation_admin(client)
    org_a = _create_org(client, name="Organisation A")
    org_b = _create_org(client, name="Organisation B")
    prog_a = _create_programme(client, org_a, name="Programme A")
    prog_b = _create_programme(client, org_b, name="Programme B")
    client.post("/logout")
    create_user(email="admin.a@example.org", name="Admin A", role="admin",
                organisation_name="Organisation A", password=PASSWORD, check_password=False,
                locale="en")
    _login(client, "admin.a@example.org")

    assert client.get(f"/admin/organisations/{org_b.id}/edit").status_code == 404
    assert client.post(f"/admin/organisations/{org_b.id}/edit",
                       data={**ORG_FORM, "name": "Taken over"}).status_code == 404
    assert client.get(f"/admin/programmes/{prog_b.id}/edit").status_code == 404
    assert client.post(f"/admin/programmes/{prog_b.id}/deactivate").status_code == 404
    assert client.get(f"/admin/programmes/new?organisation={org_b.id}").status_code == 404
    assert client.post("/admin/programmes/new", data={
        "organisation_id": org_b.id, "type_code": "mim", "name": "Sneaked in",
        "municipalities": "Leiden"}).status_code == 200  # not a valid choice: form again
    assert client.get("/admin/organisations/new").status_code == 403
    assert client.post("/admin/organisations/new", data=ORG_FORM).status_code == 403
    assert client.get(f"/admin/organisations/{org_a.id}/deactivate").status_code == 403
    assert client.post(f"/admin/organisations/{org_a.id}/deactivate").status_code == 403
    assert client.post(f"/admin/organisations/{org_a.id}/reactivate").status_code == 403
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Organisation A" in listing and "Organisation B" not in listing
    assert "/admin/organisations/new" not in listing

    # their own organisation and programme they may change
    assert client.get(f"/admin/organisations/{org_a.id}/edit").status_code == 200
    assert client.post(f"/admin/organisations/{org_a.id}/edit",
                       data={**ORG_FORM, "name": "Organisation A (Leiden)"}).status_code == 302
    assert client.post(f"/admin/programmes/{prog_a.id}/edit",
                       data=_edit_data(prog_a, hours_per_match="4")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, org_b.id).name == "Organisation B"
    assert db.session.get(Organisation, org_a.id).name == "Organisation A (Leiden)"
    assert db.session.get(Programme, prog_a.id).rules == {"hours_per_match": 4}
    assert db.session.execute(db.select(Programme).filter_by(name="Sneaked in")).first() is None


# --- deactivation ----------------------------------------------------------------------------

def _family_programme_options(client) -> str:
    return client.get("/families/new").get_data(as_text=True)


def test_deactivated_programme_and_organisation_disappear_from_coordinators_choices(app,
                                                                                    client):
    from webapp.volunteers.services import registrable_programmes
    _installation_admin(client)
    org = _create_org(client)
    first = _create_programme(client, org, name="Home-Start Zoetermeer")
    second = _create_programme(client, org, type_code="mim", name="MIM Zoetermeer")
    coordinator = create_user(email="coord@example.org", name="Carla", role="coordinator",
                              organisation_name=org.name, password=PASSWORD,
                              check_password=False)
    for programme in (first, second):
        client.post(f"/admin/programmes/{programme.id}/edit", data=_edit_data(
            programme, municipalities="Zoetermeer", coordinators=[str(coordinator.id)],
            **({"volunteer_gender": "f", "age_to": "6"} if programme is second else {})))
    # the confirmation page changes nothing
    page = client.get(f"/admin/programmes/{first.id}/deactivate")
    assert page.status_code == 200 and "Yes, deactivate" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, first.id).active

    coord_client = app.test_client()
    _login(coord_client, "coord@example.org")
    html = _family_programme_options(coord_client)
    assert "Home-Start Zoetermeer (" in html and "MIM Zoetermeer (" in html

    assert client.post(f"/admin/programmes/{first.id}/deactivate").status_code == 302
    html = _family_programme_options(coord_client)
    assert "Home-Start Zoetermeer (" not in html and "MIM Zoetermeer (" in html
    assert [p.name for p in registrable_programmes()] == ["MIM Zoetermeer"]

    page = client.get(f"/admin/organisations/{org.id}/deactivate").get_data(as_text=True)
    assert "MIM Zoetermeer" in page  # named on the confirmation page
    assert client.post(f"/admin/organisations/{org.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Organisation, org.id).active
    assert not db.session.get(Programme, second.id).active
    assert "MIM Zoetermeer (" not in _family_programme_options(coord_client)
    assert registrable_programmes() == []
    # a programme of a deactivated organisation cannot be switched on, nor added
    resp = client.post(f"/admin/programmes/{second.id}/reactivate", follow_redirects=True)
    assert "Activate the organisation first." in resp.get_data(as_text=True)
    resp = client.post("/admin/programmes/new", data={
        "organisation_id": org.id, "type_code": "mim", "name": "Another",
        "municipalities": "Zoetermeer"})
    assert resp.status_code == 200
    db.session.expire_all()
    assert not db.session.get(Programme, second.id).active

    # the organisation comes back; its programmes one by one
    assert client.post(f"/admin/organisations/{org.id}/reactivate").status_code == 302
    assert client.post(f"/admin/programmes/{second.id}/reactivate").status_code == 302
    html = _family_programme_options(coord_client)
    assert "MIM Zoetermeer (" in html and "Home-Start Zoetermeer (" not in html


# --- PostgreSQL, and the migration of existing rows -------------------------------------------

def test_setup_on_postgresql(pg_app):
    client = pg_app.test_client()
    _installation_admin(client)
    org = _create_org(client)
    programme = _create_programme(client, org, type_code="trio", name="Mentortrio's")
    assert programme.effective_rules["trios"] is True
    resp = client.post(f"/admin/programmes/{programme.id}/edit", data=_edit_data(
        programme, name="Mentortrio's", trios="y", volunteers_per_family="2",
        age_from=None, age_to=None, hours_per_match="2",
        required_training=[], recommended_training=[]))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).rules == {}


def _migration_fills_existing_rows(app):
    import sqlalchemy as sa
    from flask_migrate import upgrade
    upgrade(revision="13k_message_dedupe_key")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organisation (name, municipality, created_at, retention_family_months,"
            " retention_volunteer_months) VALUES ('Old org', 'Leiden', '2026-01-01', 12, 24)"))
        conn.execute(sa.text("INSERT INTO programme_type (code, name, default_rules) "
                             "VALUES ('homestart', 'Home-Start', '{}')"))
        conn.execute(sa.text(
            "INSERT INTO programme (organisation_id, type_id, name, municipality, rules, active)"
            " SELECT o.id, t.id, 'Old programme', NULL, '{}', true FROM organisation o,"
            " programme_type t"))
    upgrade(revision="heads")
    db.session.expire_all()
    org = db.session.execute(db.select(Organisation)).scalar_one()
    assert org.active and org.municipalities == ["Leiden"] and org.logo_path is None
    programme = db.session.execute(db.select(Programme)).scalar_one()
    assert programme.municipalities == [] and programme.postcode_areas == []


def test_migration_fills_existing_rows_sqlite(tmp_path):
    from tests.conftest import make_app
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with app.app_context():
        _migration_fills_existing_rows(app)
        db.session.remove()
        db.engine.dispose()


def test_migration_fills_existing_rows_postgresql(tmp_path, pg_url):
    from tests.conftest import make_app
    app = make_app(tmp_path, pg_url)
    with app.app_context():
        _migration_fills_existing_rows(app)
        db.session.remove()
        db.engine.dispose()
