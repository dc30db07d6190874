"""Shared builders for the parent-group tests: the blueprint registered on the test app, a
parent-group programme with a coordinator, and families enrolled in it."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

from tests.factories import PASSWORD, make_family
from webapp.accounts import create_user
from webapp.demo import ensure_programme_types
from webapp.extensions import db
from webapp.models import Organisation, Programme


def register(app) -> None:
    """The lead registers ``groups.bp`` in the app factory; until then, tests do it."""
    if "groups" not in app.blueprints:
        from webapp.groups import bp
        app.register_blueprint(bp, url_prefix="/groups")


def build(app, n_mothers: int = 4, n_fathers: int = 1) -> SimpleNamespace:
    register(app)
    types = ensure_programme_types()
    org = Organisation(name="VluchtelingenWerk Leiden", municipality="Leiden")
    other = Organisation(name="VluchtelingenWerk Utrecht", municipality="Utrecht")
    hs_org = Organisation(name="Home-Start Leiden", municipality="Leiden")
    db.session.add_all([org, other, hs_org])
    pou = Programme(organisation=org, type=types["pou"], name="POU Leiden",
                    municipality="Leiden")
    pou_b = Programme(organisation=other, type=types["pou"], name="POU Utrecht",
                      municipality="Utrecht")
    homestart = Programme(organisation=hs_org, type=types["homestart"],
                          name="Home-Start Leiden", municipality="Leiden")
    db.session.add_all([pou, pou_b, homestart])
    db.session.commit()
    coord = create_user(email="vw@example.org", name="Joost", role="coordinator",
                        organisation_name=org.name, password=PASSWORD, check_password=False)
    coord.programmes = [pou]
    coord_b = create_user(email="vwb@example.org", name="Other", role="coordinator",
                          organisation_name=other.name, password=PASSWORD,
                          check_password=False)
    coord_b.programmes = [pou_b]
    db.session.commit()
    families = []
    for i in range(n_mothers + n_fathers):
        gender = "f" if i < n_mothers else "m"
        families.append(make_family(
            pou, coord, pc4="2316", message_channel="sms" if i % 2 == 0 else "letter",
            contact_detail="+3161234567%d" % i, message_language="ar",
            parents=[{"name": f"Ouder{i}", "gender": gender,
                      "languages": [{"code": "ar", "level": "native"}],
                      "dutch_level": "A1", "can_read": "yes"}]))
    return SimpleNamespace(pou=pou, pou_b=pou_b, homestart=homestart, coord=coord,
                           coord_b=coord_b, families=families)


def make_round(w, **kw):
    from webapp.models.groups import GroupRound
    values = dict(programme_id=w.pou.id, name="Oudergroepen Leiden", municipality="Leiden",
                  settled_since=date.today() - timedelta(days=3 * 365),
                  first_meeting_on=datetime(2030, 3, 5, 10, 0), place="Buurthuis De Kooi",
                  pc4="2316", slots=["tue_am", "thu_pm"], contact_name="Joost",
                  contact_phone="071 123 45 67", min_size=2, max_size=4, max_km=10)
    values.update(kw)
    round_ = GroupRound(**values)
    db.session.add(round_)
    db.session.commit()
    return round_


def make_staff(w, **kw):
    from webapp.models.groups import GroupStaff
    trainer = GroupStaff(programme_id=w.pou.id, name="Trainer T", role="trainer",
                         languages=["nl"], slots=["tue_am", "thu_pm"], max_groups=2)
    support = GroupStaff(programme_id=w.pou.id, name="Raafat", role="sleutelpersoon",
                         languages=kw.get("languages", ["ar"]), slots=["tue_am", "thu_pm"],
                         max_groups=2)
    db.session.add_all([trainer, support])
    db.session.commit()
    return trainer, support


def login(client, email):
    return client.post("/login", data={"email": email, "password": PASSWORD})
