"""Matching runs, their proposals, matches and what follows them (contact moments, concerns),
and the memory of rejected pairs."""
from __future__ import annotations

import enum

from sqlalchemy import JSON

from ..crypto import EncryptedText
from ..extensions import db
from .base import utcnow

__all__ = ["MatchingRun", "Proposal", "Match", "MatchStatus", "MatchEvent", "Rejection",
           "ContactMoment", "Concern", "ConcernAction", "CONCERN_ACTION_KINDS",
           "IllegalTransition", "ACTIVE_MATCH_STATUSES",
           "END_REASONS", "REJECTION_REASONS"]


class MatchingRun(db.Model):
    """One matching run for one programme. Its inputs are snapshotted in ``snapshot`` so
    every proposal can be explained later, whatever changed in the profiles since."""

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False,
                             index=True)
    kind = db.Column(db.String(10), nullable=False, default="pairs")  # pairs / trios
    status = db.Column(db.String(12), nullable=False, default="queued")
    # 1 while queued or running: a unique index on (programme_id, running) lets only one
    # run per programme be under way, on SQLite and PostgreSQL alike (NULL when done).
    running = db.Column(db.Integer)
    scope = db.Column(JSON, nullable=False, default=dict)  # {"municipality": …, "urgent_only": …}
    job_id = db.Column(db.String(36), db.ForeignKey("job.id", ondelete="SET NULL"))
    snapshot = db.Column(JSON)
    summary = db.Column(JSON)
    error = db.Column(db.Text)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    finished_at = db.Column(db.DateTime)
    programme = db.relationship("Programme")
    job = db.relationship("Job")

    __table_args__ = (db.UniqueConstraint("programme_id", "running",
                                          name="uq_matching_run_one_running"),)


class Proposal(db.Model):
    """A proposed pair (or trio: ``volunteer2_id`` is the Dutch volunteer) from a run."""

    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("matching_run.id", ondelete="CASCADE"),
                       nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False)
    family_request_id = db.Column(db.Integer, db.ForeignKey("family_request.id",
                                                            ondelete="CASCADE"), nullable=False)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    volunteer2_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"))
    score = db.Column(db.Integer, nullable=False)
    factors = db.Column(JSON, nullable=False, default=list)  # [{"code", "points", "params"}]
    hours_per_week = db.Column(db.Float, nullable=False, default=0)
    # proposed / approved / rejected / stale / replaced
    status = db.Column(db.String(10), nullable=False, default="proposed", index=True)
    stale_reason = db.Column(db.String(40))
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at = db.Column(db.DateTime)
    run = db.relationship("MatchingRun")
    family = db.relationship("Family")
    family_request = db.relationship("FamilyRequest")
    volunteer = db.relationship("Volunteer", foreign_keys=[volunteer_id])
    volunteer2 = db.relationship("Volunteer", foreign_keys=[volunteer2_id])


class MatchStatus(str, enum.Enum):
    approved = "approved"
    introduced = "introduced"
    active = "active"
    paused = "paused"
    ended = "ended"


# Running matches: they hold the volunteer's and the family's capacity. A paused match (the
# family withdrew the consent it rests on) still does, so that it can resume.
ACTIVE_MATCH_STATUSES = ("approved", "introduced", "active", "paused")
# Allowed moves of the match lifecycle. A paused match resumes only to the status it was
# paused from (``Match.resumes_to``; checked by ``webapp.matches.lifecycle.claim``).
TRANSITIONS = {
    "approved": {"introduced", "paused", "ended"},
    "introduced": {"active", "paused", "ended"},
    "active": {"paused", "ended"},
    "paused": {"approved", "introduced", "active", "ended"},
    "ended": set(),
}
END_REASONS = ("goals_reached", "family_moved", "volunteer_stopped", "mismatch", "consent_withdrawn",
               "other")
REJECTION_REASONS = ("language", "distance", "personality", "family_preference",
                     "volunteer_preference", "timing", "safety", "other")


