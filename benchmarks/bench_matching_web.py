"""Benchmark: the web app's matching at scale on PostgreSQL.

    .venv/bin/python benchmarks/bench_matching_web.py [--volunteers 10000] [--families 10000]
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/koppel_bench] [--repeat 20]
        [--profile out.prof]

Creates (drops first) the database, migrates it with the real Alembic migrations, and fills
an organisation's four programmes with ``--volunteers`` volunteers (about 75 % ready) and
``--families`` waiting families around Leiden (see :func:`seed`), inserted in bulk with SQLAlchemy Core
``insert()`` (executemany). Then it times:

1. a full matching run of Home-Start, through the real job (``run_matching``), split into
   building the inputs, scoring candidates, solving, explaining and storing the proposals
   (target: under 30 s in all);
2. the proposals page (``/runs/<id>``, paginated) of a run with 1,000 proposals, with the
   Flask test client, logged in as the coordinator: the median of ``--repeat`` requests per
   page (target: under 300 ms), and the number of SQL queries per page.

``--profile`` writes a cProfile of the run. Results go to stdout; the figures measured are
kept in ``benchmarks/README_matching_web.md``.
"""
from __future__ import annotations

import argparse
import cProfile
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/koppel_bench"
PASSWORD = "bench horse battery staple"
THEME_CODES = ["school", "responsive_talk", "confidence", "two_cultures", "wellbeing",
               "digital", "leisure", "puberty", "practise_dutch", "dutch_contact"]
DAGDELEN = [f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat") for p in ("am", "pm")]


def fresh_database(url: str) -> None:
    import sqlalchemy as sa
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :n AND pid <> pg_backend_pid()"),
                     {"n": target.database})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def make_bench_app(url: str):
    from tests.conftest import base_config  # also switches to fast password hashing
    from webapp import create_app
    cfg = base_config(Path(tempfile.mkdtemp(prefix="koppel-bench-")), url)
    cfg.update(REQUIRE_2FA_STAFF=False, SERVER_NAME=None)
    return create_app(cfg)


@contextmanager
def timed(label: str, out: dict):
    start = time.perf_counter()
    try:
        yield
    finally:
        out[label] = out.get(label, 0.0) + time.perf_counter() - start


def bulk(table, rows: list[dict], chunk: int = 5000) -> None:
    """Core ``insert()`` executemany, in chunks."""
    from webapp.extensions import db
    for i in range(0, len(rows), chunk):
        db.session.execute(table.insert(), rows[i:i + chunk])


def fix_sequences() -> None:
    """Explicit ids were inserted: move every id sequence past them."""
    from webapp.extensions import db
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is not False \
                and isinstance(table.c.id.type, db.Integer):
            db.session.execute(db.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table.name}\"), false)"))


SPREAD = (("homestart", 5, 0.6), ("mim", 2, 0.3), ("steunouder", 1, 0.2),
          ("spelaanhuis", 2, 0.3))  # (type, weight of families, share of volunteers)


