"""Volunteer profiles and their training records.

Contact details, motivation, notes and religion are stored encrypted (``EncryptedText``);
codes (languages, themes, dagdelen) are stored as JSON lists or maps of the codes in
:mod:`webapp.vocab`. Readiness is never stored: it is computed by ``training/`` from these
rows (see :mod:`webapp.volunteers.readiness`).
"""
from __future__ import annotations

import enum

from sqlalchemy import JSON

from ..crypto import EncryptedText
from ..extensions import db
from .base import utcnow

__all__ = [
    "AdditionalCheckRecord", "ReminderLog", "SessionSignup", "SignupStatus",
    "TrainingCompletion", "TrainingSession", "Volunteer", "VolunteerImport", "VolunteerStatus",
    "VolunteerVog",
    "session_programmes", "volunteer_programmes",
]


class VolunteerStatus(str, enum.Enum):
    active = "active"
    paused = "paused"
    left = "left"


class SignupStatus(str, enum.Enum):
    signed_up = "signed_up"
    waiting = "waiting"
    cancelled = "cancelled"


volunteer_programmes = db.Table(
    "volunteer_programme",
    db.Column("volunteer_id", db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("programme_id", db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"),
              primary_key=True),
)

session_programmes = db.Table(
    "training_session_programme",
    db.Column("session_id", db.Integer, db.ForeignKey("training_session.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("programme_id", db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"),
              primary_key=True),
)


class Volunteer(db.Model):
    """A volunteer's profile, one-to-one with a :class:`~webapp.models.User` (role volunteer).

    ``languages``: {language code: "native"|"good"|"basic"}; ``dutch_level``: CEFR level or
    "native"; ``parenting_experience``: age bands ("0-3", "4-11", "12-17");
    ``dagdelen``: codes such as "mon_am"; ``themes``: codes of :data:`webapp.vocab.THEMES`.
    A paused volunteer is not matchable until ``paused_until``; one who left is deactivated,
    not deleted.
    """

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, unique=True)
    phone = db.Column(EncryptedText)
    birth_year = db.Column(db.Integer)
    gender = db.Column(db.String(1))
    pc4 = db.Column(db.String(4), index=True)
    postcode_letters = db.Column(db.String(2))
    travel_km = db.Column(db.Integer, nullable=False, default=5)
    languages = db.Column(JSON, nullable=False, default=dict)
    dutch_level = db.Column(db.String(8))
    refugee_background = db.Column(db.Boolean, nullable=False, default=False)
    origin_country = db.Column(db.String(8))
    # code of webapp.vocab.COMMUNITIES / REGIONS, or "other:<text>" (special category)
    community = db.Column(EncryptedText)
    origin_region = db.Column(EncryptedText)
    arrival_year = db.Column(db.Integer)
    religion = db.Column(EncryptedText)  # code of webapp.vocab.RELIGIONS, or "other:<text>"
    religion_for_matching = db.Column(db.Boolean, nullable=False, default=False)
    # special category (GDPR art. 9): origin (country, community, region) is used in
    # matching only with this consent
    origin_for_matching = db.Column(db.Boolean, nullable=False, default=False,
                                    server_default=db.false())
    parenting_experience = db.Column(JSON, nullable=False, default=list)
    occupation = db.Column(EncryptedText)
    dagdelen = db.Column(JSON, nullable=False, default=list)
    max_families = db.Column(db.Integer, nullable=False, default=1)
    hours_per_week = db.Column(db.Integer, nullable=False, default=2)
    themes = db.Column(JSON, nullable=False, default=list)
    motivation = db.Column(EncryptedText)
    notes = db.Column(EncryptedText)  # coordinators' notes
    status = db.Column(db.String(10), nullable=False, default=VolunteerStatus.active.value)
    paused_until = db.Column(db.Date)
    left_at = db.Column(db.DateTime)
    consent_at = db.Column(db.DateTime)
    consent_version = db.Column(db.String(40))
    source = db.Column(db.String(20), nullable=False, default="registration")  # or "import"
    calendar_token = db.Column(EncryptedText)
    calendar_token_index = db.Column(db.String(64), unique=True)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    updated_at = db.Column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    # Set once the volunteer's personal data was anonymised (webapp/privacy).
    anonymised_at = db.Column(db.DateTime, index=True)
    anonymised_facts = db.Column(JSON)

    user = db.relationship("User", backref=db.backref("volunteer", uselist=False))
    programmes = db.relationship("Programme", secondary=volunteer_programmes,
                                 order_by="Programme.name")
    completions = db.relationship("TrainingCompletion", back_populates="volunteer",
                                  cascade="all, delete-orphan",
                                  order_by="TrainingCompletion.completed_on.desc()")
    vogs = db.relationship("VolunteerVog", back_populates="volunteer",
                           cascade="all, delete-orphan", order_by="VolunteerVog.issued_on.desc()")
    additional_checks = db.relationship("AdditionalCheckRecord", back_populates="volunteer",
                                        cascade="all, delete-orphan",
                                        order_by="AdditionalCheckRecord.done_on.desc()")

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def postcode(self) -> str:
        return f"{self.pc4 or ''} {self.postcode_letters or ''}".strip()

    def matchable_on(self, day) -> bool:
        """Active, or paused until a day that has come."""
        if self.status == VolunteerStatus.left.value or not self.user.active:
            return False
        if self.status == VolunteerStatus.paused.value:
            return self.paused_until is not None and day >= self.paused_until
        return True


