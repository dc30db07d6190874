"""Benchmark: validating a volunteer import of 5,000 rows (target: under 10 s).

    .venv/bin/python benchmarks/bench_import.py [--rows 5000] [--xlsx]

Builds a realistic CSV (or XLSX) file in memory, runs the import's parse-and-validate step
against a migrated temporary SQLite database (the e-mail look-up queries run for real) and
prints the time. Nothing is stored.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ["name", "email", "postcode", "birth_year", "phone", "gender", "travel_km",
          "languages", "dutch_level", "refugee_background", "origin_country", "arrival_year",
          "dagdelen", "max_families", "hours_per_week", "themes", "pharos_elearning",
          "themabijeenkomst", "basis_homestart", "vog_issued_on", "vog_original_seen"]


def rows(n: int, rng: random.Random):
    pcs = ["2311", "2312", "2313", "2316", "2321", "2331", "2333", "2341", "2351", "2361"]
    for i in range(n):
        refugee = rng.random() < 0.4
        yield [f"Volunteer {i}", f"volunteer{i}@example.org", f"{rng.choice(pcs)} AB",
               rng.randint(1950, 2000), "0612345678", rng.choice("fmx"), rng.randint(1, 20),
               "ar:native;en:good" if refugee else "nl:native", "B1" if refugee else "native",
               "yes" if refugee else "no", "SY" if refugee else "", 2015 if refugee else "",
               "mon_am;wed_pm", 1, 3, "school;two_cultures", "2025-02-01", "14-03-2025",
               "2025-04-01", "2025-01-15", "yes"]


def build(n: int, xlsx: bool) -> bytes:
    rng = random.Random(1)
    if xlsx:
        from openpyxl import Workbook
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(HEADER)
        for r in rows(n, rng):
            ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    import csv
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows(n, rng))
    return buf.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    from cryptography.fernet import Fernet
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.volunteers.imports import parse_and_validate
    tmp = Path(tempfile.mkdtemp(prefix="koppel-bench-"))
    app = create_app({"INSTANCE_PATH": str(tmp / "instance"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
                      "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
                      "INDEX_KEY": "bench", "SECRET_KEY": "bench", "TESTING": True})
    content = build(args.rows, args.xlsx)
    with app.app_context():
        upgrade(revision="heads")
        from matching.geo import default_table
        default_table()  # loaded once per process in real use too
        started = time.perf_counter()
        parsed = parse_and_validate(content, date(2026, 11, 23))
        seconds = time.perf_counter() - started
    assert not parsed.problems, parsed.problems[:5]
    kind = "xlsx" if args.xlsx else "csv"
    print(f"import validation: {len(parsed.rows)} rows ({kind}, {len(content) / 1e6:.1f} MB) "
          f"in {seconds:.2f} s — target < 10 s: {'OK' if seconds < 10 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
