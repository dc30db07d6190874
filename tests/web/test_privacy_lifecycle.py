"""The data lifecycle (AVG/GDPR): retention (boundary, idempotency, dry run), anonymisation
that leaves no personal values in the raw database, subject access exports and their
scoping, erasure refused under a legal hold, and the unusual-access view."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_family, make_user, make_volunteer
from webapp import crypto
from webapp.extensions import db
from webapp.models import AuditEntry, Family, Message, User, Volunteer
from webapp.models.matches import ContactMoment, Match, MatchingRun
from webapp.models.privacy import ErasureRequest, LegalHold
from webapp.privacy.lifecycle import (
    LegalHoldError,
    add_months,
    anonymise_family,
    anonymise_volunteer,
    enforce_retention,
)

ENDED = datetime(2024, 1, 31, 12, 0)
PARENT = "Zulaikha Qwertyova"
SECRETS = ("Zulaikha", "Qwertyova", "Kooilaan 77", "+31611122233", "Mira Contactpersoon",
           "Moeder slaapt slecht", "Groep Zeta", "Alawiet-X", "Programmanotitie-X",
           "Vera Vrijwilliger", "vera.vrijwilliger@example.org", "+31699988877",
           "Motivatie-uniek", "Coordinatornotitie-X", "Evaluatie-coord-X", "Evaluatie-vrijw-X",
           "Bezoeknotitie-X", "Zorgsignaal-X", "Soefi-X")


@pytest.fixture(autouse=True)
def english_pages(client):
    """These tests read English page text (the default UI language is Dutch)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"



@pytest.fixture
def papp(app):
    """The app with the privacy blueprint (registered here until the app factory does)."""
    if "privacy" not in app.blueprints:
        from webapp.privacy import bp
        app.register_blueprint(bp, url_prefix="/privacy")
    return app


def _scenario(world, ended=ENDED):
    """A family and a volunteer with a match that ended on ``ended``, contact moments, a
    concern, an introduction (one message queued, one sent) and a run snapshot."""
    fam = make_family(world.prog_a, world.coord_a, special="store", community="Alawiet-X",
                      contact_person="Mira Contactpersoon", needs_note="Moeder slaapt slecht",
                      groups_to_avoid="Groep Zeta", address="Kooilaan 77",
                      contact_detail="+31611122233", programme_note="Programmanotitie-X",
                      parents=[{"name": PARENT, "gender": "f", "languages": [
                          {"code": "ti", "level": "native"}], "dutch_level": "A1",
                          "can_read": "yes"}])
    user = make_user("vera.vrijwilliger@example.org", name="Vera Vrijwilliger")
    vol = make_volunteer(user, [world.prog_a], phone="+31699988877",
                         motivation="Motivatie-uniek", notes="Coordinatornotitie-X",
                         religion="Soefi-X", birth_year=1971)
    match = Match(programme_id=world.prog_a.id, family_id=fam.id, volunteer_id=vol.id,
                  family_request_id=fam.requests[0].id, status="ended", approved_at=ended,
                  ended_at=ended, end_reason="goals_reached",
                  evaluation_coordinator="Evaluatie-coord-X",
                  evaluation_volunteer="Evaluatie-vrijw-X")
    db.session.add(match)
    db.session.flush()
    db.session.add(ContactMoment(match_id=match.id, happened_on=ended.date(), minutes=90,
                                 themes=["school"], note="Bezoeknotitie-X"))
    from webapp.models.matches import Concern
    db.session.add(Concern(match_id=match.id, text="Zorgsignaal-X"))
    fam.requests[0].move_to("ended", world.coord_a.id, now=ended)
    db.session.add_all([
        Message(kind="family_intro", channel="sms", recipient="+31611122233",
                recipient_name="Zulaikha", subject="Welkom Zulaikha", body_text="Kooilaan 77",
                status="queued", party_type="family", party_id=fam.id, batch_key="b1",
                programme_id=world.prog_a.id),
        Message(kind="volunteer_intro", channel="email", recipient=user.email,
                recipient_name="Vera Vrijwilliger", subject="Gezin Zulaikha",
                body_text="Adres: Kooilaan 77", status="sent", party_type="volunteer",
                party_id=user.id, user_id=user.id, batch_key="b1",
                programme_id=world.prog_a.id),
    ])
    db.session.add(MatchingRun(programme_id=world.prog_a.id, status="finished", snapshot={
        "requests": [{"id": str(fam.requests[0].id), "family_id": str(fam.id),
                      "religion": "Soefi-X", "avoid_groups": ["groep zeta"]}],
        "volunteers": [{"id": str(vol.id), "religion": "Soefi-X", "birth_year": 1971}]}))
    db.session.commit()
    return fam, vol


