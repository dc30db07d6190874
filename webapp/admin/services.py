"""Setting up organisations and programmes: create, change, (de)activate, assign coordinators;
and the people: invite a coordinator or admin, change a role and a coordinator's programmes,
deactivate and activate again.

Each function checks what it is given, changes the records, writes an audit entry and
flushes; the view commits once. Who may call what is decided in ``webapp.access`` before.
A problem raises :class:`AdminError` (a translated message and the form field it belongs to)
before anything is changed.
"""
from __future__ import annotations

import secrets
import struct
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import programme_types as pt
from ..access import can_manage_organisation
from ..audit import changed_fields, record
from ..auth.sessions import revoke_all
from ..extensions import db
from ..models import Organisation, Programme, Role, User, coordinator_programmes
from ..models.base import utcnow

MAX_LOGO_BYTES = 1024 * 1024
ORGANISATION_FIELDS = ("name", "municipalities", "postal_address", "phone", "email")


class AdminError(ValueError):
    """A change that cannot be made; ``message`` is translated, ``field`` names the form
    field it belongs to (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- organisations ---------------------------------------------------------------------------

def _check_name_free(name: str, organisation_id: int | None) -> None:
    query = db.select(Organisation.id).where(db.func.lower(Organisation.name) == name.lower())
    if organisation_id is not None:
        query = query.where(Organisation.id != organisation_id)
    if db.session.execute(query.limit(1)).first():
        raise AdminError(_("There is already an organisation with this name."), "name")


def _apply_organisation(org: Organisation, data: dict) -> None:
    for name in ORGANISATION_FIELDS:
        setattr(org, name, data[name])
    org.municipality = data["municipalities"][0] if data["municipalities"] else None


def create_organisation(data: dict, logo=None) -> Organisation:
    """A new, active organisation from :meth:`OrganisationForm.to_data` (and a logo)."""
    _check_name_free(data["name"], None)
    content = read_logo(logo)
    org = Organisation(active=True)
    _apply_organisation(org, data)
    db.session.add(org)
    db.session.flush()
    if content is not None:
        org.logo_path = store_logo(org, *content)
    record("create", "organisation", org.id, fields=[*ORGANISATION_FIELDS, "active"]
           + (["logo_path"] if org.logo_path else []))
    return org


def update_organisation(org: Organisation, data: dict, logo=None) -> list[str]:
    """Change an organisation's details (and logo); returns the changed fields."""
    _check_name_free(data["name"], org.id)
    content = read_logo(logo)
    _apply_organisation(org, data)
    if content is not None:
        org.logo_path = store_logo(org, *content)
    fields = changed_fields(org, (*ORGANISATION_FIELDS, "logo_path"))
    if fields:
        record("update", "organisation", org.id, fields=fields)
    db.session.flush()
    return fields


def set_organisation_active(org: Organisation, active: bool) -> list[Programme]:
    """Deactivate an organisation with all its programmes (they disappear from every choice
    of programme), or activate it again (its programmes stay off until an admin switches
    each on). Returns the programmes that were switched off."""
    switched: list[Programme] = []
    org.active = active
    if not active:
        for programme in org.programmes:
            if programme.active:
                programme.active = False
                switched.append(programme)
                record("update", "programme", programme.id, fields=["active"])
    record("update", "organisation", org.id, fields=["active"])
    db.session.flush()
    return switched


# --- the logo ------------------------------------------------------------------------------

def _png_ok(content: bytes) -> bool:
    """A PNG: signature, an IHDR chunk with a size, and the IEND chunk at the end."""
    if not content.startswith(b"\x89PNG\r\n\x1a\n") or len(content) < 45:
        return False
    length, kind = struct.unpack(">I4s", content[8:16])
    width, height = struct.unpack(">II", content[16:24])
    return kind == b"IHDR" and length == 13 and width > 0 and height > 0 \
        and content[-8:-4] == b"IEND"


