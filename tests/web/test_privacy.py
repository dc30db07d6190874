"""Privacy and security: encryption at rest, key rotation, the audit log (append-only,
reads and writes, admin view and export), cookies, headers and the idle timeout."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from tests.conftest import TEST_INDEX_KEY, TEST_KEYS
from tests.factories import make_family
from tests.web.test_families import intake_form
from webapp import crypto
from webapp.extensions import db
from webapp.models import AuditEntry, Family, FamilyRequest, Parent

ENCRYPTED_FAMILY_COLUMNS = ("address", "contact_detail", "needs_note", "groups_to_avoid",
                            "contact_person", "contact_phone", "community")


def _is_fernet_token(value: str) -> bool:
    return isinstance(value, str) and value.startswith("gAAAAA") and len(value) > 80


@pytest.fixture
def restore_keys():
    yield
    crypto.configure(TEST_KEYS, TEST_INDEX_KEY)


# --- encryption at rest -----------------------------------------------------------------

def test_sensitive_family_fields_are_encrypted_in_the_raw_row(app, world):
    family = make_family(world.prog_a, world.coord_a, special="store", community="Alawite",
                         groups_to_avoid="Groep X", contact_person="Mira",
                         contact_phone="071 514 12 12", needs_note="Moeder slaapt slecht")
    row = db.session.execute(sa.text(
        "SELECT address, contact_detail, needs_note, groups_to_avoid, contact_person, "
        "community, contact_phone, pc4 FROM family WHERE id = :id"), {"id": family.id}).one()
    plain = ("Kooilaan 1", "+31612345678", "Moeder slaapt slecht", "Groep X", "Mira", "Alawite",
             "071 514 12 12")
    for stored, clear in zip(row[:7], plain):
        assert _is_fernet_token(stored) and clear not in stored
    assert row.pc4 == "2316"  # the neighbourhood is not secret (used for distances)
    name = db.session.execute(sa.text("SELECT name FROM parent")).scalar_one()
    assert _is_fernet_token(name) and "Rasha" not in name
    note = db.session.execute(sa.text("SELECT note FROM family_request")).scalar_one()
    assert note is None
    db.session.expire_all()
    fresh = db.session.get(Family, family.id)  # readable through the app
    assert (fresh.address, fresh.contact_detail, fresh.community) == (
        "Kooilaan 1", "+31612345678", "Alawite")
    assert fresh.parents[0].name == "Rasha"


def test_raw_dump_holds_no_plain_text(app, world, client, login):
    login(world.coord_a.email)
    client.post("/families/new", data=intake_form(world.prog_a.id))
    conn = db.session.connection().connection.driver_connection
    dump = "\n".join(conn.iterdump())
    for secret in ("Kooilaan 12", "+31612345678", "Wil graag Nederlands oefenen", "Groep A",
                   "Mira, VluchtelingenWerk", "Rasha"):
        assert secret not in dump, secret


def test_search_by_first_name_uses_blind_index(app, world):
    make_family(world.prog_a, world.coord_a)
    stored = db.session.execute(sa.text("SELECT name_index FROM parent")).scalar_one()
    assert stored == crypto.blind_index("rasha") and "rasha" not in stored.lower()
    assert db.session.execute(db.select(Parent).filter_by(
        name_index=crypto.blind_index(" RASHA "))).scalar_one()


def test_key_rotation_reencrypts_every_encrypted_column(app, world, restore_keys):
    from webapp.keys import encrypted_columns, keys_cli
    family = make_family(world.prog_a, world.coord_a, needs_note="geheim")
    family.requests[0].note = "programme note"
    db.session.commit()
    columns = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert {"family.address", "family.contact_detail", "family.needs_note",
            "family.groups_to_avoid", "parent.name", "family_request.note",
            "user.email"} <= columns
    old_address = db.session.execute(sa.text("SELECT address FROM family")).scalar_one()

    new = Fernet.generate_key().decode()
    crypto.configure([new, TEST_KEYS[0]], TEST_INDEX_KEY)
    result = app.test_cli_runner().invoke(keys_cli, ["rotate"])
    assert result.exit_code == 0, result.output
    assert "family.address: 1" in result.output and "parent.name: 1" in result.output
    assert db.session.execute(sa.text("SELECT address FROM family")).scalar_one() != old_address

    crypto.configure([new], TEST_INDEX_KEY)  # the old key is gone
    db.session.expire_all()
    fresh = db.session.get(Family, family.id)
    assert (fresh.address, fresh.needs_note, fresh.parents[0].name) == (
        "Kooilaan 1", "geheim", "Rasha")
    assert fresh.requests[0].note == "programme note"
    assert world.coord_a.email == "coord.a@example.org"
    with pytest.raises(crypto.KeyError_):  # and the old key really cannot read anything now
        crypto.configure([TEST_KEYS[0]], TEST_INDEX_KEY)
        db.session.expire_all()
        _ = db.session.get(Family, family.id).address


def test_rotation_with_an_unknown_token_changes_nothing(app, world, restore_keys):
    from webapp.keys import keys_cli
    make_family(world.prog_a, world.coord_a)
    before = db.session.execute(sa.text("SELECT address FROM family")).scalar_one()
    crypto.configure([Fernet.generate_key().decode()], TEST_INDEX_KEY)  # old key missing
    result = app.test_cli_runner().invoke(keys_cli, ["rotate"])
    assert result.exit_code == 1 and "nothing was changed" in result.output
    assert db.session.execute(sa.text("SELECT address FROM family")).scalar_one() == before


def test_keys_new_prints_a_usable_key(app):
    from webapp.keys import keys_cli
    out = app.test_cli_runner().invoke(keys_cli, ["new"]).output.strip()
    Fernet(out.encode())


# --- audit log --------------------------------------------------------------------------

def test_audit_covers_create_read_update_delete(client, world, login):
    login(world.coord_a.email)
    client.post("/families/new", data=intake_form(world.prog_a.id))
    fid = db.session.execute(db.select(Family.id)).scalar_one()
    client.get(f"/families/{fid}")
    data = intake_form(world.prog_a.id, contact_detail="06 9999 8888")
    data.pop("programme_id")
    assert client.post(f"/families/{fid}/edit", data=data).status_code == 302
    client.post(f"/families/{fid}/delete")
    entries = db.session.execute(db.select(AuditEntry).where(
        AuditEntry.object_type == "family").order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == ["create", "read", "update", "delete"]
    assert all(e.user_id == world.coord_a.id and e.object_id == str(fid) for e in entries)
    assert entries[2].fields == ["contact_detail"]
    text = repr([(e.fields, e.reason) for e in entries])
    assert "9999" not in text and "Kooilaan" not in text and "Rasha" not in text


def test_audit_log_is_append_only_on_sqlite(app, world):
    make_family(world.prog_a, world.coord_a)
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE audit_entry SET action = 'read'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM audit_entry"))
    db.session.rollback()


@pytest.mark.postgres
def test_families_on_postgresql(pg_app):
    """The migration runs on PostgreSQL; encryption, services and the append-only audit log
    work there too."""
    from tests.factories import build_world
    from webapp.families import services
    world = build_world()
    family = make_family(world.prog_a, world.coord_a)
    raw = db.session.execute(sa.text("SELECT address FROM family")).scalar_one()
    assert _is_fernet_token(raw)
    assert services.waiting_requests(world.prog_a) == [family.requests[0]]
    services.enrol(family, world.prog_b, world.coord_b)
    from tests.factories import make_volunteer
    from webapp.models.matches import Match
    vol = make_volunteer(world.volunteer, [world.prog_a])
    family.requests[0].move_to("matched", None)
    db.session.add(Match(programme_id=world.prog_a.id, family_id=family.id, volunteer_id=vol.id,
                         family_request_id=family.requests[0].id))
    db.session.commit()
    assert services.active_volunteer_count(family) == 1
    from webapp.families.listing import Filters, family_query
    query, params = family_query({world.prog_a.id}, Filters(language="ar", need="school"))
    assert db.session.execute(query, params).scalars().all() == [family.requests[0].id]
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM audit_entry"))
    db.session.rollback()


def test_admin_views_filters_and_exports_the_log_and_that_is_logged(client, world, login):
    make_family(world.prog_a, world.coord_a)
    login(world.admin.email)
    page = client.get("/admin/audit?lang=en&object_type=family").get_data(as_text=True)
    assert "family #1" in page
    assert "family_request" not in page.split("<tbody>")[1]
    assert "family_request #1" in client.get("/admin/audit?object_type=family_request") \
        .get_data(as_text=True)
    resp = client.get("/admin/audit.csv?action=create")
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:4] == ["at_utc", "user_id", "user", "action"]
    assert {r[3] for r in rows[1:]} == {"create"}
    logged = db.session.execute(db.select(AuditEntry).filter_by(
        object_type="audit_log").order_by(AuditEntry.id)).scalars().all()
    assert [(e.action, e.user_id) for e in logged] == [
        ("read", world.admin.id), ("read", world.admin.id), ("export", world.admin.id)]
    assert logged[0].fields == ["object_type"]


def test_organisation_admin_sees_only_own_organisations_entries(client, world, login):
    make_family(world.prog_a, world.coord_a)
    make_family(world.prog_b, world.coord_b)
    db.session.execute(sa.text("SELECT 1"))
    login(world.coord_b.email)
    client.get("/families/2")
    client.post("/logout")
    login(world.org_admin.email)
    body = client.get("/admin/audit?object_type=family").get_data(as_text=True).split(
        "<tbody>")[1]
    assert "Coordinator B" not in body


@pytest.mark.parametrize("who", ["coord_a", "volunteer"])
def test_audit_log_is_for_admins_only(client, world, login, who):
    login(getattr(world, who).email)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_csv_export_neutralises_formulas(client, world, login):
    from webapp.audit import record
    record("update", "family", 1, reason="=HYPERLINK(\"http://x\")", user_id=world.admin.id)
    db.session.commit()
    login(world.admin.email)
    text = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


# --- cookies, headers, idle timeout -----------------------------------------------------

def test_family_pages_send_strict_headers(client, world, login):
    family = make_family(world.prog_a, world.coord_a)
    login(world.coord_a.email)
    for url in ("/families", "/families/new", f"/families/{family.id}"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert resp.headers["Cache-Control"] == "no-store"
        page = resp.get_data(as_text=True)
        assert "<script>" not in page and " on" + "click=" not in page
        assert "http://" not in page.replace("http://koppel.test", "")  # nothing third-party


def test_session_cookie_flags_and_https(tmp_path, migrated_sqlite):
    import shutil

    from tests.conftest import make_app
    db_file = tmp_path / "k.sqlite3"
    shutil.copy(migrated_sqlite, db_file)
    app = make_app(tmp_path, f"sqlite:///{db_file}", SESSION_COOKIE_SECURE=True)
    with app.app_context():
        from tests.factories import build_world
        world = build_world()
        client = app.test_client()
        resp = client.post("/login", data={"email": world.coord_a.email,
                                           "password": world.password},
                           base_url="https://koppel.test")
        cookie = resp.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        db.session.remove()
        db.engine.dispose()


def test_idle_coordinator_is_logged_out_of_family_pages(app, client, world, login):
    from webapp.models import UserSession
    family = make_family(world.prog_a, world.coord_a)
    login(world.coord_a.email)
    assert app.config["IDLE_MINUTES_STAFF"] == 30
    assert client.get(f"/families/{family.id}").status_code == 200
    row = db.session.execute(db.select(UserSession)).scalar_one()
    row.last_seen_at -= timedelta(minutes=31)
    db.session.commit()
    resp = client.get(f"/families/{family.id}")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_request_rows_are_not_readable_by_volunteers_through_any_family_url(client, world,
                                                                            login):
    family = make_family(world.prog_a, world.coord_a)
    login(world.volunteer.email)
    assert client.get(f"/families/{family.id}").status_code == 403
    assert db.session.execute(db.select(db.func.count(FamilyRequest.id))).scalar_one() == 1
