"""Access control of every route, walked from the app's URL map.

Every rule in ``app.url_map`` × each of its methods (GET, POST, …) × five roles:

* ``anonymous``   – not logged in;
* ``volunteer``   – a volunteer of organisation A (owner of the volunteer-side objects);
* ``other_coord`` – the coordinator of organisation B, looking at organisation A's objects;
* ``coordinator`` – the coordinator of organisation A (owner of the objects);
* ``admin``       – the administrator of organisation A.

Ids in a URL are filled with organisation A's objects from a world that has one object of
each kind per organisation (:func:`build_access_world`). A new route is walked automatically;
an id parameter this file does not know how to fill makes the test **fail** and name the
endpoint: declare it in ``FILL_BY_NAME``/``FILL_BY_ENDPOINT`` (or ``FILL_FROM_OBJECT``)
(and, if its statuses differ from the default rule, in ``EXPECTED``).

Default rule (see :func:`expected`):

* anonymous → a redirect to the login page (or 401/404);
* volunteer → 403 or 404 on staff pages;
* other_coord → 404 on pages of an object (a URL with an id), 200/302 on lists (their own
  data, or nothing), 403 on admin pages;
* coordinator, admin → 200, 302 or 405 (admin pages: 403 for the coordinator).

POSTs are sent with an empty form (CSRF checks are off in tests; ``test_csrf_enforced``
covers them). Every case starts from the same database file, so a POST that deletes or
changes something does not affect the next case.
"""
from __future__ import annotations

import shutil
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import base_config

ROLES = ("anonymous", "volunteer", "other_coord", "coordinator", "admin")
STAFF_ROLES = ("coordinator", "admin")
OK = {200, 302, 405}
# POSTs carry an empty form: an allowed role may get a validation answer (400 or 422).
OK_POST = OK | {400, 422}
DENIED_VOLUNTEER = {403, 404}


# --- which endpoints are what --------------------------------------------------------------

# Open to everyone (anonymous included); the status each role gets is listed in EXPECTED
# where it is not 200.
PUBLIC = {
    "static", "main.index", "main.healthz", "auth.login", "auth.forgot_password",
    "auth.reset_password", "auth.login_code", "volunteers.register", "volunteers.register_sent",
    "volunteers.confirm_email", "volunteers.calendar_feed",
    "metrics",
}
# For any logged-in account (volunteers and staff): their own pages, or pages that check the
# object themselves (a certificate, a themabijeenkomst).
ANY_ACCOUNT = {
    "main.dashboard", "auth.logout", "auth.security", "auth.two_factor_setup",
    "auth.two_factor_disable", "auth.recovery_codes", "auth.change_password",
    "auth.revoke_session", "auth.revoke_all_sessions", "main.job_status",
    "volunteers.certificate", "volunteers.sessions", "volunteers.session_detail",
}
# Only for volunteers (``@volunteer_role`` / ``@confirmed_volunteer``): staff get 403.
VOLUNTEER_ONLY = {
    "volunteers.my_profile", "volunteers.my_status", "volunteers.my_training",
    "volunteers.delete_completion", "volunteers.calendar_token", "volunteers.session_signup",
    "volunteers.session_cancel", "volunteers.session_ics", "volunteers.resend_confirmation",
    "matches.my_matches", "matches.my_match",
}


def admin_only(endpoint: str) -> bool:
    return endpoint.startswith("admin.") or endpoint in {"families.audit_log",
                                                         "families.audit_export"}


# --- expected statuses where they differ from the default rule -----------------------------
# key: (endpoint, method, role) → set of allowed statuses.  "*" as method: every method.
E = {}


def _set(endpoint, method, roles, statuses, why):
    """Record an exception; ``why`` is the comment a reader needs (kept for failures)."""
    for role in (ROLES if roles == "*" else roles):
        E[(endpoint, method, role)] = (set(statuses), why)