class IllegalTransition(ValueError):
    """A match cannot move from its status to the one asked."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"a match cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


class Match(db.Model):
    """A volunteer working with a family in a programme (one row per volunteer: a trio is two
    rows sharing ``trio_key``)."""

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False,
                             index=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    family_request_id = db.Column(db.Integer, db.ForeignKey("family_request.id",
                                                            ondelete="SET NULL"))
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    proposal_id = db.Column(db.Integer, db.ForeignKey("proposal.id", ondelete="SET NULL"))
    trio_key = db.Column(db.String(36))
    status = db.Column(db.String(12), nullable=False, default="approved", index=True)
    hours_per_week = db.Column(db.Float, nullable=False, default=0)
    score = db.Column(db.Integer)
    override_reason = db.Column(EncryptedText)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    approved_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    introduced_at = db.Column(db.DateTime)
    address_confirmed_at = db.Column(db.DateTime)
    first_visit_at = db.Column(db.DateTime)  # as agreed when introduced (local time)
    activated_at = db.Column(db.DateTime)
    ended_at = db.Column(db.DateTime)
    end_reason = db.Column(db.String(20))
    evaluation_coordinator = db.Column(EncryptedText)
    evaluation_volunteer = db.Column(EncryptedText)
    programme = db.relationship("Programme")
    family = db.relationship("Family")
    family_request = db.relationship("FamilyRequest")
    volunteer = db.relationship("Volunteer")
    events = db.relationship("MatchEvent", order_by="MatchEvent.id", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_MATCH_STATUSES

    @property
    def resumes_to(self) -> str | None:
        """The status a paused match goes back to: the one it was paused from."""
        if self.status != "paused":
            return None
        return next((e.from_status for e in reversed(self.events)
                     if e.to_status == "paused"), None)

    def move_to(self, status: str, by_user_id: int | None, *, reason: str | None = None):
        """Change status, refusing illegal moves, and record the event."""
        if status not in TRANSITIONS.get(self.status, set()):
            raise IllegalTransition(self.status, status)
        now = utcnow()
        event = MatchEvent(from_status=self.status, to_status=status, by_id=by_user_id,
                           reason=reason, at=now)
        self.events.append(event)
        self.status = status
        if status == "introduced" and self.introduced_at is None:  # kept when resumed
            self.introduced_at = now
        elif status == "active" and self.activated_at is None:
            self.activated_at = now
        elif status == "ended":
            self.ended_at = now
            self.end_reason = reason
        return event


class MatchEvent(db.Model):
    """One step in a match's life (approved → introduced → active → ended)."""

    id = db.Column(db.Integer, primary_key=True)
    match_id = db.Column(db.Integer, db.ForeignKey("match.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    at = db.Column(db.DateTime, default=utcnow, nullable=False)
    from_status = db.Column(db.String(12))
    to_status = db.Column(db.String(12), nullable=False)
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    reason = db.Column(db.String(40))


class Rejection(db.Model):
    """A coordinator rejected this volunteer for this family: never proposed again."""

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="CASCADE"),
                             nullable=False)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False)
    reason = db.Column(db.String(30), nullable=False)
    note = db.Column(EncryptedText)
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    at = db.Column(db.DateTime, default=utcnow, nullable=False)

    __table_args__ = (db.UniqueConstraint("family_id", "volunteer_id",
                                          name="uq_rejection_pair"),)


class ContactMoment(db.Model):
    """A volunteer's report of a visit or call: date, duration, themes (hours for funders)."""

    id = db.Column(db.Integer, primary_key=True)
    match_id = db.Column(db.Integer, db.ForeignKey("match.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    happened_on = db.Column(db.Date, nullable=False)
    minutes = db.Column(db.Integer, nullable=False)
    themes = db.Column(JSON, nullable=False, default=list)
    note = db.Column(EncryptedText)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    match = db.relationship("Match")


class Concern(db.Model):
    """A volunteer's concern about a family, raised to the coordinator.

    A coordinator acknowledges it (``acknowledged_at``/``_by_id``: the volunteer sees it was
    read), writes down what was done (:class:`ConcernAction`) and closes it
    (``handled_at``/``handled_by_id``). Both are set once, by a conditional update (see
    :mod:`webapp.matches.concerns`)."""

    id = db.Column(db.Integer, primary_key=True)
    match_id = db.Column(db.Integer, db.ForeignKey("match.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    text = db.Column(EncryptedText, nullable=False)
    urgent = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    acknowledged_at = db.Column(db.DateTime)
    acknowledged_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    handled_at = db.Column(db.DateTime)  # closed
    handled_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    match = db.relationship("Match")
    acknowledged_by = db.relationship("User", foreign_keys=[acknowledged_by_id])
    handled_by = db.relationship("User", foreign_keys=[handled_by_id])
    actions = db.relationship("ConcernAction", order_by="ConcernAction.id",
                              cascade="all, delete-orphan", back_populates="concern")

    @property
    def state(self) -> str:
        """``new`` (not read yet), ``read`` (acknowledged, still open) or ``closed``."""
        if self.handled_at is not None:
            return "closed"
        return "read" if self.acknowledged_at is not None else "new"


# What a coordinator did about a concern: read it, wrote down a step taken, closed it.
CONCERN_ACTION_KINDS = ("acknowledged", "note", "closed")


class ConcernAction(db.Model):
    """One step in following up a concern: who did what, when. ``text`` (a coordinator's
    internal note, encrypted) is never shown to the volunteer and is erased with the
    family."""

    id = db.Column(db.Integer, primary_key=True)
    concern_id = db.Column(db.Integer, db.ForeignKey("concern.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    kind = db.Column(db.String(12), nullable=False)
    text = db.Column(EncryptedText)
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    at = db.Column(db.DateTime, default=utcnow, nullable=False)
    concern = db.relationship("Concern", back_populates="actions")
    by = db.relationship("User")
