"""Meetings of an approved group: the five dates, places, themes, guest speakers and
language; attendance; the WhatsApp group link; and reminders through the outbox.

Reminders are exactly once: one :class:`MeetingReminder` row per (meeting, member), unique in
the database, claimed with a conditional insert (``ON CONFLICT DO NOTHING``) before the
message is made and committed with it — running ``flask groups remind`` twice, or the job
and the button at the same moment, sends one reminder per member; the later caller is told
that nothing more was sent.

Dates that cannot be are refused: a meeting is not planned or moved into the past, and
attendance waits until the meeting has started.

Times: ``GroupMeeting.starts_at`` is stored in UTC (naive, like every timestamp); what the
coordinator types and reads is Amsterdam time. :func:`plan_meetings` and
:func:`update_meeting` take the typed (Amsterdam) time, :func:`local_start` gives it back
for the form, and pages show the stored value with Babel's ``datetimeformat``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..audit import OVERRIDE_REASON, record
from ..clock import from_utc, in_the_past, to_utc
from ..extensions import db
from ..jobs import job
from ..messaging.compose import compose, format_when
from ..messaging.outbox import can_message, write
from ..models.base import utcnow
from ..models.groups import GroupMeeting, MeetingAttendance, MeetingReminder, ParentGroup
from .invitations import GroupsError, message_group_name, message_row
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
    """Five weekly meetings from ``first`` (Amsterdam time, as typed) with the standard
    themes, in the group's language: the same wall-clock time each week, also across a
    change to or from summer time. Refused when the staff are not available then (unless
    overridden)."""
    if group.status != "approved":
        raise GroupsError("not_approved")
    if in_the_past(first):
        raise GroupsError("in_past")
    reason = _check(group, first, override)
    themes = list(MEETING_THEMES)
    existing = {m.number for m in group.meetings}
    for n in range(1, MEETINGS_PER_GROUP + 1):
        if n in existing:
            continue
        group.meetings.append(GroupMeeting(number=n,
                                           starts_at=to_utc(first + timedelta(weeks=n - 1)),
                                           place=place, theme=themes[n - 1],
                                           language=group.languages[0],
                                           override_reason=reason))
    db.session.flush()
    if reason:
        record("override", "parent_group", group.id, fields=["meetings"],
               reason=OVERRIDE_REASON, user_id=user_id)
    record("create", "group_meeting", group.id, fields=["starts_at", "place", "theme"],
           user_id=user_id)
    db.session.commit()
    return group.meetings


def update_meeting(meeting: GroupMeeting, data: dict, user_id: int,
                   override: str | None = None) -> None:
    """Change date, place, theme, guest speaker or language (checked like planning).
    ``data["starts_at"]``: Amsterdam time, as typed."""
    if data["theme"] not in MEETING_THEMES or (data.get("guest") or "") not in PARTNERS:
        raise GroupsError("invalid")
    when = data["starts_at"]
    if when != local_start(meeting) and in_the_past(when):
        raise GroupsError("in_past")  # a meeting that took place keeps its date
    reason = _check(meeting.group, when, override)
    meeting.starts_at, meeting.place = to_utc(when), data["place"].strip()
    meeting.theme, meeting.guest = data["theme"], data.get("guest") or None
    meeting.guest_name = (data.get("guest_name") or "").strip() or None
    meeting.language = data["language"]
    if reason:
        meeting.override_reason = reason
        record("override", "group_meeting", meeting.id, fields=["starts_at"],
               reason=OVERRIDE_REASON, user_id=user_id)
    record("update", "group_meeting", meeting.id,
           fields=["starts_at", "place", "theme", "guest", "language"], user_id=user_id)
    db.session.commit()


def local_start(meeting: GroupMeeting) -> datetime:
    """When the meeting starts in Amsterdam (naive), as the coordinator typed it."""
    return from_utc(meeting.starts_at)


def has_taken_place(meeting: GroupMeeting) -> bool:
    """Has the meeting started? Only then can attendance be recorded."""
    return meeting.starts_at <= utcnow()


def record_attendance(meeting: GroupMeeting, present_ids: set[int], user_id: int) -> int:
    """Store who was there (members of the group only); returns the number present.
    Refused (``not_yet``) before the meeting has started."""
    if not has_taken_place(meeting):
        raise GroupsError("not_yet")
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
        return {"parent_name": parent_name,
                "group_name": message_group_name(round_, group),  # never the Dutch label
                "programme_name": round_.programme.name,
                "organisation_name": round_.programme.organisation.name,
                "meeting_date": format_when(local_start(meeting), language),
                "meeting_place": meeting.place, "meeting_topic": topic,
                "language_support": group.support.name if group.support else "",
                "contact_name": round_.contact_name, "contact_phone": round_.contact_phone,
                "personal_note": ""}
    return values


def _claim(meeting_id: int, member_id: int) -> bool:
    """Take the reminder of one member: insert its ``meeting_reminder`` row unless it exists
    (``ON CONFLICT DO NOTHING``, on PostgreSQL and SQLite alike). On PostgreSQL a second
    caller waits for the first's uncommitted row and then inserts nothing; on SQLite the
    insert takes the database's write lock. True when this caller got it."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    claimed = db.session.execute(
        dialect.insert(MeetingReminder)
        .values(meeting_id=meeting_id, member_id=member_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["meeting_id", "member_id"])
        .returning(MeetingReminder.id)).scalar_one_or_none()
    return claimed is not None