# Public pages.
_set("static", "GET", "*", {200}, "static files are public")
_set("main.index", "GET", "*", {200, 302}, "front page; logged-in accounts go to the overview")
_set("main.healthz", "GET", "*", {200, 503}, "health check for the load balancer")
_set("metrics", "GET", "*", {200, 401, 403, 404}, "Prometheus metrics (ops area decides)")
_set("auth.login", "GET", "*", {200, 302}, "login page; logged-in accounts are sent on")
_set("auth.login", "POST", "*", {200, 302}, "empty login form: re-rendered with errors")
_set("auth.login_code", "*", "*", {302}, "second step without a first: back to the login")
_set("auth.forgot_password", "*", "*", {200}, "public form")
_set("auth.reset_password", "*", "*", {302}, "bogus token: back to 'forgot password'")
_set("volunteers.register", "*", "*", {200, 302}, "public registration form")
_set("volunteers.register_sent", "GET", "*", {200, 302}, "public confirmation page")
_set("volunteers.confirm_email", "GET", "*", {302}, "bogus token: redirect with a message")
_set("volunteers.calendar_feed", "GET", "*", {404}, "bogus feed token: 404")

# Own pages of any account: every role but anonymous gets them.
for _ep in ANY_ACCOUNT:
    _set(_ep, "*", ("volunteer", "other_coord", "coordinator", "admin"), OK_POST,
         "an account's own page")
for _ep in VOLUNTEER_ONLY:
    _set(_ep, "*", ("volunteer",), OK_POST, "the volunteer's own page")
    _set(_ep, "*", ("other_coord", "coordinator", "admin"), {403}, "volunteers only")
# …except objects that belong to someone else: 404.
_set("auth.revoke_session", "POST", ("volunteer", "other_coord", "admin"), {404},
     "the session handle is the organisation-A coordinator's own (other) session")
_set("volunteers.session_detail", "GET", ("other_coord",), {404},
     "a themabijeenkomst of organisation A")
_set("main.job_status", "GET", ("volunteer", "other_coord"), {404},
     "a job is visible to whoever started it (coordinator A) and to admins")
_set("volunteers.certificate", "GET", ("volunteer", "coordinator", "admin", "other_coord"),
     {404}, "no certificate file was uploaded for the completion: 404 for everyone (who may "
     "see a completion is walked through volunteers.review_completion)")
# Documented 403s of allowed roles.
_set("families.family_new", "POST", ("other_coord", "coordinator", "admin"), {403},
     "empty form has no programme: get_enrollable_programme_or_403 refuses, nothing changes")
_set("families.family_enrol", "POST", ("coordinator", "admin"), {403},
     "no programme in the form: get_enrollable_programme_or_403 refuses, nothing changes")
_set("families.family_enrol", "POST", ("other_coord",), {404}, "family of organisation A")
# The import stash key is bound to the account that uploaded the file: anyone else is told
# it has expired (302 back to the upload form); nothing is shown or imported.
_set("volunteers.import_confirm", "POST", ("other_coord", "admin"), {302},
     "stash key of coordinator A's upload: 'expired' for every other account")
# Message templates are edited by admins only (organisation admin: their programmes' scope,
# asked for with ?scope=programme:<id>, see QUERY).
for _ep in ("messaging.templates", "messaging.template_edit", "messaging.template_preview",
            "messaging.template_reset"):
    _set(_ep, "*", ("coordinator", "other_coord"), {403}, "templates: admins only")
# Dashboards: an organisation's dashboard (and its CSV) is for that organisation's admins and
# the installation admin only (access.get_dashboard_organisation_or_404); everyone else gets
# 404, also the organisation's own coordinators (they have the programme dashboards).
for _ep in ("dashboard.organisation", "dashboard.organisation_csv"):
    _set(_ep, "GET", ("coordinator",), {404},
         "organisation dashboard: admins only, 404 for coordinators (ids cannot be probed)")
# Privacy: the start page sends a volunteer to their own data; "my data" and its exports are
# the volunteer's own (current_volunteer_or_404): staff accounts have no volunteer profile.
_set("privacy.index", "GET", ("volunteer",), {302}, "volunteers go to privacy.my_data")
for _ep in ("privacy.my_data", "privacy.my_export_page", "privacy.my_export_json"):
    _set(_ep, "GET", ("volunteer",), {200}, "the volunteer's own data (subject access)")
    _set(_ep, "GET", ("other_coord", "coordinator", "admin"), {404},
         "staff accounts have no volunteer profile: current_volunteer_or_404")
