"""Training reminders: e-mail volunteers whose required training is missing or expires within
30 days, at most once per item per 14 days, in their own language.

Which reminders are due is decided by :func:`training.due_reminders` (pure); this module
feeds it the volunteers' readiness and the reminder log, sends one e-mail per volunteer and
logs each item. Running it twice on a day sends nothing the second time.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app, has_request_context, url_for

from training import CATALOGUE, SentReminder, due_reminders

from ..extensions import db
from ..jobs import job
from ..mail import queue_email
from ..models import ReminderLog, User, Volunteer, VolunteerStatus
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
                    reminders=items, catalogue=CATALOGUE,
                    programme_names={str(k): v for k, v in programme_names.items()},
                    link=_training_link())
    db.session.commit()
    return {"volunteers": len(per_volunteer), "items": len(due)}


def _training_link() -> str:
    """The absolute link to the training page, also from the command line (where there is
    no request: SERVER_NAME, else KOPPEL_BASE_URL, else the local default)."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for("volunteers.my_training", _external=True)
    base = current_app.config.get("KOPPEL_BASE_URL") or "http://127.0.0.1:5000"
    return base.rstrip("/") + current_app.url_map.bind("localhost").build(
        "volunteers.my_training")


@job("training_reminders")
def training_reminders_job(ctx) -> dict:
    """Background job (for rq-scheduler or cron): send today's training reminders."""
    return send_reminders()
