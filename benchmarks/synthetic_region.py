"""Synthetic regions for benchmarks: realistic volunteers and family requests.

Postcodes are drawn from the packaged PC4 table around a centre (default Leiden, 2311) with
more weight on the city; families come from arrival cohorts (Syrian: Arabic/Kurdish,
Eritrean: Tigrinya, Afghan: Dari/Pashto, Ukrainian, Somali, Turkish); volunteers are Dutch
natives or *oudkomers* from the same cohorts; readiness, capacities, travel radii and hours
are drawn with plausible rates.  Deterministic for a given seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from matching.geo import default_table, haversine_km
from matching.model import FamilyRequest, ProgrammeReadiness, ProgrammeRules, VolunteerProfile
from matching.problem import TrioFamily, TrioMember, TrioProblem, Triple
from matching.scoring import Scorer

TODAY = date(2024, 6, 1)
COHORTS = [  # (share, country, languages of the family)
    (0.30, "SY", {"ar": "native", "ku": "good"}),
    (0.20, "ER", {"ti": "native"}),
    (0.15, "AF", {"prs": "native", "ps": "good"}),
    (0.20, "UA", {"uk": "native", "ru": "good"}),
    (0.08, "SO", {"so": "native"}),
    (0.07, "TR", {"tr": "native"}),
]
THEMES = ["school", "sexual_health", "talking", "confidence", "two_cultures", "wellbeing",
          "digital", "child_protection_fear", "leisure", "puberty"]
DAYS = [f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat") for p in ("am", "pm")]
MISSING = [("themabijeenkomst",), ("pharos_elearning",), ("vog",),
           ("themabijeenkomst", "vog")]
RULES = {
    "homestart": ProgrammeRules("homestart", child_age_max=12, hours_per_match=2),
    "mim": ProgrammeRules("mim", volunteer_genders=frozenset({"f"}), child_age_max=4,
                          hours_per_match=2),
    "steunouder": ProgrammeRules("steunouder", needs_fixed_days=True, hours_per_match=4),
    "spel": ProgrammeRules("spel", child_age_max=7, hours_per_match=1),
}
PROGRAMMES = ["homestart", "mim", "steunouder", "spel"]


def region_postcodes(center: str = "2311", radius_km: float = 35.0):
    """PC4 codes within ``radius_km`` of ``center`` and sampling weights (closer = more)."""
    t = default_table()
    clat, clon = t.coords(center)
    codes = t.codes()
    lat = np.array([t.coords(c)[0] for c in codes])
    lon = np.array([t.coords(c)[1] for c in codes])
    d = haversine_km(clat, clon, lat, lon)
    keep = d <= radius_km
    w = 1.0 / (1.0 + d[keep] / 5.0)
    return [c for c, k in zip(codes, keep) if k], w / w.sum()


def _second(_drawn, value):
    """``value`` (``_drawn`` was only drawn from the generator, to keep instances stable)."""
    return value


def _cohort(rng: random.Random):
    x = rng.random()
    for share, country, langs in COHORTS:
        if x < share:
            return country, langs
        x -= share
    return COHORTS[0][1], COHORTS[0][2]


def people(n_requests: int, n_volunteers: int, seed: int = 1, *, center: str = "2311",
           radius_km: float = 35.0, oudkomer_share: float = 0.35, hours: bool = False,
           travel=(5.0, 10.0, 15.0)):
    """(volunteers, requests, rules) for a synthetic region."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    codes, w = region_postcodes(center, radius_km)
    vpcs = nrng.choice(codes, size=n_volunteers, p=w)
    fpcs = nrng.choice(codes, size=n_requests, p=w)
    vols = []
    for i in range(n_volunteers):
        oud = rng.random() < oudkomer_share
        if oud:
            country, langs = _cohort(rng)
            languages = dict(langs)
            dutch = rng.choice(["B1", "B2", "C1"])
        else:
            country, languages, dutch = "NL", {"en": rng.choice(["good", "basic"])}, "native"
            if rng.random() < 0.1:
                languages[rng.choice(["ar", "fr", "de", "tr"])] = "good"
        readiness = {}
        for p in PROGRAMMES:
            ok = rng.random() < 0.75
            readiness[p] = ProgrammeReadiness(ok, () if ok else rng.choice(MISSING))
        vols.append(VolunteerProfile(
            f"v{i}", str(vpcs[i]), rng.choice("ff fm"), languages, dutch,
            rng.choice(travel), readiness,
            max_families=None if hours else rng.choice([1, 1, 1, 2]),
            hours_per_week=rng.choice([2, 3, 4, 6, 8]) if hours else None,
            dagdelen=frozenset(rng.sample(DAYS, 3)),
            themes=frozenset(rng.sample(THEMES, rng.randint(1, 4))),
            experience_ages=frozenset(rng.sample(["0-3", "4-11", "12-17"], rng.randint(0, 2))),
            # the birth year of the removed age factor is still drawn: same instances
            country_of_origin=_second(rng.randint(1950, 2000),
                                      country if rng.random() < 0.6 else None),
            religion=rng.choice([None, None, "islam", "christian", "none"])))
    reqs = []
    for i in range(n_requests):
        country, langs = _cohort(rng)
        prog = rng.choices(PROGRAMMES, weights=[5, 2, 1, 2])[0]
        nkids = rng.randint(1, 4)
        reqs.append(FamilyRequest(
            f"r{i}", f"F{i}", prog, str(fpcs[i]),
            priority=rng.choices([1, 2, 3], weights=[8, 2, 1])[0],
            max_new_volunteers=1, languages=dict(langs),
            dutch_level=rng.choice(["A0", "A1", "A2", "A2", "B1"]),
            wants_dutch_practice=rng.random() < 0.3,
            volunteer_gender="f" if rng.random() < 0.2 else None,
            children_ages=tuple(rng.randint(0, 14) for _ in range(nkids)),
            dagdelen=frozenset(rng.sample(DAYS, 4)),
            needs=frozenset(rng.sample(THEMES, rng.randint(1, 3))),
            country_of_origin=_second(rng.randint(1975, 2000), country), religion=rng.choice([None, "islam", "christian"]),
            no_own_community=rng.random() < 0.1,
            waiting_since=TODAY - timedelta(days=rng.randint(0, 400)),
            hours_per_week=rng.choice([1, 2, 3, 4]) if hours else None))
    return vols, reqs, RULES


