"""Meetings of an approved group: the five dates, places, themes, guest speakers and
language; attendance; the WhatsApp group link; and reminders through the outbox.

Reminders are idempotent: one :class:`MeetingReminder` row per (meeting, member), unique in
the database, written in the same transaction as the message — running ``flask groups
remind`` twice sends nothing the second time.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..audit import record
from ..extensions import db
from ..jobs import job
from ..messaging.compose import compose, format_when
from ..messaging.outbox import can_message, write
from ..models.base import utcnow
from ..models.groups import GroupMeeting, MeetingAttendance, MeetingReminder, ParentGroup
from .invitations import GroupsError, message_row
from .texts import MEETING_THEMES, PARTNERS

MEETINGS_PER_GROUP = 5
WHATSAPP_PREFIX = "https://chat.whatsapp.com/"


def slot_of(when: datetime) -> str:
    """The dagdeel code of a moment, e.g. Tuesday 10:00 → 'tue_am'."""
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[when.weekday()]
    part = "am" if when.hour < 12 else ("pm" if when.hour < 17 else "ev")
    return f"{day}_{part}"


def staff_problems(group: ParentGroup, when: datetime) -> list[str]:
    """Staff of ``group`` not available at ``when`` (codes)."""
    slot = slot_of(when)
    out = []
    if group.trainer and slot not in (group.trainer.slots or []):
        out.append("trainer_slot")
    if group.support and slot not in (group.support.slots or []):
        out.append("support_slot")
    return out


def _check(group: ParentGroup, when: datetime, override: str | None) -> str | None:
    problems = staff_problems(group, when)
    reason = (override or "").strip()
    if problems and not reason:
        raise GroupsError("meeting_slot", problems=problems)
    return reason if problems else None


def plan_meetings(group: ParentGroup, first: datetime, place: str, user_id: int,
                  override: str | None = None) -> list[GroupMeeting]:
    """Five weekly meetings from ``first`` with the standard themes, in the group's
    language. Refused when the staff are not available then (unless overridden)."""
    if group.status != "approved":
        raise GroupsError("not_approved")
    reason = _check(group, first, override)
    themes = list(MEETING_THEMES)
    existing = {m.number for m in group.meetings}
    for n in range(1, MEETINGS_PER_GROUP + 1):
        if n in existing:
            continue
        group.meetings.append(GroupMeeting(number=n, starts_at=first + timedelta(weeks=n - 1),
                                           place=place, theme=themes[n - 1],
                                           language=group.languages[0],
                                           override_reason=reason))
    db.session.flush()
    if reason:
        record("override", "parent_group", group.id, fields=["meetings"], reason=reason,
               user_id=user_id)
    record("create", "group_meeting", group.id, fields=["starts_at", "place", "theme"],
           user_id=user_id)
    db.session.commit()
    return group.meetings


def update_meeting(meeting: GroupMeeting, data: dict, user_id: int,
                   override: str | None = None) -> None:
    """Change date, place, theme, guest speaker or language (checked like planning)."""
    if data["theme"] not in MEETING_THEMES or (data.get("guest") or "") not in PARTNERS:
        raise GroupsError("invalid")
    reason = _check(meeting.group, data["starts_at"], override)
    meeting.starts_at, meeting.place = data["starts_at"], data["place"].strip()
    meeting.theme, meeting.guest = data["theme"], data.get("guest") or None
    meeting.guest_name = (data.get("guest_name") or "").strip() or None
    meeting.language = data["language"]
    if reason:
        meeting.override_reason = reason
        record("override", "group_meeting", meeting.id, fields=["starts_at"], reason=reason,
               user_id=user_id)
    record("update", "group_meeting", meeting.id,
           fields=["starts_at", "place", "theme", "guest", "language"], user_id=user_id)
    db.session.commit()


def record_attendance(meeting: GroupMeeting, present_ids: set[int], user_id: int) -> int:
    """Store who was there (members of the group only); returns the number present."""
    members = {m.id for m in meeting.group.members}
    rows = {a.member_id: a for a in meeting.attendance}
    for member_id in members:
        row = rows.get(member_id)
        if row is None:
            row = MeetingAttendance(member_id=member_id)
            meeting.attendance.append(row)
        row.present = member_id in present_ids
    meeting.attendance_recorded_at = utcnow()
    record("update", "group_meeting", meeting.id, fields=["attendance"], user_id=user_id)
    db.session.commit()
    return len(members & present_ids)


def set_whatsapp_link(group: ParentGroup, link: str, user_id: int) -> None:
    """Store the parents' WhatsApp group link (empty: remove it)."""
    link = (link or "").strip()
    if link and (not link.startswith(WHATSAPP_PREFIX) or len(link) > 200 or " " in link):
        raise GroupsError("bad_link")
    group.whatsapp_link = link or None
    record("update", "parent_group", group.id, fields=["whatsapp_link"], user_id=user_id)
    db.session.commit()


