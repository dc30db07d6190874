"""Access rules, in one place: who may see and change what.

Every view that takes an object id loads it through a ``get_…_or_404`` helper here, which
answers 404 (not 403) for objects of another organisation, so ids cannot be probed.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Job, Programme, Role, User


def roles_required(*roles: str):
    """Decorator: logged in, and one of ``roles`` (403 otherwise)."""
    def wrap(view):
        @wraps(view)
        @login_required
        def inner(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return inner
    return wrap


staff_required = roles_required(Role.coordinator.value, Role.admin.value)
admin_required = roles_required(Role.admin.value)


def installation_admin_required(view):
    """Decorator: the installation-wide admin (an admin without an organisation) only; 403
    for everyone else logged in. Used for what all organisations share (the training
    catalogue)."""
    @wraps(view)
    @login_required
    def inner(*args, **kwargs):
        if not current_user.is_installation_admin:
            abort(403)
        return view(*args, **kwargs)
    return inner


def visible_programme_ids(user: User) -> set[int]:
    """Programmes whose data ``user`` may see."""
    if user.role == Role.admin.value:
        query = db.select(Programme.id)
        if user.organisation_id is not None:
            query = query.filter_by(organisation_id=user.organisation_id)
        return set(db.session.execute(query).scalars())
    if user.role == Role.coordinator.value:
        return {p.id for p in user.programmes}
    return set()


def visible_programmes(user: User) -> list[Programme]:
    """The programmes of :func:`visible_programme_ids`, by name. A coordinator's are loaded
    with the session on every request, so this asks the database nothing then."""
    if user.role == Role.admin.value:
        query = db.select(Programme).order_by(Programme.name, Programme.id)
        if user.organisation_id is not None:
            query = query.filter_by(organisation_id=user.organisation_id)
        return list(db.session.execute(query).scalars())
    if user.role == Role.coordinator.value:
        return list(user.programmes)
    return []


def get_programme_or_404(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None or programme.id not in visible_programme_ids(current_user):
        abort(404)
    return programme


def can_manage_organisation(user: User, organisation_id: int | None) -> bool:
    return user.role == Role.admin.value and (
        user.organisation_id is None or user.organisation_id == organisation_id)


def get_job_or_404(job_id: str) -> Job:
    """Jobs are visible to whoever started them, and to the admins of that person's
    organisation (an installation admin sees all)."""
    row = db.session.get(Job, job_id)
    if row is None:
        abort(404)
    if row.created_by_id == current_user.id:
        return row
    if current_user.role == Role.admin.value:
        creator = db.session.get(User, row.created_by_id) if row.created_by_id else None
        if current_user.organisation_id is None or (
                creator is not None and creator.organisation_id == current_user.organisation_id):
            return row
    abort(404)


# --- Families (families area) -------------------------------------------------------------
# A coordinator sees a family only while it is enrolled (waiting or matched) in one of their
# programmes; an admin likewise through the programmes of their organisation.

def _family_programme_ids(user) -> set[int]:
    return visible_programme_ids(user) if user.is_authenticated and user.is_staff else set()


def visible_family_ids(user):
    """A ``select`` of the ids of the families ``user`` may see."""
    from .models import FamilyRequest
    ids = _family_programme_ids(user)
    return (db.select(FamilyRequest.family_id)
            .where(FamilyRequest.programme_id.in_(ids or {-1}),
                   FamilyRequest.status.in_(("waiting", "matched"))))


def get_family_or_404(family_id: int):
    """The family, if the current user may see it; 404 otherwise (ids cannot be probed)."""
    from .models import Family, FamilyRequest
    family = db.session.get(Family, family_id)
    if family is None or not db.session.execute(
            visible_family_ids(current_user).where(
                FamilyRequest.family_id == family_id).limit(1)).first():
        abort(404)
    return family


def get_family_request_or_404(family, request_id: int):
    """A request of ``family`` in one of the current user's programmes; 404 otherwise."""
    from .models import FamilyRequest
    req = db.session.get(FamilyRequest, request_id)
    if req is None or req.family_id != family.id \
            or req.programme_id not in _family_programme_ids(current_user):
        abort(404)
    return req


def get_enrollable_programme_or_403(programme_id: int | None):
    """A programme the current user may enrol families into (one they coordinate); 403 for
    any other programme, so nothing changes."""
    programme = db.session.get(Programme, programme_id) if programme_id else None
    if programme is None or programme.id not in _family_programme_ids(current_user) \
            or not programme.active:
        abort(403)
    return programme


