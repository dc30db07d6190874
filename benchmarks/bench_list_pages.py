"""List pages in-process: time per request of the coordinator's family and volunteer lists
(with and without filters) against the volunteer's home page, measured in the same run.

    .venv/bin/python benchmarks/load_test.py --seconds 5 --pages login   # seeds koppel_load once
    .venv/bin/python benchmarks/bench_list_pages.py [--repeat 30]

Uses the database and keys that ``load_test.py`` made (PostgreSQL ``koppel_load`` with 10,000
volunteers and 10,000 families). Each figure is the median wall time of ``--repeat`` requests
(fewer for a page slower than 0.5 s, at least 3) through the Flask test client after a
warm-up, and its ratio to the reference page.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PAGES = [("volunteer: home page (reference)", "volunteer0@bench.test", "/dashboard"),
         ("family list", "coordinator@bench.test", "/families"),
         ("family list, page 100", "coordinator@bench.test", "/families?page=100"),
         ("family list, Tigrinya + waiting 8 weeks", "coordinator@bench.test",
          "/families?language=ti&waited=8"),
         ("volunteer list", "coordinator@bench.test", "/volunteers"),
         ("volunteer list, Arabic", "coordinator@bench.test", "/volunteers?language=ar"),
         ("volunteer list, ready only", "coordinator@bench.test", "/volunteers?readiness=ready")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    instance = Path(tempfile.gettempdir()) / "koppel-load"
    keyfile = instance / "load.env.json"
    if not keyfile.exists():
        sys.exit("bench_list_pages: run benchmarks/load_test.py first (it seeds koppel_load)")
    from load_test import PASSWORD, URL
    os.environ.update(json.loads(keyfile.read_text()))
    os.environ.update(DATABASE_URL=URL, KOPPEL_INSTANCE=str(instance), KOPPEL_LOG_FORMAT="text",
                      KOPPEL_REQUIRE_2FA_STAFF="0", KOPPEL_ENV="development")
    from webapp import create_app
    app = create_app()
    clients = {}
    for _, email, _ in PAGES:
        if email not in clients:
            client = clients[email] = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            client.post("/login", data={"csrf_token": token, "email": email,
                                        "password": PASSWORD})
    results = []
    for name, email, path in PAGES:
        client = clients[email]
        for _ in range(3):
            assert client.get(path).status_code == 200, path
        times, budget = [], time.perf_counter() + 15  # a slow page: at least 3, ≤ 15 s
        while len(times) < args.repeat and (len(times) < 3 or time.perf_counter() < budget):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
        results.append((name, path, statistics.median(times)))
    reference = results[0][2]
    print("| page | median ms | × reference |\n|---|---|---|")
    for name, path, seconds in results:
        print(f"| {name} (`{path}`) | {seconds * 1000:.1f} | {seconds / reference:.1f} |")


if __name__ == "__main__":
    main()