def seed(n_volunteers: int, n_families: int, rng: random.Random,
         one_programme: bool = False) -> dict:
    """One organisation with four programmes (Home-Start, MIM, Steunouder, Spel aan Huis)
    and Home-Start's coordinator. Families are enrolled in one programme each (weights
    5:2:1:2, as in ``synthetic_region``); a volunteer is interested in Home-Start with
    probability 0.6 and in each other programme with 0.2-0.3 (at least one). With
    ``one_programme`` everybody is in Home-Start: the dense worst case."""
    import numpy as np
    from synthetic_region import _cohort, region_postcodes

    from webapp.accounts import create_user
    from webapp.crypto import blind_index
    from webapp.demo import ensure_programme_types
    from webapp.extensions import db
    from webapp.models import (
        AdditionalCheckRecord,
        Child,
        Consent,
        Family,
        FamilyRequest,
        FamilyRequestEvent,
        Organisation,
        Parent,
        Programme,
        TrainingCompletion,
        User,
        Volunteer,
        VolunteerVog,
        volunteer_programmes,
    )
    from webapp.models.base import utcnow
    _ = AdditionalCheckRecord
    types = ensure_programme_types()
    org = Organisation(name="Home-Start Bench", municipality="Leiden")
    progs = {code: Programme(organisation=org, type=types[code], name=f"{code} bench",
                             municipality="Leiden")
             for code, _w, _s in (SPREAD[:1] if one_programme else SPREAD)}
    programme = progs["homestart"]
    db.session.add_all([org, *progs.values()])
    db.session.commit()
    codes_weights = [(code, w) for code, w, _s in SPREAD if code in progs]
    coordinator = create_user(email="coordinator@bench.test", name="Bench Coordinator",
                              role="coordinator", organisation_name=org.name,
                              password=PASSWORD, check_password=False)
    coordinator.programmes = [programme]
    db.session.commit()

    codes, weights = region_postcodes("2311", 35.0)
    nrng = np.random.default_rng(rng.randint(0, 10**6))
    vpcs = nrng.choice(codes, size=n_volunteers, p=weights)
    fpcs = nrng.choice(codes, size=n_families, p=weights)
    today, now = date.today(), utcnow()
    done = today - timedelta(days=60)
    users, vols, links, completions, vogs = [], [], [], [], []
    first_user = coordinator.id + 1
    for i in range(n_volunteers):
        uid, vid = first_user + i, i + 1
        email = f"volunteer{i}@bench.test"
        users.append({"id": uid, "email_index": blind_index(email), "email": email,
                      "name": f"Volunteer {i}", "role": "volunteer", "active": True})
        oud = rng.random() < 0.35
        if oud:
            country, langs = _cohort(rng)
            languages, dutch = dict(langs), rng.choice(["B1", "B2", "C1"])
        else:
            country, languages, dutch = None, {"nl": "native", "en": "good"}, "native"
        vols.append({"id": vid, "user_id": uid, "pc4": str(vpcs[i]), "postcode_letters": "AB",
                     "birth_year": rng.randint(1950, 2000), "gender": rng.choice("ffm"),
                     "travel_km": rng.choice([5, 10, 15]), "languages": languages,
                     "dutch_level": dutch, "refugee_background": oud,
                     "origin_country": country, "arrival_year": 2010 if oud else None,
                     "parenting_experience": rng.sample(["0-3", "4-11", "12-17"],
                                                        rng.randint(0, 2)),
                     "dagdelen": rng.sample(DAGDELEN, 3),
                     "max_families": rng.choice([1, 1, 1, 2]), "hours_per_week": 4,
                     "themes": rng.sample(THEME_CODES, rng.randint(1, 4)), "status": "active",
                     "consent_version": "bench", "source": "import"})
        mine = [code for code, _w, share in SPREAD if code in progs
                and (one_programme or rng.random() < share)] or ["homestart"]
        links += [{"volunteer_id": vid, "programme_id": progs[c].id} for c in mine]
        if rng.random() < 0.75:  # ready: everything its programmes ask for
            for item in ("pharos_elearning", "themabijeenkomst", *(f"basis_{c}" for c in mine)):
                completions.append({"volunteer_id": vid, "item": item, "completed_on": done,
                                    "source": "coordinator", "verified": True})
            vogs.append({"volunteer_id": vid, "issued_on": done, "original_seen": True,
                         "screening_profile": "84"})
        elif rng.random() < 0.5:
            completions.append({"volunteer_id": vid, "item": "pharos_elearning",
                                "completed_on": done, "source": "coordinator",
                                "verified": True})
    bulk(User.__table__, users)
    bulk(Volunteer.__table__, vols)
    bulk(volunteer_programmes, links)
    bulk(TrainingCompletion.__table__, completions)
    bulk(VolunteerVog.__table__, vogs)

    families, parents, children, consents, requests, events = [], [], [], [], [], []
    for i in range(n_families):
        fid = i + 1
        country, langs = _cohort(rng)
        since = now - timedelta(days=rng.randint(0, 400))
        families.append({"id": fid, "referral_source": "jgz", "country_of_origin": country,
                         "pc4": str(fpcs[i]), "postcode_letters": "AB", "max_volunteers": 2,
                         "housed_on": today - timedelta(days=300), "message_channel": "sms",
                         "message_language": "ar", "pref_volunteer_gender": "any",
                         "pref_language": "dutch" if rng.random() < 0.3 else "none",
                         "preferred_dagdelen": rng.sample(DAGDELEN, 4),
                         "needs": rng.sample(THEME_CODES, rng.randint(1, 3))})
        urgency = rng.choices([0, 1, 2], weights=[8, 2, 1])[0]  # the request's priority
        name = f"Parent {i}"
        parents.append({"id": fid, "family_id": fid, "position": 0, "name": name,
                        "name_index": blind_index(name), "gender": "f",
                        "languages": [{"code": c, "level": lv} for c, lv in langs.items()],
                        "dutch_level": rng.choice(["A0", "A1", "A2", "B1"]), "can_read": "yes"})
        for _k in range(rng.randint(1, 3)):
            children.append({"family_id": fid, "birth_year": today.year - rng.randint(0, 11),
                             "birth_month": rng.randint(1, 12), "gender": rng.choice("fm")})
        consents.append({"family_id": fid, "asked_on": today - timedelta(days=30),
                         "language": "ar", "explained_by": "coordinator",
                         "purpose_matching": True, "purpose_share_profile": True,
                         "special_category": rng.choice(["none", "store", "use"]),
                         "recorded_at": now})
        code = rng.choices([c for c, _w in codes_weights], [w for _c, w in codes_weights])[0]
        requests.append({"id": fid, "family_id": fid, "programme_id": progs[code].id,
                         "status": "waiting", "waiting_since": since, "priority": urgency,
                         "created_at": since})
        events.append({"request_id": fid, "to_status": "waiting", "at": since})
    bulk(Family.__table__, families)
    bulk(Parent.__table__, parents)
    bulk(Child.__table__, children)
    bulk(Consent.__table__, consents)
    bulk(FamilyRequest.__table__, requests)
    bulk(FamilyRequestEvent.__table__, events)
    fix_sequences()
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"programme": programme.id, "coordinator": coordinator.id}