def remind(meeting: GroupMeeting, user_id: int | None = None) -> dict:
    """Write a reminder for every member not reminded of ``meeting`` yet; one commit.
    Members whose message cannot be made get a row with the problem (so they are listed
    for the coordinator, not retried every run).

    Exactly once: each member is claimed (:func:`_claim`, in member id order so two callers
    never wait for each other in a circle) before the message is made, and the message
    carries the unique ``dedupe_key`` ``reminder:<meeting>:<member>``. Returns the counts
    ``sent``, ``problems`` and ``already`` (members reminded before, by this or another
    caller): ``sent == problems == 0`` means nothing more was sent."""
    counts = {"sent": 0, "problems": 0, "already": 0}
    pairs = []
    members = sorted(meeting.group.members, key=lambda m: m.id)
    try:
        for member in members:
            if not _claim(meeting.id, member.id):
                counts["already"] += 1
                continue
            pairs.append((member, *_reminder_for(meeting, member, user_id)))
        write([row for _m, row, _p in pairs if row is not None])
        for member, row, problem in pairs:
            db.session.execute(
                db.update(MeetingReminder)
                .where(MeetingReminder.meeting_id == meeting.id,
                       MeetingReminder.member_id == member.id)
                .values(message_id=row.id if row else None,
                        problem=problem[:300] if problem else None)
                .execution_options(synchronize_session=False))
            if row is not None:
                record("create", "message", row.id,
                       fields=["recipient", "subject", "body_text"], user_id=user_id)
            counts["sent" if row else "problems"] += 1
        db.session.commit()
    except IntegrityError:  # a reminder's message was written by another caller first
        db.session.rollback()
        return {"sent": 0, "problems": 0, "already": len(members)}
    return counts


def _reminder_for(meeting: GroupMeeting, member, user_id: int | None):
    """(the outbox row, None) for one member's reminder, or (None, the problem)."""
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
    problem = "; ".join(prepared.problems) or None
    if problem is not None:
        return None, problem
    row = message_row(prepared, family=family, programme_id=meeting.group.programme_id,
                      user_id=user_id, batch_key=f"meeting-{meeting.id}")
    row.dedupe_key = f"reminder:{meeting.id}:{member.id}"
    if not can_message(row):
        return None, "no consent"
    return row, None


def remind_due(now: datetime | None = None, ahead: timedelta = timedelta(days=2)) -> dict:
    """Remind members of approved groups of every meeting in the next ``ahead``
    (``now``: UTC, as the meetings are stored)."""
    now = now or utcnow()
    meetings = db.session.execute(
        db.select(GroupMeeting).join(ParentGroup)
        .where(ParentGroup.status == "approved", GroupMeeting.starts_at > now,
               GroupMeeting.starts_at <= now + ahead)
        .order_by(GroupMeeting.starts_at)).scalars().all()
    total = {"meetings": len(meetings), "sent": 0, "problems": 0, "already": 0}
    for meeting in meetings:
        counts = remind(meeting)
        for key in ("sent", "problems", "already"):
            total[key] += counts[key]
    return total


@job("group_reminders")
def group_reminders_job(ctx) -> dict:
    """Background job (cron / rq-scheduler): remind parents of meetings in two days."""
    return remind_due()
