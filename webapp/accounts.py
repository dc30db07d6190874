"""Creating accounts (used by the CLI, the demo and registration), changing one's own
details, and accepting an admin's invitation (``webapp.admin.services.invite_user``)."""
from __future__ import annotations

from .auth.passwords import hash_password
from .auth.policy import password_problem
from .extensions import db
from .models import Organisation, Role, User
from .models.base import utcnow


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why."""


def create_user(*, email: str, name: str, role: str, password: str,
                organisation_name: str | None = None, check_password: bool = True,
                locale: str | None = None, phone: str | None = None) -> User:
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role {role!r}")
    if "@" not in email or len(email) > 254:
        raise AccountError("not a valid e-mail address")
    if User.by_email(email) is not None:
        raise AccountError("an account with this e-mail address exists already")
    organisation = None
    if organisation_name:
        organisation = db.session.execute(
            db.select(Organisation).filter_by(name=organisation_name)).scalar_one_or_none()
        if organisation is None:
            raise AccountError(f"no organisation named {organisation_name!r}")
    elif role == Role.coordinator.value:
        raise AccountError("a coordinator needs --organisation")
    if check_password:
        problem = password_problem(password, staff=role != Role.volunteer.value,
                                   context=(name, email, organisation_name or ""))
        if problem:
            raise AccountError(str(problem))
    user = User(name=name, role=role, organisation=organisation, locale=locale, phone=phone,
                password_hash=hash_password(password), email_confirmed_at=utcnow(),
                password_changed_at=utcnow())
    user.set_email(email)
    db.session.add(user)
    db.session.commit()
    return user


def update_details(user: User, *, name: str, phone: str | None) -> None:
    """A staff member's name and phone number (audited; the caller commits)."""
    from .audit import changed_fields, record
    user.name = name.strip()
    user.phone = (phone or "").strip() or None
    fields = changed_fields(user, ("name", "phone"))
    if fields:
        record("update", "user", user.id, fields=fields)
    db.session.flush()


def accept_invitation(user: User) -> None:
    """An invited staff member chose their password through the invitation link: the link
    reached their address, so it is confirmed (audited; the caller sets the password and
    commits)."""
    from .audit import record
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    record("update", "user", user.id, fields=["password", "email_confirmed_at"],
           reason="invitation_accepted", user_id=user.id)