def _raw_dump() -> str:
    """Every row of the SQLite database as SQL text, with every Fernet token decrypted."""
    db.session.commit()
    conn = db.engine.raw_connection()
    try:
        text = "\n".join(conn.driver_connection.iterdump())
    finally:
        conn.close()
    return re.sub(r"gAAAAA[A-Za-z0-9_\-=]+", lambda m: crypto.decrypt(m.group(0)), text)


def _audit_rows():
    return db.session.execute(sa.text(
        "SELECT id, at, user_id, action, object_type, object_id, fields, reason "
        "FROM audit_entry ORDER BY id")).all()


# --- retention ----------------------------------------------------------------------------

def test_family_is_due_exactly_at_the_end_of_its_retention_period(papp, world):
    fam, _ = _scenario(world)
    boundary = add_months(ENDED, 12)
    before = enforce_retention(dry_run=True, now=boundary - timedelta(seconds=1))
    assert [i.reference for i in before.families] == []
    at = enforce_retention(dry_run=True, now=boundary)
    assert [i.reference for i in at.families] == [f"G-{fam.id:05d}"]
    report = enforce_retention(now=boundary)
    assert report.anonymised_families == 1
    db.session.expire_all()
    assert db.session.get(Family, fam.id).anonymised_at is not None


def test_retention_follows_the_organisations_setting(papp, world):
    _scenario(world)
    world.org_a.retention_family_months = 3
    db.session.commit()
    assert enforce_retention(dry_run=True, now=add_months(ENDED, 3)).families
    assert not enforce_retention(dry_run=True,
                                 now=add_months(ENDED, 3) - timedelta(minutes=1)).families


def test_family_with_an_active_request_is_never_due(papp, world):
    fam = make_family(world.prog_a, world.coord_a)
    report = enforce_retention(dry_run=True, now=datetime(2099, 1, 1))
    assert fam.id not in [i.id for i in report.families]


def test_volunteer_is_due_24_months_after_leaving(papp, world):
    _, vol = _scenario(world)
    vol.status, vol.left_at = "left", ENDED
    db.session.commit()
    boundary = add_months(ENDED, 24)
    assert not enforce_retention(dry_run=True,
                                 now=boundary - timedelta(seconds=1)).volunteers
    assert [i.id for i in enforce_retention(dry_run=True, now=boundary).volunteers] == [vol.id]


def test_unconfirmed_self_registration_is_due_30_days_after_registering(papp, world):
    from webapp.privacy.lifecycle import UNCONFIRMED_DAYS
    registered = datetime(2026, 3, 1, 12, 0)
    never = make_volunteer(make_user("never@example.org", name="Never Confirmed"),
                           [world.prog_a])
    imported = make_volunteer(make_user("imported@example.org", name="Imported"),
                              [world.prog_a])
    for vol, source in ((never, "registration"), (imported, "import")):
        vol.source, vol.created_at, vol.user.email_confirmed_at = source, registered, None
    db.session.commit()
    boundary = registered + timedelta(days=UNCONFIRMED_DAYS)
    assert not enforce_retention(dry_run=True, now=boundary - timedelta(seconds=1)).volunteers
    due = enforce_retention(dry_run=True, now=boundary).volunteers
    assert [i.id for i in due] == [never.id]  # not an imported volunteer: a coordinator's
    assert due[0].organisation_ids == [world.org_a.id]
    report = enforce_retention(now=boundary)
    assert report.anonymised_volunteers == 1
    db.session.expire_all()
    gone = db.session.get(Volunteer, never.id)
    assert gone.anonymised_at is not None and gone.user.name != "Never Confirmed"
    assert not gone.user.active and User.by_email("never@example.org") is None
    assert db.session.get(Volunteer, imported.id).anonymised_at is None
    # confirmed in time: never due
    late = make_volunteer(make_user("late@example.org"), [world.prog_a])
    late.source, late.created_at = "registration", registered
    db.session.commit()
    assert late.id not in [i.id for i in enforce_retention(
        dry_run=True, now=boundary + timedelta(days=400)).volunteers]