def _jpeg_ok(content: bytes) -> bool:
    """A JPEG: start and end markers, and a frame header (SOFn) with a size among its
    segments."""
    if not (content.startswith(b"\xff\xd8") and content.rstrip(b"\x00").endswith(b"\xff\xd9")):
        return False
    pos = 2
    while pos + 4 <= len(content):
        if content[pos] != 0xFF:
            return False
        marker = content[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = struct.unpack(">H", content[pos + 2:pos + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                      0xCE, 0xCF):
            if pos + 9 > len(content):
                return False
            height, width = struct.unpack(">HH", content[pos + 5:pos + 9])
            return height > 0 and width > 0
        if marker == 0xDA or length < 2:  # image data before any frame header
            return False
        pos += 2 + length
    return False


def read_logo(upload) -> tuple[bytes, str] | None:
    """The uploaded logo's content and extension, after reading it (None: no file given).
    Refuses anything that is not a PNG or JPEG image of at most 1 MB."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    content = upload.stream.read(MAX_LOGO_BYTES + 1)
    if len(content) > MAX_LOGO_BYTES:
        raise AdminError(_("The logo is larger than 1 MB. Please choose a smaller file."),
                         "logo")
    if _png_ok(content):
        return content, "png"
    if _jpeg_ok(content):
        return content, "jpg"
    raise AdminError(_("This file is not a PNG or JPEG image. Please choose another file."),
                     "logo")


def logo_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "logos"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_logo(org: Organisation, content: bytes, ext: str) -> str:
    """Write the logo under the instance folder; returns its path relative to it."""
    name = f"{org.id}-{secrets.token_hex(8)}.{ext}"
    (logo_dir() / name).write_bytes(content)
    return f"uploads/logos/{name}"


# --- programmes ----------------------------------------------------------------------------

def _apply_area(programme: Programme, data: dict) -> None:
    programme.name = data["name"]
    programme.municipalities = data["municipalities"]
    programme.postcode_areas = data["postcode_areas"]
    programme.municipality = data["municipalities"][0] if data["municipalities"] else None


def create_programme(org: Organisation, type_code: str, data: dict) -> Programme:
    """A new programme of ``org`` of the given type, with the type's default rules."""
    if not org.active:
        raise AdminError(_("This organisation is deactivated. Activate it again before adding "
                           "programmes."), "organisation_id")
    programme_type = pt.ensure_programme_types().get(type_code)
    if programme_type is None:
        raise AdminError(_("Please choose the kind of programme."), "type_code")
    programme = Programme(organisation=org, type=programme_type, rules={}, active=True)
    _apply_area(programme, data)
    db.session.add(programme)
    db.session.flush()
    record("create", "programme", programme.id,
           fields=["name", "municipalities", "postcode_areas", "type_id", "active"])
    return programme


def organisation_coordinators(organisation_id: int) -> list[User]:
    """The active coordinators of an organisation, by name."""
    return list(db.session.execute(
        db.select(User).filter_by(organisation_id=organisation_id, role=Role.coordinator.value,
                                  active=True).order_by(User.name, User.id)).scalars())


def programme_coordinator_ids(programme: Programme) -> list[int]:
    return list(db.session.execute(
        db.select(coordinator_programmes.c.user_id)
        .where(coordinator_programmes.c.programme_id == programme.id)).scalars())


def _set_coordinators(programme: Programme, coordinator_ids: list[int]) -> bool:
    """Make exactly the chosen coordinators (of the programme's organisation) coordinate it;
    coordinators of other organisations or deactivated ones are never added or removed."""
    allowed = {u.id: u for u in organisation_coordinators(programme.organisation_id)}
    unknown = set(coordinator_ids) - set(allowed)
    if unknown:
        raise AdminError(_("Please choose coordinators from the list."), "coordinators")
    changed = False
    for user_id, user in allowed.items():
        has = any(p.id == programme.id for p in user.programmes)
        if (user_id in coordinator_ids) != has:
            user.programmes = ([*user.programmes, programme] if not has
                               else [p for p in user.programmes if p.id != programme.id])
            record("update", "user", user_id, fields=["programmes"])
            changed = True
    return changed


def update_programme(programme: Programme, area: dict, rule_values: dict,
                     coordinator_ids: list[int]) -> list[str]:
    """Change a programme's name, area, rules (stored as what differs from its type) and
    coordinators; returns the changed fields."""
    _apply_area(programme, area)
    programme.rules = pt.rules_from_form(programme.type, rule_values)
    check_rules(programme)
    fields = changed_fields(programme, ("name", "municipalities", "postcode_areas", "rules"))
    if _set_coordinators(programme, coordinator_ids):
        fields.append("coordinators")
    if fields:
        record("update", "programme", programme.id, fields=fields)
    db.session.flush()
    return fields


def check_rules(programme: Programme) -> None:
    """The training requirements must be usable by readiness (``training`` decides)."""
    from training import RequirementsError

    from ..volunteers.readiness import programme_requirements
    try:
        programme_requirements(programme)
    except RequirementsError as exc:
        raise AdminError(_("These training rules cannot be used: %(detail)s",
                           detail="; ".join(e.field for e in exc.errors)),
                         "required_training") from None


def set_programme_active(programme: Programme, active: bool) -> None:
    """Switch a programme off (it disappears from every choice of programme; its families,
    volunteers and matches are kept) or on again (only in an active organisation)."""
    if active and not programme.organisation.active:
        raise AdminError(_("The organisation of this programme is deactivated. Activate the "
                           "organisation first."))
    programme.active = active
    record("update", "programme", programme.id, fields=["active"])
    db.session.flush()


# --- users ---------------------------------------------------------------------------------
# Invitations reuse the password-reset machinery (webapp.auth.tokens, purpose "invite"): the
# link leads to /reset-password/<token>, works INVITE_TOKEN_HOURS and once (choosing the
# password changes the token's fingerprint), and stops working when the invitation is sent
# again (``invited_at`` is part of the fingerprint).

STAFF_ROLES = (Role.coordinator.value, Role.admin.value)


def _taken() -> AdminError:
    return AdminError(_("An account with this e-mail address exists already. Search for it "
                        "in the list of users."), "email")


def invite_user(actor: User, data: dict) -> User:
    """Create the account of an invited coordinator or admin (no password yet) from
    :meth:`UserInviteForm.to_data` and mail them the set-password link; audited. Commits
    (with the e-mail, as the outbox does)."""
    role, organisation_id = data["role"], data["organisation_id"]
    if role not in STAFF_ROLES:
        raise AdminError(_("Please choose a role."), "role")
    if not can_manage_organisation(actor, organisation_id):
        raise AdminError(_("You can invite people into your own organisation only."),
                         "organisation_id")
    organisation = None
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise AdminError(_("Please choose an organisation."), "organisation_id")
        if not organisation.active:
            raise AdminError(_("This organisation is deactivated. Activate it again before "
                               "inviting people into it."), "organisation_id")
    elif role == Role.coordinator.value:
        raise AdminError(_("A coordinator works for an organisation: please choose one."),
                         "organisation_id")
    if User.by_email(data["email"]) is not None:
        raise _taken()
    user = User(name=data["name"], role=role, organisation=organisation, phone=data["phone"],
                locale=data.get("locale"), active=True, invited_at=utcnow())
    user.set_email(data["email"])
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address invited at this very moment
        db.session.rollback()
        raise _taken() from None
    record("create", "user", user.id, reason="invitation_sent",
           fields=["email", "name", "phone", "role", "organisation_id", "locale", "invited_at"])
    _send_invitation(user, actor)
    return user


def resend_invitation(actor: User, user: User) -> None:
    """Send the invitation again with a new link; the earlier link stops working. Commits."""
    if not user.is_invited or not user.active:
        raise AdminError(_("%(name)s has no open invitation: they chose a password already, "
                           "or the account is deactivated.", name=user.name))
    user.invited_at = utcnow()
    record("update", "user", user.id, fields=["invited_at"], reason="invitation_resent")
    _send_invitation(user, actor)


def _send_invitation(user: User, actor: User) -> None:
    from ..auth.tokens import make_token
    from ..links import external_url
    from ..mail import queue_email
    db.session.flush()
    token = make_token(user, "invite")
    queue_email(user, "staff_invite", "email/staff_invite",  # commits
                link=external_url("auth.reset_password", token=token),
                hours=current_app.config["INVITE_TOKEN_HOURS"], inviter=actor.name)


def assignable_programmes(user: User) -> list[Programme]:
    """Programmes a coordinator can be given: the active ones of their organisation, and
    those they run already (also switched-off ones, so saving does not drop them)."""
    if user.organisation_id is None:
        return []
    found = {p.id: p for p in db.session.execute(
        db.select(Programme).filter_by(organisation_id=user.organisation_id, active=True)
        .order_by(Programme.name, Programme.id)).scalars()}
    for programme in user.programmes:
        found.setdefault(programme.id, programme)
    return sorted(found.values(), key=lambda p: (p.name, p.id))


def _keep_an_admin(user: User) -> None:
    """Refuse to take the last active admin away from their organisation (or from the
    installation). The organisation's admin rows are locked (in id order) first, so two
    admins demoted at once cannot both go (SQLite has no row locks: a write that changes
    nothing takes its write lock instead, as in ``webapp.matches.approval._lock``)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(db.text('UPDATE "user" SET id = id WHERE id = :id'), {"id": user.id})
    scope = (User.organisation_id.is_(None) if user.organisation_id is None
             else User.organisation_id == user.organisation_id)
    admins = db.session.execute(
        db.select(User.id).where(scope, User.role == Role.admin.value, User.active.is_(True))
        .order_by(User.id).with_for_update()).scalars().all()
    if not set(admins) - {user.id}:
        where = user.organisation.name if user.organisation else _("the installation")
        raise AdminError(_("%(name)s is the last active administrator of %(where)s. Make "
                           "someone else an administrator first.", name=user.name,
                           where=where), "role")


def update_user(actor: User, user: User, role: str, programme_ids: list[int]) -> list[str]:
    """Change a staff member's role and (a coordinator's) programmes; returns the changed
    fields (audited). An admin keeps their own role; an organisation keeps an active admin;
    an admin runs no programmes of their own (they see all of their organisation's)."""
    if not user.is_staff:
        raise AdminError(_("Volunteer accounts are changed under Volunteers."))
    if role not in STAFF_ROLES:
        raise AdminError(_("Please choose a role."), "role")
    fields: list[str] = []
    if role != user.role:
        if user.id == actor.id:
            raise AdminError(_("You cannot take away your own administrator role. Ask "
                               "another administrator."), "role")
        if role == Role.coordinator.value:
            if user.organisation_id is None:
                raise AdminError(_("An administrator of the whole installation belongs to no "
                                   "organisation and cannot be a coordinator."), "role")
            if user.active:
                _keep_an_admin(user)
        user.role = role
        fields.append("role")
    programmes: list[Programme] = []
    if role == Role.coordinator.value:
        allowed = {p.id: p for p in assignable_programmes(user)}
        if set(programme_ids) - set(allowed):
            raise AdminError(_("Please choose programmes from the list."), "programmes")
        programmes = [allowed[i] for i in sorted(set(programme_ids))]
    if {p.id for p in programmes} != {p.id for p in user.programmes}:
        user.programmes = programmes
        fields.append("programmes")
    if fields:
        record("update", "user", user.id, fields=fields)
    db.session.flush()
    return fields


def set_user_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate an account (logged out everywhere) or activate it again; audited. Returns
    whether anything changed."""
    if not active and user.id == actor.id:
        raise AdminError(_("You cannot deactivate your own account."))
    if active == bool(user.active):
        return False
    if not active and user.role == Role.admin.value:
        _keep_an_admin(user)
    user.active = active
    if not active:
        revoke_all(user)
    record("update", "user", user.id, fields=["active"])
    db.session.flush()
    return True
