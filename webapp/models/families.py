"""Families, their parents and children, consent, and their requests per programme.

Privacy by design:
- parents' names, the address, the contact detail, free-text notes and the groups a family
  wants to avoid are stored encrypted (:class:`~webapp.crypto.EncryptedText`);
- children have no names, only a birth year and month;
- country of origin, community and religion (special-category data, GDPR art. 9) are stored
  only with their own consent, and used by matching only when that consent says so;
- a family is matched and messaged only while its latest consent for matching stands.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar

from sqlalchemy import JSON

from ..crypto import EncryptedText, blind_index
from ..extensions import db
from .base import utcnow

__all__ = [
    "CHANNELS",
    "REFERRAL_SOURCES",
    "REQUEST_STATUSES",
    "SPECIAL_CATEGORY_CHOICES",
    "Child",
    "Consent",
    "Family",
    "FamilyRequest",
    "FamilyRequestEvent",
    "Parent",
]

# Codes only; labels live in webapp/families/choices.py (translated at display time).
REFERRAL_SOURCES = ("jgz", "vluchtelingenwerk", "school", "brede_intake", "wijkteam", "self",
                    "other")
CHANNELS = ("letter", "sms", "whatsapp", "email")
REQUEST_STATUSES = ("waiting", "matched", "ended")
# Which special-category data may be kept: none (not stored) / store (kept, ignored by
# matching) / use (kept and used by matching).
SPECIAL_CATEGORY_CHOICES = ("none", "store", "use")


class Family(db.Model):
    """A household referred to one or more programmes."""

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    updated_at = db.Column(db.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    referral_source = db.Column(db.String(30), nullable=False)

    # Special-category data (only with Consent.special_category in store/use).
    country_of_origin = db.Column(db.String(10))
    # codes of webapp.vocab.COMMUNITIES / RELIGIONS, or "other:<text>"
    community = db.Column(EncryptedText)
    religion = db.Column(EncryptedText)

    housed_on = db.Column(db.Date)
    pc4 = db.Column(db.String(4), index=True)
    postcode_letters = db.Column(db.String(2))
    address = db.Column(EncryptedText)

    max_volunteers = db.Column(db.Integer, nullable=False, default=2)
    existing_support_counts = db.Column(db.Boolean, nullable=False, default=False)
    support_social_worker = db.Column(db.String(30))  # None / vluchtelingenwerk / humanitas / other
    support_other_programmes = db.Column(db.Integer, nullable=False, default=0)
    support_formal_care = db.Column(db.Boolean, nullable=False, default=False)

    contact_person = db.Column(EncryptedText)  # the one point of contact for the family
    contact_phone = db.Column(EncryptedText)  # … and their phone number (introductions name it)
    message_channel = db.Column(db.String(10))
    contact_detail = db.Column(EncryptedText)
    message_language = db.Column(db.String(5))

    pref_volunteer_gender = db.Column(db.String(5), nullable=False, default="any")  # any/f/m
    pref_language = db.Column(db.String(10), nullable=False, default="none")  # own/dutch/none
    pref_not_own_community = db.Column(db.Boolean, nullable=False, default=False)
    # one group per line: a country code, "community:<code>", "region:<code>" or
    # "other:<text>" (webapp.vocab.group_for_text)
    groups_to_avoid = db.Column(EncryptedText)
    preferred_dagdelen = db.Column(JSON, nullable=False, default=list)

    needs = db.Column(JSON, nullable=False, default=list)
    needs_note = db.Column(EncryptedText)
    # Urgency is not stored here: it is FamilyRequest.priority, per enrolment.
    not_before = db.Column(db.Date)

    # Set once the family's personal data was anonymised (webapp/privacy); the facts kept
    # for reports (counts, languages, age bands, year) are in ``anonymised_facts``.
    anonymised_at = db.Column(db.DateTime, index=True)
    anonymised_facts = db.Column(JSON)

    parents = db.relationship("Parent", back_populates="family", cascade="all, delete-orphan",
                              order_by="Parent.position")
    children = db.relationship("Child", back_populates="family", cascade="all, delete-orphan",
                               order_by="[Child.birth_year, Child.birth_month]")
    consents = db.relationship("Consent", back_populates="family", cascade="all, delete-orphan",
                               order_by="Consent.id")
    requests = db.relationship("FamilyRequest", back_populates="family",
                               cascade="all, delete-orphan", order_by="FamilyRequest.id")

    @property
    def reference(self) -> str:
        """A short reference that names no one (shown in lists and the audit log)."""
        return f"G-{self.id:05d}"

    @property
    def consent(self) -> Consent | None:
        """The latest consent record (withdrawn or not), or ``None``."""
        return self.consents[-1] if self.consents else None

    @property
    def may_match(self) -> bool:
        """Consent for matching was given and has not been withdrawn."""
        c = self.consent
        return bool(c and c.purpose_matching and c.withdrawn_at is None)

    @property
    def may_message(self) -> bool:
        """An introduction message may be sent (the same consent as matching)."""
        return self.may_match

    @property
    def special_category_use(self) -> bool:
        """Matching may use country of origin, community and religion."""
        c = self.consent
        return bool(c and c.withdrawn_at is None and c.special_category == "use")

    @property
    def groups_to_avoid_list(self) -> list[str]:
        """The stored groups to avoid (group values; see ``groups_to_avoid``)."""
        return [g.strip() for g in (self.groups_to_avoid or "").splitlines() if g.strip()]

    def urgency_in(self, programme_ids) -> int:
        """The urgency of the family's open requests in ``programme_ids`` (the highest)."""
        return max((r.priority or 0 for r in self.requests
                    if r.active and r.programme_id in programme_ids), default=0)

    def volunteers_counted(self, koppel_volunteers: int) -> int:
        """What counts toward the overload cap: Koppel's active volunteers, plus existing
        support when the coordinator said it counts. The one place of this rule."""
        return koppel_volunteers + (self.existing_support if self.existing_support_counts else 0)

    def room_left(self, koppel_volunteers: int) -> int:
        """How many more volunteers the family wants now (0: no new match)."""
        return max(0, (self.max_volunteers or 0) - self.volunteers_counted(koppel_volunteers))

    @property
    def existing_support(self) -> int:
        """Support the family already has outside Koppel (social worker, programmes, care)."""
        return ((1 if self.support_social_worker else 0) + (self.support_other_programmes or 0)
                + (1 if self.support_formal_care else 0))

    def languages(self) -> list[str]:
        """The parents' languages (codes, first seen first)."""
        seen: list[str] = []
        for p in self.parents:
            for item in p.languages or []:
                if item.get("code") and item["code"] not in seen:
                    seen.append(item["code"])
        return seen


