"""Volunteers area: registration, profile, training log, certificates, verification, VOG,
the coordinator's list and export, readiness through the web layer, reminders."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from training import add_months
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    Message,
    TrainingCompletion,
    User,
    Volunteer,
    VolunteerVog,
)

from tests.factories import make_user, make_volunteer, ready_records  # noqa: E402,F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64








@pytest.fixture
def vol(world):
    return make_volunteer(world.volunteer, [world.prog_a])


def registration_data(**overrides) -> dict:
    data = {
        "name": "Amal Yusuf", "email": "amal@example.org",
        "password": "blue kettle river song", "confirm": "blue kettle river song",
        "phone": "0612345678", "birth_year": "1988", "gender": "f", "postcode": "2312 ab",
        "travel_km": "7", "dutch_level": "B2",
        "languages-0-code": "ar", "languages-0-level": "native",
        "languages-1-code": "en", "languages-1-level": "good",
        "languages-2-code": "", "languages-2-level": "",
        "refugee_background": "yes", "origin_country": "SY", "arrival_year": "2015",
        "religion": "", "parenting_experience": ["0-3", "4-11"], "occupation": "teacher",
        "dagdelen": ["mon_am", "wed_pm"], "max_families": "1", "hours_per_week": "3",
        "themes": ["school", "two_cultures"], "motivation": "I know how hard the start is.",
        "consent": "y",
    }
    data.update(overrides)
    return data


# --- registration --------------------------------------------------------------------------

def test_register_confirm_and_login(client, world):
    data = registration_data(programmes=[str(world.prog_a.id)])
    resp = client.post("/register", data=data)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/register/sent")
    user = User.by_email("amal@example.org")
    assert user.role == "volunteer" and user.email_confirmed_at is None
    v = user.volunteer
    assert (v.pc4, v.postcode_letters, v.travel_km) == ("2312", "AB", 7)
    assert v.languages == {"ar": "native", "en": "good"} and v.dutch_level == "B2"
    assert v.refugee_background and (v.origin_country, v.arrival_year) == ("SY", 2015)
    assert v.dagdelen == ["mon_am", "wed_pm"] and v.parenting_experience == ["0-3", "4-11"]
    assert [p.id for p in v.programmes] == [world.prog_a.id]
    assert v.consent_at is not None and v.consent_version == "2026-11"
    # the phone number is stored encrypted
    raw = db.session.execute(db.text("SELECT phone FROM volunteer WHERE id=:i"),
                             {"i": v.id}).scalar()
    assert "0612345678" not in raw
    msg = db.session.execute(db.select(Message).filter_by(kind="confirm_email")).scalar_one()
    assert msg.status == "local"
    link = re.search(r"http://koppel\.test(/register/confirm/\S+)", msg.body_text).group(1)
    # before confirming, the volunteer pages ask for the confirmation
    client.post("/login", data={"email": "amal@example.org", "password": data["password"]})
    assert client.get("/me/training").status_code == 403
    resp = client.get(link)
    assert resp.status_code == 302
    assert db.session.get(User, user.id).email_confirmed_at is not None
    assert client.get("/me/training").status_code == 200
    assert db.session.execute(db.select(db.func.count(AuditEntry.id)).filter_by(
        object_type="volunteer", action="create")).scalar() == 1


def test_confirm_link_used_twice_is_refused(client, world):
    client.post("/register", data=registration_data())
    msg = db.session.execute(db.select(Message).filter_by(kind="confirm_email")).scalar_one()
    link = re.search(r"(/register/confirm/\S+)", msg.body_text).group(1)
    client.get(link)
    confirmed = User.by_email("amal@example.org").email_confirmed_at
    resp = client.get(link, follow_redirects=True)
    assert "alert-danger" in resp.get_data(as_text=True)
    assert User.by_email("amal@example.org").email_confirmed_at == confirmed
    assert client.get("/register/confirm/garbage", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("field,value,message", [
    ("postcode", "12345", "Dutch postcode"),
    ("postcode", "1000 AA", "do not know this postcode"),
    ("birth_year", "1850", "between 1920 and 2010"),
    ("origin_country", "", "country of origin"),
    ("arrival_year", "", "year you came"),
    ("languages-0-level", "", "level"),
    ("consent", "", "only register you when you agree"),
    ("password", "short", "at least 10"),
])
def test_register_bad_input_keeps_what_was_typed(client, world, field, value, message):
    data = registration_data(**{field: value, "lang": "en"})
    if field == "password":
        data["confirm"] = value
    if field == "consent":
        del data["consent"]
    resp = client.post("/register?lang=en", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in page
    assert 'value="Amal Yusuf"' in page and "I know how hard the start is." in page
    assert User.by_email("amal@example.org") is None
    assert db.session.execute(db.select(db.func.count(Volunteer.id))).scalar() == 0


def test_duplicate_email_gets_the_same_answer(client, world):
    resp = client.post("/register", data=registration_data(email=world.volunteer.email))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/register/sent")
    assert db.session.execute(db.select(db.func.count(User.id)).filter_by(
        role="volunteer")).scalar() == 1
    notice = db.session.execute(db.select(Message)).scalar_one()
    assert notice.kind == "volunteer_already_registered" and notice.user_id == world.volunteer.id


def test_register_page_rtl_in_arabic(client, world):
    page = client.get("/register?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert 'name="consent"' in page and "2026-11" in page


# --- profile and status --------------------------------------------------------------------

def test_profile_edit_and_audit(client, world, vol, login):
    login(world.volunteer.email)
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'value="2312 AB"' in page
    data = registration_data()
    for k in ("name", "email", "password", "confirm", "consent"):
        data.pop(k)
    data.update(postcode="2316 XY", programmes=[str(world.prog_a.id), str(world.prog_a2.id)])
    resp = client.post("/me/profile", data=data)
    assert resp.status_code == 302
    db.session.refresh(vol)
    assert vol.pc4 == "2316" and {p.id for p in vol.programmes} == {world.prog_a.id,
                                                                     world.prog_a2.id}
    entry = db.session.execute(db.select(AuditEntry).filter_by(
        object_type="volunteer", action="update")).scalar_one()
    assert "pc4" in entry.fields and "programmes" in entry.fields
    assert "2316" not in str(entry.fields)


def test_pause_resume_leave(client, world, vol, login):
    login(world.volunteer.email)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    client.post("/me/status", data={"action": "pause", "paused_until": yesterday})
    db.session.refresh(vol)
    assert vol.status == "active"
    until = (date.today() + timedelta(days=30)).isoformat()
    client.post("/me/status", data={"action": "pause", "paused_until": until})
    db.session.refresh(vol)
    assert vol.status == "paused" and vol.paused_until.isoformat() == until
    assert not vol.matchable_on(date.today())
    client.post("/me/status", data={"action": "resume"})
    db.session.refresh(vol)
    assert vol.status == "active" and vol.paused_until is None
    client.post("/me/status", data={"action": "leave"})
    db.session.refresh(vol)
    assert vol.status == "left" and not vol.user.active
    assert db.session.get(Volunteer, vol.id) is not None  # deactivated, not deleted
    assert client.get("/me/profile").status_code == 302  # logged out


# --- training log and certificates ---------------------------------------------------------

def _upload_dir(app):
    from pathlib import Path
    return Path(app.instance_path) / "uploads" / "certificates"


def _log(client, content=PDF, name="cert.pdf", **data):
    form = {"item": "pharos_elearning", "part": "__all__",
            "completed_on": date.today().isoformat(), **data}
    if content is not None:
        form["certificate"] = (io.BytesIO(content), name)
    return client.post("/me/training", data=form, content_type="multipart/form-data")


def test_log_completion_with_pdf(app, client, world, vol, login):
    login(world.volunteer.email)
    before = client.get("/me/training?lang=en").get_data(as_text=True)
    assert "pharosleerplatform.nl" in before  # what to do next links to the e-learning
    assert "Not ready yet" in before
    resp = _log(client)
    assert resp.status_code == 302
    row = db.session.execute(db.select(TrainingCompletion)).scalar_one()
    assert (row.item, row.part, row.source, row.verified) == ("pharos_elearning", None,
                                                             "self", None)
    assert row.certificate_type == "application/pdf"
    files = list(_upload_dir(app).iterdir())
    assert [f.name for f in files] == [row.certificate_file] and "cert" not in files[0].name
    assert not str(files[0]).startswith(app.static_folder)
    page = client.get("/me/training").get_data(as_text=True)
    assert "waiting for your coordinator to check it" in page


@pytest.mark.parametrize("kwargs,message", [
    ({"content": b"just text, not a pdf", "name": "cert.pdf"}, "not a PDF, PNG or JPEG"),
    ({"content": b"%PDF-" + b"0" * (5 * 1024 * 1024), "name": "big.pdf"}, "larger than 5 MB"),
    ({"completed_on": (date.today() + timedelta(days=1)).isoformat()}, "in the future"),
    ({"item": "vog"}, "Not a valid choice"),
    ({"part": "nonsense"}, "Not a valid choice"),
])
def test_bad_completion_is_refused_and_nothing_stored(app, client, world, vol, login,
                                                      kwargs, message):
    login(world.volunteer.email)
    resp = client.post("/me/training?lang=en", data={
        "item": kwargs.get("item", "pharos_elearning"), "part": kwargs.get("part", "__all__"),
        "completed_on": kwargs.get("completed_on", date.today().isoformat()),
        "certificate": (io.BytesIO(kwargs.get("content", PDF)), kwargs.get("name", "c.pdf"))},
        content_type="multipart/form-data")
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(TrainingCompletion.id))).scalar() == 0
    assert not _upload_dir(app).exists() or not list(_upload_dir(app).iterdir())


def test_certificate_served_only_to_volunteer_and_their_coordinators(app, world, vol):
    volunteer_client = app.test_client()
    volunteer_client.post("/login", data={"email": world.volunteer.email,
                                          "password": world.password})
    _log(volunteer_client, content=PNG, name="x.png")
    row = db.session.execute(db.select(TrainingCompletion)).scalar_one()
    url = f"/certificates/{row.id}"
    resp = volunteer_client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.data == PNG
    for who, expected in ((world.coord_a, 200), (world.org_admin, 200), (world.admin, 200),
                          (world.coord_b, 404)):
        c = app.test_client()
        c.post("/login", data={"email": who.email, "password": world.password})
        assert c.get(url).status_code == expected, who.email
    other = make_user("other@example.org")
    make_volunteer(other, [world.prog_a])
    c = app.test_client()
    c.post("/login", data={"email": "other@example.org", "password": world.password})
    assert c.get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # not logged in


def test_volunteer_can_withdraw_only_pending_report(app, client, world, vol, login):
    login(world.volunteer.email)
    _log(client)
    row = db.session.execute(db.select(TrainingCompletion)).scalar_one()
    row.verified = True
    db.session.commit()
    client.post(f"/me/training/{row.id}/delete")
    assert db.session.get(TrainingCompletion, row.id) is not None
    row.verified = None
    db.session.commit()
    client.post(f"/me/training/{row.id}/delete")
    assert db.session.get(TrainingCompletion, row.id) is None
    assert not list(_upload_dir(app).iterdir())


# --- coordinators --------------------------------------------------------------------------

def test_list_scoped_to_coordinators_programmes(app, client, world, vol, login):
    other = make_user("utrecht@example.org", name="Utrecht Volunteer")
    make_volunteer(other, [world.prog_b])
    login(world.coord_a.email)
    page = client.get("/volunteers").get_data(as_text=True)
    assert "Volunteer V" in page and "Utrecht Volunteer" not in page
    assert client.get(f"/volunteers/{other.volunteer.id}").status_code == 404
    assert client.get(f"/volunteers/{vol.id}").status_code == 200
    # a volunteer cannot open the coordinator pages
    c = app.test_client()
    c.post("/login", data={"email": world.volunteer.email, "password": world.password})
    assert c.get("/volunteers").status_code == 403
    assert c.get(f"/volunteers/{vol.id}").status_code == 403


def test_list_filters(client, world, vol, login):
    ready_records(vol, date.today() - timedelta(days=10))
    other = make_user("b@example.org", name="Bram de Boer")
    make_volunteer(other, [world.prog_a], languages={"nl": "native"}, dutch_level="native",
                   refugee_background=False, pc4="2331", dagdelen=["sat_am"])
    vol.refugee_background, vol.origin_country, vol.arrival_year = True, "SY", 2010
    db.session.commit()
    login(world.coord_a.email)

    def names(**args):
        page = client.get("/volunteers", query_string=args).get_data(as_text=True)
        return {n for n in ("Volunteer V", "Bram de Boer") if n in page}

    assert names() == {"Volunteer V", "Bram de Boer"}
    assert names(readiness="ready") == {"Volunteer V"}
    assert names(readiness="not_ready") == {"Bram de Boer"}
    assert names(language="ar") == {"Volunteer V"}
    assert names(refugee="no") == {"Bram de Boer"}
    assert names(area="233") == {"Bram de Boer"}
    assert names(dagdeel="sat_am") == {"Bram de Boer"}
    assert names(q="bram") == {"Bram de Boer"}
    assert names(q="vol@example.org") == {"Volunteer V"}
    assert names(programme=world.prog_a2.id) == set()


def test_verify_and_reject(client, world, vol, login):
    c1 = TrainingCompletion(volunteer=vol, item="pharos_elearning", completed_on=date.today(),
                            source="self")
    c2 = TrainingCompletion(volunteer=vol, item="basis_homestart", completed_on=date.today(),
                            source="self")
    db.session.add_all([c1, c2])
    db.session.commit()
    login(world.coord_a.email)
    url = f"/volunteers/{vol.id}/completions/{{}}/review"
    client.post(url.format(c2.id), data={f"review{c2.id}-decision": "reject"})
    db.session.refresh(c2)
    assert c2.verified is None  # no reason: nothing changed
    client.post(url.format(c2.id), data={f"review{c2.id}-decision": "reject",
                                         f"review{c2.id}-reason": "Wrong course date"})
    client.post(url.format(c1.id), data={f"review{c1.id}-decision": "verify"})
    db.session.refresh(c1)
    db.session.refresh(c2)
    assert c1.verified is True and c1.verified_by_id == world.coord_a.id
    assert c2.verified is False and c2.rejection_reason == "Wrong course date"
    # coordinator B cannot review it
    other = world.coord_b
    client.post("/logout")
    client.post("/login", data={"email": other.email, "password": world.password})
    assert client.post(url.format(c1.id), data={f"review{c1.id}-decision": "reject",
                                                f"review{c1.id}-reason": "x"}).status_code == 404
    # the volunteer sees the reason
    client.post("/logout")
    client.post("/login", data={"email": world.volunteer.email, "password": world.password})
    assert "Wrong course date" in client.get("/me/training").get_data(as_text=True)


def test_vog_and_additional_check(client, world, vol, login):
    login(world.coord_a.email)
    future = (date.today() + timedelta(days=3)).isoformat()
    resp = client.post(f"/volunteers/{vol.id}/vog?lang=en", data={
        "vog-issued_on": future, "vog-screening_profile": "84", "vog-original_seen": "y"})
    assert resp.status_code == 422 and "in the future" in resp.get_data(as_text=True)
    assert not vol.vogs
    client.post(f"/volunteers/{vol.id}/vog", data={
        "vog-issued_on": "2025-01-10", "vog-screening_profile": "84", "vog-free_vog_scheme": "y",
        "vog-original_seen": "y"})
    vog = db.session.execute(db.select(VolunteerVog)).scalar_one()
    assert (vog.issued_on, vog.free_vog_scheme, vog.original_seen) == (date(2025, 1, 10),
                                                                       True, True)
    client.post(f"/volunteers/{vol.id}/checks", data={
        "check-done_on": "2025-02-01", "check-kind": "interview", "check-note": "References ok"})
    assert vol.additional_checks[0].kind == "interview"
    client.post("/logout")
    login(world.coord_b.email)
    assert client.post(f"/volunteers/{vol.id}/vog", data={
        "vog-issued_on": "2025-01-10"}).status_code == 404


def test_export_csv_guards_formulas_and_is_scoped(client, world, vol, login):
    world.volunteer.name = "=HYPERLINK(\"http://evil\")"
    other = make_user("utrecht@example.org", name="Utrecht Volunteer")
    make_volunteer(other, [world.prog_b])
    login(world.coord_a.email)
    resp = client.get("/volunteers/export.csv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][0] == "name" and len(rows) == 2
    assert rows[1][0].startswith("'=")
    xlsx = client.get("/volunteers/export.xlsx")
    from openpyxl import load_workbook
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    assert ws.cell(2, 1).value.startswith("'=") and ws.max_row == 2
    assert db.session.execute(db.select(AuditEntry).filter_by(action="export")).scalars().first()
    assert client.get("/volunteers/export.pdf").status_code == 404


# --- readiness through the web layer -------------------------------------------------------

def _readiness_on(vol, day):
    from webapp.volunteers.readiness import volunteer_readiness
    return volunteer_readiness(vol, on=day)


@pytest.mark.parametrize("offset_days,status", [
    (-31, "ready"),           # well before expiry
    (-30, "ready_warning"),   # first day of the 30-day renewal window
    (-1, "ready_warning"),    # last valid day
    (0, "not_ready"),         # expiry day: no longer counts
    (1, "not_ready"),
])
def test_elearning_expiry_boundary(world, vol, offset_days, status):
    done = date(2023, 3, 15)
    vog_day = date(2025, 1, 1)
    ready_records(vol, done)
    vol.vogs[0].issued_on = vog_day
    db.session.commit()
    expires = add_months(done, 36)
    result = _readiness_on(vol, expires + timedelta(days=offset_days))[world.prog_a.id]
    assert result.status == status
    if status == "not_ready":
        assert [(m.item, m.reason, m.expired_on) for m in result.missing] == [
            ("pharos_elearning", "expired", expires)]


@pytest.mark.parametrize("rules,records,expected", [
    # the type defaults: unverified reports do not count
    ({}, "pending", "not_ready"),
    # a programme that accepts self-reported completions before verification
    ({"accept_unverified": True}, "pending", "ready"),
    # a programme that does not require the themabijeenkomst
    ({"required": ["pharos_elearning", "basis_homestart"]}, "no_session", "ready"),
    # a programme without a VOG requirement
    ({"vog_required": False}, "no_vog", "ready"),
])
def test_programme_rules_override_type_defaults(world, vol, rules, records, expected):
    day = date(2026, 6, 1)
    ready_records(vol, date(2026, 1, 10))
    if records == "pending":
        row = db.session.execute(db.select(TrainingCompletion).filter_by(
            item="basis_homestart")).scalar_one()
        row.source, row.verified = "self", None
    elif records == "no_session":
        db.session.delete(db.session.execute(db.select(TrainingCompletion).filter_by(
            item="themabijeenkomst")).scalar_one())
    elif records == "no_vog":
        db.session.delete(vol.vogs[0])
    world.prog_a.rules = {"requirements": rules}
    db.session.commit()
    db.session.refresh(vol)
    assert _readiness_on(vol, day)[world.prog_a.id].status == expected


def test_additional_check_is_asked_of_every_volunteer_alike(world, vol):
    """Off by default for everyone; switched on as a programme rule, it applies to a volunteer
    without a refugee background exactly as to one who arrived last year."""
    ready_records(vol, date(2026, 1, 10))
    other = make_volunteer(make_user("o@example.org"), [world.prog_a])
    ready_records(other, date(2026, 1, 10))
    vol.refugee_background, vol.origin_country, vol.arrival_year = True, "ER", 2025
    db.session.commit()
    day = date(2026, 6, 1)
    assert [_readiness_on(v, day)[world.prog_a.id].status for v in (vol, other)] == \
        ["ready", "ready"]
    world.prog_a.rules = {"requirements": {"additional_check_required": True}}
    db.session.commit()
    for v in (vol, other):
        db.session.refresh(v)
        assert [m.item for m in _readiness_on(v, day)[world.prog_a.id].missing] == \
            ["aanvullende_screening"]
    from webapp.models import AdditionalCheckRecord
    db.session.add(AdditionalCheckRecord(volunteer=vol, done_on=date(2026, 2, 1),
                                         kind="interview"))
    db.session.commit()
    db.session.refresh(vol)
    assert _readiness_on(vol, day)[world.prog_a.id].status == "ready"


def test_readiness_for_many_matches_one_by_one(world, vol):
    from webapp.volunteers.readiness import readiness_for, volunteer_readiness
    other = make_volunteer(make_user("o@example.org"), [world.prog_a, world.prog_a2])
    ready_records(other, date(2026, 1, 1))
    day = date(2026, 6, 1)
    many = readiness_for([vol, other], on=day)
    assert many[other.id] == volunteer_readiness(other, on=day)
    assert many[vol.id] == volunteer_readiness(vol, on=day)
    assert set(many[other.id]) == {world.prog_a.id, world.prog_a2.id}


# --- reminders -----------------------------------------------------------------------------

def test_remind_command_is_idempotent_and_throttled(app, world, vol):
    runner = app.test_cli_runner()
    day = date(2026, 6, 1)
    result = runner.invoke(args=["training", "remind", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 volunteer(s)" in result.output
    msgs = db.session.execute(db.select(Message).filter_by(kind="training_reminder")).scalars()
    msgs = list(msgs)
    assert len(msgs) == 1 and msgs[0].user_id == world.volunteer.id
    assert "/me/training" in msgs[0].body_text
    again = runner.invoke(args=["training", "remind", "--date", day.isoformat()])
    assert "0 volunteer(s)" in again.output
    later = runner.invoke(args=["training", "remind", "--date",
                                (day + timedelta(days=13)).isoformat()])
    assert "0 volunteer(s)" in later.output
    after = runner.invoke(args=["training", "remind", "--date",
                                (day + timedelta(days=14)).isoformat()])
    assert "1 volunteer(s)" in after.output
    bad = runner.invoke(args=["training", "remind", "--date", "tomorrow"])
    assert bad.exit_code != 0


def test_reminder_in_volunteers_language(app, world, vol):
    world.volunteer.locale = "en"
    db.session.commit()
    app.test_cli_runner().invoke(args=["training", "remind", "--date", "2026-06-01"])
    msg = db.session.execute(db.select(Message)).scalar_one()
    assert msg.language == "en" and "Your training for Koppel" in msg.subject
