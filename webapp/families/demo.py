"""Demo families in Leiden: ~30 households with varied languages, needs, preferences,
consent states and waiting times (made-up first names only)."""
from __future__ import annotations

from datetime import date, timedelta

from .. import vocab
from ..audit import record
from ..extensions import db
from ..models import Child, Consent, Family, FamilyRequest, FamilyRequestEvent, Parent, User
from ..models.base import utcnow

# (language, country, mother's names, father's names, message language)
GROUPS = [
    ("ar", "SY", ["Rasha", "Nour", "Huda", "Lina", "Amal"], ["Omar", "Khaled", "Samer", "Bassel"], "ar"),
    ("ti", "ER", ["Selam", "Helen", "Senait", "Almaz"], ["Yonas", "Tesfay", "Dawit"], "ti"),
    ("prs", "AF", ["Mariam", "Zahra", "Shabnam"], ["Ahmad", "Farid", "Nasir"], "prs"),
    ("uk", "UA", ["Olena", "Iryna", "Kateryna", "Natalia"], ["Andrii", "Serhii"], "uk"),
    ("so", "SO", ["Hodan", "Faadumo", "Ayaan"], ["Abdi", "Mahad"], "so"),
    ("tr", "TR", ["Elif", "Zeynep"], ["Mehmet", "Emre"], "tr"),
    ("ku", "SY", ["Rojin", "Berfin"], ["Rezan", "Dilshad"], "ar"),
]
PC4 = ["2311", "2312", "2313", "2314", "2315", "2316", "2317", "2318", "2321", "2322", "2323",
       "2324", "2331", "2332", "2333", "2334"]
STREETS = ["Kanaalpark", "Stevensbloem", "Hoge Rijndijk", "Haagweg", "Morsweg",
           "Kooilaan", "Zeemanlaan", "Lammenschansweg", "Vijf Meilaan", "Rooseveltstraat"]
REFERRALS = ["jgz", "vluchtelingenwerk", "vluchtelingenwerk", "school", "brede_intake",
             "wijkteam", "self", "other"]
# codes of webapp.vocab.COMMUNITIES (groups to avoid: "community:<code>")
COMMUNITIES = ["eritrean_orthodox", "pentecostal", "hazara", "tajik", "darod", "hawiye",
               "alawite", "sunni_arab"]
N_FAMILIES = 30


