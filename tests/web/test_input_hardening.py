"""Hostile input never gives a 500 (issue 13, finding 7), CSV exports are safe to open in a
spreadsheet, and uploaded certificates are encrypted at rest.

* a huge ``?page=`` number, a NUL character in any query-string or form value (PostgreSQL
  refuses NUL in text), and query parameters named like ``url_for``'s own keywords
  (``endpoint``, ``_external``, ``_anchor``, ``_scheme``, ``_method``) on every GET route;
* a CSV cell over Python's csv field limit in the volunteer import;
* every CSV export neutralises formulas and quotes cells with ``;`` (Dutch Excel);
* certificates under ``instance/uploads/`` are Fernet tokens on disk, decrypted on download;
  plaintext files of before the change still download and are encrypted by
  ``flask keys encrypt-files``; ``flask keys rotate`` re-encrypts them too.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import base_config
from tests.factories import build_world, make_volunteer
from tests.web import test_routes_access as access
from webapp.extensions import db
from webapp.models import Family, TrainingCompletion

HUGE = "99999999999999999999"
BRIEF_QUERY = f"page={HUGE}&endpoint=x&_external=1&_anchor=x&q=%00"
# The same without the NUL (which is refused before anything else looks at the request), so
# that the page number and the url_for keywords reach the views and the pager.
PAGE_QUERY = f"page={HUGE}&q=x"
KEYWORD_QUERY = "endpoint=x&_external=1&_anchor=x&_scheme=https&_method=PUT"  # no filter
# Numbers past any database integer in the filters that take an id, and the last day a date
# can hold in the date filters.
ID_QUERY = (f"programme={HUGE}&user={HUGE}&object_id={HUGE}&run={HUGE}&volunteer={HUGE}"
            "&date_from=9999-12-31&date_to=9999-12-31&waited=9999")
NUL_MESSAGE = "a character that is not allowed"


# --- walking every GET route ---------------------------------------------------------------

def _get_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


def _walk(app, data: dict, role: str, query: str, *, huge_ids: bool = False) -> dict[str, int]:
    """GET every route (ids of organisation A, or ``HUGE`` for every number in the path)
    with ``query`` as ``role``: {url: status}."""
    client = app.test_client()
    resp = client.post("/login", data={"email": data["emails"][role],
                                       "password": data["password"]})
    assert resp.status_code == 302, f"{role} could not log in"
    statuses = {}
    for rule in _get_rules(app):
        values = access.fill(rule, data["objects"])
        if huge_ids:
            values = {k: int(HUGE) if isinstance(v, int) else v for k, v in values.items()}
        with app.test_request_context():
            url = rule.build(values, append_unknown=False)[1]
        extra = access.QUERY.get(rule.endpoint)
        if extra:
            url += "?" + extra.format(**data["objects"]["a"]) + "&" + query
        else:
            url += "?" + query
        statuses[url] = client.get(url).status_code
        db.session.remove()
    return statuses


def _walk_env(app):
    app.config["PAGE_SIZE"] = 1  # every list with two rows shows a pager
    app.config["RATELIMIT_ENABLED"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failure is a 500 page: list them all
    return access.build_access_world()


@pytest.fixture
def walk_app(tmp_path, migrated_sqlite):
    from webapp import create_app
    live = tmp_path / "walk.sqlite3"
    shutil.copy(migrated_sqlite, live)
    cfg = base_config(tmp_path, f"sqlite:///{live}")
    cfg["RATELIMIT_ENABLED"] = False
    app = create_app(cfg)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _assert_no_500(statuses: dict[str, int], role: str, query: str):
    errors = [url for url, status in statuses.items() if status >= 500]
    assert not errors, f"500 as {role} with ?{query}: {errors}"
    assert len(statuses) >= 40  # the walk really walked


@pytest.mark.parametrize("query", [BRIEF_QUERY, PAGE_QUERY, KEYWORD_QUERY, ID_QUERY])
@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_every_get_route_survives_hostile_query_sqlite(walk_app, role, query):
    data = _walk_env(walk_app)
    statuses = _walk(walk_app, data, role, query)
    _assert_no_500(statuses, role, query)
    if query == BRIEF_QUERY:  # NUL: refused with a 400 page everywhere
        assert set(statuses.values()) == {400}, statuses
    if query == KEYWORD_QUERY:  # the keywords are plain (ignored) query parameters
        lists = {u: s for u, s in statuses.items() if u.split("?")[0] in (
            "/families", "/volunteers", "/matches", "/admin/users", "/admin/audit",
            "/admin/outbox", "/messaging/outbox")}
        assert lists and set(lists.values()) <= {200, 403}, lists


@pytest.mark.parametrize("query", [BRIEF_QUERY, PAGE_QUERY, KEYWORD_QUERY, ID_QUERY])
def test_every_get_route_survives_hostile_query_postgresql(pg_app, query):
    data = _walk_env(pg_app)
    for role in ("admin", "coordinator"):
        _assert_no_500(_walk(pg_app, data, role, query), role, query)


@pytest.mark.parametrize("db_fixture", ["app", "pg_app"])
def test_huge_ids_in_the_path_are_404(request, db_fixture):
    """/families/99999999999999999999 and the like: 404, not an integer overflow."""
    app = request.getfixturevalue(db_fixture)
    data = _walk_env(app)
    for role in ("admin", "coordinator"):
        statuses = _walk(app, data, role, "x=1", huge_ids=True)
        _assert_no_500(statuses, role, "x=1 (huge ids)")
        numbered = {u: s for u, s in statuses.items() if HUGE in u.split("?")[0]}
        assert numbered and set(numbered.values()) <= {403, 404}, numbered


# --- page numbers ----------------------------------------------------------------------------

def test_huge_page_number_is_a_404_page(client, world, login):
    login(world.admin.email)
    for url in ("/admin/users", "/admin/audit", "/families", "/volunteers", "/matches",
                "/messaging/outbox", "/admin/outbox"):
        resp = client.get(f"{url}?lang=en&page={HUGE}")
        assert resp.status_code == 404, url
        assert "Page not found" in resp.get_data(as_text=True)
        assert client.get(f"{url}?page=-3").status_code == 200, url  # page 1
        assert client.get(f"{url}?page=abc").status_code == 200, url


# --- NUL characters --------------------------------------------------------------------------

def _nul_checks(app, world):
    client = app.test_client()
    client.post("/login", data={"email": world.coord_a.email, "password": world.password})
    families = db.session.execute(db.select(db.func.count(Family.id))).scalar()
    for url in ("/families?lang=en&q=%00", "/volunteers?lang=en&q=a%00b",
                "/families?lang=en&status=%00", "/volunteers?lang=en&language=x%00",
                "/families?lang=en&x%00=1"):
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert NUL_MESSAGE in resp.get_data(as_text=True), url
    resp = client.post("/families/new?lang=en", data={
        "programme_id": str(world.prog_a.id), "community": "Syrisch\x00", "postcode": "2312"})
    assert resp.status_code == 400 and NUL_MESSAGE in resp.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Family.id))).scalar() == families
    # Without the NUL the same lists work.
    assert client.get("/families?q=abc").status_code == 200
    assert client.get("/volunteers?q=abc").status_code == 200


def test_nul_in_query_or_form_is_refused_postgresql(pg_app):
    """psycopg refuses NUL in a text parameter: before the fix a filter with %00 gave a 500."""
    _nul_checks(pg_app, build_world())


def test_nul_in_query_or_form_is_refused_sqlite(app, world):
    _nul_checks(app, world)


# --- url_for keywords in the query string ----------------------------------------------------

@pytest.mark.parametrize("app", [{"PAGE_SIZE": 1}], indirect=True)
def test_pager_and_export_links_keep_args_as_query_string(app, client, world, login):
    login(world.admin.email)
    resp = client.get("/admin/users?endpoint=x&_external=1&_anchor=top&_scheme=https"
                      "&_method=PUT&role=coordinator")
    assert resp.status_code == 200
    links = re.findall(r'class="page-link" href="([^"]+)"', resp.get_data(as_text=True))
    assert len(links) == 1, "the first page has one pager link: to the next page"
    href = links[0].replace("&amp;", "&")
    assert href.startswith("/admin/users?") and "#" not in href and "://" not in href
    assert "page=2" in href and "role=coordinator" in href and "endpoint=x" in href
    resp = client.get("/admin/audit?endpoint=x&_external=1&_anchor=top&action=read")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True).replace("&amp;", "&")
    export = re.search(r'href="(/admin/audit\.csv[^"]*)"', page)
    assert export and "action=read" in export.group(1) and "#" not in export.group(1)
    assert "page=" not in export.group(1)


# --- CSV import: a cell over the csv module's field limit ------------------------------------

def test_import_cell_over_field_limit_is_a_clear_problem(client, world, login):
    login(world.coord_a.email)
    content = ("name;email;postcode;birth_year\n"
               f"{'A' * 200_000};a@example.org;2312;1980\n").encode()
    resp = client.post("/volunteers/import?lang=en", data={
        "programme": str(world.prog_a.id), "file": (io.BytesIO(content), "v.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "A cell is too long" in resp.get_data(as_text=True)


# --- CSV exports -----------------------------------------------------------------------------

def test_safe_csv_helper_neutralises_and_quotes():
    from webapp import csv_safe
    rows = [["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx", "a;b", "plain", 5, None,
             " =1", "'=ok"]]
    text = csv_safe.to_csv(rows)
    assert '"a;b"' in text
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [["'=1+1", "'+31 6", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "a;b", "plain",
                       "5", "", "' =1", "'=ok"]]
    # Dutch Excel reads ';' as the separator: every such cell is quoted.
    for line in text.splitlines():
        assert ";" not in line.replace('"a;b"', "")


def test_audit_export_neutralises_every_field(client, world, login):
    from webapp.audit import record
    world.admin.name = "@admin;x"
    record("update", "family", "-1+2", reason="a;b", user_id=world.admin.id)
    db.session.commit()
    login(world.admin.email)
    text = client.get("/admin/audit.csv").get_data(as_text=True)
    assert '"a;b"' in text and "\"'@admin;x\"" in text
    rows = list(csv.reader(io.StringIO(text)))
    row = next(r for r in rows if r[7] == "a;b")
    assert row[5] == "'-1+2" and row[2] == "'@admin;x"


def test_volunteer_export_quotes_semicolons_and_neutralises(client, world, login):
    make_volunteer(world.volunteer, [world.prog_a], languages={"ar": "native", "en": "good"},
                   occupation="x")
    world.volunteer.name = "-cmd"
    db.session.commit()
    login(world.coord_a.email)
    text = client.get("/volunteers/export.csv").data.decode("utf-8-sig")
    assert '"ar:native;en:good"' in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'-cmd" and rows[1][4] == "ar:native;en:good"


def test_dashboard_export_goes_through_the_helper(client, world, login, monkeypatch):
    from webapp import csv_safe
    seen = []
    real = csv_safe.to_csv

    def spy(rows, **kw):
        rows = list(rows)
        seen.append(rows)
        return real(rows, **kw)
    monkeypatch.setattr(csv_safe, "to_csv", spy)
    login(world.coord_a.email)
    resp = client.get(f"/dashboard/programmes/{world.prog_a.id}/municipality.csv")
    assert resp.status_code == 200 and seen


# --- certificates encrypted at rest ----------------------------------------------------------

MARKER = b"KOPPEL-CERTIFICATE-MARKER-7f3a"
PDF = b"%PDF-1.4\n%" + MARKER + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + MARKER + b"\x00" * 32


def _cert_dir(app) -> Path:
    return Path(app.instance_path) / "uploads" / "certificates"


def _upload(client, content=PDF, name="c.pdf"):
    return client.post("/me/training", data={
        "item": "pharos_elearning", "part": "__all__",
        "completed_on": date.today().isoformat(),
        "certificate": (io.BytesIO(content), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("content", [PDF, PNG])
def test_certificate_encrypted_on_disk_and_downloads_original(app, world, content):
    make_volunteer(world.volunteer, [world.prog_a])
    vc = app.test_client()
    vc.post("/login", data={"email": world.volunteer.email, "password": world.password})
    assert _upload(vc, content).status_code == 302
    row = db.session.execute(db.select(TrainingCompletion)).scalar_one()
    files = list(_cert_dir(app).iterdir())
    assert len(files) == 1
    stored = files[0].read_bytes()
    assert MARKER not in stored and content[:4] not in stored and stored != content
    resp = vc.get(f"/certificates/{row.id}")
    assert resp.status_code == 200 and resp.data == content
    # Access rules unchanged: the coordinator of the programme yes, another organisation no.
    for who, expected in ((world.coord_a, 200), (world.coord_b, 404)):
        c = app.test_client()
        c.post("/login", data={"email": who.email, "password": world.password})
        got = c.get(f"/certificates/{row.id}")
        assert got.status_code == expected
        if expected == 200:
            assert got.data == content
    assert app.test_client().get(f"/certificates/{row.id}").status_code == 302


def _legacy_certificate(app, world, content=PDF) -> TrainingCompletion:
    """A certificate stored in plain text, as before encryption at rest."""
    vol = make_volunteer(world.volunteer, [world.prog_a])
    _cert_dir(app).mkdir(parents=True, exist_ok=True)
    (_cert_dir(app) / "0123456789abcdef0123456789abcdef.pdf").write_bytes(content)
    row = TrainingCompletion(volunteer_id=vol.id, item="pharos_elearning",
                             completed_on=date.today(), source="self",
                             certificate_file="0123456789abcdef0123456789abcdef.pdf",
                             certificate_type="application/pdf")
    db.session.add(row)
    db.session.commit()
    return row


def _download_as_coordinator(app, world, row) -> bytes:
    c = app.test_client()
    c.post("/login", data={"email": world.coord_a.email, "password": world.password})
    resp = c.get(f"/certificates/{row.id}")
    assert resp.status_code == 200
    return resp.data


def test_plaintext_certificate_still_downloads_and_cli_encrypts_it(app, world):
    row = _legacy_certificate(app, world)
    assert _download_as_coordinator(app, world, row) == PDF
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "encrypt-files"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) encrypted" in result.output
    stored = (_cert_dir(app) / row.certificate_file).read_bytes()
    assert MARKER not in stored
    assert _download_as_coordinator(app, world, row) == PDF
    again = runner.invoke(args=["keys", "encrypt-files"])  # idempotent
    assert "0 file(s) encrypted" in again.output
    assert (_cert_dir(app) / row.certificate_file).read_bytes() == stored


def test_key_rotation_reencrypts_certificates(app, world):
    from cryptography.fernet import Fernet

    from webapp import crypto
    vol_client = app.test_client()
    make_volunteer(world.volunteer, [world.prog_a])
    vol_client.post("/login", data={"email": world.volunteer.email, "password": world.password})
    _upload(vol_client)
    row = db.session.execute(db.select(TrainingCompletion)).scalar_one()
    path = _cert_dir(app) / row.certificate_file
    old_keys = list(app.config["ENCRYPTION_KEYS"])
    new_key = Fernet.generate_key().decode()
    try:
        crypto.configure([new_key] + old_keys, app.config["INDEX_KEY"])
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "certificate file(s)" in result.output
        crypto.configure([new_key], app.config["INDEX_KEY"])  # the old key is gone
        assert crypto.decrypt_bytes(path.read_bytes()) == PDF
    finally:
        crypto.configure(old_keys, app.config["INDEX_KEY"])


@pytest.mark.parametrize("db_fixture", ["app", "pg_app"])
def test_huge_ids_in_forms_are_refused_cleanly(request, db_fixture):
    """A posted id past any database integer (programme, volunteer): a refusal, not a 500."""
    app = request.getfixturevalue(db_fixture)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    data = access.build_access_world()
    objects = data["objects"]["a"]
    client = app.test_client()
    client.post("/login", data={"email": data["emails"]["coordinator"],
                                "password": data["password"]})
    families = db.session.execute(db.select(db.func.count(Family.id))).scalar()
    for url, form in (
            ("/families/new", {"programme_id": HUGE}),
            (f"/families/{objects['family_id']}/enrol", {"programme_id": HUGE}),
            (f"/proposals/{objects['proposal_id']}/swap", {"volunteer_id": HUGE})):
        status = client.post(url, data=form).status_code
        assert status < 500, f"POST {url}: {status}"
        db.session.remove()
    assert db.session.execute(db.select(db.func.count(Family.id))).scalar() == families
