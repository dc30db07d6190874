"""Training reminders: e-mail volunteers whose required training is missing or expires within
30 days, at most once per item per 14 days, in their own language.

Which reminders are due is decided by :func:`training.due_reminders` (pure); this module
feeds it the volunteers' readiness and the reminder log, sends one e-mail per volunteer and
logs each item. Running it twice on a day sends nothing the second time.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from training import SentReminder, due_reminders

from ..extensions import db
from ..jobs import job
from ..links import external_url
from ..mail import queue_email
from ..models import ReminderLog, User, Volunteer, VolunteerStatus
from ..training_catalogue import catalogue
from .readiness import readiness_for, today


def send_reminders(on: date | None = None) -> dict:
    """Send the reminders due on ``on`` (default today); returns counts."""
    day = on or today()
    volunteers = [v for v in db.session.execute(
        db.select(Volunteer).join(User, Volunteer.user_id == User.id)
        .where(User.active.is_(True), Volunteer.status != VolunteerStatus.left.value)
        .order_by(Volunteer.id)).scalars() if v.matchable_on(day) and v.programmes]
    results = readiness_for(volunteers, on=day)
    sent = [SentReminder(r.volunteer_id, r.item, r.sent_on) for r in db.session.execute(
        db.select(ReminderLog).where(ReminderLog.sent_on > date.fromordinal(
            day.toordinal() - 30))).scalars()]
    due = due_reminders(results, sent, day)
    per_volunteer = defaultdict(list)
    for reminder in due:
        per_volunteer[reminder.volunteer].append(reminder)
    by_id = {v.id: v for v in volunteers}
    cat = catalogue()
    names = {}
    for volunteer_id, items in per_volunteer.items():
        volunteer = by_id[volunteer_id]
        for reminder in items:
            db.session.add(ReminderLog(volunteer_id=volunteer_id, item=reminder.item,
                                       sent_on=day))
        programme_names = {p.id: p.name for p in volunteer.programmes}
        names[volunteer_id] = programme_names
        # queue_email commits: the log rows are stored with the message, or not at all.
        queue_email(volunteer.user, "training_reminder", "email/training_reminder",
                    reminders=items, catalogue=cat,
                    programme_names={str(k): v for k, v in programme_names.items()},
                    link=external_url("volunteers.my_training"))
    db.session.commit()
    return {"volunteers": len(per_volunteer), "items": len(due)}


@job("training_reminders")
def training_reminders_job(ctx) -> dict:
    """Background job (for rq-scheduler or cron): send today's training reminders."""
    return send_reminders()