def time_run(programme_id: int, user_id: int, profile: str | None) -> tuple[dict, int]:
    """A full run through the real job, with its parts timed by wrapping what it calls."""
    from matching import scoring
    from webapp.extensions import db
    from webapp.matches import runs
    from webapp.models import Programme
    from webapp.models.matches import MatchingRun
    parts: dict[str, float] = {}
    originals = {name: getattr(runs, name) for name in
                 ("build_inputs", "solve", "explain_matches", "diagnose")}
    labels = {"build_inputs": "inputs (database → matching input)", "solve": "solving",
              "explain_matches": "explaining", "diagnose": "diagnosing the unmatched"}

    def wrap(name):
        def inner(*args, **kwargs):
            with timed(labels[name], parts):
                return originals[name](*args, **kwargs)
        return inner
    original_candidates = scoring.Scorer.candidates
    original_to_problem = scoring.CandidateSet.to_problem

    def candidates(self, *args, **kwargs):
        with timed("scoring candidates", parts):
            return original_candidates(self, *args, **kwargs)

    def to_problem(self, *args, **kwargs):
        with timed("candidates → solver problem", parts):
            return original_to_problem(self, *args, **kwargs)
    scoring.CandidateSet.to_problem = to_problem
    for name in originals:
        setattr(runs, name, wrap(name))
    scoring.Scorer.candidates = candidates
    profiler = cProfile.Profile() if profile else None
    try:
        programme = db.session.get(Programme, programme_id)
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        run = runs.start_run(programme, user_id)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        total = time.perf_counter() - start
    finally:
        for name, fn in originals.items():
            setattr(runs, name, fn)
        scoring.Scorer.candidates = original_candidates
        scoring.CandidateSet.to_problem = original_to_problem
    db.session.expire_all()
    run = db.session.get(MatchingRun, run.id)
    assert run.status == "finished", run.error
    parts["storing proposals and snapshot (the rest)"] = total - sum(parts.values())
    parts["total"] = total
    return {"parts": parts, "summary": {k: run.summary.get(k) for k in
                                        ("requests", "volunteers", "candidates", "proposals",
                                         "status", "solve_seconds")}}, run.id