def can_delete_family(user, family) -> bool:
    """Deleting a family is allowed only to staff who see every active enrolment of it."""
    ids = _family_programme_ids(user)
    return bool(ids) and all(r.programme_id in ids for r in family.requests if r.active)


# --- Volunteers (volunteers area) ---------------------------------------------------------
# A coordinator sees a volunteer who chose (is interested in) one of their programmes; an
# admin likewise through the programmes of their organisation (all, for an installation
# admin). A volunteer sees only their own profile, training records and certificates.

def visible_volunteer_ids(user):
    """A ``select`` of the ids of the volunteers ``user`` may see."""
    from .models import Volunteer, volunteer_programmes
    if not user.is_authenticated:
        return db.select(Volunteer.id).where(db.false())
    if user.is_staff:
        ids = visible_programme_ids(user)
        return (db.select(volunteer_programmes.c.volunteer_id)
                .where(volunteer_programmes.c.programme_id.in_(ids or {-1})).distinct())
    return db.select(Volunteer.id).where(Volunteer.user_id == user.id)


def can_see_volunteer(user, volunteer) -> bool:
    if volunteer is None or not user.is_authenticated:
        return False
    if volunteer.user_id == user.id:
        return True
    return user.is_staff and bool(
        {p.id for p in volunteer.programmes} & visible_programme_ids(user))


def get_volunteer_or_404(volunteer_id: int):
    """A volunteer staff may see (through their programmes); 404 otherwise."""
    from .models import Volunteer
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or not current_user.is_staff \
            or not can_see_volunteer(current_user, volunteer):
        abort(404)
    return volunteer


def current_volunteer_or_404():
    """The current user's own volunteer profile (404 for accounts without one)."""
    from .models import Volunteer
    volunteer = db.session.execute(
        db.select(Volunteer).filter_by(user_id=current_user.id)).scalar_one_or_none()
    if volunteer is None:
        abort(404)
    return volunteer


def get_completion_or_404(completion_id: int, *, manage: bool = False):
    """A training completion of a volunteer the current user may see (``manage``: staff
    only, e.g. to verify it); 404 otherwise."""
    from .models import TrainingCompletion
    row = db.session.get(TrainingCompletion, completion_id)
    if row is None or not can_see_volunteer(current_user, row.volunteer) \
            or (manage and not current_user.is_staff):
        abort(404)
    return row


def get_vog_or_404(volunteer, vog_id: int):
    """A VOG of ``volunteer`` (loaded with :func:`get_volunteer_or_404`); 404 otherwise."""
    from .models import VolunteerVog
    row = db.session.get(VolunteerVog, vog_id)
    if row is None or row.volunteer_id != volunteer.id:
        abort(404)
    return row


def can_manage_session(user, session) -> bool:
    """Staff who see at least one of the programmes a themabijeenkomst invites."""
    return user.is_authenticated and user.is_staff and bool(
        {p.id for p in session.programmes} & visible_programme_ids(user))


def can_see_session(user, session) -> bool:
    if can_manage_session(user, session):
        return True
    volunteer = getattr(user, "volunteer", None) if user.is_authenticated else None
    if volunteer is None:
        return False
    invited = {p.id for p in session.programmes} & {p.id for p in volunteer.programmes}
    return bool(invited) or any(s.volunteer_id == volunteer.id for s in session.signups)


def get_session_or_404(session_id: int, *, manage: bool = False):
    """A themabijeenkomst the current user may see (``manage``: may change); 404 otherwise."""
    from .models import TrainingSession
    row = db.session.get(TrainingSession, session_id)
    if row is None or not (can_manage_session(current_user, row) if manage
                           else can_see_session(current_user, row)):
        abort(404)
    return row


# --- Messaging (messaging area) -----------------------------------------------------------
# Staff see the messages of their programmes (and those they wrote); admins also the account
# e-mails of their organisation's users; the installation admin sees everything.

def visible_messages_query(user):
    """A ``select`` of the messages ``user`` may see in the outbox."""
    from .models import Message
    query = db.select(Message)
    if not (user.is_authenticated and user.is_staff):
        return query.where(db.false())
    if user.is_installation_admin:
        return query
    ids = visible_programme_ids(user) or {-1}
    rule = db.or_(Message.programme_id.in_(ids), Message.created_by_id == user.id)
    if user.role == Role.admin.value:
        org_users = db.select(User.id).where(User.organisation_id == user.organisation_id)
        rule = db.or_(rule, db.and_(Message.programme_id.is_(None),
                                    Message.user_id.in_(org_users)))
    return query.where(rule)


