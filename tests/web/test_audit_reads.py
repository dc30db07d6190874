"""Reads of a family's personal data are audited, and erasure leaves no free text behind
(issue 13, findings 4 and 5).

* Every GET page that shows a parent's name writes an audit entry naming that family: the
  URL map is walked (like ``test_routes_access.py``), so a new page cannot forget it.
* The family list stays cheap: one INSERT for the whole page, not one per family.
* Audit entries keep codes, not free text: a manual match's override reason lives
  encrypted on the match and goes with the family's erasure.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.factories import build_world, make_family, make_user, make_volunteer
from webapp import crypto
from webapp.extensions import db
from webapp.models import AuditEntry, Family, Message

# --- the world: every family's parent has a name found nowhere else ----------------------


def _distinctive(fid: int) -> str:
    return f"Qzparent{fid:04d}x"


def _name_families() -> dict[str, int]:
    """Give every parent of every family a distinctive name; name → family id."""
    from webapp.models import Parent
    names = {}
    for parent in db.session.execute(sa.select(Parent)).scalars():
        name = _distinctive(parent.family_id) + ("" if parent.position == 0 else
                                                 f"p{parent.position}")
        parent.set_name(name)
        names[name] = parent.family_id
    db.session.commit()
    return names


def _family_messages(world, objects: dict) -> dict[str, int]:
    """A real introduction (a letter to the family, an e-mail to the volunteer) of organisation
    A's family, written to the outbox; its message ids."""
    from tests.web.messaging_support import intro_context
    from webapp.messaging.intro import prepare_introduction, send_prepared
    fid = objects["a"]["family_id"]
    ctx = intro_context(world, family_id=fid, parent_first_name=_distinctive(fid),
                        family_channel="letter", family_contact=None,
                        volunteer_user_id=world.volunteer.id)
    rows = send_prepared(prepare_introduction(ctx), created_by=world.coord_a.id)
    # the family's text message that failed: it can be sent again (the resend page)
    failed = Message(kind="family_intro", channel="sms", recipient="+31612345678",
                     recipient_name=_distinctive(fid), subject="Hallo", body_text="Tekst",
                     status="failed", programme_id=rows[0].programme_id,
                     created_by_id=world.coord_a.id, party_type="family", party_id=fid)
    db.session.add(failed)
    db.session.commit()
    return {"family_message_id": rows[0].id, "volunteer_message_id": rows[1].id,
            "failed_message_id": failed.id}


def _group_candidate(objects: dict) -> None:
    """A second family in organisation A's parent-group programme, not invited yet."""
    from webapp.models import Programme, User
    pou = db.session.get(Programme, objects["a"]["pou_programme_id"])
    coord = next(u for u in db.session.execute(sa.select(User)).scalars()
                 if pou in u.programmes)
    make_family(pou, coord, parents=[{"name": "Candidate", "gender": "f",
                                      "languages": [{"code": "ar", "level": "native"}],
                                      "dutch_level": "A1", "can_read": "yes"}])


@pytest.fixture
def reads_world(app):
    from tests.web.test_routes_access import build_access_world
    data = build_access_world()
    world = _world_from_db(data["emails"])
    data["objects"]["a"].update(_family_messages(world, data["objects"]))
    _group_candidate(data["objects"])
    data["names"] = _name_families()
    return data


def _world_from_db(emails: dict):
    """The users build_access_world made (it returns only ids and e-mails)."""
    from types import SimpleNamespace

    from webapp.models import User
    coord, volunteer = (User.by_email(emails[role]) for role in ("coordinator", "volunteer"))
    return SimpleNamespace(coord_a=coord, volunteer=volunteer, prog_a=coord.programmes[0])