def _day_masks(items) -> np.ndarray:
    """Bit mask of the *dagdelen* of each person (bit i = ``DAYS[i]``)."""
    bit = {d: 1 << i for i, d in enumerate(DAYS)}
    return np.array([sum(bit[x] for x in p.dagdelen) for p in items], dtype=np.int64)


def trio_arrays(n_families: int, n_oudkomers: int, n_dutch: int, seed: int = 1,
                od_radius_km: float = 2.0):
    """Realistic trio instance as arrays: ``(reqs, vols_o, vols_d, f, o, d, score)``.

    - family–oudkomer: the scorer's hard rules with the family's *own* language (no Dutch
      practice: an oudkomer is chosen because they share the family's language), within
      travel range, trained (readiness) and sharing a *dagdeel*;
    - family–Dutch volunteer: the scorer's rules with Dutch practice (family Dutch A2/B1),
      within travel range, trained, sharing a *dagdeel*;
    - oudkomer–Dutch volunteer: they live within ``od_radius_km`` of each other (they meet
      and travel together) and share Dutch (oudkomers have B1+);
    - a trio needs one *dagdeel* that all three have free (they meet together).
    The trio score is the sum of the three pair scores (oudkomer–Dutch: 0–10 by distance).
    """
    vols_o, reqs, _ = people(n_families, n_oudkomers, seed, oudkomer_share=1.0,
                             travel=(3.0, 5.0, 8.0))
    vols_d, _, _ = people(1, n_dutch, seed + 1, oudkomer_share=0.0, travel=(3.0, 5.0, 8.0))

    def trio_ready(v, vid):
        return v.__class__(**{**v.__dict__, "id": vid,
                              "readiness": {**v.readiness, "trio": v.readiness["homestart"]}})

    vols_o = [trio_ready(v, f"o{i}") for i, v in enumerate(vols_o)]
    vols_d = [trio_ready(v, f"d{i}") for i, v in enumerate(vols_d)]
    rng = random.Random(seed)
    rules = {"trio": ProgrammeRules("trio", needs_fixed_days=True)}
    reqs_o = [r.__class__(**{**r.__dict__, "programme": "trio", "wants_dutch_practice": False})
              for r in reqs]
    reqs_d = [r.__class__(**{**r.__dict__, "programme": "trio", "wants_dutch_practice": True,
                             "dutch_level": rng.choice(["A2", "B1"])}) for r in reqs]
    fo = Scorer(vols_o, rules, TODAY).candidates(reqs_o)
    fd = Scorer(vols_d, rules, TODAY).candidates(reqs_d)
    nd = len(vols_d)
    t = default_table()
    oc = np.array([t.coords(v.postcode) for v in vols_o])
    dc = np.array([t.coords(v.postcode) for v in vols_d])
    fmask, omask, dmask = _day_masks(reqs), _day_masks(vols_o), _day_masks(vols_d)
    # Oudkomer–Dutch pairs: near each other, a common dagdeel.
    od_o, od_d, od_s = [], [], []
    for o in range(len(vols_o)):
        dist = haversine_km(oc[o, 0], oc[o, 1], dc[:, 0], dc[:, 1])
        near = np.flatnonzero((dist <= od_radius_km) & ((dmask & omask[o]) != 0))
        od_o.append(np.full(len(near), o))
        od_d.append(near)
        od_s.append(np.round(10 * (1 - dist[near] / od_radius_km)).astype(np.int64))
    od_o, od_d, od_s = (np.concatenate(x) for x in (od_o, od_d, od_s))
    # Join: family–oudkomer pairs × the oudkomer's Dutch partners, kept when family–Dutch is
    # a candidate and the three share a dagdeel.
    by_o = np.argsort(od_o, kind="stable")
    od_o, od_d, od_s = od_o[by_o], od_d[by_o], od_s[by_o]
    start = np.searchsorted(od_o, np.arange(len(vols_o) + 1))
    cnt = start[fo.vol + 1] - start[fo.vol]
    pair = np.repeat(np.arange(len(fo)), cnt)
    offs = np.arange(len(pair)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    j = np.repeat(start[fo.vol], cnt) + offs
    f, o, d = fo.req[pair], fo.vol[pair], od_d[j]
    fd_key = fd.req * nd + fd.vol
    order = np.argsort(fd_key)
    key = f * nd + d
    pos = np.clip(np.searchsorted(fd_key[order], key), 0, max(len(fd_key) - 1, 0))
    hit = (fd_key[order][pos] == key) if len(fd_key) else np.zeros(len(key), dtype=bool)
    hit &= (fmask[f] & omask[o] & dmask[d]) != 0
    score = fo.score[pair] + od_s[j] + np.where(hit, fd.score[order][pos], 0)
    sel = np.flatnonzero(hit)
    return reqs, vols_o, vols_d, f[sel], o[sel], d[sel], score[sel]


def trio_problem(n_families: int, n_oudkomers: int, n_dutch: int, seed: int = 1,
                 od_radius_km: float = 2.0) -> TrioProblem:
    """A realistic trio problem (see :func:`trio_arrays`) in the JSON contract's form."""
    reqs, vols_o, vols_d, f, o, d, s = trio_arrays(n_families, n_oudkomers, n_dutch, seed,
                                                   od_radius_km)
    rid = [r.id for r in reqs]
    oid = [v.id for v in vols_o]
    did = [v.id for v in vols_d]
    triples = tuple(Triple(rid[a], oid[b], did[c], e)
                    for a, b, c, e in zip(f.tolist(), o.tolist(), d.tolist(), s.tolist()))
    fams = tuple(TrioFamily(r.id, r.priority) for r in reqs)
    return TrioProblem(fams, tuple(TrioMember(v.id) for v in vols_o),
                       tuple(TrioMember(v.id) for v in vols_d), triples)
