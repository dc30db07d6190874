"""App-wide behaviour: headers, locale, errors, health, scoping, jobs, CLI."""
from __future__ import annotations

import pytest

from webapp.extensions import db


def test_security_headers(client, world, login):
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    login(world.coord_a.email)
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app, world, login, client):
    resp = login(world.coord_a.email)
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; KOPPEL_HTTPS=1 turns it on


def test_secure_cookie_over_https(tmp_path, migrated_sqlite):
    from tests.conftest import make_app
    from webapp.config import load_config
    cfg = load_config(str(tmp_path), {"KOPPEL_HTTPS": "1", "SECRET_KEY": "x"})
    assert cfg["SESSION_COOKIE_SECURE"] is True


def test_secret_key_generated_into_instance(tmp_path):
    from webapp.config import load_config
    a = load_config(str(tmp_path / "inst"), {})
    b = load_config(str(tmp_path / "inst"), {})
    assert a["SECRET_KEY"] == b["SECRET_KEY"] and len(a["SECRET_KEY"]) > 40
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_config(str(tmp_path / "other"), {})["SECRET_KEY"] != a["SECRET_KEY"]


@pytest.mark.parametrize("saved,query,accept,expected", [
    ("en", "ar", "ar", "en"),        # a logged-in user's saved choice wins over the browser
    (None, "ar", "en", "ar"),        # ?lang= beats Accept-Language
    (None, None, "en-GB,en;q=0.9", "en"),
    (None, None, "ar", "ar"),
    (None, None, "fr", "nl"),        # unsupported → Dutch
    (None, None, None, "nl"),
])
def test_locale_selection_order(client, world, login, saved, query, accept, expected):
    if saved:
        world.coord_a.locale = saved
        db.session.commit()
        login(world.coord_a.email)
    headers = {"Accept-Language": accept} if accept else {}
    url = "/login" + (f"?lang={query}" if query else "")
    if saved:
        url = "/dashboard"
    page = client.get(url, headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}"' in page


def test_lang_switch_is_remembered_and_saved(client, world, login):
    login(world.coord_a.email)
    client.get("/dashboard?lang=ar")
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert db.session.get(type(world.coord_a), world.coord_a.id).locale == "ar"


def test_arabic_page_is_rtl_and_translated(client):
    page = client.get("/login?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and "تسجيل الدخول" in page


def test_translated_404(app, client):
    resp = client.get("/no-such-page?lang=en")
    assert resp.status_code == 404 and "Page not found" in resp.get_data(as_text=True)
    resp = app.test_client().get("/no-such-page", headers={"Accept-Language": "nl"})
    assert "Pagina niet gevonden" in resp.get_data(as_text=True)


def test_no_third_party_assets(client):
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page.replace("http://koppel.test", "") and "https://" not in page


def test_healthz_ok(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "queue": "inline",
                               "rate_limiter": "memory"}


def test_healthz_names_failing_database(tmp_path):
    from tests.conftest import make_app
    app = make_app(tmp_path, f"sqlite:///{tmp_path}/missing-dir/x/db.sqlite3")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.get_json()["database"] == "down"


def test_healthz_names_failing_queue(tmp_path, migrated_sqlite):
    import shutil
    from tests.conftest import make_app
    shutil.copy(migrated_sqlite, tmp_path / "db.sqlite3")
    app = make_app(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", REDIS_URL="redis://127.0.0.1:1/0")
    resp = app.test_client().get("/healthz")
    # degraded, not down: every page still works (jobs wait as rows for `jobs requeue`)
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "degraded", "database": "ok", "queue": "down",
                               "rate_limiter": "memory"}


@pytest.mark.parametrize("who,status", [("coord_a", 200), ("coord_b", 404), ("volunteer", 404),
                                        ("admin", 200)])
def test_job_status_is_scoped(app, client, world, login, who, status):
    from webapp.jobs import enqueue, job

    @job("noop_test")
    def noop(ctx):
        return {"ok": True}
    row = enqueue("noop_test", created_by=world.coord_a.id)
    login(getattr(world, who).email)
    assert client.get(f"/jobs/{row.id}").status_code == status


def test_job_progress_and_failure(app, world):
    from webapp.jobs import enqueue, job
    from webapp.models import Job
    seen = []

    @job("progress_test")
    def work(ctx, n):
        for i in range(n):
            ctx.progress((i + 1) * 100 // n, stage=f"step{i}")
            seen.append(db.session.get(Job, ctx.row.id).progress)
        return {"n": n}

    @job("failing_test")
    def fail(ctx):
        ctx.progress(40, "solving")
        raise RuntimeError("solver exploded")

    ok = enqueue("progress_test", 4)
    assert seen == [25, 50, 75, 100]
    assert ok.status == "finished" and ok.result == {"n": 4}
    bad = enqueue("failing_test")
    bad = db.session.get(Job, bad.id)
    assert bad.status == "failed" and "solver exploded" in bad.error and bad.progress == 40


def test_programme_scoping_helper(app, world):
    from webapp.access import visible_programme_ids
    assert visible_programme_ids(world.coord_a) == {world.prog_a.id}
    assert visible_programme_ids(world.coord_b) == {world.prog_b.id}
    assert visible_programme_ids(world.org_admin) == {world.prog_a.id, world.prog_a2.id}
    assert visible_programme_ids(world.admin) == {world.prog_a.id, world.prog_a2.id, world.prog_b.id}
    assert visible_programme_ids(world.volunteer) == set()


def test_org_admin_cannot_touch_other_org_users(client, world, login):
    login(world.org_admin.email)
    assert client.post(f"/admin/users/{world.coord_b.id}/active", data={"active": "0"}).status_code == 404
    assert db.session.get(type(world.coord_b), world.coord_b.id).active
    assert client.post(f"/admin/users/{world.coord_a.id}/active", data={"active": "0"}).status_code == 302


def test_coordinator_cannot_open_admin(client, world, login):
    login(world.coord_a.email)
    assert client.get("/admin/users").status_code == 403


def test_admin_user_search(client, world, login):
    login(world.admin.email)
    page = client.get("/admin/users?q=Coordinator B").get_data(as_text=True)
    assert "Coordinator B" in page and "Coordinator A" not in page
    page = client.get("/admin/users?q=coord.a@example.org").get_data(as_text=True)
    assert "Coordinator A" in page and "Coordinator B" not in page


@pytest.mark.parametrize("who,shown,hidden", [
    ("volunteer", ["My training", "My profile", "My families", "Themabijeenkomsten"],
     ["Families", "Messages", "Message texts", "Privacy"]),
    ("coord_a", ["Volunteers", "Families", "Matches", "Messages", "Parent groups", "Privacy"],
     ["My training", "Message texts", "Users"]),
    ("admin", ["Families", "Message texts", "Users"], ["My training", "My profile"]),
])
def test_main_menu_shows_each_role_its_areas(client, world, login, who, shown, hidden):
    def menu(lang):
        page = client.get(f"/dashboard?lang={lang}").get_data(as_text=True)
        items = page.split('class="navbar-nav')[1].split("</ul>")[0].split('class="nav-link')
        return [item.split("</a>")[0].split("</i>")[-1] for item in items[1:]]
    login(getattr(world, who).email)
    labels = menu("en")
    assert all(label in labels for label in shown), labels
    assert not any(label in labels for label in hidden), labels
    # the menu is kept per role and language: in Arabic it is the same items, translated
    arabic = menu("ar")
    assert len(arabic) == len(labels) and not set(shown) & set(arabic), arabic