def _values(meeting: GroupMeeting, parent_name: str):
    group = meeting.group
    round_ = group.round

    def values(language: str) -> dict:
        from flask_babel import force_locale
        with force_locale(language if language in ("nl", "en", "ar") else "nl"):
            topic = str(MEETING_THEMES.get(meeting.theme, ""))
        return {"parent_name": parent_name, "group_name": group.name,
                "programme_name": round_.programme.name,
                "organisation_name": round_.programme.organisation.name,
                "meeting_date": format_when(meeting.starts_at, language),
                "meeting_place": meeting.place, "meeting_topic": topic,
                "language_support": group.support.name if group.support else "",
                "contact_name": round_.contact_name, "contact_phone": round_.contact_phone,
                "personal_note": ""}
    return values


def remind(meeting: GroupMeeting, user_id: int | None = None) -> dict:
    """Write a reminder for every member not reminded of ``meeting`` yet; one commit.
    Members whose message cannot be made get a row with the problem (so they are listed
    for the coordinator, not retried every run)."""
    done = {r.member_id for r in db.session.execute(
        db.select(MeetingReminder).filter_by(meeting_id=meeting.id)).scalars()}
    counts = {"sent": 0, "problems": 0}
    pairs = []
    for member in meeting.group.members:
        if member.id in done:
            continue
        inv = member.invitation
        family = inv.family
        prepared = compose(kind="group_reminder", audience="family",
                           channel=family.message_channel or "letter",
                           language=family.message_language or "nl",
                           contact=family.contact_detail, recipient_name=inv.parent.name,
                           values_for=_values(meeting, inv.parent.name),
                           programme_id=meeting.group.programme_id,
                           programme_type=meeting.group.round.programme.type.code,
                           with_dutch=(family.message_channel or "letter") == "letter")
        row = None
        problem = "; ".join(prepared.problems) or None
        if problem is None:
            row = message_row(prepared, family=family, programme_id=meeting.group.programme_id,
                              user_id=user_id, batch_key=f"meeting-{meeting.id}")
            if not can_message(row):
                row, problem = None, "no consent"
        pairs.append((member, row, problem))
    write([row for _m, row, _p in pairs if row is not None])
    for member, row, problem in pairs:
        db.session.add(MeetingReminder(meeting_id=meeting.id, member_id=member.id,
                                       message_id=row.id if row else None,
                                       problem=problem[:300] if problem else None))
        counts["sent" if row else "problems"] += 1
    db.session.commit()
    return counts


def remind_due(now: datetime | None = None, ahead: timedelta = timedelta(days=2)) -> dict:
    """Remind members of approved groups of every meeting in the next ``ahead``."""
    now = now or utcnow()
    meetings = db.session.execute(
        db.select(GroupMeeting).join(ParentGroup)
        .where(ParentGroup.status == "approved", GroupMeeting.starts_at > now,
               GroupMeeting.starts_at <= now + ahead)
        .order_by(GroupMeeting.starts_at)).scalars().all()
    total = {"meetings": len(meetings), "sent": 0, "problems": 0}
    for meeting in meetings:
        counts = remind(meeting)
        total["sent"] += counts["sent"]
        total["problems"] += counts["problems"]
    return total


@job("group_reminders")
def group_reminders_job(ctx) -> dict:
    """Background job (cron / rq-scheduler): remind parents of meetings in two days."""
    return remind_due()