def test_retention_is_idempotent(papp, world):
    fam, vol = _scenario(world)
    vol.status, vol.left_at = "left", ENDED
    db.session.commit()
    now = add_months(ENDED, 30)
    first = enforce_retention(now=now)
    assert (first.anonymised_families, first.anonymised_volunteers) == (1, 1)
    dump, audit = _raw_dump(), _audit_rows()
    second = enforce_retention(now=now + timedelta(days=1))
    assert (second.anonymised_families, second.anonymised_volunteers) == (0, 0)
    assert not second.families and not second.volunteers
    assert _raw_dump() == dump and _audit_rows() == audit
    assert anonymise_family(db.session.get(Family, fam.id), "retention", None) is False
    assert anonymise_volunteer(db.session.get(Volunteer, vol.id), "retention", None) is False


def test_dry_run_changes_nothing_and_names_no_one(papp, world):
    fam, vol = _scenario(world)
    vol.status, vol.left_at = "left", ENDED
    db.session.commit()
    dump = _raw_dump()
    runner = papp.test_cli_runner()
    result = runner.invoke(args=["privacy", "enforce-retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run: 1 family(ies) and 1 volunteer(s) would be anonymised" in result.output
    assert f"G-{fam.id:05d}" in result.output and f"V-{vol.id:05d}" in result.output
    assert not any(s in result.output for s in SECRETS)
    as_json = json.loads(runner.invoke(args=["privacy", "enforce-retention", "--dry-run",
                                             "--json"]).output)
    assert as_json["families_due"] == 1 and as_json["volunteers_due"] == 1
    assert _raw_dump() == dump


def test_cli_run_anonymises_and_reports(papp, world):
    _scenario(world)
    result = papp.test_cli_runner().invoke(args=["privacy", "enforce-retention"])
    assert result.exit_code == 0, result.output
    assert "1 family(ies) and 0 volunteer(s) anonymised" in result.output


# --- anonymisation ------------------------------------------------------------------------

def test_anonymised_rows_hold_no_personal_values(papp, world):
    fam, vol = _scenario(world)
    old_index = vol.user.email_index
    assert all(s in _raw_dump() for s in SECRETS)  # the check below can see them
    audit_before = _audit_rows()
    anonymise_family(fam, "retention", None)
    anonymise_volunteer(vol, "subject_request", world.coord_a)
    dump = _raw_dump()
    leaked = [s for s in SECRETS if s in dump]
    assert leaked == []
    assert "1971" not in dump  # the volunteer's birth year
    # the audit log only grew (append-only): earlier rows are untouched
    after = _audit_rows()
    assert after[:len(audit_before)] == audit_before
    new = [r for r in after[len(audit_before):] if r.action == "anonymise"]
    assert {(r.object_type, r.reason) for r in new} == {
        ("family", "retention"), ("volunteer", "erasure: subject_request")}
    db.session.expire_all()
    user = db.session.get(User, vol.user_id)
    assert user.active is False and user.email_index != old_index
    assert User.by_email("vera.vrijwilliger@example.org") is None
    assert user.email.endswith("@anonymised.invalid") and user.password_hash is None
    f = db.session.get(Family, fam.id)
    assert f.parents == [] and f.children == [] and f.pc4 is None
    facts = f.anonymised_facts
    assert facts["languages"] == ["ti"] and facts["parents"] == 1 and facts["children"] == 1
    assert facts["children_age_bands"] == ["0-3"] and facts["programmes"] == [world.prog_a.id]
    assert facts["contact_minutes"] == 90 and facts["ended"] == "2024-01"
    m = db.session.execute(sa.select(Match)).scalar_one()
    assert m.ended_at == datetime(2024, 1, 1)  # year-month kept
    msgs = db.session.execute(sa.select(Message).order_by(Message.id)).scalars().all()
    assert [x.status for x in msgs] == ["cancelled", "sent"]
    assert all(x.body_text == "" and x.recipient == "" for x in msgs)
    run = db.session.execute(sa.select(MatchingRun)).scalar_one()
    assert run.snapshot["requests"][0] == {"id": str(f.requests[0].id),
                                           "family_id": str(f.id), "anonymised": True}


def test_login_is_impossible_after_anonymisation(papp, world, client, login):
    _, vol = _scenario(world)
    anonymise_volunteer(vol, "retention", None)
    response = login("vera.vrijwilliger@example.org")
    assert b"Vera" not in response.data
    assert client.get("/privacy/me").status_code in (302, 401)


# --- subject access -----------------------------------------------------------------------

def test_family_export_holds_everything_and_who_read_it(papp, world, client, login):
    fam, _ = _scenario(world)
    login(world.coord_a.email)
    response = client.get(f"/privacy/families/{fam.id}/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["reference"] == f"G-{fam.id:05d}"
    assert data["parents"][0]["name"] == PARENT
    assert data["family"]["address"] == "Kooilaan 77"
    assert data["family"]["community"] == "Alawiet-X"
    assert data["requests"][0]["note"] == "Programmanotitie-X"
    assert data["matches"][0]["evaluation_volunteer"] == "Evaluatie-vrijw-X"
    assert data["contact_moments"][0]["note"] == "Bezoeknotitie-X"
    assert data["messages"][0]["body_text"] == "Kooilaan 77"
    who = {(a["who"], a["action"]) for a in data["audit"]}
    assert ("system", "create") in who  # made through the service, outside a request
    assert all("ip" not in a for a in data["audit"])
    # making the export is itself recorded, and shows up in the next export
    again = client.get(f"/privacy/families/{fam.id}/export.json").get_json()
    assert ("Coordinator A", "export") in {(a["who"], a["action"]) for a in again["audit"]}
    page = client.get(f"/privacy/families/{fam.id}/export")
    assert page.status_code == 200 and PARENT.encode() in page.data
    assert page.headers["Cache-Control"] == "no-store"


def test_export_of_a_family_that_left_still_works_but_not_for_other_organisations(
        papp, world, client, login):
    fam, vol = _scenario(world)  # its only request has ended
    login(world.coord_b.email)
    for url in (f"/privacy/families/{fam.id}", f"/privacy/families/{fam.id}/export",
                f"/privacy/families/{fam.id}/export.json",
                f"/privacy/volunteers/{vol.id}/export.json"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/privacy/families/{fam.id}/erase",
                       data={"reason": "other", "confirm": f"G-{fam.id:05d}"}
                       ).status_code == 404
    client.post("/logout")
    login(world.coord_a.email)
    assert client.get(f"/privacy/families/{fam.id}/export.json").status_code == 200


def test_volunteer_downloads_own_data_only(papp, world, client, login):
    fam, vol = _scenario(world)
    login("vera.vrijwilliger@example.org")
    data = client.get("/privacy/me/export.json").get_json()
    assert data["account"]["email"] == "vera.vrijwilliger@example.org"
    assert data["profile"]["motivation"] == "Motivatie-uniek"
    assert data["matches"][0]["family"] == f"G-{fam.id:05d}"
    assert "evaluation_coordinator" not in data["matches"][0]
    assert PARENT not in json.dumps(data)
    assert client.get("/privacy/me/export").status_code == 200
    assert client.get(f"/privacy/volunteers/{vol.id}/export.json").status_code == 403
    assert client.get(f"/privacy/families/{fam.id}/export.json").status_code == 403
    exports = db.session.execute(sa.select(AuditEntry).filter_by(
        action="export", object_type="volunteer", object_id=str(vol.id))).scalars().all()
    assert len(exports) == 2


def test_staff_export_of_a_volunteer(papp, world, client, login):
    _, vol = _scenario(world)
    login(world.coord_a.email)
    data = client.get(f"/privacy/volunteers/{vol.id}/export.json").get_json()
    assert data["profile"]["notes"] == "Coordinatornotitie-X"
    assert data["matches"][0]["evaluation_coordinator"] == "Evaluatie-coord-X"


# --- erasure ------------------------------------------------------------------------------

def test_erasure_is_refused_under_a_legal_hold_and_done_after_release(papp, world, client,
                                                                      login):
    fam = make_family(world.prog_a, world.coord_a, address="Kooilaan 77")
    ref = f"G-{fam.id:05d}"
    login(world.coord_a.email)
    r = client.post(f"/privacy/families/{fam.id}/holds",
                    data={"reported_on": (date.today() - timedelta(days=2)).isoformat()})
    assert r.status_code == 302
    hold = db.session.execute(sa.select(LegalHold)).scalar_one()
    assert hold.open
    r = client.post(f"/privacy/families/{fam.id}/erase",
                    data={"reason": "subject_request", "confirm": ref}, follow_redirects=True)
    assert b"Veilig Thuis" in r.data and b"Not erased" in r.data
    db.session.expire_all()
    assert db.session.get(Family, fam.id).anonymised_at is None
    assert db.session.get(Family, fam.id).address == "Kooilaan 77"
    assert db.session.execute(sa.select(ErasureRequest.outcome)).scalars().all() == [
        "refused_hold"]
    # retention skips it too, and says so
    report = enforce_retention(dry_run=True, now=datetime(2099, 1, 1))
    assert fam.id not in [i.id for i in report.families]
    client.post(f"/privacy/families/{fam.id}/holds/{hold.id}/release")
    r = client.post(f"/privacy/families/{fam.id}/erase",
                    data={"reason": "subject_request", "confirm": ref}, follow_redirects=True)
    assert r.status_code == 200 and b"anonymised" in r.data
    db.session.expire_all()
    f = db.session.get(Family, fam.id)
    assert f.anonymised_at is not None and f.address is None
    assert all(not req.active for req in f.requests)
    assert db.session.execute(sa.select(ErasureRequest.outcome).order_by(
        ErasureRequest.id)).scalars().all() == ["refused_hold", "done"]
    entry = db.session.execute(sa.select(AuditEntry).filter_by(
        action="anonymise", object_id=str(fam.id))).scalar_one()
    assert entry.reason == "erasure: subject_request" and entry.user_id == world.coord_a.id


def test_held_family_is_listed_as_held_by_retention(papp, world):
    fam, _ = _scenario(world)
    db.session.add(LegalHold(family_id=fam.id, reported_on=date(2024, 1, 2)))
    db.session.commit()
    report = enforce_retention(now=add_months(ENDED, 13))
    assert report.anonymised_families == 0 and [i.id for i in report.held] == [fam.id]
    with pytest.raises(LegalHoldError):
        anonymise_family(fam, "other", None)


def test_erasure_needs_the_reference_typed(papp, world, client, login):
    fam = make_family(world.prog_a, world.coord_a)
    login(world.coord_a.email)
    r = client.post(f"/privacy/families/{fam.id}/erase",
                    data={"reason": "subject_request", "confirm": "wrong"})
    assert r.status_code == 400
    assert db.session.get(Family, fam.id).anonymised_at is None


def test_erasure_refused_when_enrolled_in_a_programme_one_does_not_coordinate(
        papp, world, client, login):
    from webapp.models import FamilyRequest
    fam = make_family(world.prog_a, world.coord_a)
    # also waiting for MIM Leiden, which coord_a does not coordinate
    db.session.add(FamilyRequest(family_id=fam.id, programme_id=world.prog_a2.id))
    db.session.commit()
    login(world.coord_a.email)
    r = client.post(f"/privacy/families/{fam.id}/erase", data={
        "reason": "subject_request", "confirm": f"G-{fam.id:05d}"}, follow_redirects=True)
    assert b"Not erased" in r.data
    assert db.session.get(Family, fam.id).anonymised_at is None


def test_volunteer_erasure_closes_the_account(papp, world, client, login):
    _, vol = _scenario(world)
    login(world.coord_a.email)
    r = client.post(f"/privacy/volunteers/{vol.id}/erase",
                    data={"reason": "subject_request", "confirm": f"V-{vol.id:05d}"})
    assert r.status_code == 302
    db.session.expire_all()
    v = db.session.get(Volunteer, vol.id)
    assert v.anonymised_at is not None and v.user.name == f"V-{vol.id:05d}"
    assert v.user.active is False and v.phone is None


# --- retention settings and unusual access ------------------------------------------------

def test_admin_edits_retention_of_own_organisation_only(papp, world, client, login):
    login(world.org_admin.email)
    page = client.get("/privacy/retention")
    assert page.status_code == 200 and b"Home-Start Leiden" in page.data
    assert b"Home-Start Utrecht" not in page.data
    r = client.post(f"/privacy/retention/{world.org_a.id}", data={
        f"org{world.org_a.id}-family_months": "6", f"org{world.org_a.id}-volunteer_months": "18"})
    assert r.status_code == 302
    db.session.expire_all()
    assert (world.org_a.retention_family_months, world.org_a.retention_volunteer_months) == (
        6, 18)
    assert client.post(f"/privacy/retention/{world.org_b.id}", data={
        f"org{world.org_b.id}-family_months": "1",
        f"org{world.org_b.id}-volunteer_months": "1"}).status_code == 404
    assert client.post(f"/privacy/retention/{world.org_a.id}", data={
        f"org{world.org_a.id}-family_months": "0",
        f"org{world.org_a.id}-volunteer_months": "18"}).status_code == 400
    client.post("/logout")
    login(world.coord_a.email)
    assert client.get("/privacy/retention").status_code == 403


def test_unusual_access_view_flags_a_burst_of_family_reads(papp, world, client, login):
    from webapp.models.base import utcnow
    start = utcnow() - timedelta(hours=1)
    for i in range(25):  # 25 different families in under five minutes
        db.session.add(AuditEntry(at=start + timedelta(seconds=10 * i), user_id=world.coord_a.id,
                                  action="read", object_type="family", object_id=str(1000 + i)))
    for i in range(5):  # a calm colleague: the same family, now and then
        db.session.add(AuditEntry(at=start + timedelta(minutes=20 * i), user_id=world.coord_b.id,
                                  action="read", object_type="family", object_id="7"))
    db.session.commit()
    login(world.admin.email)
    page = client.get("/privacy/unusual-access")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Coordinator A" in text and "Many records read in a short time" in text
    assert "Coordinator B" not in text
    # a stricter threshold than the burst: nothing
    assert "Coordinator A" not in client.get(
        "/privacy/unusual-access?threshold=30").get_data(as_text=True)
    client.post("/logout")
    login(world.coord_a.email)
    assert client.get("/privacy/unusual-access").status_code == 403


def test_privacy_pages_render_for_each_role(papp, world, client, login):
    fam = make_family(world.prog_a, world.coord_a)
    login(world.coord_a.email)
    assert client.get("/privacy/").status_code == 200
    assert client.get(f"/privacy/?q=G-{fam.id:05d}").headers["Location"].endswith(
        f"/privacy/families/{fam.id}")
    assert client.get(f"/privacy/families/{fam.id}").status_code == 200
    client.post("/logout")
    login(world.admin.email)
    assert client.get("/privacy/retention").status_code == 200


# --- PostgreSQL: the audit log's triggers stay happy --------------------------------------

def test_anonymisation_on_postgresql_never_touches_audit_rows(pg_app):
    from tests.factories import build_world
    if "privacy" not in pg_app.blueprints:
        from webapp.privacy import bp
        pg_app.register_blueprint(bp, url_prefix="/privacy")
    world = build_world()
    _, vol = _scenario(world)
    count = db.session.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar_one()
    report = enforce_retention(now=add_months(ENDED, 30))
    assert report.anonymised_families == 1
    assert anonymise_volunteer(db.session.get(Volunteer, vol.id), "other", None)
    assert db.session.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar_one() \
        == count + 2