class TrainingCompletion(db.Model):
    """A completion of a catalogue item (or one part of it), self-reported or recorded by a
    coordinator. ``verified``: True, None (pending) or False (rejected, with a reason)."""

    id = db.Column(db.Integer, primary_key=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    item = db.Column(db.String(60), nullable=False)
    part = db.Column(db.String(60))
    completed_on = db.Column(db.Date, nullable=False)
    source = db.Column(db.String(20), nullable=False, default="self")  # self/coordinator
    verified = db.Column(db.Boolean)
    rejection_reason = db.Column(db.Text)
    verified_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    verified_at = db.Column(db.DateTime)
    certificate_file = db.Column(db.String(80))  # random name under instance/uploads/
    certificate_type = db.Column(db.String(40))
    session_id = db.Column(db.Integer, db.ForeignKey("training_session.id", ondelete="SET NULL"))
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)

    volunteer = db.relationship("Volunteer", back_populates="completions")

    @property
    def state(self) -> str:
        if self.verified is False:
            return "rejected"
        if self.verified is True or self.source == "coordinator":
            return "verified"
        return "pending"


class VolunteerVog(db.Model):
    """A VOG (Verklaring Omtrent het Gedrag) as recorded by a coordinator."""

    id = db.Column(db.Integer, primary_key=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    issued_on = db.Column(db.Date, nullable=False)
    screening_profile = db.Column(db.String(80), nullable=False, default="")
    free_vog_scheme = db.Column(db.Boolean, nullable=False, default=False)
    original_seen = db.Column(db.Boolean, nullable=False, default=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)

    volunteer = db.relationship("Volunteer", back_populates="vogs")


class AdditionalCheckRecord(db.Model):
    """The organisation's additional check (references, interview), where a programme asks it
    of every volunteer."""

    id = db.Column(db.Integer, primary_key=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    done_on = db.Column(db.Date, nullable=False)
    kind = db.Column(db.String(20), nullable=False, default="references")
    note = db.Column(EncryptedText)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)

    volunteer = db.relationship("Volunteer", back_populates="additional_checks")


class TrainingSession(db.Model):
    """A themabijeenkomst organised by a coordinator. Times are local (Europe/Amsterdam)."""

    id = db.Column(db.Integer, primary_key=True)
    organisation_id = db.Column(db.Integer, db.ForeignKey("organisation.id"), nullable=False,
                                index=True)
    item = db.Column(db.String(60), nullable=False, default="themabijeenkomst")
    title = db.Column(db.String(200), nullable=False)
    starts_at = db.Column(db.DateTime, nullable=False, index=True)
    ends_at = db.Column(db.DateTime, nullable=False)
    place = db.Column(db.String(300))
    online_url = db.Column(db.String(500))
    language = db.Column(db.String(8), nullable=False, default="nl")
    capacity = db.Column(db.Integer, nullable=False)
    attendance_recorded_at = db.Column(db.DateTime)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)

    organisation = db.relationship("Organisation")
    programmes = db.relationship("Programme", secondary=session_programmes,
                                 order_by="Programme.name")
    signups = db.relationship("SessionSignup", back_populates="session",
                              cascade="all, delete-orphan", order_by="SessionSignup.position")

    def count(self, status: str) -> int:
        return sum(1 for s in self.signups if s.status == status)

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.count(SignupStatus.signed_up.value))


class SessionSignup(db.Model):
    """A volunteer's place (or place on the waiting list) for a session."""

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.Integer, db.ForeignKey("training_session.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    status = db.Column(db.String(12), nullable=False, default=SignupStatus.signed_up.value)
    position = db.Column(db.Integer, nullable=False, default=0)  # order of signing up
    attended = db.Column(db.Boolean)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    updated_at = db.Column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)

    session = db.relationship("TrainingSession", back_populates="signups")
    volunteer = db.relationship("Volunteer")

    __table_args__ = (db.UniqueConstraint("session_id", "volunteer_id",
                                          name="uq_session_signup_volunteer"),)


class ReminderLog(db.Model):
    """A training reminder sent to a volunteer for one item (throttles the next one)."""

    id = db.Column(db.Integer, primary_key=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    item = db.Column(db.String(60), nullable=False)
    sent_on = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)


class VolunteerImport(db.Model):
    """An uploaded import file waiting for its confirmation (the file itself waits, encrypted,
    in ``instance/imports/<key>.bin``). Confirming moves ``status`` from "pending" to "done"
    by a conditional update in the transaction that stores the rows, so it happens once."""

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(40), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id", ondelete="CASCADE"),
                             nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending")  # pending | done
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False, index=True)
    confirmed_at = db.Column(db.DateTime)
