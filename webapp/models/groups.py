"""Parent groups (Preventieve Ouderschapsondersteuning): a round of invitations, the staff
who lead groups, the groups with their members, five meetings, attendance, reminders,
evaluations and referrals.

Privacy: parents are reached through their family's record (names and contact details stay
encrypted there); follow-up notes and override reasons are encrypted here; the evaluation
stores codes only, so the municipality's summary cannot name anyone.
"""
from __future__ import annotations

from sqlalchemy import JSON

from ..crypto import EncryptedText
from ..extensions import db
from .base import utcnow

__all__ = [
    "ANSWERS",
    "GROUP_STATUSES",
    "STAFF_ROLES",
    "GroupMeeting",
    "GroupMember",
    "GroupReferral",
    "GroupRound",
    "GroupStaff",
    "Invitation",
    "InvitationFollowUp",
    "MeetingAttendance",
    "MeetingReminder",
    "ParentGroup",
]

ANSWERS = ("none", "yes", "maybe", "no")
GROUP_STATUSES = ("proposed", "approved")
STAFF_ROLES = ("trainer", "sleutelpersoon", "interpreter")


class GroupRound(db.Model):
    """One round of parent groups in a municipality: who is invited, where and when."""

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False,
                             index=True)
    name = db.Column(db.String(200), nullable=False)
    municipality = db.Column(db.String(120))
    settled_since = db.Column(db.Date)  # invite families housed on or after this day
    first_meeting_on = db.Column(db.DateTime, nullable=False)
    place = db.Column(db.String(300), nullable=False)
    pc4 = db.Column(db.String(4))
    slots = db.Column(JSON, nullable=False, default=list)  # dagdelen the place is free
    contact_name = db.Column(db.String(200), nullable=False)
    contact_phone = db.Column(db.String(40), nullable=False)
    min_size = db.Column(db.Integer, nullable=False, default=12)
    max_size = db.Column(db.Integer, nullable=False, default=15)
    max_km = db.Column(db.Integer, nullable=False, default=10)
    formation = db.Column(JSON)  # the last solver run: counts, bound, unplaced, shortages
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    programme = db.relationship("Programme")
    invitations = db.relationship("Invitation", back_populates="round",
                                  cascade="all, delete-orphan", order_by="Invitation.id")
    groups = db.relationship("ParentGroup", back_populates="round",
                             cascade="all, delete-orphan", order_by="ParentGroup.id")


