"""Dashboards: every figure against a known fixture (exact numbers), the charts and their
table alternatives, scoping (404 for others), the municipality's CSV with small-cell
suppression, and query counts that do not grow with the number of rows (no N+1)."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from tests.factories import make_family, make_user, make_volunteer, ready_records
from training.dates import add_months
from webapp.extensions import db
from webapp.models.base import utcnow
from webapp.models.matches import ContactMoment, Match, MatchingRun, Proposal
from webapp.models.volunteers import TrainingCompletion, VolunteerVog


@pytest.fixture(autouse=True)
def _dashboard_registered(request):
    """The blueprint is registered by the app factory once wired; until then, here."""
    from webapp.dashboard import bp
    for name in ("app", "pg_app"):
        if name in request.fixturenames:
            app = request.getfixturevalue(name)
            if "dashboard" not in app.blueprints:
                app.register_blueprint(bp)


def _lang(code):
    return [{"name": "Amal", "gender": "f", "languages": [{"code": code, "level": "native"}],
             "dutch_level": "A1", "can_read": "yes"}]


def _family(programme, user, *, waited_days, code="ar", status="waiting", parents=None,
            **fields):
    """A family whose request waits since ``waited_days`` ago (history included)."""
    fam = make_family(programme, user, parents=parents or _lang(code), **fields)
    req = fam.requests[0]
    since = utcnow() - timedelta(days=waited_days)
    req.waiting_since = since
    req.events[0].at = since
    req.status = status
    db.session.commit()
    return fam


def _match(programme, family, volunteer, *, days_ago=0, status="active", trio=None):
    row = Match(programme_id=programme.id, family_id=family.id, volunteer_id=volunteer.id,
                family_request_id=family.requests[0].id, status=status, trio_key=trio,
                approved_at=utcnow() - timedelta(days=days_ago), hours_per_week=2)
    db.session.add(row)
    db.session.commit()
    return row


def _done(volunteer, *items, vog=False):
    day = date.today() - timedelta(days=30)
    for item in items:
        db.session.add(TrainingCompletion(volunteer=volunteer, item=item, completed_on=day,
                                          source="coordinator", verified=True))
    if vog:
        db.session.add(VolunteerVog(volunteer=volunteer, issued_on=day, original_seen=True,
                                    screening_profile="84"))
    db.session.commit()


@pytest.fixture
def known(world):
    return build_known(world)


def build_known(world):
    """The known fixture. Home-Start Leiden (prog_a):

    volunteers  ready1 (ar; refugee background, SY) · ready2 (ti, en, nl) · warn (ar, nl; VOG
                and training expire in 10 days) · elearn · thema · vog (not the basic
                training) · none (so; refugee background, SO) · paused (ready) · left
    families    f1 ar waiting 10 d (SY, use) · f2 ar waiting 30 d (ER, store only) · f3 ti
                waiting 5 d (ER, use) · f4 so matched this month after 20 d (SO, use) · f5 ar
                matched 45 d ago after 100 d, ended · f6 ar+ku trio this month after 3 d
    MIM Leiden (prog_a2): f7 uk waiting 50 d; volunteer mim (uk, nothing done).
    Home-Start Utrecht (prog_b, other organisation): fb waiting 400 d, vb ready, a match.
    """
    pa, pa2, pb, coord = world.prog_a, world.prog_a2, world.prog_b, world.coord_a
    today = date.today()
    v = SimpleNamespace()
    v.ready1 = make_volunteer(world.volunteer, [pa], refugee_background=True,
                              origin_country="SY")
    v.ready2 = make_volunteer(make_user("r2@example.org", name="Ready Two"), [pa],
                              languages={"ti": "native", "en": "good", "nl": "native"})
    v.warn = make_volunteer(make_user("warn@example.org"), [pa],
                            languages={"ar": "good", "nl": "native"})
    v.elearn = make_volunteer(make_user("el@example.org"), [pa])
    v.thema = make_volunteer(make_user("th@example.org"), [pa])
    v.vog = make_volunteer(make_user("vog@example.org"), [pa])
    v.none = make_volunteer(make_user("none@example.org"), [pa], languages={"so": "native"},
                            refugee_background=True, origin_country="SO")
    v.paused = make_volunteer(make_user("p@example.org"), [pa], status="paused",
                              paused_until=today + timedelta(days=30))
    v.left = make_volunteer(make_user("left@example.org"), [pa], status="left")
    v.mim = make_volunteer(make_user("mim@example.org"), [pa2], languages={"uk": "native"})
    v.b = make_volunteer(make_user("vb@example.org"), [pb])
    for vol in (v.ready1, v.ready2, v.paused, v.left, v.b):
        ready_records(vol, today - timedelta(days=30))
    ready_records(v.warn, add_months(today, -36) + timedelta(days=10))
    _done(v.elearn, "pharos_elearning")
    _done(v.thema, "pharos_elearning", "themabijeenkomst")
    _done(v.vog, "pharos_elearning", "themabijeenkomst", vog=True)

    f = SimpleNamespace()
    f.f1 = _family(pa, coord, waited_days=10, special="use", country_of_origin="SY")
    f.f2 = _family(pa, coord, waited_days=30, special="store", country_of_origin="ER")
    f.f3 = _family(pa, coord, waited_days=5, code="ti", special="use", country_of_origin="ER")
    f.f4 = _family(pa, coord, waited_days=20, code="so", status="matched", special="use",
                   country_of_origin="SO")
    f.f5 = _family(pa, coord, waited_days=145, status="ended")
    f.f6 = _family(pa, coord, waited_days=3, status="matched",
                   parents=_lang("ar") + [dict(_lang("ku")[0], name="Karim", gender="m")])
    f.f7 = _family(pa2, coord, waited_days=50, code="uk")
    f.fb = _family(pb, world.coord_b, waited_days=400)

    m = SimpleNamespace()
    m.m4 = _match(pa, f.f4, v.ready2)
    m.m5 = _match(pa, f.f5, v.ready1, days_ago=45, status="ended")
    m.m6a = _match(pa, f.f6, v.warn, status="approved", trio="trio-1")
    m.m6b = _match(pa, f.f6, v.thema, status="approved", trio="trio-1")
    m.mb = _match(pb, f.fb, v.b)

    run = MatchingRun(programme_id=pa.id, status="finished", created_by_id=coord.id)
    db.session.add(run)
    db.session.flush()
    for fam, vol, status, vol2 in ((f.f1, v.ready1, "proposed", None),
                                   (f.f2, v.ready1, "rejected", None),
                                   (f.f4, v.ready2, "approved", None),
                                   (f.f3, v.warn, "stale", None),
                                   (f.f6, v.warn, "approved", v.thema)):
        db.session.add(Proposal(run_id=run.id, programme_id=pa.id, family_id=fam.id,
                                family_request_id=fam.requests[0].id, volunteer_id=vol.id,
                                volunteer2_id=vol2.id if vol2 else None, score=10,
                                status=status))
    for match, day, minutes in ((m.m4, today, 90), (m.m4, today, 30),
                                (m.m5, today - timedelta(days=40), 60),
                                (m.m5, today - timedelta(days=400), 600),
                                (m.mb, today, 120)):
        db.session.add(ContactMoment(match_id=match.id, happened_on=day, minutes=minutes))
    db.session.commit()
    return SimpleNamespace(world=world, v=v, f=f, m=m, run=run, today=today)


def _scope(known, org=False):
    from webapp.dashboard import stats
    if org:
        return stats.organisation_scope(known.world.org_a.id)
    return stats.programme_scope(known.world.prog_a)


# --- the figures, exactly ---------------------------------------------------------------------

def test_headline_figures(app, known):
    from webapp.dashboard import stats
    scope, today = _scope(known), known.today
    assert stats.families_waiting(scope, today) == stats.Waiting(3, 30)
    assert stats.matched_this_month(scope, today) == 2  # f4, and the f6 trio once
    assert stats.active_matches(scope) == 2  # f5's match ended
    org = _scope(known, org=True)
    assert stats.families_waiting(org, today) == stats.Waiting(4, 50)
    assert stats.programme_headlines([known.world.prog_a.id, known.world.prog_a2.id],
                                     today) == {
        known.world.prog_a.id: {"waiting": 3, "matched_month": 2, "active": 2},
        known.world.prog_a2.id: {"waiting": 1, "matched_month": 0, "active": 0}}


def test_volunteers_by_readiness_and_funnel(app, known):
    from webapp.dashboard import stats
    scope, today = _scope(known), known.today
    assert stats.volunteers_by_readiness(scope, today) == {
        "ready": 2, "ready_warning": 1, "not_ready": 4, "paused": 1}
    assert stats.training_funnel(scope, today) == [
        ("registered", 8), ("elearning", 7), ("themabijeenkomst", 6), ("vog", 5),
        ("ready", 4)]
    org = _scope(known, org=True)
    assert stats.volunteers_by_readiness(org, today)["not_ready"] == 5  # + mim
    assert stats.ready_by_programme(org, today) == {known.world.prog_a.id: 3,
                                                    known.world.prog_a2.id: 0}


def test_language_supply_and_demand(app, known):
    from webapp.dashboard import stats
    rows = stats.language_supply_demand(_scope(known), known.today)
    assert [(r.code, r.waiting_families, r.ready_volunteers) for r in rows] == [
        ("ar", 2, 2), ("ti", 1, 1), ("en", 0, 1)]


def test_time_to_match_distribution(app, known):
    from webapp.dashboard import stats
    ttm = stats.time_to_match(_scope(known))
    assert [n for _b, n in ttm.buckets] == [1, 1, 0, 0, 1, 0]  # 3, 20 and 100 days
    assert (ttm.count, ttm.median_days) == (3, 20)


def test_volunteer_hours_per_programme_and_month(app, known):
    from webapp.dashboard import stats
    pa, today = known.world.prog_a.id, known.today
    hours = stats.volunteer_hours(_scope(known), today)
    before = today - timedelta(days=40)
    assert hours.hours(pa, (today.year, today.month)) == 2.0
    assert hours.hours(pa, (before.year, before.month)) == 1.0
    assert hours.total == 3.0  # 400 days ago and Utrecht's hours are not in it
    assert len(hours.months) == 12 and hours.months[0] == (today.year, today.month)


def test_fairness_per_family_language_and_origin(app, known):
    from webapp.dashboard import stats
    scope, today = _scope(known), known.today
    lang = {r.group: r for r in stats.fairness_by_language(scope, today)}
    assert [r.group for r in stats.fairness_by_language(scope, today)] == ["ar", "ku", "so",
                                                                          "ti"]
    ar = lang["ar"]
    assert (ar.enrolled, ar.waiting, ar.median_wait_days, ar.matched,
            ar.median_days_to_match, ar.match_rate) == (4, 2, 20, 2, 51.5, 0.5)
    assert (lang["ti"].waiting, lang["ti"].matched, lang["ti"].match_rate) == (1, 0, 0)
    assert (lang["so"].matched, lang["so"].median_days_to_match) == (1, 20)
    origin = stats.fairness_by_origin(scope, today)
    # only where the consent says "use": f2's country (stored only) is not recorded
    assert [(r.group, r.enrolled, r.waiting, r.matched) for r in origin] == [
        ("ER", 1, 1, 0), ("SO", 1, 0, 1), ("SY", 1, 1, 0), (None, 3, 1, 2)]


def test_fairness_per_volunteer_group(app, known):
    from webapp.dashboard import stats
    groups = stats.fairness_volunteer_groups(_scope(known), known.today)
    assert [(r.group, r.volunteers, r.ready, r.proposals, r.approved, r.rejected)
            for r in groups.by_background] == [(False, 6, 2, 4, 3, 0), (True, 2, 1, 2, 0, 1)]
    assert [(r.group, r.volunteers, r.ready, r.proposals, r.approved, r.rejected)
            for r in groups.by_origin] == [("SO", 1, 0, 0, 0, 0), ("SY", 1, 1, 2, 0, 1),
                                           (None, 6, 2, 4, 3, 0)]
    assert groups.by_background[0].approval_rate == 0.75


# --- suppression and the export ---------------------------------------------------------------

@pytest.mark.parametrize("n,shown", [(0, "<5"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12")])
def test_small_cells_are_suppressed(n, shown):
    from webapp.dashboard.stats import suppress
    assert suppress(n) == shown


def test_municipality_csv_counts_only_with_suppression(app, known, client, login):
    login(known.world.coord_a.email)
    resp = client.get(f"/dashboard/programmes/{known.world.prog_a.id}/municipality.csv?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "group", "group name", "measure", "count"]
    *data, note = rows[1:]
    assert note[0] == "note" and "worked out by subtraction" in note[2]
    body = {(r[0], r[1], r[3]): r[4] for r in data}
    assert body[("training_funnel", "registered", "volunteers")] == "8"
    assert body[("training_funnel", "vog", "volunteers")] == "5"
    assert body[("training_funnel", "ready", "volunteers")] == "<5"  # 4
    assert body[("summary", "all", "families_waiting")] == "<5"  # 3
    # 6 without a refugee background and 2 with: 8 registered minus 6 would give the 2 away
    assert body[("volunteer_background", "yes", "volunteers")] == "<5"
    assert body[("volunteer_background", "no", "volunteers")] == "x"
    assert body[("family_origin", "not_recorded", "enrolled")] == "<5"
    for r in data:  # no count under 5 is ever shown
        assert r[4] in ("<5", "x") or int(r[4]) >= 5, r
    for secret in ("Amal", "Karim", "Ready Two", "Volunteer V", "Kooilaan", "2316"):
        assert secret not in text


def test_one_small_cell_in_a_set_that_adds_up_hides_another():
    from webapp.dashboard.stats import suppress_rows
    rows = [("volunteer_background", "yes", "volunteers", 2),
            ("volunteer_background", "no", "volunteers", 9),
            ("volunteer_origin", "SY", "volunteers", 3),
            ("volunteer_origin", "ER", "volunteers", 1),
            ("volunteer_origin", "not_recorded", "volunteers", 20),
            ("family_origin", "SY", "waiting", 7), ("family_origin", "ER", "waiting", 6),
            ("family_origin", "AF", "waiting", 2),
            ("language", "ar", "families_waiting", 3), ("language", "ti", "families_waiting", 8),
            ("summary", "all", "families_waiting", 15)]
    shown = {(s, g, m): t for s, g, m, t in suppress_rows(rows)}
    assert shown[("volunteer_background", "no", "volunteers")] == "x"
    # two small cells already: their sum is all a total gives away, nothing more is hidden
    assert shown[("volunteer_origin", "not_recorded", "volunteers")] == "20"
    # the smallest other cell is the one hidden
    assert (shown[("family_origin", "ER", "waiting")], shown[("family_origin", "SY", "waiting")],
            shown[("family_origin", "AF", "waiting")]) == ("x", "7", "<5")
    # languages overlap (a family can speak several): not a set that adds up
    assert shown[("language", "ti", "families_waiting")] == "8"
    assert shown[("summary", "all", "families_waiting")] == "15"


def test_municipality_rows_are_exact_before_suppression(app, known):
    from webapp.dashboard import stats
    rows = {(s, g, m): n for s, g, m, n in stats.municipality_rows(_scope(known), known.today)}
    assert rows[("summary", "all", "families_waiting")] == 3
    assert rows[("summary", "all", "matched_this_month")] == 2
    assert rows[("language", "ar", "families_waiting")] == 2
    assert rows[("time_to_match", "90-179", "matches")] == 1
    assert rows[("time_to_match", "180+", "matches")] == 0


# --- pages and scoping --------------------------------------------------------------------------

def test_programme_dashboard_page(app, known, client, login):
    login(known.world.coord_a.email)
    page = client.get(f"/dashboard/programmes/{known.world.prog_a.id}?lang=en").get_data(
        as_text=True)
    assert 'data-figure="waiting">3<' in page and "Longest waiting: 30 days" in page
    assert 'data-figure="matched-month">2<' in page and 'data-figure="active">2<' in page
    # three charts, each an image with a title and a table alternative with a caption
    assert page.count('role="img"') == 3 and page.count("<title id=") == 3
    assert page.count("Show the figures as a table") == 3
    assert "<caption>Languages: families waiting and ready volunteers</caption>" in page
    assert "<caption>Training funnel</caption>" in page and "Time to match" in page
    assert "Arabic" in page and "Fairness monitor" in page and "Syria" in page
    assert "style=" not in page.split("<main", 1)[1]  # the CSP allows no inline styles
    assert "municipality.csv" in page


def test_overview_links_and_shows_headlines(app, known, client, login):
    login(known.world.coord_a.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert f"/dashboard/programmes/{known.world.prog_a.id}" in page
    assert "3 waiting · 2 active matches · 2 matched this month" in page
    client.post("/logout")
    login(known.world.org_admin.email)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert f"/dashboard/organisations/{known.world.org_a.id}" in page


def test_organisation_dashboard_page(app, known, client, login):
    login(known.world.org_admin.email)
    page = client.get(f"/dashboard/organisations/{known.world.org_a.id}?lang=en").get_data(
        as_text=True)
    assert 'data-figure="waiting">4<' in page and "MIM Leiden" in page
    assert "Ukrainian" in page and "Home-Start Utrecht" not in page


@pytest.mark.parametrize("who,prog,org", [("coord_a", 200, 404), ("coord_b", 404, 404),
                                          ("volunteer", 404, 404), ("org_admin", 200, 200),
                                          ("admin", 200, 200)])
def test_dashboards_are_scoped(app, known, client, login, who, prog, org):
    w = known.world
    login(getattr(w, who).email)
    assert client.get(f"/dashboard/programmes/{w.prog_a.id}").status_code == prog
    assert client.get(f"/dashboard/programmes/{w.prog_a.id}/municipality.csv"
                      ).status_code == prog
    assert client.get(f"/dashboard/organisations/{w.org_a.id}").status_code == org
    assert client.get(f"/dashboard/organisations/{w.org_a.id}/municipality.csv"
                      ).status_code == org


def test_org_admin_does_not_see_another_organisation(app, known, client, login):
    w = known.world
    login(w.org_admin.email)
    assert client.get(f"/dashboard/organisations/{w.org_b.id}").status_code == 404
    assert client.get(f"/dashboard/programmes/{w.prog_b.id}").status_code == 404
    assert client.get("/dashboard/organisations/9999").status_code == 404


def test_empty_programme_dashboard(app, world, client, login):
    login(world.coord_a.email)
    resp = client.get(f"/dashboard/programmes/{world.prog_a.id}?lang=en")
    assert resp.status_code == 200 and "No matches yet." in resp.get_data(as_text=True)


# --- no N+1: the number of queries does not grow with the rows ------------------------------

class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _hit(self, *args, **kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hit)


def _queries(client, url) -> int:
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def _add_proposals(world, run, n, offset):
    for i in range(n):
        vol = make_volunteer(make_user(f"nq{offset + i}@example.org", name=f"NQ {offset + i}"),
                             [world.prog_a])
        fam = make_family(world.prog_a, world.coord_a)
        db.session.add(Proposal(run_id=run.id, programme_id=world.prog_a.id, family_id=fam.id,
                                family_request_id=fam.requests[0].id, volunteer_id=vol.id,
                                score=10, factors=[{"code": "distance", "points": 10,
                                                    "params": {"km": 1.0}}]))
    db.session.commit()


def _grow(world, client, url, add):
    """Queries for ``url`` with few rows, then with ten rows more."""
    add(2, 0)
    few = _queries(client, url)
    add(10, 2)
    return few, _queries(client, url)


def test_proposals_page_queries_do_not_grow(app, world, client, login):
    run = MatchingRun(programme_id=world.prog_a.id, status="finished",
                      created_by_id=world.coord_a.id)
    db.session.add(run)
    db.session.commit()
    login(world.coord_a.email)
    few, many = _grow(world, client, f"/runs/{run.id}",
                      lambda n, offset: _add_proposals(world, run, n, offset))
    assert many == few, (few, many)


def test_family_list_queries_do_not_grow(app, world, client, login):
    login(world.coord_a.email)

    def add(n, offset):
        for _i in range(n):
            make_family(world.prog_a, world.coord_a)
    few, many = _grow(world, client, "/families", add)
    assert many == few, (few, many)


@pytest.mark.parametrize("query", ["", "?language=ar", "?readiness=not_ready"])
def test_volunteer_list_queries_do_not_grow(app, world, client, login, query):
    login(world.coord_a.email)

    def add(n, offset):
        for i in range(n):
            make_volunteer(make_user(f"vq{offset + i}@example.org", name=f"VQ {offset + i}"),
                           [world.prog_a, world.prog_a2])
    few, many = _grow(world, client, "/volunteers" + query, add)
    assert many == few, (few, many)


def test_dashboard_queries_do_not_grow(app, known, client, login):
    login(known.world.coord_a.email)
    url = f"/dashboard/programmes/{known.world.prog_a.id}"
    before = _queries(client, url)
    for i in range(6):
        vol = make_volunteer(make_user(f"more{i}@example.org"), [known.world.prog_a])
        ready_records(vol, known.today - timedelta(days=30))
        _family(known.world.prog_a, known.world.coord_a, waited_days=i + 1, code="ti")
    assert _queries(client, url) == before


# --- PostgreSQL ---------------------------------------------------------------------------

@pytest.mark.postgres
def test_figures_on_postgresql(pg_app):
    """The same exact numbers on PostgreSQL (date parts, casts and grouping differ)."""
    from tests.factories import build_world
    from webapp.dashboard import stats
    known = build_known(build_world())
    scope, today = _scope(known), known.today
    assert stats.families_waiting(scope, today) == stats.Waiting(3, 30)
    assert (stats.matched_this_month(scope, today), stats.active_matches(scope)) == (2, 2)
    assert stats.time_to_match(scope).median_days == 20
    assert stats.volunteer_hours(scope, today).total == 3.0
    assert [r.group for r in stats.fairness_by_origin(scope, today)] == ["ER", "SO", "SY", None]
    groups = stats.fairness_volunteer_groups(scope, today)
    assert [(r.group, r.proposals, r.approved) for r in groups.by_background] == [
        (False, 4, 3), (True, 2, 0)]
    client = pg_app.test_client()
    client.post("/login", data={"email": known.world.coord_a.email,
                                "password": known.world.password})
    page = client.get(f"/dashboard/programmes/{known.world.prog_a.id}").get_data(as_text=True)
    assert 'data-figure="waiting">3<' in page


def test_bar_chart_mirrors_right_to_left():
    from webapp.dashboard.charts import WIDTH, bar_chart
    rows = [("Arabic", [4, 2]), ("Tigrinya", [0, 1])]
    ltr = bar_chart("c", rows, ["Families", "Volunteers"])
    rtl = bar_chart("c", rows, ["Families", "Volunteers"], rtl=True)
    assert rtl.axis_x == WIDTH - ltr.axis_x
    for a, b in zip(ltr.bars, rtl.bars):
        assert b.width == a.width and b.y == a.y
        assert a.x == ltr.axis_x and b.x + b.width == rtl.axis_x  # bars grow from the axis
        assert b.text_x == WIDTH - a.text_x  # the number sits at the bar's far end
    for a, b in zip(ltr.labels, rtl.labels):
        assert b.x == WIDTH - a.x and a.x < ltr.axis_x < rtl.axis_x < b.x
    assert (ltr.label_anchor, ltr.value_anchor, rtl.label_anchor, rtl.value_anchor) == (
        "end", "start", "start", "end")
    assert [i.box_x + 14 for i in rtl.legend] == [WIDTH - i.box_x for i in ltr.legend]


def test_dashboard_charts_are_mirrored_on_arabic_pages(app, known, client, login):
    login(known.world.coord_a.email)
    url = f"/dashboard/programmes/{known.world.prog_a.id}"
    english = client.get(url + "?lang=en").get_data(as_text=True)
    arabic = client.get(url + "?lang=ar").get_data(as_text=True)
    assert '<line x1="190"' in english and '<line x1="450"' in arabic
    assert english.count('text-anchor="end"') < arabic.count('text-anchor="end"')
