"""Small builders for test data (plain functions, no magic)."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from webapp.accounts import create_user
from webapp.demo import ensure_programme_types
from webapp.extensions import db
from webapp.models import Organisation, Programme
from webapp.models.families import Family
from webapp.models.volunteers import TrainingCompletion, Volunteer, VolunteerVog

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
                          check_password=False, phone="071 512 34 56")
    coord_a.programmes = [prog_a]
    coord_b = create_user(email="coord.b@example.org", name="Coordinator B",
                          role="coordinator", organisation_name=org_b.name, password=PASSWORD,
                          check_password=False, phone="030 234 56 78")
    coord_b.programmes = [prog_b]
    admin = create_user(email="admin@example.org", name="Admin", role="admin",
                        password=PASSWORD, check_password=False, phone="020 345 67 89")
    org_admin = create_user(email="orgadmin@example.org", name="Org Admin", role="admin",
                            organisation_name=org_a.name, password=PASSWORD,
                            check_password=False, phone="071 512 00 00")
    volunteer = create_user(email="vol@example.org", name="Volunteer V", role="volunteer",
                            password=PASSWORD, check_password=False)
    db.session.commit()
    return SimpleNamespace(org_a=org_a, org_b=org_b, prog_a=prog_a, prog_a2=prog_a2,
                           prog_b=prog_b, coord_a=coord_a, coord_b=coord_b, admin=admin,
                           org_admin=org_admin, volunteer=volunteer, password=PASSWORD)


def make_volunteer(user, programmes, **fields) -> Volunteer:
    """A volunteer profile for ``user`` (the tests' own small builder)."""
    values = dict(pc4="2312", postcode_letters="AB", birth_year=1985, gender="f",
                  travel_km=5, languages={"ar": "native"}, dutch_level="B1",
                  dagdelen=["mon_am"], themes=["school"], consent_version="2026-11")
    values.update(fields)
    volunteer = Volunteer(user=user, **values)
    volunteer.programmes = list(programmes)
    db.session.add(volunteer)
    db.session.commit()
    return volunteer


def make_user(email, name="Other Volunteer", **kw):
    from webapp.accounts import create_user
    return create_user(email=email, name=name, role="volunteer", password="correct horse battery",
                       check_password=False, **kw)


def ready_records(volunteer, done_on: date, by=None, part_done=None):
    """Everything Home-Start asks for, done on ``done_on`` (verified)."""
    for item in ("pharos_elearning", "themabijeenkomst", "basis_homestart"):
        db.session.add(TrainingCompletion(volunteer=volunteer, item=item,
                                          completed_on=part_done or done_on if item ==
                                          "pharos_elearning" else done_on,
                                          source="coordinator", verified=True))
    db.session.add(VolunteerVog(volunteer=volunteer, issued_on=done_on, original_seen=True,
                                screening_profile="84"))
    db.session.commit()


def make_family(programme, user=None, *, matching=True, special="none", **fields) -> Family:
    """A family enrolled (waiting) in ``programme``, made through the service."""
    from webapp.families import services
    data = {
        "referral_source": "jgz", "urgency": 0, "programme_note": None,
        "consent": {"asked_on": date.today() - timedelta(days=3), "language": "ar",
                    "explained_by": "coordinator", "purpose_matching": matching,
                    "purpose_share_profile": True, "purpose_contact_school": False,
                    "special_category": special},
        "housed_on": date.today() - timedelta(days=200), "pc4": "2316",
        "postcode_letters": "AB", "address": "Kooilaan 1", "max_volunteers": 2,
        "message_channel": "sms", "contact_detail": "+31612345678", "message_language": "ar",
        "needs": ["school"], "needs_note": "note", "groups_to_avoid": None,
        "parents": [{"name": "Rasha", "gender": "f", "languages": [{"code": "ar",
                                                                    "level": "native"}],
                     "dutch_level": "A1", "can_read": "yes"}],
        "children": [{"birth_year": date.today().year - 3, "birth_month": 5, "gender": "f"}],
    }
    data.update(fields)

    class System:  # the service needs only an id for "who"
        id = user.id if user else None
    return services.create_family(data, programme, user or System())
