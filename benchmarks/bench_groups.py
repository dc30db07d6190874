"""Benchmark: form parent groups for 600 parents in 8 languages (matching.groups).

    .venv/bin/python benchmarks/bench_groups.py [--parents 600] [--seed 1] [--limit 10]

Prints the wall time, the placed count, the proven upper bound and the gap, and exits with
status 1 when it took 10 s or more or when a group breaks a rule. See README_groups.md.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.groups import (
    GroupParent,
    GroupSettings,
    StaffMember,
    Venue,
    form_groups,
)

# Eight languages with rough shares of a Dutch municipality's refugee parents.
LANGUAGES = [("ar", 0.26), ("ti", 0.16), ("prs", 0.12), ("uk", 0.14), ("so", 0.08),
             ("tr", 0.08), ("ku", 0.08), ("fa", 0.08)]
SLOTS = ("mon_am", "tue_am", "tue_ev", "wed_pm", "thu_am", "sat_am")
CENTRE = (52.16, 4.49)  # Leiden


def _near(rng: random.Random, km: float) -> tuple[float, float]:
    r, a = km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    return (CENTRE[0] + r * math.cos(a) / 111.0,
            CENTRE[1] + r * math.sin(a) / (111.0 * math.cos(math.radians(CENTRE[0]))))


def instance(n: int = 600, seed: int = 1):
    """A synthetic region: ``n`` parents, 3 venues, trainers and language support."""
    rng = random.Random(seed)
    codes = [c for c, _w in LANGUAGES]
    weights = [w for _c, w in LANGUAGES]
    parents = []
    family = 0
    while len(parents) < n:
        lang = rng.choices(codes, weights)[0]
        langs = (lang, "fa") if lang == "prs" and rng.random() < 0.5 else (lang,)
        home = _near(rng, 9)
        wish = rng.choice(["any", "any", "any", "together", "apart"])
        for gender in (["f", "m"] if rng.random() < 0.45 else [rng.choice("ffm")]):
            if len(parents) == n:
                break
            slots = frozenset(rng.sample(SLOTS, rng.randint(2, 4)))
            parents.append(GroupParent(f"p{len(parents)}", f"f{family}", gender, langs,
                                       slots, home, wish))
        family += 1
    venues = [Venue("noord", _near(rng, 3), SLOTS[:4]), Venue("zuid", _near(rng, 3), SLOTS[2:]),
              Venue("centrum", CENTRE, SLOTS)]
    # Staff sized to the demand, as an organisation would plan it: a trainer per ~15
    # parents (two groups each), and per language a female sleutelpersoon for the mothers'
    # groups plus interpreters, each free on four of the six slots.
    staff = [StaffMember(f"t{i}", "trainer", frozenset({"nl"}),
                         frozenset(rng.sample(SLOTS, 4)), max_groups=2)
             for i in range(n // 15 + 2)]
    for lang in codes:
        demand = sum(1 for p in parents if p.languages[0] == lang)
        staff.append(StaffMember(f"s-{lang}", "sleutelpersoon", frozenset({lang}),
                                 frozenset(rng.sample(SLOTS, 4)), frozenset({"f"}), 2))
        for k in range(max(1, demand // 40)):
            staff.append(StaffMember(f"i-{lang}-{k}", "interpreter", frozenset({lang}),
                                     frozenset(rng.sample(SLOTS, 4)), max_groups=2))
    staff.append(StaffMember("i-dari-farsi", "interpreter", frozenset({"prs", "fa"}),
                             frozenset(SLOTS), max_groups=2))
    return parents, venues, staff


def check(plan, parents, staff, settings) -> list[str]:
    """Rule violations in a plan (empty when fine)."""
    by_id = {p.id: p for p in parents}
    staff_by_id = {s.id: s for s in staff}
    errors = []
    for g in plan.groups:
        if not settings.min_size <= len(g.members) <= settings.max_size:
            errors.append(f"size {len(g.members)}")
        if {by_id[m].gender for m in g.members} != {g.gender}:
            errors.append("mixed genders")
        if not set(g.languages) <= staff_by_id[g.support].languages:
            errors.append("support without the language")
    return errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parents", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=9.0, help="solver time budget (s)")
    args = ap.parse_args(argv)
    parents, venues, staff = instance(args.parents, args.seed)
    settings = GroupSettings(time_limit_s=args.limit, seed=args.seed)
    t0 = time.perf_counter()
    plan = form_groups(parents, venues, staff, settings)
    wall = time.perf_counter() - t0
    errors = check(plan, parents, staff, settings)
    print(f"parents={len(parents)} groups={len(plan.groups)} placed={plan.placed} "
          f"bound={plan.placed_bound} gap={plan.gap} proven_optimal={plan.proven_optimal} "
          f"fit={plan.fit} fit_optimal={plan.fit_optimal} decomposed={plan.decomposed} "
          f"components={plan.components} wall={wall:.2f}s")
    reasons: dict[str, int] = {}
    for u in plan.unplaced:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    print("unplaced by reason:", dict(sorted(reasons.items())))
    for s in plan.shortages:
        print(f"  {s.count} {s.language} {'mothers' if s.gender == 'f' else 'fathers'}"
              f" — {s.short_by} short of a group")
    if errors:
        print("RULES BROKEN:", errors)
    return 0 if wall < 10 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