# Retention settings and the unusual-access view: admins only (@admin_required → 403). The
# admin saving organisation A's retention with an empty form gets a validation answer.
for _ep in ("privacy.retention", "privacy.retention_save", "privacy.unusual"):
    _set(_ep, "*", ("coordinator", "other_coord"), {403}, "privacy admin pages: admins only")
# Organisations and programmes (webapp/admin/organisations.py, programmes.py): only the
# installation admin creates or (de)activates organisations (403 for an organisation's
# admin); an organisation's or a programme's admin pages answer 404 to anyone who does not
# administer it, coordinators included (access.get_managed_…_or_404: ids cannot be probed).
_set("admin.organisation_new", "*", ("admin",), {403},
     "an organisation's admin cannot create organisations")
for _ep in ("admin.organisation_deactivate", "admin.organisation_reactivate"):
    _set(_ep, "*", ("admin",), {403},
         "an organisation's admin cannot (de)activate organisations, not even their own")
for _ep in ("admin.organisation_edit", "admin.organisation_deactivate",
            "admin.organisation_reactivate", "admin.programme_edit",
            "admin.programme_deactivate", "admin.programme_reactivate"):
    _set(_ep, "*", ("coordinator", "other_coord"), {404},
         "admin pages of an organisation or programme: 404 for non-admins (no probing)")
# Users (webapp/admin/users.py): a user's edit page answers 404 to anyone who does not
# administer the user's organisation, coordinators included (access.get_managed_user_or_404).
_set("admin.user_edit", "*", ("coordinator", "other_coord"), {404},
     "a user's admin page: 404 for non-admins (no probing)")
# The training catalogue (webapp/admin/catalogue.py) is shared by every organisation: the
# installation admin only (access.installation_admin_required); an organisation's admin gets
# 403, coordinators 403 (admin pages).
for _ep in ("admin.training_catalogue", "admin.training_item_new", "admin.training_item_edit",
            "admin.training_item_retire", "admin.training_item_restore"):
    _set(_ep, "*", ("admin",), {403}, "the training catalogue: installation admin only")
# Known bugs and cross-tenant leaks, kept here (xfail, strict) until fixed. None at present:
# the messaging templates page and the job status check were fixed.
KNOWN_BUGS: dict = {}
KNOWN_TENANT_LEAKS: dict = {}


def expected(endpoint: str, method: str, role: str, has_object: bool) -> tuple[set, str]:
    """The statuses allowed for one case and why."""
    for key in ((endpoint, method, role), (endpoint, "*", role)):
        if key in E:
            return E[key]
    if role == "anonymous":
        return {302, 401, 404}, "anonymous: to the login page"
    if endpoint in PUBLIC:
        return {200}, "public page"
    if role == "volunteer":
        return DENIED_VOLUNTEER, "staff page: volunteers are refused"
    if admin_only(endpoint) and role in ("coordinator", "other_coord"):
        return {403}, "admin page: coordinators are refused"
    if role == "other_coord":
        return ({404}, "object of another organisation: 404, ids cannot be probed") \
            if has_object else ((OK_POST if method != "GET" else OK),
                                "list page: shows their own organisation's data")
    return (OK_POST if method != "GET" else OK), "own organisation: allowed"


# --- the world -----------------------------------------------------------------------------