def seed_families(rng, programmes) -> None:
    """Add the demo families; ``programmes`` maps programme type code → Programme."""
    today = date.today()
    staff = db.session.execute(db.select(User).filter_by(role="coordinator")).scalars().first()
    by_id = staff.id if staff else None
    pool = [p for code, p in programmes.items() if code in ("homestart", "mim", "steunouder",
                                                             "spelaanhuis", "trio")]
    for i in range(N_FAMILIES):
        lang, country, mothers, fathers, msg_lang = GROUPS[i % len(GROUPS)]
        housed = today - timedelta(days=rng.randint(60, 420))
        # referred a few weeks after housing; consent asked at the intake the same day
        referred = min(housed + timedelta(days=rng.randint(14, 45)), today - timedelta(days=5))
        family = Family(created_by_id=by_id, referral_source=rng.choice(REFERRALS),
                        housed_on=housed, pc4=rng.choice(PC4),
                        postcode_letters=rng.choice(["AB", "CD", "EK", "GL", "HM", "TR"]),
                        max_volunteers=rng.choice([1, 2, 2, 2, 3]),
                        existing_support_counts=rng.random() < 0.4,
                        support_social_worker=rng.choice([None, "vluchtelingenwerk",
                                                          "vluchtelingenwerk", "humanitas"]),
                        support_other_programmes=rng.choice([0, 0, 0, 1]),
                        support_formal_care=rng.random() < 0.15,
                        message_language=msg_lang)
        urgency = rng.choice([0, 0, 0, 1, 2])  # of its requests (drawn here: same demo)
        family.pref_volunteer_gender = rng.choice(["any", "any", "f", "f", "m"])
        family.pref_language = rng.choice(["own", "dutch", "none"])
        family.pref_not_own_community = rng.random() < 0.25
        family.preferred_dagdelen = sorted(rng.sample(vocab.DAGDELEN, rng.randint(2, 6)))
        family.needs = rng.sample(list(vocab.THEMES), rng.randint(1, 4))
        family.not_before = housed + timedelta(weeks=8)
        family.address = f"{rng.choice(STREETS)} {rng.randint(1, 180)}"
        family.contact_person, family.contact_phone = rng.choice([
            ("Mira (VluchtelingenWerk)", "071 514 12 12"), ("Jeroen (wijkteam)", "071 516 50 00"),
            ("Carla de Vries (Home-Start)", "071 512 34 56"), ("Fatma (JGZ)", "071 516 80 00")])
        channel = rng.choice(["letter", "sms", "whatsapp", "whatsapp", "email"])
        family.message_channel = channel
        if channel in ("sms", "whatsapp"):
            family.contact_detail = f"+316{rng.randint(10000000, 99999999)}"
        elif channel == "email":
            family.contact_detail = f"gezin{i + 1}@example.org"
        if rng.random() < 0.3:
            family.needs_note = rng.choice([
                "Ouders willen graag weten hoe de basisschool werkt.",
                "Moeder voelt zich alleen; wil graag Nederlands oefenen.",
                "Vader wil meer betrokken zijn; voorkeur voor middagen.",
            ])
        if family.pref_not_own_community and rng.random() < 0.6:
            family.groups_to_avoid = "community:" + rng.choice(COMMUNITIES)
        names = []
        if rng.random() < 0.9:
            names.append((rng.choice(mothers), "f"))
        if rng.random() < 0.7 or not names:
            names.append((rng.choice(fathers), "m"))
        for pos, (name, gender) in enumerate(names):
            langs = [{"code": lang, "level": "native"}]
            if lang == "ku":
                langs.append({"code": "ar", "level": "good"})
            elif rng.random() < 0.3:
                langs.append({"code": "en", "level": rng.choice(["basic", "good"])})
            parent = Parent(position=pos, gender=gender, languages=langs,
                            dutch_level=rng.choice(["A0", "A0", "A1", "A1", "A2", "B1"]),
                            can_read=rng.choice(["yes", "yes", "limited", "no"]))
            parent.set_name(name)
            family.parents.append(parent)
        for _ in range(rng.randint(1, 4)):
            months = rng.randint(2, 15 * 12)
            born = today.replace(day=1) - timedelta(days=months * 30.4)
            family.children.append(Child(birth_year=born.year, birth_month=born.month,
                                         gender=rng.choice(["f", "m"])))

        state = rng.random()  # consent states: most given, some none yet, a few withdrawn
        if state > 0.1:
            special = rng.choice(["none", "none", "store", "use"])
            consent = Consent(asked_on=referred,
                              language=lang if lang != "ku" else "ar",
                              explained_by=rng.choice(["coordinator", "interpreter",
                                                       "sleutelpersoon"]),
                              purpose_matching=True, purpose_share_profile=rng.random() < 0.9,
                              purpose_contact_school=rng.random() < 0.4,
                              special_category=special, recorded_by_id=by_id)
            consent.asked_on = min(consent.asked_on, today)
            if special != "none":
                family.country_of_origin = country
                if rng.random() < 0.5:
                    family.community = rng.choice(COMMUNITIES)
            if state > 0.93:
                consent.withdrawn_at = utcnow() - timedelta(days=rng.randint(1, 30))
                consent.withdrawn_by_id = by_id
            family.consents.append(consent)
        else:  # only the referral is known
            family.parents = []
            family.children = []
            family.needs = []
            family.preferred_dagdelen = []
            family.address = family.contact_detail = family.needs_note = None
            family.groups_to_avoid = family.contact_person = family.contact_phone = None

        first = pool[i % len(pool)] if pool else None
        chosen = [first] if first else []
        if pool and i % 6 == 0:  # some families are in two programmes
            second = pool[(i + 2) % len(pool)]
            if second is not first:
                chosen.append(second)
        for j, programme in enumerate(chosen):
            start = referred + timedelta(days=rng.randint(0, 30) if j else 0)
            waited = timedelta(days=max(1, (today - start).days))
            req = FamilyRequest(family=family, programme=programme, priority=urgency,
                                status="waiting",
                                waiting_since=utcnow() - waited)
            req.events.append(FamilyRequestEvent(at=req.waiting_since, from_status=None,
                                                 to_status="waiting", by_id=by_id))
            if family.may_match and (j == 1 or rng.random() < 0.15):
                req.move_to("matched", by_id,
                            now=min(req.waiting_since + timedelta(days=20), utcnow()))
            db.session.add(req)
        family.created_at = utcnow() - timedelta(days=(today - referred).days)
        db.session.add(family)
        db.session.flush()
        record("create", "family", family.id, fields=["demo"], user_id=by_id)