def _urls(app, objects: dict) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET route, ids filled with organisation A's objects; a route
    with a message id is walked with the family's and the volunteer's message."""
    from tests.web.test_routes_access import QUERY, fill
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        variants = [objects]
        if "message_id" in rule.arguments:
            variants = [{"a": dict(objects["a"], message_id=objects["a"][key])}
                        for key in ("family_message_id", "volunteer_message_id",
                                    "failed_message_id", "message_id")]
        for objs in variants:
            values = fill(rule, objs)
            with app.test_request_context():
                url = rule.build(values, append_unknown=False)[1]
            if rule.endpoint in QUERY:
                url += "?" + QUERY[rule.endpoint].format(**objs["a"])
            out.append((rule.endpoint, url))
    return sorted(set(out))


def _last_audit_id() -> int:
    return db.session.execute(sa.select(sa.func.coalesce(sa.func.max(AuditEntry.id), 0))
                              ).scalar_one()


@pytest.mark.parametrize("role", ["coordinator", "admin", "volunteer"])
def test_every_page_showing_a_parent_audits_the_family(app, reads_world, role):
    """Walk every GET route: a page whose body holds a parent's name must have written, in
    that request, a read or export entry for that family by the user who saw it."""
    from webapp.models import User
    data = reads_world
    email = data["emails"][role]
    user_id = db.session.execute(sa.select(User.id).where(
        User.email_index == crypto.blind_index(email))).scalar_one()
    client = app.test_client()
    assert client.post("/login", data={"email": email,
                                       "password": data["password"]}).status_code == 302
    pattern = re.compile("|".join(sorted(data["names"], key=len, reverse=True)))
    seen_pages, missing = 0, []
    for endpoint, url in _urls(app, data["objects"]):
        before = _last_audit_id()
        resp = client.get(url)
        db.session.remove()
        if resp.status_code != 200:
            continue
        shown = {data["names"][n] for n in pattern.findall(resp.get_data(as_text=True))}
        if not shown:
            continue
        seen_pages += 1
        audited = {int(e.object_id) for e in db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.id > before, AuditEntry.object_type == "family",
            AuditEntry.action.in_(("read", "export")),
            AuditEntry.user_id == user_id)).scalars()}
        if shown - audited:
            missing.append(f"{url} ({endpoint}) shows families {sorted(shown)}, audited "
                           f"{sorted(audited)}")
    assert not missing, "pages that show a family without auditing it:\n" + "\n".join(missing)
    assert seen_pages >= (1 if role == "volunteer" else 8), seen_pages


def test_family_list_audits_the_page_in_one_insert(app, world, client, login):
    """One entry per family shown (so "who saw family X" is one filter), written with one
    INSERT statement whatever the page's length; the view's code says where."""
    families = [make_family(world.prog_a, world.coord_a) for _ in range(7)]
    login(world.coord_a.email)
    db.session.expire_all()
    before = _last_audit_id()
    statements = []

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        assert client.get("/families").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_execute)
    audit_inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert len(audit_inserts) == 1 and "audit_entry" in audit_inserts[0], statements
    # the three reads of docs/performance.md (session, page, people), the menu's count of
    # open concerns (its badge, on every staff page) and the INSERT
    assert len(statements) == 5, [s[:60] for s in statements]
    rows = db.session.execute(sa.select(AuditEntry).where(AuditEntry.id > before)
                              .order_by(AuditEntry.id)).scalars().all()
    assert sorted(int(r.object_id) for r in rows) == sorted(f.id for f in families)
    assert {(r.action, r.object_type, r.reason, r.user_id) for r in rows} == {
        ("read", "family", "view:family_list", world.coord_a.id)}
    # "who saw family X": one filter on the log page
    client.post("/logout")
    login(world.org_admin.email)
    page = client.get(f"/admin/audit?object_type=family&object_id={families[3].id}&lang=en")
    text = page.get_data(as_text=True)
    assert "Coordinator A" in text and "Seen on: family list" in text


def test_family_list_burst_is_not_unusual_access(app, world, client, login):
    """A page of the list names 25 families at once: that is not a burst of record reads."""
    from webapp.privacy.breach import unusual_access
    families = [make_family(world.prog_a, world.coord_a) for _ in range(22)]
    login(world.coord_a.email)
    before = _last_audit_id()
    assert client.get("/families").status_code == 200
    assert db.session.execute(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.id > before, AuditEntry.action == "read")).scalar_one() == 22
    assert [f for f in unusual_access(threshold=20) if f.kind == "burst"] == []
    # opening 20 family pages one by one still is
    for family in families[:20]:
        assert client.get(f"/families/{family.id}").status_code == 200
    assert [(f.kind, f.count) for f in unusual_access(threshold=20)] == [("burst", 20)]


def test_a_list_page_at_night_counts_as_one_read(app, world):
    from datetime import datetime, timedelta

    from webapp.privacy.breach import unusual_access
    night = datetime(2026, 12, 1, 22, 30)  # 23:30 in Amsterdam

    def entries(at, reason, ids):
        db.session.execute(sa.insert(AuditEntry.__table__), [
            dict(at=at, user_id=world.coord_a.id, action="read", object_type="family",
                 object_id=str(i), reason=reason) for i in ids])
    for page in range(4):
        entries(night + timedelta(minutes=page), "view:family_list",
                range(10 * page, 10 * page + 10))
    db.session.commit()
    now = night + timedelta(hours=8)
    assert [f for f in unusual_access(now=now) if f.kind == "night"] == []
    for n in range(5):
        entries(night + timedelta(minutes=10 + n), "view:family_detail", [n])
    db.session.commit()
    assert [(f.kind, f.count) for f in unusual_access(now=now) if f.kind == "night"] == [
        ("night", 9)]


# --- erasure: the override reason --------------------------------------------------------

SECRET = "Nadia at Haagweg 12"


def _dump_text() -> str:
    """Every value of every column of every table, as stored (nothing decrypted)."""
    db.session.commit()
    out = []
    meta = sa.MetaData()
    meta.reflect(bind=db.engine)
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(sa.select(table)):
                out.extend(str(v) for v in row if v is not None)
    return "\n".join(out)


def _decrypted(dump: str) -> str:
    return re.sub(r"gAAAAA[A-Za-z0-9_\-=]+", lambda m: crypto.decrypt(m.group(0)), dump)


def _erase_manual_match(client, login, world):
    from webapp.models.matches import Match
    far = make_volunteer(make_user("far@example.org", name="Far Away"), [world.prog_a],
                         pc4="1011", travel_km=5)
    fam = make_family(world.prog_a, world.coord_a)
    login(world.coord_a.email)
    reason = f"Tolk geregeld; {SECRET} is de buurvrouw die meegaat."
    resp = client.post(f"/programmes/{world.prog_a.id}/manual-match",
                       data={"request_id": fam.requests[0].id, "volunteer_id": far.id,
                             "override_reason": reason})
    assert resp.status_code == 302
    match = db.session.execute(sa.select(Match)).scalar_one()
    return fam, match


def _check_erasure(client, login, world):
    from webapp.models.matches import Match
    fam, match = _erase_manual_match(client, login, world)
    # kept while the family is there: encrypted on the match, a code in the audit log
    assert match.override_reason.endswith("meegaat.")
    entry = db.session.execute(sa.select(AuditEntry).filter_by(action="override")).scalar_one()
    assert entry.object_id == str(match.id) and "too_far" in entry.fields
    assert entry.reason == "override_reason"
    assert SECRET not in _dump_text()
    assert SECRET in _decrypted(_dump_text())
    # the audit log page still says something useful, translated
    client.post("/logout")
    login(world.org_admin.email)
    page = client.get("/admin/audit?action=override&lang=en").get_data(as_text=True)
    assert "Reason written down, kept encrypted with the record" in page and SECRET not in page
    # erased: the text is nowhere, neither as stored nor decrypted
    client.post("/logout")
    login(world.coord_a.email)
    resp = client.post(f"/privacy/families/{fam.id}/erase",
                       data={"reason": "subject_request", "confirm": f"G-{fam.id:05d}"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Family, fam.id).anonymised_at is not None
    assert db.session.get(Match, match.id).override_reason is None
    dump = _dump_text()
    for part in ("Nadia", "Haagweg"):
        assert part not in dump
        assert part not in _decrypted(dump)


def test_override_reason_is_erased_with_the_family(app, world, client, login):
    _check_erasure(client, login, world)


@pytest.mark.postgres
def test_override_reason_is_erased_with_the_family_on_postgresql(pg_app):
    world = build_world()
    client = pg_app.test_client()

    def login(email, password="correct horse battery"):
        return client.post("/login", data={"email": email, "password": password})
    _check_erasure(client, login, world)


def test_group_override_reasons_are_codes(app, world):
    """Approving a group and planning meetings against a rule keep the written reason
    encrypted on the group / meeting; the audit entry holds a code."""
    from datetime import date, datetime

    from webapp.groups import formation
    from webapp.groups.invitations import GroupsError
    from webapp.models.groups import GroupRound, ParentGroup
    round_ = GroupRound(programme_id=world.prog_a.id, name="R", municipality="Leiden",
                        settled_since=date(2020, 1, 1), first_meeting_on=datetime(2030, 3, 5),
                        place="Buurthuis", pc4="2316", slots=["tue_am"], contact_name="C",
                        contact_phone="1", min_size=3, max_size=8, max_km=10,
                        created_by_id=world.coord_a.id)
    group = ParentGroup(round=round_, programme_id=world.prog_a.id, name="G", gender="f",
                        languages=["ar"], slot="tue_am", status="proposed")
    db.session.add_all([round_, group])
    db.session.commit()
    with pytest.raises(GroupsError):
        formation.approve(group, world.coord_a.id)
    formation.approve(group, world.coord_a.id, f"Met {SECRET} besproken")
    assert group.override_reason == f"Met {SECRET} besproken"
    entry = db.session.execute(sa.select(AuditEntry).filter_by(
        action="override", object_type="parent_group")).scalar_one()
    assert entry.reason == "override_reason"
    assert SECRET not in _dump_text()


# --- the migration of existing rows -------------------------------------------------------

def _run_migration() -> None:
    """This revision's ``upgrade()`` on the current database (later revisions of others
    change the schema the models need, so the data is written at the head and the
    migration's data step run again on it)."""
    import importlib.util
    from pathlib import Path

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    path = next((Path(__file__).parents[2] / "migrations" / "versions").glob(
        "*_13f_audit_reason_codes.py"))
    spec = importlib.util.spec_from_file_location("audit_reason_codes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.revision == REVISION
    with Operations.context(MigrationContext.configure(db.session.connection())):
        module.upgrade()
    db.session.commit()


def _check_migration() -> None:
    """Rows written before this change: override texts become the code — moved to the
    encrypted column of their record when it has none and the family is not erased, else
    blanked — and fixed phrases become codes."""
    from datetime import datetime

    from webapp.models.matches import Match
    world = build_world()
    far = make_volunteer(make_user("far@example.org", name="Far"), [world.prog_a])
    fam = make_family(world.prog_a, world.coord_a)
    erased = make_family(world.prog_a, world.coord_a)
    erased.anonymised_at = datetime.utcnow()
    kept, lost, gone = (Match(programme_id=world.prog_a.id, family_id=f.id,
                              volunteer_id=far.id, override_reason=text,
                              created_by_id=world.coord_a.id)
                        for f, text in ((fam, "already kept"), (fam, None), (erased, None)))
    db.session.add_all([kept, lost, gone])
    db.session.commit()
    now = datetime.utcnow()
    db.session.execute(sa.insert(AuditEntry.__table__), [
        dict(at=now, action=action, object_type=kind, object_id=str(oid), reason=reason)
        for action, kind, oid, reason in (
            ("override", "match", kept.id, "already kept"),
            ("override", "match", lost.id, f"only here: {SECRET}"),
            ("override", "match", gone.id, f"family erased: {SECRET}"),
            ("override", "match", 999, f"match deleted: {SECRET}"),
            ("export", "family", 1, "subject access (page)"),
            ("read", "audit_log", "unusual_access", "last 7 days"),
            ("create", "message", 5, "resend of message 4"),
            ("update", "user", 1, "second factor switched on"))])
    db.session.commit()
    _run_migration()
    reasons = db.session.execute(sa.select(AuditEntry.object_id, AuditEntry.reason)
                                 .order_by(AuditEntry.id)).all()
    assert reasons[-8:] == [
        (str(kept.id), "override_reason"), (str(lost.id), "override_reason"),
        (str(gone.id), "override_reason"), ("999", "override_reason"),
        ("1", "subject_access_page"), ("unusual_access", "last_days:7"), ("5", "resend"),
        ("1", "second factor switched on")]
    db.session.expire_all()
    assert db.session.get(Match, kept.id).override_reason == "already kept"
    assert db.session.get(Match, lost.id).override_reason == f"only here: {SECRET}"
    assert db.session.get(Match, gone.id).override_reason is None
    assert SECRET not in _dump_text()
    assert _decrypted(_dump_text()).count(SECRET) == 1  # only the moved one, encrypted
    # still append-only afterwards
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE audit_entry SET reason = 'x'"))
    db.session.rollback()


def test_migration_replaces_free_text_reasons(tmp_path, migrated_sqlite):
    import shutil

    from tests.conftest import make_app
    db_file = tmp_path / "old.sqlite3"
    shutil.copy(migrated_sqlite, db_file)
    app = make_app(tmp_path, f"sqlite:///{db_file}")
    with app.app_context():
        _check_migration()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_migration_replaces_free_text_reasons_on_postgresql(pg_app):
    _check_migration()


REVISION = "13f_audit_reason_codes"
