"""Accounts, roles, organisations and the programmes they run."""
from __future__ import annotations

import enum
import secrets

from flask_login import UserMixin
from sqlalchemy import JSON

from ..crypto import EncryptedText, blind_index
from ..extensions import db
from .base import utcnow


class Role(str, enum.Enum):
    volunteer = "volunteer"
    coordinator = "coordinator"
    admin = "admin"


coordinator_programmes = db.Table(
    "coordinator_programme",
    db.Column("user_id", db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    db.Column("programme_id", db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"),
              primary_key=True),
)


class Organisation(db.Model):
    """An organisation such as "Home-Start Leiden" that runs one or more programmes."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    municipality = db.Column(db.String(120))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    # Retention (data lifecycle, webapp/privacy): months after a family's last match or
    # request ended, and after a volunteer left, before their data is anonymised.
    retention_family_months = db.Column(db.Integer, nullable=False, default=12,
                                        server_default="12")
    retention_volunteer_months = db.Column(db.Integer, nullable=False, default=24,
                                           server_default="24")
    # Set up by the admins (webapp.admin): a deactivated organisation's programmes are
    # deactivated with it. ``municipality`` is the first of ``municipalities``. Address,
    # phone and e-mail are the organisation's own, printed in letters; the logo is a file
    # under the instance folder (``logo_path`` relative to it).
    active = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())
    municipalities = db.Column(JSON, nullable=False, default=list)
    postal_address = db.Column(db.Text)
    phone = db.Column(db.String(40))
    email = db.Column(db.String(254))
    logo_path = db.Column(db.String(200))
    programmes = db.relationship("Programme", back_populates="organisation",
                                 order_by="Programme.name")


class ProgrammeType(db.Model):
    """A kind of programme (Home-Start, MIM, …) with its default rules as data."""

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    default_rules = db.Column(JSON, nullable=False, default=dict)


class Programme(db.Model):
    """One organisation's instance of a programme type, e.g. Home-Start at Home-Start Leiden."""

    id = db.Column(db.Integer, primary_key=True)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisation.id"), nullable=False,
                                index=True)
    type_id = db.Column(db.Integer, db.ForeignKey("programme_type.id"), nullable=False)
    name = db.Column(db.String(200), nullable=False)
    # The area served: municipalities and/or 4-digit postcode areas; ``municipality`` is the
    # first municipality (read by parent-group rounds and referrals).
    municipality = db.Column(db.String(120))
    municipalities = db.Column(JSON, nullable=False, default=list)
    postcode_areas = db.Column(JSON, nullable=False, default=list)
    rules = db.Column(JSON, nullable=False, default=dict)
    active = db.Column(db.Boolean, nullable=False, default=True)
    organisation = db.relationship("Organisation", back_populates="programmes")
    type = db.relationship("ProgrammeType")

    @property
    def effective_rules(self) -> dict:
        """Type defaults overridden by this programme's own rules."""
        return {**(self.type.default_rules or {}), **(self.rules or {})}


class User(UserMixin, db.Model):
    """A person who logs in: a volunteer, a coordinator or an admin.

    The e-mail address is stored encrypted; ``email_index`` is its blind index for look-ups.
    An admin without an organisation manages the whole installation.
    """

    id = db.Column(db.Integer, primary_key=True)
    email_index = db.Column(db.String(64), nullable=False, unique=True)
    email = db.Column(EncryptedText, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    # Staff: the phone number that introductions and invitations give families and volunteers.
    phone = db.Column(EncryptedText)
    password_hash = db.Column(db.String(255), nullable=True)
    role = db.Column(db.String(20), nullable=False, default=Role.volunteer.value)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisation.id"), index=True)
    locale = db.Column(db.String(5))
    active = db.Column(db.Boolean, nullable=False, default=True)
    email_confirmed_at = db.Column(db.DateTime)
    # When the last confirmation link was mailed: a conditional update on it lets one request
    # of a burst send the mail (see volunteers.services.send_confirmation).
    confirmation_sent_at = db.Column(db.DateTime)
    password_changed_at = db.Column(db.DateTime)
    # Staff invited by an admin (webapp.admin.services.invite_user): when the last invitation
    # went out. It is part of the set-password link's fingerprint, so sending the invitation
    # again stops the earlier link. Invited and no password yet: the account is "invited".
    invited_at = db.Column(db.DateTime)
    # Set when a login session starts (webapp.auth.sessions.start_session), shown to admins.
    last_login_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    # Second factor (TOTP, RFC 6238). The shared secret is stored encrypted; ``totp_last_step``
    # is the 30-second step of the last accepted code, so a code cannot be used twice.
    totp_secret = db.Column(EncryptedText)
    totp_enabled_at = db.Column(db.DateTime)
    totp_last_step = db.Column(db.BigInteger)
    # Recovery codes: a list of argon2id hashes, one per unused code (a used one is removed).
    recovery_codes = db.Column(JSON)
    organisation = db.relationship("Organisation")
    programmes = db.relationship("Programme", secondary=coordinator_programmes,
                                 order_by="Programme.name")

    def set_email(self, email: str) -> None:
        self.email = email.strip()
        self.email_index = blind_index(email)

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.execute(
            db.select(cls).filter_by(email_index=blind_index(email))).scalar_one_or_none()

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot log in
        return bool(self.active)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.coordinator.value, Role.admin.value)

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_enabled_at and self.totp_secret)

    @property
    def is_installation_admin(self) -> bool:
        return self.role == Role.admin.value and self.organisation_id is None

    @property
    def is_invited(self) -> bool:
        """Invited by an admin and no password chosen yet."""
        return self.invited_at is not None and self.password_hash is None


class UserSession(db.Model):
    """A server-side login session. The cookie holds only its random id.

    Logging out, deactivating the account or changing the password revokes the row, so a
    cookie saved earlier is refused afterwards.
    """

    id = db.Column(db.String(64), primary_key=True, default=lambda: secrets.token_urlsafe(32))
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    last_seen_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    revoked_at = db.Column(db.DateTime)
    user_agent = db.Column(db.String(200))
    user = db.relationship("User")
