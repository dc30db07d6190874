"""Small builders for test data (plain functions, no magic)."""
from __future__ import annotations

from types import SimpleNamespace

from webapp.accounts import create_user
from webapp.demo import ensure_programme_types
from webapp.extensions import db
from webapp.models import Organisation, Programme

PASSWORD = "correct horse battery"


def build_world() -> SimpleNamespace:
    types = ensure_programme_types()
    org_a = Organisation(name="Home-Start Leiden", municipality="Leiden")
    org_b = Organisation(name="Home-Start Utrecht", municipality="Utrecht")
    db.session.add_all([org_a, org_b])
    prog_a = Programme(organisation=org_a, type=types["homestart"], name="Home-Start Leiden",
                       municipality="Leiden")
    prog_a2 = Programme(organisation=org_a, type=types["mim"], name="MIM Leiden",
                        municipality="Leiden")
    prog_b = Programme(organisation=org_b, type=types["homestart"], name="Home-Start Utrecht",
                       municipality="Utrecht")
    db.session.add_all([prog_a, prog_a2, prog_b])
    db.session.commit()
    coord_a = create_user(email="coord.a@example.org", name="Coordinator A",
                          role="coordinator", organisation_name=org_a.name, password=PASSWORD,
                          check_password=False)
    coord_a.programmes = [prog_a]
    coord_b = create_user(email="coord.b@example.org", name="Coordinator B",
                          role="coordinator", organisation_name=org_b.name, password=PASSWORD,
                          check_password=False)
    coord_b.programmes = [prog_b]
    admin = create_user(email="admin@example.org", name="Admin", role="admin",
                        password=PASSWORD, check_password=False)
    org_admin = create_user(email="orgadmin@example.org", name="Org Admin", role="admin",
                            organisation_name=org_a.name, password=PASSWORD,
                            check_password=False)
    volunteer = create_user(email="vol@example.org", name="Volunteer V", role="volunteer",
                            password=PASSWORD, check_password=False)
    db.session.commit()
    return SimpleNamespace(org_a=org_a, org_b=org_b, prog_a=prog_a, prog_a2=prog_a2,
                           prog_b=prog_b, coord_a=coord_a, coord_b=coord_b, admin=admin,
                           org_admin=org_admin, volunteer=volunteer, password=PASSWORD)
