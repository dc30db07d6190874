"""Import of volunteers and training records from CSV and XLSX: preview, every problem with
row/column/reason, all-or-nothing; and the schema on PostgreSQL."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from webapp.extensions import db
from webapp.models import TrainingCompletion, User, Volunteer, VolunteerVog

HEADER = ("name;email;postcode;birth_year;languages;dutch_level;refugee_background;"
          "origin_country;arrival_year;dagdelen;pharos_elearning;themabijeenkomst;"
          "basis_homestart;vog_issued_on;vog_original_seen")
GOOD = [
    "Fatima Rahimi;fatima@example.org;2312 AB;1980;prs:native;B1;ja;AF;2012;mon_am;"
    "2025-02-01;14-03-2025;2025-04-01;2025-01-15;ja",
    "Henk de Jong;henk@example.org;2333;1962;;native;nee;;;tue_pm;;;;;",
]


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER,) + rows) + "\n").encode("utf-8")


def _upload(client, content: bytes, programme_id: int, name="volunteers.csv"):
    return client.post("/volunteers/import?lang=en", data={
        "programme": str(programme_id), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.execute(db.select(db.func.count(model.id))).scalar()


def test_broken_file_lists_every_problem_and_imports_nothing(client, world, login):
    login(world.coord_a.email)
    future = (date.today() + timedelta(days=5)).isoformat()
    content = _csv(
        GOOD[0],
        "Bad Postcode;bad@example.org;12;1980;;;nee;;;;;;;;",
        f"Future Date;future@example.org;2312;1980;;;nee;;;;{future};;;;",
        ";noname-at-example.org;2312;1980;xx:native;Z9;ja;;;sun_xx;;;;;",
        "Twice;fatima@example.org;2312;1980;;;nee;;;;;;;;",
        f"Existing;{world.volunteer.email};2312;1980;;;nee;;;;;;;;",
    )
    users_before = _count(User)
    resp = _upload(client, content, world.prog_a.id)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    problems = set(re.findall(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>", page))
    assert problems == {
        ("3", "postcode"), ("4", "pharos_elearning"), ("5", "name"), ("5", "email"),
        ("5", "languages"), ("5", "dutch_level"), ("5", "arrival_year"), ("5", "dagdelen"),
        ("6", "email"), ("7", "email")}
    assert "the same address as row 2" in page
    assert "this date is in the future" in page
    assert "Import " not in page or "data-confirm" not in page  # no import button
    assert _count(User) == users_before and _count(Volunteer) == 0


def test_unknown_and_missing_columns(client, world, login):
    login(world.coord_a.email)
    resp = _upload(client, b"name,mail,favourite_colour\nA,a@example.org,blue\n", world.prog_a.id)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    for column in ("email", "postcode", "birth_year", "mail", "favourite_colour"):
        assert f"<td>1</td><td>{column}</td>" in page
    resp = _upload(client, b"\x00\x01\x02binary", world.prog_a.id)
    assert resp.status_code == 422 and _count(Volunteer) == 0


def test_good_csv_preview_then_import(client, world, login):
    login(world.coord_a.email)
    resp = _upload(client, _csv(*GOOD), world.prog_a.id)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Fatima Rahimi" in page and _count(Volunteer) == 0  # preview stores nothing
    key = re.search(r'action="/volunteers/import/([^"]+)"', page).group(1)
    resp = client.post(f"/volunteers/import/{key}")
    assert resp.status_code == 302
    fatima = User.by_email("fatima@example.org").volunteer
    assert fatima.source == "import" and [p.id for p in fatima.programmes] == [world.prog_a.id]
    assert fatima.languages == {"prs": "native"} and fatima.arrival_year == 2012
    assert fatima.user.password_hash is None  # sets a password through "forgot password"
    items = sorted((c.item, c.completed_on, c.verified) for c in fatima.completions)
    assert items == [("basis_homestart", date(2025, 4, 1), True),
                     ("pharos_elearning", date(2025, 2, 1), True),
                     ("themabijeenkomst", date(2025, 3, 14), True)]
    assert fatima.vogs[0].original_seen and fatima.vogs[0].issued_on == date(2025, 1, 15)
    from webapp.volunteers.readiness import volunteer_readiness
    assert volunteer_readiness(fatima, on=date(2025, 6, 1))[world.prog_a.id].status == "ready"
    assert User.by_email("henk@example.org").volunteer.languages == {"nl": "native"}
    # the stashed file is gone: confirming twice imports nothing more
    client.post(f"/volunteers/import/{key}")
    assert _count(Volunteer) == 2


def test_good_xlsx_import(client, world, login):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "email", "postcode", "birth_year", "pharos_elearning", "vog_issued_on"])
    ws.append(["Olena K", "olena@example.org", "2316 AA", 1979, date(2025, 5, 1),
               date(2025, 4, 1)])
    out = io.BytesIO()
    wb.save(out)
    login(world.coord_a.email)
    resp = _upload(client, out.getvalue(), world.prog_a.id, name="volunteers.xlsx")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    key = re.search(r'action="/volunteers/import/([^"]+)"', resp.get_data(as_text=True)).group(1)
    client.post(f"/volunteers/import/{key}")
    olena = User.by_email("olena@example.org").volunteer
    assert olena.pc4 == "2316" and olena.completions[0].completed_on == date(2025, 5, 1)
    assert olena.vogs[0].original_seen is False  # not stated in the file


def test_import_scoped_to_own_programmes_and_stash(app, client, world, login):
    login(world.coord_a.email)
    resp = _upload(client, _csv(*GOOD), world.prog_b.id)  # another organisation's programme
    assert resp.status_code == 422 and _count(Volunteer) == 0
    assert "Not a valid choice" in resp.get_data(as_text=True)
    resp = _upload(client, _csv(*GOOD), world.prog_a.id)
    key = re.search(r'action="/volunteers/import/([^"]+)"', resp.get_data(as_text=True)).group(1)
    other = app.test_client()
    other.post("/login", data={"email": world.org_admin.email, "password": world.password})
    assert other.post(f"/volunteers/import/{key}").status_code == 302
    assert _count(Volunteer) == 0  # someone else's upload cannot be confirmed
    assert app.test_client().post(f"/volunteers/import/{key}").status_code == 302


def test_validation_of_5000_rows_is_quick(app, world):
    """Not a benchmark (see benchmarks/bench_import.py); a guard against quadratic work."""
    from webapp.volunteers.imports import parse_and_validate
    rows = [f"Person {i};p{i}@example.org;2312;1980;ar:native;B1;ja;SY;2015;mon_am;"
            f"2025-02-01;2025-03-01;2025-04-01;2025-01-15;ja" for i in range(5000)]
    parsed = parse_and_validate(_csv(*rows), date(2026, 1, 1))
    assert parsed.problems == [] and len(parsed.rows) == 5000
    assert parsed.seconds < 30


@pytest.mark.postgres
def test_schema_and_import_on_postgresql(pg_app):
    from tests.factories import build_world
    from webapp.volunteers.imports import import_rows, parse_and_validate
    world = build_world()
    parsed = parse_and_validate(_csv(*GOOD), date(2026, 1, 1))
    assert parsed.problems == []
    assert import_rows(parsed.rows, world.prog_a, world.coord_a) == 2
    assert _count(TrainingCompletion) == 3 and _count(VolunteerVog) == 1
    from webapp.volunteers.readiness import readiness_for
    vols = db.session.execute(db.select(Volunteer)).scalars().all()
    assert len(readiness_for(vols, on=date(2026, 1, 1))) == 2