def build_access_world() -> dict:
    """Organisation A and B, each with one object of every kind; returns the ids to use."""
    from tests.factories import build_world, make_family, make_user, make_volunteer
    from webapp.auth.sessions import session_handle
    from webapp.demo import ensure_programme_types
    from webapp.extensions import db
    from webapp.models import (
        Job,
        Message,
        Programme,
        SessionSignup,
        TrainingCompletion,
        TrainingSession,
        UserSession,
        VolunteerVog,
    )
    from webapp.models.groups import (
        GroupMeeting,
        GroupMember,
        GroupRound,
        GroupStaff,
        Invitation,
        ParentGroup,
    )
    from webapp.models.matches import Concern, Match, MatchingRun, Proposal
    from webapp.models.privacy import LegalHold
    from webapp.volunteers import imports, services

    w = build_world()
    pou_type = ensure_programme_types()["pou"]
    objects = {}
    for tag, prog, coord, vol_user in (
            ("a", w.prog_a, w.coord_a, w.volunteer),
            ("b", w.prog_b, w.coord_b, make_user("vol.b@example.org", name="Volunteer B"))):
        org = prog.organisation
        volunteer = make_volunteer(vol_user, [prog])
        other_vol = make_volunteer(make_user(f"vol2.{tag}@example.org", name=f"Second {tag}"),
                                   [prog])
        family = make_family(prog, coord)
        completion = TrainingCompletion(volunteer=volunteer, item="pharos_elearning",
                                        completed_on=date.today() - timedelta(days=5),
                                        source="volunteer", verified=False)
        start = (datetime.now() + timedelta(days=10)).replace(microsecond=0, second=0)
        session = TrainingSession(organisation_id=org.id, title=f"Themabijeenkomst {tag}",
                                  starts_at=start, ends_at=start + timedelta(hours=2),
                                  place="Bibliotheek", language="nl", capacity=5,
                                  programmes=[prog])
        run = MatchingRun(programme_id=prog.id, status="finished", running=None,
                          created_by_id=coord.id)
        vog = VolunteerVog(volunteer=volunteer, issued_on=date.today() - timedelta(days=40),
                           screening_profile="84")
        db.session.add_all([completion, session, run, vog])
        db.session.flush()
        db.session.add(SessionSignup(session_id=session.id, volunteer_id=volunteer.id))
        proposal = Proposal(run_id=run.id, programme_id=prog.id, family_id=family.id,
                            family_request_id=family.requests[0].id,
                            volunteer_id=other_vol.id, score=50,
                            factors=[{"code": "distance", "points": 50, "params": {"km": 1}}])
        match = Match(programme_id=prog.id, family_id=family.id,
                      family_request_id=family.requests[0].id, volunteer_id=volunteer.id,
                      status="approved", created_by_id=coord.id)
        message = Message(idempotency_key=uuid.uuid4().hex, kind="volunteer_intro",
                          channel="letter", recipient=f"Straat 1, {tag}", subject="Hallo",
                          body_text="Tekst", status="queued", programme_id=prog.id,
                          created_by_id=coord.id, user_id=vol_user.id)
        job = Job(name="purge_sessions", args=[], status="finished", created_by_id=coord.id)
        user_session = UserSession(user_id=coord.id, user_agent="other browser")
        # Privacy: an open legal hold (Veilig Thuis report) on the family.
        hold = LegalHold(family_id=family.id, kind="veilig_thuis",
                         reported_on=date.today() - timedelta(days=30),
                         recorded_by_id=coord.id)
        db.session.add_all([proposal, match, message, job, user_session, hold])
        db.session.flush()
        concern = Concern(match_id=match.id, text=f"Zorg {tag}", urgent=True)
        db.session.add(concern)
        db.session.commit()
        # Parent groups: a Preventieve Ouderschapsondersteuning programme the coordinator
        # coordinates, a family enrolled in it, a round with an invitation of its parent,
        # a trainer, and a proposed group with that parent as member and one meeting.
        pou = Programme(organisation=org, type=pou_type, name=f"POU {org.municipality}",
                        municipality=org.municipality)
        db.session.add(pou)
        db.session.flush()
        coord.programmes = list(coord.programmes) + [pou]
        db.session.commit()
        pou_family = make_family(pou, coord, parents=[{
            "name": f"Ouder {tag}", "gender": "f",
            "languages": [{"code": "ar", "level": "native"}], "dutch_level": "A1",
            "can_read": "yes"}])
        round_ = GroupRound(programme_id=pou.id, name=f"Oudergroepen {tag}",
                            municipality=org.municipality,
                            settled_since=date.today() - timedelta(days=3 * 365),
                            first_meeting_on=datetime(2030, 3, 5, 10, 0), place="Buurthuis",
                            pc4="2316", slots=["tue_am"], contact_name=coord.name,
                            contact_phone="071 123 45 67", min_size=1, max_size=4, max_km=10,
                            created_by_id=coord.id)
        trainer = GroupStaff(programme_id=pou.id, name=f"Trainer {tag}", role="trainer",
                             languages=["nl", "ar"], slots=["tue_am"], max_groups=2)
        db.session.add_all([round_, trainer])
        db.session.flush()
        invitation = Invitation(round_id=round_.id, family_id=pou_family.id,
                                parent_id=pou_family.parents[0].id, answer="yes",
                                slots=["tue_am"])
        group = ParentGroup(round_id=round_.id, programme_id=pou.id, name=f"Moeders {tag}",
                            gender="f", languages=["ar"], slot="tue_am", status="proposed",
                            trainer_id=trainer.id)
        db.session.add_all([invitation, group])
        db.session.flush()
        member = GroupMember(group_id=group.id, invitation_id=invitation.id)
        meeting = GroupMeeting(group_id=group.id, number=1,
                               starts_at=datetime(2030, 3, 5, 10, 0), place="Buurthuis",
                               theme="school_system", language="ar")
        db.session.add_all([member, meeting])
        db.session.commit()
        objects[tag] = {
            "programme_id": prog.id, "family_id": family.id,
            "request_id": family.requests[0].id, "volunteer_id": volunteer.id,
            "completion_id": completion.id, "vog_id": vog.id, "session_id": session.id,
            "run_id": run.id,
            "proposal_id": proposal.id, "match_id": match.id, "message_id": message.id,
            "job_id": job.id, "organisation_id": org.id, "user_id": vol_user.id if tag == "b" else coord.id,
            "handle": session_handle(user_session.id),
            "key": imports.stash(b"name;email;postcode;birth_year\n", coord, prog.id),
            "calendar_token": services.calendar_token(volunteer),
            "hold_id": hold.id, "pou_programme_id": pou.id, "round_id": round_.id,
            "invitation_id": invitation.id, "staff_id": trainer.id, "group_id": group.id,
            "member_id": member.id, "meeting_id": meeting.id, "concern_id": concern.id,
        }
    emails = {"volunteer": w.volunteer.email, "other_coord": w.coord_b.email,
              "coordinator": w.coord_a.email, "admin": w.org_admin.email}
    return {"objects": objects, "emails": emails, "password": w.password}