def copy_run(run_id: int, n: int) -> int:
    """A new finished run holding the first ``n`` proposals of ``run_id`` (bulk copied)."""
    from webapp.extensions import db
    from webapp.models.matches import MatchingRun, Proposal
    source = db.session.get(MatchingRun, run_id)
    run = MatchingRun(programme_id=source.programme_id, status="finished", running=None,
                      created_by_id=source.created_by_id, summary={"proposals": n},
                      snapshot={})
    db.session.add(run)
    db.session.flush()
    cols = ("programme_id", "family_request_id", "family_id", "volunteer_id", "score",
            "factors", "hours_per_week", "status")
    rows = [dict({c: getattr(p, c) for c in cols}, run_id=run.id)
            for p in db.session.execute(db.select(Proposal).filter_by(run_id=run_id)
                                        .order_by(Proposal.id).limit(n)).scalars()]
    if len(rows) < n:
        print(f"note: the run has only {len(rows)} proposals; the page run holds those")
    run.summary = {"proposals": len(rows)}
    bulk(Proposal.__table__, rows)
    db.session.commit()
    return run.id


def time_pages(app, run_id: int, repeat: int) -> dict:
    from sqlalchemy import event

    from webapp.extensions import db
    client = app.test_client()
    resp = client.post("/login", data={"email": "coordinator@bench.test", "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    size = app.config["PAGE_SIZE"]
    out = {}
    for page in (1, 20, 40):
        url = f"/runs/{run_id}?status=all&page={page}"
        times, queries = [], []

        def hit(*args, _queries=queries, **kwargs):
            _queries[-1] += 1
        event.listen(db.engine, "before_cursor_execute", hit)
        try:
            for _ in range(repeat):
                queries.append(0)
                start = time.perf_counter()
                resp = client.get(url)
                times.append(time.perf_counter() - start)
                assert resp.status_code == 200, (url, resp.status_code)
        finally:
            event.remove(db.engine, "before_cursor_execute", hit)
        body = resp.get_data(as_text=True)
        out[page] = {"median_ms": statistics.median(times) * 1000,
                     "max_ms": max(times) * 1000, "queries": statistics.median(queries),
                     "cards": body.count("<article"), "page_size": size}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--database", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", help="write a cProfile of the run to this file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one-programme", action="store_true",
                        help="everybody in Home-Start (the dense worst case)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from webapp.extensions import db
    fresh_database(args.database)
    app = make_bench_app(args.database)
    with app.app_context():
        t0 = time.perf_counter()
        upgrade(revision="heads")
        t1 = time.perf_counter()
        ids = seed(args.volunteers, args.families, random.Random(args.seed),
                   args.one_programme)
        t2 = time.perf_counter()
        print(f"migrate {t1 - t0:.1f} s; bulk insert of {args.volunteers} volunteers and "
              f"{args.families} families {t2 - t1:.1f} s")
        result, run_id = time_run(ids["programme"], ids["coordinator"], args.profile)
        print("run:", result["summary"])
        for label, seconds in result["parts"].items():
            print(f"  {label:<45} {seconds:7.2f} s")
        db.session.remove()
        small = copy_run(run_id, 1000)
        db.session.remove()
        for page, r in time_pages(app, small, args.repeat).items():
            print(f"proposals page {page} of a 1,000-proposal run ({r['cards']} shown, page "
                  f"size {r['page_size']}): median {r['median_ms']:.0f} ms, max "
                  f"{r['max_ms']:.0f} ms over {args.repeat}, {r['queries']:.0f} queries")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
