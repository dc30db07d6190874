"""Demo data for parent groups: families of the parent-group programme in Leiden (Arabic,
Dari and Tigrinya speaking mothers and fathers), a round with invitations and answers, and
a staff list with a trainer, sleutelpersonen and an interpreter. The coordinator forms the
groups themselves (coordinator.vw@demo.test)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from ..extensions import db
from ..models import Consent, Family, FamilyRequest, FamilyRequestEvent, Parent, User
from ..models.groups import GroupRound, GroupStaff, Invitation

# (language, mothers' names, fathers' names)
PEOPLE = [
    ("ar", ["Rasha", "Nour", "Huda", "Lina", "Amal", "Rana", "Dima", "Maha", "Sana", "Reem",
            "Hiba", "Yara", "Salma", "Layla", "Noura", "Ghada", "Asma", "Jana", "Samira",
            "Widad", "Hanan", "Aya"], ["Omar", "Khaled", "Samer", "Bassel", "Fadi", "Rami"]),
    ("prs", ["Mariam", "Zahra", "Shabnam", "Parwana", "Freshta", "Nilofar", "Sima"],
     ["Ahmad", "Farid"]),
    ("ti", ["Selam", "Helen", "Senait", "Almaz"], ["Yonas", "Tesfay", "Dawit"]),
]
PC4 = ["2311", "2312", "2313", "2315", "2316", "2321", "2324", "2332", "2333"]
SLOTS = ["tue_am", "wed_ev", "thu_am", "sat_am"]


def seed_groups(rng, programmes) -> None:
    """Add parent-group demo data to ``programmes["pou"]`` (nothing when it is missing)."""
    programme = programmes.get("pou")
    if programme is None:
        return
    coordinator = User.by_email("coordinator.vw@demo.test")
    by_id = coordinator.id if coordinator else None
    today = date.today()
    round_ = GroupRound(programme_id=programme.id, name="Oudergroepen Leiden voorjaar",
                        municipality="Leiden", settled_since=today - timedelta(days=3 * 365),
                        first_meeting_on=datetime.combine(today + timedelta(days=30),
                                                          datetime.min.time()).replace(hour=10),
                        place="Buurthuis De Kooi, Kooilaan 1, Leiden", pc4="2315",
                        slots=SLOTS, contact_name="Joost Bakker",
                        contact_phone="071 123 45 67", min_size=12, max_size=15, max_km=10,
                        created_by_id=by_id)
    db.session.add(round_)
    for lang, mothers, fathers in PEOPLE:
        couples = list(zip(mothers, fathers)) + [(m, None) for m in mothers[len(fathers):]]
        for mother, father in couples:
            family = Family(created_by_id=by_id, referral_source="vluchtelingenwerk",
                            housed_on=today - timedelta(days=rng.randint(120, 900)),
                            pc4=rng.choice(PC4), message_language=lang,
                            message_channel=rng.choice(["sms", "whatsapp", "letter"]),
                            contact_detail="+3161%07d" % rng.randint(0, 9_999_999))
            family.consents.append(Consent(asked_on=today - timedelta(days=20), language=lang,
                                           explained_by="interpreter", purpose_matching=True,
                                           purpose_share_profile=True, recorded_by_id=by_id))
            for pos, (name, gender) in enumerate([(mother, "f"), (father, "m")]):
                if name is None:
                    continue
                p = Parent(position=pos, gender=gender,
                           languages=[{"code": lang, "level": "native"}], dutch_level="A1",
                           can_read=rng.choice(["yes", "limited"]))
                p.set_name(name)
                family.parents.append(p)
            req = FamilyRequest(family=family, programme=programme)
            req.events.append(FamilyRequestEvent(from_status=None, to_status="waiting",
                                                 by_id=by_id))
            db.session.add_all([family, req])
            db.session.flush()
            wish = rng.choice(["any", "any", "apart"])
            for p in family.parents:
                answer = rng.choice(["yes", "yes", "yes", "yes", "maybe", "no", "none"])
                db.session.add(Invitation(round=round_, family_id=family.id, parent_id=p.id,
                                          answer=answer, family_wish=wish,
                                          slots=sorted(rng.sample(SLOTS, rng.randint(2, 4)))
                                          if answer in ("yes", "maybe") else []))
    db.session.add_all([
        GroupStaff(programme_id=programme.id, name="Ellen Jansen", role="trainer",
                   languages=["nl"], slots=SLOTS, max_groups=3),
        GroupStaff(programme_id=programme.id, name="Raafat Monther", role="sleutelpersoon",
                   languages=["ar", "nl"], slots=SLOTS, genders=["m"], max_groups=1),
        GroupStaff(programme_id=programme.id, name="Samar Haddad", role="sleutelpersoon",
                   languages=["ar", "nl"], slots=SLOTS, genders=["f"], max_groups=1),
        GroupStaff(programme_id=programme.id, name="Tolk Dari (tolkencentrum)",
                   role="interpreter", languages=["prs", "fa"], slots=SLOTS, max_groups=2),
    ])
    db.session.commit()
