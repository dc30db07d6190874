"""Themabijeenkomsten: coordinators create them; volunteers sign up or cancel (with a
waiting list that moves up automatically); coordinators record attendance, which creates
verified completions."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .. import audit, vocab
from ..access import visible_programme_ids
from ..extensions import db
from ..links import external_url
from ..mail import queue_email
from ..models import (
    Programme,
    SessionSignup,
    SignupStatus,
    TrainingSession,
    User,
    Volunteer,
    session_programmes,
    volunteer_programmes,
)
from ..models.base import utcnow
from .services import ServiceError, record_completion

SIGNED_UP, WAITING, CANCELLED = (SignupStatus.signed_up.value, SignupStatus.waiting.value,
                                 SignupStatus.cancelled.value)


def now_local() -> datetime:
    from .calendar import LOCAL
    return datetime.now(LOCAL).replace(tzinfo=None)


def create_session(*, by: User, title: str, starts_at: datetime, ends_at: datetime,
                   place: str | None, online_url: str | None, language: str, capacity: int,
                   programme_ids: list[int]) -> TrainingSession:
    allowed = visible_programme_ids(by)
    if not programme_ids or any(i not in allowed for i in programme_ids):
        raise ServiceError(_("Please choose from the list."), "programmes")
    if starts_at <= now_local():
        raise ServiceError(_("Please choose a moment in the future."), "starts_at")
    if ends_at <= starts_at:
        raise ServiceError(_("The end must be after the start."), "ends_at")
    if language not in vocab.LANGUAGES:
        raise ServiceError(_("Please choose from the list."), "language")
    programmes = list(db.session.execute(
        db.select(Programme).where(Programme.id.in_(programme_ids))).scalars())
    row = TrainingSession(organisation_id=programmes[0].organisation_id, title=title.strip(),
                          starts_at=starts_at, ends_at=ends_at, place=(place or "").strip() or None,
                          online_url=(online_url or "").strip() or None, language=language,
                          capacity=capacity, created_by_id=by.id, programmes=programmes)
    db.session.add(row)
    db.session.commit()
    return row


def sessions_for_staff(user: User):
    ids = visible_programme_ids(user) or {-1}
    sub = db.select(session_programmes.c.session_id).where(
        session_programmes.c.programme_id.in_(ids))
    return db.select(TrainingSession).where(TrainingSession.id.in_(sub)).order_by(
        TrainingSession.starts_at.desc())


def sessions_for_volunteer(volunteer: Volunteer) -> list[TrainingSession]:
    """Upcoming sessions the volunteer is invited to, plus any they signed up for."""
    mine = db.select(volunteer_programmes.c.programme_id).where(
        volunteer_programmes.c.volunteer_id == volunteer.id)
    invited = db.select(session_programmes.c.session_id).where(
        session_programmes.c.programme_id.in_(mine))
    signed = db.select(SessionSignup.session_id).where(SessionSignup.volunteer_id == volunteer.id)
    return list(db.session.execute(
        db.select(TrainingSession)
        .where(db.or_(TrainingSession.id.in_(invited), TrainingSession.id.in_(signed)),
               TrainingSession.ends_at >= now_local())
        .order_by(TrainingSession.starts_at)).scalars())


def signup_of(session: TrainingSession, volunteer: Volunteer) -> SessionSignup | None:
    return next((s for s in session.signups if s.volunteer_id == volunteer.id), None)


def _lock(session: TrainingSession) -> TrainingSession:
    """Lock the session row (PostgreSQL) so two sign-ups cannot both take the last place."""
    return db.session.execute(
        db.select(TrainingSession).where(TrainingSession.id == session.id)
        .with_for_update()).scalar_one()


def sign_up(session: TrainingSession, volunteer: Volunteer) -> SessionSignup:
    """A place when there is one, else a place on the waiting list."""
    session = _lock(session)
    if session.starts_at <= now_local():
        raise ServiceError(_("This session has started already."))
    existing = signup_of(session, volunteer)
    if existing is not None and existing.status != CANCELLED:
        raise ServiceError(_("You are signed up already."))
    position = max((s.position for s in session.signups), default=0) + 1
    status = SIGNED_UP if session.places_left > 0 else WAITING
    if existing is None:
        existing = SessionSignup(session=session, volunteer=volunteer)
        db.session.add(existing)
    existing.status, existing.position, existing.attended = status, position, None
    db.session.commit()
    return existing


def cancel(session: TrainingSession, volunteer: Volunteer) -> SessionSignup | None:
    """Cancel; when a place comes free, the first on the waiting list gets it (and a
    message). Returns the sign-up that moved up, if any."""
    session = _lock(session)
    signup = signup_of(session, volunteer)
    if signup is None or signup.status == CANCELLED:
        raise ServiceError(_("You are not signed up for this session."))
    if session.starts_at <= now_local():
        raise ServiceError(_("This session has started already."))
    had_place = signup.status == SIGNED_UP
    signup.status = CANCELLED
    moved = None
    if had_place:
        waiting = sorted((s for s in session.signups if s.status == WAITING),
                         key=lambda s: s.position)
        if waiting and session.places_left > 0:
            moved = waiting[0]
            moved.status = SIGNED_UP
    db.session.commit()
    if moved is not None:
        queue_email(moved.volunteer.user, "training_session_place", "email/training_session_place",
                    session=session,
                    link=external_url("volunteers.session_detail", session_id=session.id))
    return moved


def record_attendance(session: TrainingSession, attended_ids: set[int], by: User) -> int:
    """Mark who came (sign-up ids); each attendee gets a verified completion of the session's
    item dated on the session day. Repeating it changes nothing twice. Returns the number of
    new completions."""
    if session.starts_at > now_local():
        raise ServiceError(_("Attendance can be recorded once the session has begun."))
    created = 0
    day = session.starts_at.date()
    for signup in session.signups:
        if signup.status != SIGNED_UP:
            continue
        came = signup.id in attended_ids
        if came and signup.attended is not True:
            exists = any(c.session_id == session.id for c in signup.volunteer.completions)
            if not exists:
                record_completion(signup.volunteer, item=session.item, part=None,
                                  completed_on=day, by=by, session_id=session.id, commit=False)
                created += 1
        signup.attended = came
    session.attendance_recorded_at = utcnow()
    audit.record("update", "training_session", session.id, fields=["attendance"])
    db.session.commit()
    return created
