"""The demo region: organisations, programmes, accounts (and, as the areas grow, volunteers
and families). ``flask --app wsgi seed-demo`` refuses to touch a database with real users."""
from __future__ import annotations

import random

from .accounts import create_user
from .extensions import db
from .models import Organisation, Programme, User
# Programme types and their default rules are data in webapp.programme_types (a database
# without the demo needs them too); re-exported here for tests and benchmarks.
from .programme_types import ensure_programme_types

DEMO_PASSWORD = "demo-password"
DEMO_DOMAIN = "@demo.test"

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
                password=DEMO_PASSWORD, check_password=False, phone="071 512 00 00")
    coordinator = create_user(email="coordinator@demo.test", name="Carla de Vries",
                              role="coordinator", organisation_name="Home-Start Leiden",
                              password=DEMO_PASSWORD, check_password=False,
                              phone="071 512 34 56")
    coordinator.programmes = [programmes["homestart"], programmes["steunouder"]]
    other = create_user(email="coordinator.mim@demo.test", name="Samira El Amrani",
                        role="coordinator",
                        organisation_name="Moeders Informeren Moeders Holland Rijnland",
                        password=DEMO_PASSWORD, check_password=False, phone="071 523 45 67")
    other.programmes = [programmes["mim"], programmes["spelaanhuis"]]
    vw = create_user(email="coordinator.vw@demo.test", name="Joost Bakker", role="coordinator",
                     organisation_name="VluchtelingenWerk Leiden", password=DEMO_PASSWORD,
                     check_password=False, phone="071 534 56 78")
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