# How to fill each URL parameter: by (endpoint, argument) first, then by argument name for
# the object ids of build_access_world (organisation A's objects).
FILL_BY_ENDPOINT = {
    ("auth.reset_password", "token"): "not-a-valid-token",
    ("volunteers.confirm_email", "token"): "not-a-valid-token",
    ("volunteers.calendar_feed", "token"): "not-a-valid-token",
    ("volunteers.volunteer_export", "fmt"): "csv",
    ("messaging.template_edit", "kind"): "volunteer_intro",
    ("messaging.template_preview", "kind"): "volunteer_intro",
    ("messaging.template_reset", "kind"): "volunteer_intro",
    ("messaging.template_edit", "language"): "nl",
    ("messaging.template_preview", "language"): "nl",
    ("messaging.template_reset", "language"): "nl",
    ("static", "filename"): "css/koppel.css",
    # training catalogue items are named by their code (shared by all organisations)
    ("admin.training_item_edit", "code"): "waardenopvoeding",
    ("admin.training_item_retire", "code"): "waardenopvoeding",
    ("admin.training_item_restore", "code"): "waardenopvoeding",
}
# Query strings some pages need to show anything (formatted with organisation A's ids).
QUERY = {
    "messaging.template_edit": "scope=programme:{programme_id}",
    "messaging.template_preview": "scope=programme:{programme_id}",
    "messaging.template_reset": "scope=programme:{programme_id}",
}
FILL_BY_NAME = ("programme_id", "family_id", "request_id", "volunteer_id", "completion_id",
                "vog_id",
                "session_id", "run_id", "proposal_id", "match_id", "message_id", "job_id",
                "user_id", "handle", "key", "organisation_id",
                # parent groups, privacy
                "round_id", "invitation_id", "staff_id", "group_id", "member_id",
                "meeting_id", "hold_id",
                # a volunteer's concern on a match
                "concern_id")