class Parent(db.Model):
    """A parent: first name or initials (encrypted), languages and reading ability."""

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    name = db.Column(EncryptedText, nullable=False)
    name_index = db.Column(db.String(64), index=True)  # blind index, for exact-name search
    gender = db.Column(db.String(2))
    languages = db.Column(JSON, nullable=False, default=list)  # [{"code": "ar", "level": "native"}]
    dutch_level = db.Column(db.String(2))  # A0..C2
    can_read = db.Column(db.String(10))  # yes / limited / no
    family = db.relationship("Family", back_populates="parents")

    def set_name(self, name: str) -> None:
        self.name = name.strip()
        self.name_index = blind_index(name)


class Child(db.Model):
    """A child: birth year and month and gender — no name is needed."""

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    birth_year = db.Column(db.Integer, nullable=False)
    birth_month = db.Column(db.Integer, nullable=False)
    gender = db.Column(db.String(2))
    family = db.relationship("Family", back_populates="children")

    def age_months(self, today: date | None = None) -> int:
        today = today or date.today()
        return max(0, (today.year - self.birth_year) * 12 + today.month - self.birth_month)

    def age_years(self, today: date | None = None) -> int:
        return self.age_months(today) // 12


class Consent(db.Model):
    """One recorded conversation about consent. A change is a new row; withdrawal sets
    ``withdrawn_at`` (and is written to the audit log)."""

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    asked_on = db.Column(db.Date, nullable=False)
    language = db.Column(db.String(5), nullable=False)
    explained_by = db.Column(db.String(20), nullable=False, default="coordinator")
    purpose_matching = db.Column(db.Boolean, nullable=False, default=False)
    purpose_share_profile = db.Column(db.Boolean, nullable=False, default=False)
    purpose_contact_school = db.Column(db.Boolean, nullable=False, default=False)
    special_category = db.Column(db.String(10), nullable=False, default="none")
    recorded_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    withdrawn_at = db.Column(db.DateTime)
    withdrawn_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    family = db.relationship("Family", back_populates="consents")

    def same_as(self, other: Consent | None) -> bool:
        """Same answers (ignoring who recorded it and when)."""
        if other is None:
            return False
        keys = ("asked_on", "language", "explained_by", "purpose_matching",
                "purpose_share_profile", "purpose_contact_school", "special_category")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