def get_message_or_404(message_id: int):
    """A message the current user may see; 404 otherwise (ids cannot be probed)."""
    from .models import Message
    found = db.session.execute(visible_messages_query(current_user).where(
        Message.id == message_id)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def template_scopes_for(user) -> list[tuple[str, str]]:
    """(scope, label) pairs of message templates ``user`` may edit: everything for the
    installation admin, their own organisation's programmes for an organisation's admin."""
    from .models import GENERIC_SCOPE, ProgrammeType
    scopes: list[tuple[str, str]] = []
    if user.is_installation_admin:
        scopes.append((GENERIC_SCOPE, "*"))
        scopes += [(f"type:{t.code}", t.name) for t in db.session.execute(
            db.select(ProgrammeType).order_by(ProgrammeType.name)).scalars()]
    if user.role == Role.admin.value:
        scopes += [(f"programme:{p.id}", p.name) for p in visible_programmes(user)]
    return scopes


# --- matching runs, proposals and matches ------------------------------------------------

def get_run_or_404(run_id: int):
    """A matching run of a programme the user coordinates (or administers)."""
    from .models.matches import MatchingRun
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.programme_id not in visible_programme_ids(current_user):
        abort(404)
    return run


def get_proposal_or_404(proposal_id: int):
    from .models.matches import Proposal
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.programme_id not in visible_programme_ids(current_user):
        abort(404)
    return proposal


def get_match_or_404(match_id: int):
    """A match of one of the user's programmes (staff), or the volunteer's own match."""
    from .models.matches import Match
    match = db.session.get(Match, match_id)
    if match is None:
        abort(404)
    if current_user.role == Role.volunteer.value:
        vol = getattr(current_user, "volunteer", None)
        if vol is None or match.volunteer_id != vol.id:
            abort(404)
    elif match.programme_id not in visible_programme_ids(current_user):
        abort(404)
    return match


def get_concern_or_404(concern_id: int):
    """A volunteer's concern on a match of one of the user's programmes (staff); 404
    otherwise."""
    from .models.matches import Concern
    concern = db.session.get(Concern, concern_id)
    if concern is None or not current_user.is_staff \
            or concern.match.programme_id not in visible_programme_ids(current_user):
        abort(404)
    return concern


# --- dashboards ---------------------------------------------------------------------------
# A programme's dashboard: get_programme_or_404 (its coordinators, its organisation's admins).
# An organisation's dashboard: that organisation's admins and the installation admin only.

def get_dashboard_organisation_or_404(organisation_id: int):
    """An organisation whose dashboard the current user may see; 404 otherwise."""
    from .models import Organisation
    org = db.session.get(Organisation, organisation_id)
    if org is None or not current_user.is_authenticated \
            or not can_manage_organisation(current_user, org.id):
        abort(404)
    return org


# --- organisations and programmes (admin area) --------------------------------------------
# The installation admin creates, deactivates and reactivates organisations; an
# organisation's admins change their own organisation and its programmes. Everyone else gets
# 404 on an organisation's or a programme's admin pages (coordinators too: ids cannot be
# probed).

def can_create_organisation(user) -> bool:
    """Creating an organisation, and (de)activating one: the installation admin only."""
    return bool(user.is_authenticated and user.is_installation_admin)


def managed_organisations(user, *, active_only: bool = False):
    """Organisations ``user`` administers (every one for the installation admin)."""
    from .models import Organisation
    if not (user.is_authenticated and user.role == Role.admin.value):
        return []
    query = db.select(Organisation).order_by(Organisation.name)
    if user.organisation_id is not None:
        query = query.filter_by(id=user.organisation_id)
    if active_only:
        query = query.filter_by(active=True)
    return list(db.session.execute(query).scalars())


def get_managed_organisation_or_404(organisation_id):
    """An organisation the current user administers; 404 otherwise."""
    from .models import Organisation
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if org is None or not current_user.is_authenticated \
            or not can_manage_organisation(current_user, org.id):
        abort(404)
    return org


def get_managed_user_or_404(user_id: int) -> User:
    """An account of an organisation the current user administers (any account for the
    installation admin); 404 otherwise."""
    user = db.session.get(User, user_id)
    if user is None or not current_user.is_authenticated \
            or not can_manage_organisation(current_user, user.organisation_id):
        abort(404)
    return user


def get_managed_programme_or_404(programme_id: int) -> Programme:
    """A programme of an organisation the current user administers; 404 otherwise."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or not current_user.is_authenticated \
            or not can_manage_organisation(current_user, programme.organisation_id):
        abort(404)
    return programme


# --- privacy: subject access, erasure, legal holds, retention, unusual access -------------
# Subject access and legal holds: staff see a family for privacy tasks while it has any
# request (also an ended one) in their programmes, so a family that left can still be
# answered. Erasure: only staff who see every active enrolment of the family (as deleting),
# or every programme a volunteer chose. Retention settings and the unusual-access view:
# admins, for their own organisation (every organisation for the installation admin).

def privacy_family_ids(user):
    """A ``select`` of the ids of families ``user`` may export or put on hold."""
    from .models import FamilyRequest
    ids = _family_programme_ids(user)
    return db.select(FamilyRequest.family_id).where(FamilyRequest.programme_id.in_(ids or {-1}))


def get_privacy_family_or_404(family_id: int):
    from .models import Family, FamilyRequest
    family = db.session.get(Family, family_id)
    if family is None or not db.session.execute(privacy_family_ids(current_user).where(
            FamilyRequest.family_id == family_id).limit(1)).first():
        abort(404)
    return family


def can_erase_family(user, family) -> bool:
    return can_delete_family(user, family)


def can_erase_volunteer(user, volunteer) -> bool:
    """Staff who see every programme the volunteer chose (and at least one)."""
    if not (user.is_authenticated and user.is_staff) or not volunteer.programmes:
        return False
    return {p.id for p in volunteer.programmes} <= visible_programme_ids(user)


def retention_organisations(user):
    """Organisations whose retention settings ``user`` may change."""
    from .models import Organisation
    if not (user.is_authenticated and user.role == Role.admin.value):
        return []
    query = db.select(Organisation).order_by(Organisation.name)
    if user.organisation_id is not None:
        query = query.filter_by(id=user.organisation_id)
    return list(db.session.execute(query).scalars())


def unusual_access_user_ids(user):
    """``None`` (every account) for the installation admin, else a ``select`` of the ids of
    the admin's organisation's accounts."""
    if user.is_installation_admin:
        return None
    return db.select(User.id).where(User.organisation_id == user.organisation_id)


# --- parent groups (groups area) ----------------------------------------------------------
# Staff see the rounds, staff lists, invitations and groups of the programmes they coordinate
# (admins: of their organisation); everything is loaded through the round's or the group's
# programme, and anything else answers 404.

def _groups_programme_or_404(row):
    if row is None or not current_user.is_staff \
            or row.programme_id not in visible_programme_ids(current_user):
        abort(404)
    return row


def get_round_or_404(round_id: int):
    from .models.groups import GroupRound
    return _groups_programme_or_404(db.session.get(GroupRound, round_id))


def get_group_staff_or_404(staff_id: int):
    from .models.groups import GroupStaff
    return _groups_programme_or_404(db.session.get(GroupStaff, staff_id))


def get_parent_group_or_404(group_id: int):
    from .models.groups import ParentGroup
    return _groups_programme_or_404(db.session.get(ParentGroup, group_id))


def get_invitation_or_404(invitation_id: int):
    from .models.groups import Invitation
    row = db.session.get(Invitation, invitation_id)
    _groups_programme_or_404(row.round if row else None)
    return row


def get_meeting_or_404(meeting_id: int):
    from .models.groups import GroupMeeting
    row = db.session.get(GroupMeeting, meeting_id)
    _groups_programme_or_404(row.group if row else None)
    return row


def get_group_member_or_404(member_id: int):
    from .models.groups import GroupMember
    row = db.session.get(GroupMember, member_id)
    _groups_programme_or_404(row.group if row else None)
    return row


def referral_programmes(group):
    """Informal programmes a participant of ``group`` may be referred to: active programmes
    of any organisation in the group's municipality, except parent-group programmes. The
    referral only creates a waiting request there; the referring coordinator gains no
    access to that programme's data."""
    from .models import ProgrammeType
    municipality = group.round.municipality or group.round.programme.municipality
    query = (db.select(Programme).join(ProgrammeType)
             .where(Programme.active.is_(True), ProgrammeType.code != "pou",
                    Programme.municipality == municipality).order_by(Programme.name))
    return list(db.session.execute(query).scalars())