class GroupStaff(db.Model):
    """A trainer, sleutelpersoon or interpreter a programme can ask to lead groups."""

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False,
                             index=True)
    name = db.Column(db.String(200), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    languages = db.Column(JSON, nullable=False, default=list)
    slots = db.Column(JSON, nullable=False, default=list)
    genders = db.Column(JSON, nullable=False, default=lambda: ["f", "m"])
    max_groups = db.Column(db.Integer, nullable=False, default=1)
    volunteer_id = db.Column(db.Integer, db.ForeignKey("volunteer.id", ondelete="SET NULL"))
    active = db.Column(db.Boolean, nullable=False, default=True)


class Invitation(db.Model):
    """A personal invitation of one parent, their answer and what they told us."""

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("group_round.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    family_id = db.Column(db.Integer, db.ForeignKey("family.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("parent.id", ondelete="CASCADE"),
                          nullable=False)
    answer = db.Column(db.String(10), nullable=False, default="none")
    slots = db.Column(JSON, nullable=False, default=list)  # when they can come
    family_wish = db.Column(db.String(10), nullable=False, default="any")
    message_id = db.Column(db.Integer, db.ForeignKey("message.id", ondelete="SET NULL"))
    sent_at = db.Column(db.DateTime)
    answered_at = db.Column(db.DateTime)
    # Cancelled by the coordinator (sent by mistake): the parent got an apology.
    cancelled_at = db.Column(db.DateTime)
    cancelled_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    round = db.relationship("GroupRound", back_populates="invitations")
    family = db.relationship("Family")
    parent = db.relationship("Parent")
    message = db.relationship("Message")
    follow_ups = db.relationship("InvitationFollowUp", back_populates="invitation",
                                 cascade="all, delete-orphan",
                                 order_by="InvitationFollowUp.id")
    __table_args__ = (db.UniqueConstraint("round_id", "parent_id",
                                          name="uq_invitation_round_parent"),)


class InvitationFollowUp(db.Model):
    """A follow-up by letter, phone, WhatsApp or visit (the seed's secret of high turnout)."""

    id = db.Column(db.Integer, primary_key=True)
    invitation_id = db.Column(db.Integer, db.ForeignKey("invitation.id", ondelete="CASCADE"),
                              nullable=False, index=True)
    channel = db.Column(db.String(10), nullable=False)
    note = db.Column(EncryptedText)
    at = db.Column(db.DateTime, default=utcnow, nullable=False)
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    invitation = db.relationship("Invitation", back_populates="follow_ups")


class ParentGroup(db.Model):
    """A group of mothers or fathers: proposed by the solver, then approved."""

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("group_round.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False,
                             index=True)
    name = db.Column(db.String(200), nullable=False)
    gender = db.Column(db.String(1), nullable=False)
    languages = db.Column(JSON, nullable=False, default=list)
    slot = db.Column(db.String(10), nullable=False)
    status = db.Column(db.String(10), nullable=False, default="proposed")
    trainer_id = db.Column(db.Integer, db.ForeignKey("group_staff.id", ondelete="SET NULL"))
    support_id = db.Column(db.Integer, db.ForeignKey("group_staff.id", ondelete="SET NULL"))
    whatsapp_link = db.Column(EncryptedText)
    override_reason = db.Column(EncryptedText)
    approved_at = db.Column(db.DateTime)
    approved_by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    round = db.relationship("GroupRound", back_populates="groups")
    trainer = db.relationship("GroupStaff", foreign_keys=[trainer_id])
    support = db.relationship("GroupStaff", foreign_keys=[support_id])
    members = db.relationship("GroupMember", back_populates="group",
                              cascade="all, delete-orphan", order_by="GroupMember.id")
    meetings = db.relationship("GroupMeeting", back_populates="group",
                               cascade="all, delete-orphan", order_by="GroupMeeting.number")


class GroupMember(db.Model):
    """A parent in a group, with their evaluation after the last meeting (codes only)."""

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.Integer, db.ForeignKey("parent_group.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    invitation_id = db.Column(db.Integer, db.ForeignKey("invitation.id", ondelete="CASCADE"),
                              nullable=False, unique=True)
    useful = db.Column(db.String(10))  # yes / partly / no
    wishes = db.Column(JSON, nullable=False, default=list)  # follow-up wishes (codes)
    themes_next = db.Column(JSON, nullable=False, default=list)  # theme codes
    evaluated_at = db.Column(db.DateTime)
    group = db.relationship("ParentGroup", back_populates="members")
    invitation = db.relationship("Invitation")


class GroupMeeting(db.Model):
    """One of the five meetings of a group. ``starts_at`` is UTC (naive), like every
    timestamp; it is typed and shown in Amsterdam time (``groups.meetings``)."""

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.Integer, db.ForeignKey("parent_group.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    starts_at = db.Column(db.DateTime, nullable=False)
    place = db.Column(db.String(300), nullable=False)
    theme = db.Column(db.String(30), nullable=False)
    guest = db.Column(db.String(30))  # partner organisation code
    guest_name = db.Column(db.String(200))
    language = db.Column(db.String(8), nullable=False)
    override_reason = db.Column(EncryptedText)
    attendance_recorded_at = db.Column(db.DateTime)
    group = db.relationship("ParentGroup", back_populates="meetings")
    attendance = db.relationship("MeetingAttendance", back_populates="meeting",
                                 cascade="all, delete-orphan")
    __table_args__ = (db.UniqueConstraint("group_id", "number", name="uq_meeting_number"),)


class MeetingAttendance(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    meeting_id = db.Column(db.Integer, db.ForeignKey("group_meeting.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    member_id = db.Column(db.Integer, db.ForeignKey("group_member.id", ondelete="CASCADE"),
                          nullable=False)
    present = db.Column(db.Boolean, nullable=False, default=False)
    meeting = db.relationship("GroupMeeting", back_populates="attendance")
    __table_args__ = (db.UniqueConstraint("meeting_id", "member_id",
                                          name="uq_attendance_member"),)


class MeetingReminder(db.Model):
    """One reminder per member per meeting: the unique pair makes reminding idempotent."""

    id = db.Column(db.Integer, primary_key=True)
    meeting_id = db.Column(db.Integer, db.ForeignKey("group_meeting.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    member_id = db.Column(db.Integer, db.ForeignKey("group_member.id", ondelete="CASCADE"),
                          nullable=False)
    message_id = db.Column(db.Integer, db.ForeignKey("message.id", ondelete="SET NULL"))
    problem = db.Column(db.String(300))  # why no message could be written (then None id)
    created_at = db.Column(db.DateTime, default=utcnow, nullable=False)
    __table_args__ = (db.UniqueConstraint("meeting_id", "member_id",
                                          name="uq_reminder_member"),)


class GroupReferral(db.Model):
    """A participant referred on to an informal programme (a FamilyRequest), with consent."""

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("group_member.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("programme.id"), nullable=False)
    request_id = db.Column(db.Integer, db.ForeignKey("family_request.id",
                                                     ondelete="SET NULL"))
    consent_on = db.Column(db.Date, nullable=False)
    by_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="SET NULL"))
    at = db.Column(db.DateTime, default=utcnow, nullable=False)
    programme = db.relationship("Programme")
