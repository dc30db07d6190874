"""Demo volunteers in and around Leiden (PC4 23xx), with training records in varied states
so that readiness varies, and the profile of the demo account ``volunteer@demo.test``."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from ..auth.passwords import hash_password
from ..extensions import db
from ..models import (
    SessionSignup,
    TrainingCompletion,
    TrainingSession,
    User,
    Volunteer,
    VolunteerVog,
)
from ..models.base import utcnow

PC4 = ["2311", "2312", "2313", "2314", "2315", "2316", "2317", "2318", "2321", "2322", "2323",
       "2324", "2331", "2332", "2333", "2334", "2341", "2342", "2343", "2351", "2352", "2353",
       "2361", "2362", "2371", "2381"]
DUTCH = [("Marieke", "de Vries", "f"), ("Joost", "Jansen", "m"), ("Sanne", "Bakker", "f"),
         ("Pieter", "Visser", "m"), ("Lotte", "Smit", "f"), ("Eva", "Meijer", "f"),
         ("Ruud", "de Boer", "m"), ("Anouk", "Mulder", "f"), ("Femke", "de Groot", "f"),
         ("Bas", "Bos", "m"), ("Ingrid", "Vos", "f"), ("Thijs", "Peters", "m"),
         ("Willemijn", "Hendriks", "f"), ("Karin", "van Leeuwen", "f"), ("Hanneke", "Dekker", "f"),
         ("Mark", "Brouwer", "m"), ("Nienke", "de Wit", "f"), ("Esther", "Dijkstra", "f"),
         ("Gerard", "Smits", "m"), ("Yvonne", "de Graaf", "f"), ("Janneke", "van der Meer", "f"),
         ("Roos", "van den Berg", "f")]
# name, gender, country, language, arrival year
REFUGEE = [("Rania Al-Khatib", "f", "SY", "ar", 2015), ("Omar Haddad", "m", "SY", "ar", 2016),
           ("Lina Darwish", "f", "SY", "ar", 2014), ("Yusuf Hamdan", "m", "SY", "ar", 2019),
           ("Mehret Tesfay", "f", "ER", "ti", 2016), ("Filmon Ghebre", "m", "ER", "ti", 2015),
           ("Senait Haile", "f", "ER", "ti", 2022), ("Zahra Ahmadi", "f", "AF", "prs", 2013),
           ("Farid Rahimi", "m", "AF", "prs", 2017), ("Mariam Noori", "f", "AF", "prs", 2023),
           ("Olena Kovalenko", "f", "UA", "uk", 2022), ("Iryna Shevchenko", "f", "UA", "uk", 2022),
           ("Dmytro Bondarenko", "m", "UA", "uk", 2023), ("Nour Al-Hassan", "f", "SY", "ar", 2018),
           ("Aster Weldu", "f", "ER", "ti", 2019), ("Hamid Karimi", "m", "AF", "prs", 2016),
           ("Natalia Melnyk", "f", "UA", "uk", 2022)]
THEMES = ["school", "responsive_talk", "confidence", "two_cultures", "wellbeing", "digital",
          "leisure", "puberty", "practise_dutch", "dutch_contact", "own_language_contact",
          "fathers"]
DAGDELEN = ["mon_am", "mon_pm", "tue_am", "tue_pm", "wed_am", "wed_pm", "thu_am", "thu_pm",
            "fri_am", "fri_pm", "sat_am", "mon_ev", "wed_ev"]
HOME = ("pharos_elearning", "themabijeenkomst")


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")


def _ready(v: Volunteer, programmes, today: date, rng, *, state: str) -> None:
    """Training rows for ``v``: 'ready', 'pending' (a report to verify), 'expiring',
    'partial' (some Pharos parts), or 'new' (nothing)."""
    if state == "new":
        return
    base = today - timedelta(days=rng.randint(60, 500))
    if state == "expiring":
        from training import add_months  # expires in 5–25 days: "ready, renewal due"
        base = add_months(today, -36) + timedelta(days=rng.randint(5, 25))
    codes = {p.type.code for p in v.programmes}
    if state == "partial":
        for part in ("elkaar_begrijpen", "laaggeletterdheid", "veerkracht"):
            db.session.add(TrainingCompletion(volunteer=v, item="pharos_elearning", part=part,
                                              completed_on=base, source="self", verified=True))
        return
    for item in HOME + tuple(f"basis_{c}" for c in codes):
        pending = state == "pending" and item == "pharos_elearning"
        db.session.add(TrainingCompletion(
            volunteer=v, item=item, completed_on=base, source="self" if pending else "coordinator",
            verified=None if pending else True))
    vog_day = today - timedelta(days=100) if state == "expiring" else base - timedelta(days=20)
    db.session.add(VolunteerVog(volunteer=v, issued_on=vog_day,
                                screening_profile="84", free_vog_scheme=True, original_seen=True))


def _profile(user: User, rng, programmes, *, gender, refugee=None) -> Volunteer:
    v = Volunteer(user=user, pc4=rng.choice(PC4),
                  postcode_letters=rng.choice(["AB", "CD", "EG", "HK", "LM", "RT"]),
                  birth_year=rng.randint(1958, 1998), gender=gender,
                  travel_km=rng.choice([3, 5, 8, 10, 15]),
                  dagdelen=sorted(rng.sample(DAGDELEN, rng.randint(2, 5))),
                  themes=sorted(rng.sample(THEMES, rng.randint(2, 4))),
                  parenting_experience=rng.choice([[], ["0-3"], ["0-3", "4-11"],
                                                   ["4-11", "12-17"]]),
                  max_families=rng.choice([1, 1, 1, 2]), hours_per_week=rng.choice([2, 3, 4]),
                  consent_at=utcnow(), consent_version="2026-11", source="registration")
    if refugee:
        country, lang, arrival = refugee
        v.refugee_background, v.origin_country, v.arrival_year = True, country, arrival
        v.origin_for_matching = rng.random() < 0.7
        v.languages = {lang: "native", "en": rng.choice(["good", "basic"])}
        v.dutch_level = rng.choice(["A2", "B1", "B1", "B2", "C1"])
    else:
        v.languages = {"nl": "native"} | ({rng.choice(["en", "fr", "de", "ar"]): "good"}
                                          if rng.random() < 0.6 else {})
        v.dutch_level = "native"
    home = [p for code, p in programmes.items() if code in ("homestart", "steunouder",
                                                              "spelaanhuis", "pou")]
    if gender == "f" and "mim" in programmes:
        home.append(programmes["mim"])
    chosen = rng.sample(home, k=min(len(home), rng.choice([1, 1, 2])))
    if "homestart" in programmes and rng.random() < 0.5 and programmes["homestart"] not in chosen:
        chosen.append(programmes["homestart"])
    v.programmes = chosen
    db.session.add(v)
    return v


def seed_volunteers(rng, programmes) -> None:
    """Add the demo volunteers; ``programmes`` maps programme type code → Programme."""
    today = utcnow().date()
    password = hash_password("demo-password")
    states = ["ready", "ready", "ready", "pending", "expiring", "partial", "new"]
    volunteers = []
    people = [(f"{first} {last}", g, None) for first, last, g in DUTCH] + \
        [(name, g, (c, lang, year)) for name, g, c, lang, year in REFUGEE]
    for name, gender, refugee in people:
        user = User(name=name, role="volunteer", locale="nl", password_hash=password,
                    email_confirmed_at=utcnow(), password_changed_at=utcnow())
        user.set_email(f"{_slug(name)}@demo.test")
        db.session.add(user)
        v = _profile(user, rng, programmes, gender=gender, refugee=refugee)
        volunteers.append(v)
    db.session.flush()
    for v in volunteers:
        _ready(v, programmes, today, rng, state=rng.choice(states))

    # The demo account: Hanan Haddad, Arabic native, came from Syria, ready for Home-Start.
    hanan = db.session.execute(db.select(User).filter_by(
        email_index=User.by_email("volunteer@demo.test").email_index)).scalar_one()
    hanan.locale = "ar"
    v = Volunteer(user=hanan, pc4="2315", postcode_letters="BE", birth_year=1984, gender="f",
                  travel_km=6, languages={"ar": "native", "en": "good"}, dutch_level="B2",
                  refugee_background=True, origin_country="SY", arrival_year=2015,
                  origin_for_matching=True,
                  parenting_experience=["0-3", "4-11"], dagdelen=["tue_am", "thu_am", "fri_am"],
                  themes=["two_cultures", "school", "own_language_contact", "confidence"],
                  max_families=2, hours_per_week=4, consent_at=utcnow(),
                  consent_version="2026-11",
                  motivation="Toen ik in Nederland kwam, hielp een vrijwilliger mij. Nu wil ik "
                             "hetzelfde doen voor andere moeders.")
    v.programmes = [programmes["homestart"]] if "homestart" in programmes else []
    db.session.add(v)
    done = today - timedelta(days=200)
    for item in ("pharos_elearning", "themabijeenkomst", "basis_homestart"):
        db.session.add(TrainingCompletion(volunteer=v, item=item, completed_on=done,
                                          source="coordinator", verified=True))
    db.session.add(VolunteerVog(volunteer=v, issued_on=done - timedelta(days=10),
                                screening_profile="84", free_vog_scheme=True, original_seen=True))
    db.session.flush()

    # Two themabijeenkomsten: one coming up (with sign-ups), one last month.
    homestart = programmes.get("homestart")
    if homestart is not None:
        org = homestart.organisation_id
        invited = [p for c, p in programmes.items() if c in ("homestart", "steunouder", "mim",
                                                             "spelaanhuis")]
        start = datetime.combine(today + timedelta(days=16), datetime.min.time()).replace(hour=19)
        coming = TrainingSession(organisation_id=org, title="Themabijeenkomst rond "
                                 "vluchtelinggezinnen", starts_at=start,
                                 ends_at=start + timedelta(hours=2, minutes=30),
                                 place="Bibliotheek Leiden, Nieuwstraat 4, Leiden", language="nl",
                                 capacity=12, programmes=invited)
        past_start = start - timedelta(days=45)
        past = TrainingSession(organisation_id=org, title="Themabijeenkomst rond "
                               "vluchtelinggezinnen (online)", starts_at=past_start,
                               ends_at=past_start + timedelta(hours=2),
                               online_url="https://meet.jit.si/koppel-themabijeenkomst",
                               language="nl", capacity=15, programmes=invited)
        db.session.add_all([coming, past])
        not_done = [x for x in volunteers if not any(c.item == "themabijeenkomst"
                                                     for c in x.completions)]
        for position, volunteer in enumerate(not_done[:5], start=1):
            db.session.add(SessionSignup(session=coming, volunteer=volunteer,
                                         status="signed_up", position=position))
    db.session.commit()
