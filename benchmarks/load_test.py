"""Load test: gunicorn + PostgreSQL with 10,000 volunteers and 10,000 families, ``wrk`` for
60 s at 20 connections against the coordinator's family list, the volunteer's home page and
the login page. Results go to stdout as a table (and JSON with ``--json``).

    .venv/bin/python benchmarks/load_test.py [--seconds 60] [--connections 20] [--workers 4]
                                             [--skip-seed] [--pages families,home,login]

gunicorn runs with ``deploy/gunicorn.conf.py`` (as in production), with ``--workers``.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth; creates/overwrites the database
``koppel_load``) and ``wrk`` (Debian package). Everything runs on this machine only.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/koppel_load"
PASSWORD = "load test horse battery"


def prepare(instance: Path, env: dict) -> None:
    from bench_matching_web import fresh_database, seed
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.auth.passwords import hash_password
    from webapp.extensions import db
    from webapp.models import User
    fresh_database(URL)
    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": URL,
                      "ENCRYPTION_KEYS": [env["KOPPEL_ENCRYPTION_KEYS"]],
                      "INDEX_KEY": env["KOPPEL_INDEX_KEY"], "SECRET_KEY": env["SECRET_KEY"],
                      "LOG_FORMAT": "text", "KOPPEL_ENV": "development"})
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        seed(10_000, 10_000, random.Random(7))
        for email in ("coordinator@bench.test", "volunteer0@bench.test"):
            user = User.by_email(email)
            user.password_hash = hash_password(PASSWORD)
            from webapp.models.base import utcnow
            user.email_confirmed_at = utcnow()
        db.session.commit()
        print(f"seeded 10,000 volunteers and 10,000 families in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    # what autovacuum does to a production database soon after a bulk load: statistics for
    # the planner, and the visibility map that lets index-only scans skip the table
    import sqlalchemy as sa
    engine = sa.create_engine(URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def login(base: str, email: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email,
                                   "password": PASSWORD}).encode()
    opener.open(f"{base}/login", data=data).read()
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}"


def wrk(url: str, seconds: int, connections: int, cookie: str | None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
           "-s", str(ROOT / "benchmarks" / "wrk_report.lua"), url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pages", default="families,home,login",
                        help="which of families, home, login to load (comma-separated)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("load_test: wrk is not installed (apt-get install wrk)")
    instance = Path(tempfile.gettempdir()) / "koppel-load"
    instance.mkdir(exist_ok=True)
    keyfile = instance / "load.env.json"
    if not keyfile.exists():
        from cryptography.fernet import Fernet
        keyfile.write_text(json.dumps({"KOPPEL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                                       "KOPPEL_INDEX_KEY": "load-index-key",
                                       "SECRET_KEY": "load-secret-key-" + "x" * 32}))
    env = dict(os.environ, **json.loads(keyfile.read_text()))
    env.update(DATABASE_URL=URL, KOPPEL_INSTANCE=str(instance), KOPPEL_LOG_FORMAT="text",
               KOPPEL_REQUIRE_2FA_STAFF="0", KOPPEL_ENV="development")
    if not args.skip_seed:
        prepare(instance, env)
    port = 8731
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
         "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        coordinator = login(base, "coordinator@bench.test")
        volunteer = login(base, "volunteer0@bench.test")
        results = {}
        pages = {"families": ("coordinator: family list", "/families", coordinator),
                 "home": ("volunteer: home page", "/dashboard", volunteer),
                 "login": ("login page", "/login", None)}
        for key in args.pages.split(","):
            name, path, cookie = pages[key]
            results[name] = wrk(base + path, args.seconds, args.connections, cookie)
            print(f"{name:28s} {results[name]}", flush=True)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(20)
    if args.json:
        print(json.dumps(results, indent=2))
    print("\n| page | requests/s | p50 ms | p95 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['errors']} |")


if __name__ == "__main__":
    main()