class FamilyRequest(db.Model):
    """A family's enrolment in one programme: waiting → matched → ended.

    How many volunteers support the family is counted from its active matches
    (:func:`webapp.families.services.active_volunteer_count`), never stored here.
    """

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False,
                             index=True)
    status = db.Column(db.String(10), nullable=False, default="waiting", index=True)
    waiting_since = db.Column(db.DateTime, default=utcnow, nullable=False)
    # the request's urgency (0 normal, 1 high, 2 urgent): the one stored value, which the
    # family list orders by and the matching run reads (webapp.families.services.set_urgency)
    priority = db.Column(db.Integer, nullable=False, default=0)
    note = db.Column(EncryptedText)  # this programme's own note, never shown to other programmes
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    ended_at = db.Column(db.DateTime)
    family = db.relationship("Family", back_populates="requests")
    programme = db.relationship("Programme")
    events = db.relationship("FamilyRequestEvent", back_populates="request",
                             cascade="all, delete-orphan", order_by="FamilyRequestEvent.id")

    __table_args__ = (db.UniqueConstraint("family_id", "programme_id",
                                          name="uq_family_request_family_programme"),
                      # the family list and the waiting list: per programme and status, in order
                      db.Index("ix_family_request_list", "programme_id", "status", "priority",
                               "waiting_since"))

    ALLOWED: ClassVar[dict[str, set[str]]] = {"waiting": {"matched", "ended"}, "matched": {"waiting", "ended"},
               "ended": {"waiting"}}

    @property
    def active(self) -> bool:
        return self.status in ("waiting", "matched")

    def move_to(self, status: str, by_user_id: int | None, now=None) -> FamilyRequestEvent:
        """Change the status, refusing moves that make no sense; records the history."""
        if status not in self.ALLOWED.get(self.status, set()):
            raise ValueError(f"cannot move a request from {self.status} to {status}")
        now = now or utcnow()
        event = FamilyRequestEvent(at=now, from_status=self.status, to_status=status,
                                   by_id=by_user_id)
        self.events.append(event)  # through the collection, so it cascades into the session
        self.status = status
        if status == "waiting":
            self.waiting_since = now
            self.ended_at = None
        elif status == "ended":
            self.ended_at = now
        return event


# The family list's default view (active requests), in list order: a page is read from the
# index without sorting the whole programme.
db.Index("ix_family_request_open", FamilyRequest.programme_id, FamilyRequest.priority.desc(),
         FamilyRequest.waiting_since, FamilyRequest.id,
         postgresql_where=FamilyRequest.status.in_(("waiting", "matched")),
         sqlite_where=FamilyRequest.status.in_(("waiting", "matched")))


class FamilyRequestEvent(db.Model):
    """One step in a request's history (referral → waiting → matched → ended)."""

    id = db.Column(db.Integer, primary_key=True)
    request_id = db.Column(db.Integer, db.ForeignKey("family_request.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    at = db.Column(db.DateTime, default=utcnow, nullable=False)
    from_status = db.Column(db.String(10))  # None: the referral itself
    to_status = db.Column(db.String(10), nullable=False)
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    request = db.relationship("FamilyRequest", back_populates="events")
    by = db.relationship("User")