# Parameters filled with another object of the same organisation than their name says
# (endpoint, argument) → key in build_access_world's objects; used for A and, in the
# cross-tenant test, for B.
FILL_FROM_OBJECT = {
    # A round is made for a parent-group (pou) programme; the groups area lists only those.
    ("groups.round_new", "programme_id"): "pou_programme_id",
}


def fill(rule, objects: dict) -> dict:
    values = {}
    for arg in sorted(rule.arguments):
        if (rule.endpoint, arg) in FILL_BY_ENDPOINT:
            values[arg] = FILL_BY_ENDPOINT[(rule.endpoint, arg)]
        elif (rule.endpoint, arg) in FILL_FROM_OBJECT:
            values[arg] = objects["a"][FILL_FROM_OBJECT[(rule.endpoint, arg)]]
        elif arg in FILL_BY_NAME:
            values[arg] = objects["a"][arg]
        else:
            pytest.fail(f"{rule.endpoint} ({rule.rule}): no value for URL parameter <{arg}>. "
                        "Declare it in FILL_BY_ENDPOINT or FILL_BY_NAME of "
                        "tests/web/test_routes_access.py (with an object of organisation A "
                        "in build_access_world), and its expected statuses in EXPECTED.")
    return values


# --- collecting the cases from the URL map -------------------------------------------------

def _url_map_rules():
    import tempfile

    from webapp import create_app
    tmp = Path(tempfile.mkdtemp(prefix="koppel-urlmap-"))
    app = create_app(base_config(tmp, "sqlite://"))
    rules = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, method, rule.rule))
    shutil.rmtree(tmp, ignore_errors=True)
    return sorted(set(rules))


CASES = _url_map_rules()


@pytest.fixture(scope="module")
def access_env(tmp_path_factory, migrated_sqlite):
    """One app for the module; a template database with the world, restored before each case."""
    from webapp import create_app
    from webapp.extensions import db
    tmp = tmp_path_factory.mktemp("access")
    live = tmp / "live.sqlite3"
    template = tmp / "template.sqlite3"
    shutil.copy(migrated_sqlite, live)
    cfg = base_config(tmp, f"sqlite:///{live}")
    cfg["RATELIMIT_ENABLED"] = False  # hundreds of logins from one address
    app = create_app(cfg)
    with app.app_context():
        data = build_access_world()
        db.session.remove()
        db.engine.dispose()
    shutil.copy(live, template)
    imports_dir = Path(app.instance_path) / "imports"
    imports_copy = tmp / "imports-template"
    if imports_dir.exists():
        shutil.copytree(imports_dir, imports_copy)
    rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    return {"app": app, "data": data, "live": live, "template": template, "rules": rules,
            "imports": (imports_dir, imports_copy)}


def _restore(env):
    from webapp.extensions import db
    db.session.remove()
    db.engine.dispose()
    shutil.copy(env["template"], env["live"])
    imports_dir, imports_copy = env["imports"]
    if imports_copy.exists():
        shutil.rmtree(imports_dir, ignore_errors=True)
        shutil.copytree(imports_copy, imports_dir)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,rule_text", CASES,
                         ids=[f"{e}-{m}" for e, m, _r in CASES])
