"""The demo region: organisations, programmes, accounts (and, as the areas grow, volunteers
and families). ``flask --app wsgi seed-demo`` refuses to touch a database with real users."""
from __future__ import annotations

import random

from .accounts import create_user
from .extensions import db
from .models import Organisation, Programme, ProgrammeType, User

DEMO_PASSWORD = "demo-password"
DEMO_DOMAIN = "@demo.test"

# Programme types and their default rules (rules are data; admins can change them).
PROGRAMME_TYPES = [
    ("homestart", "Home-Start", {"child_age_months": [0, 144], "hours_per_match": 2}),
    ("mim", "Moeders Informeren Moeders", {"volunteer_gender": "f", "child_age_months": [0, 72],
                                           "hours_per_match": 2}),
    ("steunouder", "Steunouder", {"child_age_months": [0, 216], "fixed_days": True,
                                  "hours_per_match": 8}),
    ("spelaanhuis", "Spel aan Huis", {"child_age_months": [24, 120], "hours_per_match": 1}),
    ("pou", "Preventieve Ouderschapsondersteuning", {"groups": True}),
    ("trio", "Mentortrio nieuwkomer–oudkomer–Nederlander", {"trios": True,
                                                            "volunteers_per_family": 2,
                                                            "hours_per_match": 2}),
]

ORGANISATIONS = [
    ("Home-Start Leiden", "Leiden", [("homestart", "Home-Start Leiden"),
                                     ("steunouder", "Steunouder Leiden")]),
    ("Moeders Informeren Moeders Holland Rijnland", "Leiden", [("mim", "MIM Leiden"),
                                                               ("spelaanhuis", "Spel aan Huis Leiden")]),
    ("VluchtelingenWerk Leiden", "Leiden", [("pou", "Preventieve Ouderschapsondersteuning Leiden"),
                                            ("trio", "Mentortrio's Leiden")]),
]


class DemoRefused(RuntimeError):
    """The database holds data that is not demo data."""


def ensure_programme_types() -> dict[str, ProgrammeType]:
    types = {t.code: t for t in db.session.execute(db.select(ProgrammeType)).scalars()}
    for code, name, rules in PROGRAMME_TYPES:
        if code not in types:
            types[code] = ProgrammeType(code=code, name=name, default_rules=rules)
            db.session.add(types[code])
    db.session.flush()
    return types


def seed_demo(seed: int = 7) -> str:
    """Create the demo region. Returns a summary with the demo logins."""
    users = db.session.execute(db.select(User)).scalars().all()
    if any(not u.email.endswith(DEMO_DOMAIN) for u in users):
        raise DemoRefused("the database already holds real users; the demo is only for an "
                          "empty database")
    if users:
        return "The demo is already there. " + _logins()
    rng = random.Random(seed)
    types = ensure_programme_types()
    programmes: dict[str, Programme] = {}
    for org_name, municipality, progs in ORGANISATIONS:
        org = Organisation(name=org_name, municipality=municipality)
        db.session.add(org)
        for code, name in progs:
            programmes[code] = Programme(organisation=org, type=types[code], name=name,
                                         municipality=municipality)
            db.session.add(programmes[code])
    db.session.commit()

    create_user(email="admin@demo.test", name="Anna Admin", role="admin",
                password=DEMO_PASSWORD, check_password=False)
    coordinator = create_user(email="coordinator@demo.test", name="Carla de Vries",
                              role="coordinator", organisation_name="Home-Start Leiden",
                              password=DEMO_PASSWORD, check_password=False)
    coordinator.programmes = [programmes["homestart"], programmes["steunouder"]]
    other = create_user(email="coordinator.mim@demo.test", name="Samira El Amrani",
                        role="coordinator",
                        organisation_name="Moeders Informeren Moeders Holland Rijnland",
                        password=DEMO_PASSWORD, check_password=False)
    other.programmes = [programmes["mim"], programmes["spelaanhuis"]]
    vw = create_user(email="coordinator.vw@demo.test", name="Joost Bakker", role="coordinator",
                     organisation_name="VluchtelingenWerk Leiden", password=DEMO_PASSWORD,
                     check_password=False)
    vw.programmes = [programmes["pou"], programmes["trio"]]
    create_user(email="volunteer@demo.test", name="Hanan Haddad", role="volunteer",
                password=DEMO_PASSWORD, check_password=False)
    db.session.commit()
    for hook in seed_hooks():
        hook(rng, programmes)
    db.session.commit()
    return "Demo created. " + _logins()


def _logins() -> str:
    return ("Log in at http://127.0.0.1:5000 with admin@demo.test, coordinator@demo.test or "
            f"volunteer@demo.test, password '{DEMO_PASSWORD}'.")


def seed_hooks() -> list:
    """Each area's demo data, in order: hook(rng, programmes_by_type_code)."""
    from .families.demo import seed_families
    from .groups.demo import seed_groups
    from .volunteers.demo import seed_volunteers
    return [seed_volunteers, seed_families, seed_groups]