def test_route_access(access_env, endpoint, method, rule_text, role):
    app = access_env["app"]
    rule = next(r for r in app.url_map.iter_rules()
                if r.endpoint == endpoint and r.rule == rule_text)
    with app.app_context():
        _restore(access_env)
        values = fill(rule, access_env["data"]["objects"])
        with app.test_request_context():
            url = rule.build(values, append_unknown=False)[1]
        if endpoint in QUERY:
            url += "?" + QUERY[endpoint].format(**access_env["data"]["objects"]["a"])
        if (endpoint, method, role) in KNOWN_BUGS:
            pytest.xfail(KNOWN_BUGS[(endpoint, method, role)])
        client = app.test_client()
        if role != "anonymous":
            resp = client.post("/login", data={"email": access_env["data"]["emails"][role],
                                               "password": access_env["data"]["password"]})
            assert resp.status_code == 302, f"{role} could not log in"
        resp = client.open(url, method=method, data={} if method != "GET" else None)
        allowed, why = expected(endpoint, method, role, bool(set(rule.arguments) & set(FILL_BY_NAME)))
        assert resp.status_code in allowed, (
            f"{method} {url} ({endpoint}) as {role}: got {resp.status_code}, "
            f"expected one of {sorted(allowed)} — {why}")
        if role == "anonymous" and resp.status_code == 302 and endpoint not in PUBLIC:
            assert "/login" in resp.headers["Location"], (
                f"{method} {url} as anonymous redirects to {resp.headers['Location']}, "
                "not to the login page")
        from webapp.extensions import db
        db.session.remove()


@pytest.mark.parametrize("role", ["coordinator", "admin", "volunteer"])
def test_every_object_id_of_another_tenant_is_404(access_env, role):
    """Organisation A's accounts on organisation B's objects: every GET page with an object id
    answers 404 (volunteers: 403 is fine on staff pages, which they never get)."""
    app = access_env["app"]
    data = access_env["data"]
    checked = 0
    leaks: list[str] = []
    with app.app_context():
        _restore(access_env)
        client = app.test_client()
        client.post("/login", data={"email": data["emails"][role],
                                    "password": data["password"]})
        for rule in app.url_map.iter_rules():
            ids = set(rule.arguments) & set(FILL_BY_NAME)
            if not ids or "GET" not in rule.methods:
                continue
            if role != "volunteer" and rule.endpoint in VOLUNTEER_ONLY:
                continue  # 403 for staff whatever the id
            values = {a: (data["objects"]["b"][FILL_FROM_OBJECT[(rule.endpoint, a)]]
                          if (rule.endpoint, a) in FILL_FROM_OBJECT
                          else data["objects"]["b"][a] if a in FILL_BY_NAME
                          else FILL_BY_ENDPOINT.get((rule.endpoint, a), "x"))
                      for a in rule.arguments}
            with app.test_request_context():
                url = rule.build(values, append_unknown=False)[1]
            if rule.endpoint in QUERY:
                url += "?" + QUERY[rule.endpoint].format(**data["objects"]["b"])
            allowed = {404}
            if role == "volunteer" and rule.endpoint not in VOLUNTEER_ONLY | ANY_ACCOUNT:
                allowed = {403, 404}
            status = client.get(url).status_code
            if (rule.endpoint, role) in KNOWN_TENANT_LEAKS and status not in allowed:
                leaks.append(KNOWN_TENANT_LEAKS[(rule.endpoint, role)])
                continue
            assert status in allowed, f"{url} ({rule.endpoint}) as {role}: {status}"
            checked += 1
    assert checked >= 10
    if leaks:
        pytest.xfail("known leak: " + "; ".join(leaks))


def test_csrf_enforced_on_every_post(access_env):
    """With CSRF checks on, a POST without the token changes nothing: 400 for every route
    (logged in as the coordinator)."""
    app = access_env["app"]
    data = access_env["data"]
    with app.app_context():
        _restore(access_env)
        client = app.test_client()
        client.post("/login", data={"email": data["emails"]["coordinator"],
                                    "password": data["password"]})
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            for rule in app.url_map.iter_rules():
                if "POST" not in rule.methods:
                    continue
                values = fill(rule, data["objects"])
                with app.test_request_context():
                    url = rule.build(values, append_unknown=False)[1]
                status = client.post(url, data={}).status_code
                assert status == 400, f"POST {url} ({rule.endpoint}) without CSRF token: {status}"
        finally:
            app.config["WTF_CSRF_ENABLED"] = False
