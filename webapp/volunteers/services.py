"""Operations of the volunteers area: registration, profile, status, training records,
certificates, VOG and additional checks. Each function validates, changes, audits and commits
(or changes nothing and raises :class:`ServiceError` with a translated message)."""
from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

import training
from training import TrainingDateError, validate_completion_date

from .. import audit, uploads
from ..auth.passwords import hash_password
from ..auth.policy import password_problem
from ..auth.sessions import revoke_all
from ..auth.tokens import make_token, read_token
from ..clock import local_today
from ..crypto import blind_index
from ..extensions import db
from ..links import external_url
from ..mail import queue_email
from ..models import (
    AdditionalCheckRecord,
    Programme,
    Role,
    TrainingCompletion,
    User,
    Volunteer,
    VolunteerStatus,
    VolunteerVog,
)
from ..models.base import utcnow
from . import certificates

# At most one confirmation mail per address in this many seconds: a burst of clicks (or of
# registrations of one address) sends one.
CONFIRM_RESEND_SECONDS = 60
# Types recognised by their first bytes, never by the file name.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
PROFILE_FIELDS = (
    "phone", "birth_year", "gender", "pc4", "postcode_letters", "travel_km", "dutch_level",
    "languages", "refugee_background", "origin_country", "origin_region", "community",
    "arrival_year", "religion",
    "religion_for_matching", "origin_for_matching", "parenting_experience", "occupation", "dagdelen", "max_families",
    "hours_per_week", "themes", "motivation",
)


class ServiceError(ValueError):
    """A request that cannot be carried out; ``message`` is translated, ``field`` names the
    form field it belongs to (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def today() -> date:
    """Today in Amsterdam (``webapp.clock``: the one notion of today)."""
    return local_today()


# --- registration --------------------------------------------------------------------------

def registrable_programmes() -> list[Programme]:
    """Programmes a new volunteer may choose (every active programme)."""
    return list(db.session.execute(
        db.select(Programme).filter_by(active=True).order_by(Programme.name)).scalars())


def _programmes_by_ids(ids, allowed: list[Programme]) -> list[Programme]:
    by_id = {p.id: p for p in allowed}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise ServiceError(_("Please choose from the list."), "programmes")
    return [by_id[i] for i in ids]


def _apply_profile(volunteer: Volunteer, data: dict) -> list[str]:
    """Copy profile values onto ``volunteer``; returns the names of the fields that changed."""
    changed = []
    data = dict(data)
    if data.get("dutch_level") == "native":
        data["languages"] = {**data.get("languages", {}), "nl": "native"}
    for name in PROFILE_FIELDS:
        if name in data and getattr(volunteer, name) != data[name]:
            setattr(volunteer, name, data[name])
            changed.append(name)
    return changed


def register_volunteer(data: dict, *, name: str, email: str, password: str, locale: str,
                       consent_version: str) -> None:
    """Create a volunteer account (e-mail not yet confirmed) and send the confirmation link.

    An address that has an account already gets the same outward result (no enumeration):
    its owner receives a notice, or a new link when they never confirmed.
    """
    name, email = name.strip(), email.strip()
    problem = password_problem(password, staff=False, context=(name, email))
    if problem:
        raise ServiceError(problem, "password")
    programmes = _programmes_by_ids(data.get("programme_ids", []), registrable_programmes())
    existing = User.by_email(email)
    password_hash = hash_password(password)  # also for an existing address: same timing
    if existing is not None:
        if existing.role == Role.volunteer.value and existing.email_confirmed_at is None \
                and existing.active:
            send_confirmation(existing)
        elif existing.active:
            queue_email(existing, "volunteer_already_registered",
                        "email/volunteer_already_registered",
                        login_link=external_url("auth.login"),
                        reset_link=external_url("auth.forgot_password"))
        return
    user = User(name=name, role=Role.volunteer.value, locale=locale,
                password_hash=password_hash, password_changed_at=utcnow())
    user.set_email(email)
    volunteer = Volunteer(user=user, consent_at=utcnow(), consent_version=consent_version,
                          source="registration")
    _apply_profile(volunteer, data)
    volunteer.programmes = programmes
    db.session.add_all([user, volunteer])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if User.by_email(email) is None:
            raise
        # The same address was registered at this very moment (a double submit): answer as
        # for an address that has an account already.
        return register_volunteer(data, name=name, email=email, password=password,
                                  locale=locale, consent_version=consent_version)
    audit.record("create", "volunteer", volunteer.id, user_id=user.id,
                 fields=[*PROFILE_FIELDS, "programmes", "consent_at"])
    db.session.commit()
    send_confirmation(user)


def send_confirmation(user: User) -> bool:
    """Mail ``user`` a new confirmation link, unless their address is confirmed or a link
    went out less than ``CONFIRM_RESEND_SECONDS`` ago; True when one was sent.

    The marker ``confirmation_sent_at`` is set by a conditional update and committed together
    with the mail, so of simultaneous requests exactly one sends it."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(User).where(
            User.id == user.id, User.email_confirmed_at.is_(None),
            db.or_(User.confirmation_sent_at.is_(None),
                   User.confirmation_sent_at < now - timedelta(seconds=CONFIRM_RESEND_SECONDS)))
        .values(confirmation_sent_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    token = make_token(user, "confirm")
    queue_email(user, "confirm_email", "email/volunteer_confirm",
                link=external_url("volunteers.confirm_email", token=token),
                hours=current_app.config["CONFIRM_TOKEN_HOURS"])
    return True


def confirm_email(token: str) -> User | None:
    """Mark the address confirmed; None when the link is bad, expired or used already."""
    user = read_token(token, "confirm", current_app.config["CONFIRM_TOKEN_HOURS"] * 3600)
    if user is None or user.email_confirmed_at is not None:
        return None
    user.email_confirmed_at = utcnow()
    db.session.commit()
    return user


# --- profile and status --------------------------------------------------------------------

def update_profile(volunteer: Volunteer, data: dict) -> list[str]:
    """Save the volunteer's own changes; returns the changed field names."""
    allowed = registrable_programmes() + [p for p in volunteer.programmes if not p.active]
    programmes = _programmes_by_ids(data.get("programme_ids", []), allowed)
    changed = _apply_profile(volunteer, data)
    if {p.id for p in programmes} != {p.id for p in volunteer.programmes}:
        volunteer.programmes = programmes
        changed.append("programmes")
    if changed:
        audit.record("update", "volunteer", volunteer.id, fields=changed)
    db.session.commit()
    return changed


def pause(volunteer: Volunteer, until: date | None) -> None:
    if until is None:
        raise ServiceError(_("Please fill in until when you are not available."), "paused_until")
    if until <= today():
        raise ServiceError(_("Please choose a date after today."), "paused_until")
    if volunteer.status == VolunteerStatus.left.value:
        raise ServiceError(_("You have left; ask your coordinator to come back."))
    volunteer.status, volunteer.paused_until = VolunteerStatus.paused.value, until
    audit.record("update", "volunteer", volunteer.id, fields=["status", "paused_until"])
    db.session.commit()


def resume(volunteer: Volunteer) -> None:
    if volunteer.status != VolunteerStatus.paused.value:
        raise ServiceError(_("You are not on a break."))
    volunteer.status, volunteer.paused_until = VolunteerStatus.active.value, None
    audit.record("update", "volunteer", volunteer.id, fields=["status", "paused_until"])
    db.session.commit()


def leave(volunteer: Volunteer) -> None:
    """Stop as a volunteer: the account is deactivated and logged out, nothing is deleted."""
    volunteer.status, volunteer.left_at = VolunteerStatus.left.value, utcnow()
    volunteer.user.active = False
    revoke_all(volunteer.user)
    audit.record("update", "volunteer", volunteer.id, fields=["status", "left_at", "active"])
    db.session.commit()


# --- training records ----------------------------------------------------------------------

def loggable_items() -> list[training.CatalogueItem]:
    """Items a volunteer may report themselves (not the VOG, check or attendance, and not
    retired items of the installation's catalogue)."""
    from ..training_catalogue import active_items
    return [i for i in active_items() if not i.coordinator_recorded]


def upload_dir() -> Path:
    return certificates.directory()


def read_certificate(stream) -> tuple[bytes, str, str]:
    """Read an uploaded file; returns (content, mime type, extension) or raises."""
    limit = uploads.limit_bytes()  # the one upload limit (config MAX_UPLOAD_MB)
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise ServiceError(uploads.too_large_message(), "certificate")
    for signature, mime, ext in SIGNATURES:
        if content.startswith(signature):
            return content, mime, ext
    raise ServiceError(_("This file is not a PDF, PNG or JPEG file. Please choose another "
                         "file."), "certificate")


def log_completion(volunteer: Volunteer, *, item: str, part: str | None, completed_on: date,
                   certificate=None) -> TrainingCompletion:
    """The volunteer reports a completion (pending verification). ``certificate``: an
    uploaded file (``werkzeug.FileStorage``) or None. Nothing is stored on any error."""
    catalogue_item = next((i for i in loggable_items() if i.code == item), None)
    if catalogue_item is None:
        raise ServiceError(_("Please choose a training from the list."), "item")
    if part and part not in catalogue_item.part_codes:
        raise ServiceError(_("Please choose a part from the list."), "part")
    try:
        validate_completion_date(completed_on, today())
    except TrainingDateError:
        raise ServiceError(_("This date is in the future. Please give the date you completed "
                             "the training."), "completed_on") from None
    upload = None
    if certificate is not None and getattr(certificate, "filename", ""):
        upload = read_certificate(certificate.stream)  # refuses before anything is made
    stored = None
    row = TrainingCompletion(volunteer_id=volunteer.id, item=item, part=part or None,
                             completed_on=completed_on, source="self", verified=None,
                             recorded_by_id=volunteer.user_id)
    if upload is not None:
        content, mime, ext = upload
        stored = certificates.store(content, ext)  # encrypted at rest
        row.certificate_file, row.certificate_type = stored.name, mime
    try:
        db.session.add(row)
        db.session.flush()
        audit.record("create", "training_completion", row.id,
                     fields=["item", "part", "completed_on"]
                     + (["certificate"] if stored else []))
        db.session.commit()
    except Exception:
        db.session.rollback()
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    return row


def delete_completion(volunteer: Volunteer, completion: TrainingCompletion) -> None:
    """A volunteer withdraws their own report while it is still pending."""
    if completion.volunteer_id != volunteer.id or completion.source != "self" \
            or completion.verified is not None:
        raise ServiceError(_("Only reports that have not been checked yet can be removed."))
    path = certificate_path(completion)
    audit.record("delete", "training_completion", completion.id,
                 fields=["item", "part", "completed_on", "certificate"])
    db.session.delete(completion)
    db.session.commit()
    if path is not None:
        path.unlink(missing_ok=True)


def certificate_path(completion: TrainingCompletion) -> Path | None:
    if not completion.certificate_file:
        return None
    path = upload_dir() / Path(completion.certificate_file).name
    return path if path.is_file() else None


def certificate_content(completion: TrainingCompletion) -> bytes | None:
    """The original bytes of the completion's certificate (decrypted), or None."""
    path = certificate_path(completion)
    return None if path is None else certificates.read(path)


def review_completion(completion: TrainingCompletion, *, verify: bool, reason: str | None,
                      by: User) -> None:
    """A coordinator verifies or rejects (with a reason shown to the volunteer)."""
    if completion.source != "self":
        raise ServiceError(_("This record was made by a coordinator and needs no check."))
    reason = (reason or "").strip()
    if not verify and not reason:
        raise ServiceError(_("Please say why, so the volunteer knows what to do."), "reason")
    completion.verified = bool(verify)
    completion.rejection_reason = None if verify else reason
    completion.verified_by_id, completion.verified_at = by.id, utcnow()
    audit.record("update", "training_completion", completion.id,
                 fields=["verified", "rejection_reason"])
    db.session.commit()


def record_completion(volunteer: Volunteer, *, item: str, part: str | None, completed_on: date,
                      by: User, session_id: int | None = None,
                      commit: bool = True) -> TrainingCompletion:
    """A coordinator records a completion (counts as verified)."""
    from ..training_catalogue import active_items
    if item not in {i.code for i in active_items() if i.kind not in ("vog", "check")}:
        raise ServiceError(_("Please choose a training from the list."), "item")
    try:
        validate_completion_date(completed_on, today())
    except TrainingDateError:
        raise ServiceError(_("This date is in the future."), "completed_on") from None
    row = TrainingCompletion(volunteer=volunteer, item=item, part=part, completed_on=completed_on,
                             source="coordinator", verified=True, verified_by_id=by.id,
                             verified_at=utcnow(), recorded_by_id=by.id, session_id=session_id)
    db.session.add(row)
    db.session.flush()
    audit.record("create", "training_completion", row.id, user_id=by.id,
                 fields=["item", "part", "completed_on"])
    if commit:
        db.session.commit()
    return row


def add_vog(volunteer: Volunteer, *, issued_on: date, screening_profile: str,
            free_vog_scheme: bool, original_seen: bool, by: User) -> VolunteerVog:
    try:
        validate_completion_date(issued_on, today())
    except TrainingDateError:
        raise ServiceError(_("This date is in the future."), "issued_on") from None
    row = VolunteerVog(volunteer=volunteer, issued_on=issued_on,
                       screening_profile=screening_profile, free_vog_scheme=free_vog_scheme,
                       original_seen=original_seen, recorded_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("create", "volunteer_vog", row.id,
                 fields=["issued_on", "screening_profile", "free_vog_scheme", "original_seen"])
    db.session.commit()
    return row


def update_vog(vog: VolunteerVog, *, issued_on: date, screening_profile: str,
               free_vog_scheme: bool, original_seen: bool, by: User) -> list[str]:
    """Correct a VOG entered by mistake; returns the changed field names (audited)."""
    try:
        validate_completion_date(issued_on, today())
    except TrainingDateError:
        raise ServiceError(_("This date is in the future."), "issued_on") from None
    values = {"issued_on": issued_on, "screening_profile": screening_profile,
              "free_vog_scheme": bool(free_vog_scheme), "original_seen": bool(original_seen)}
    changed = [name for name, value in values.items() if getattr(vog, name) != value]
    for name in changed:
        setattr(vog, name, values[name])
    if changed:
        audit.record("update", "volunteer_vog", vog.id, fields=changed, user_id=by.id)
    db.session.commit()
    return changed


def delete_vog(vog: VolunteerVog, *, by: User) -> None:
    """Remove a VOG entered by mistake (audited: which record, never its values)."""
    audit.record("delete", "volunteer_vog", vog.id,
                 fields=["issued_on", "screening_profile", "free_vog_scheme", "original_seen"],
                 user_id=by.id)
    db.session.delete(vog)
    db.session.commit()


def vog_warnings(vog: VolunteerVog) -> list[str]:
    """In words, for the coordinator: the programmes for which ``vog`` does not count
    because it is older than its validity there (the rule is ``training``'s)."""
    from .readiness import vog_expired_for
    out = []
    for expiry in vog_expired_for(vog.volunteer, vog):
        values = {"issued": format_date(vog.issued_on, "long"), "months": expiry.months,
                  "expired": format_date(expiry.expired_on, "long")}
        if expiry.programme is not None:
            out.append(_("This VOG does not count for %(programme)s: it was issued on "
                         "%(issued)s and a VOG counts there for %(months)s months, so it "
                         "expired on %(expired)s. It is saved; ask the volunteer to apply "
                         "for a new VOG.", programme=expiry.programme.name, **values))
        else:
            out.append(_("This VOG does not count: it was issued on %(issued)s and a VOG "
                         "counts for %(months)s months, so it expired on %(expired)s. It is "
                         "saved; ask the volunteer to apply for a new VOG.", **values))
    return out


def add_check(volunteer: Volunteer, *, done_on: date, kind: str, note: str | None,
              by: User) -> AdditionalCheckRecord:
    try:
        validate_completion_date(done_on, today())
    except TrainingDateError:
        raise ServiceError(_("This date is in the future."), "done_on") from None
    if kind not in training.records.ADDITIONAL_CHECK_KINDS:
        raise ServiceError(_("Please choose from the list."), "kind")
    row = AdditionalCheckRecord(volunteer=volunteer, done_on=done_on, kind=kind,
                                note=(note or "").strip() or None, recorded_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("create", "additional_check", row.id, fields=["done_on", "kind", "note"])
    db.session.commit()
    return row


# --- calendar feed token -------------------------------------------------------------------

def calendar_token(volunteer: Volunteer, *, reset: bool = False) -> str:
    """The volunteer's secret calendar-feed token, made on first use; ``reset`` makes a new
    one (the old feed address stops working)."""
    if volunteer.calendar_token and not reset:
        return volunteer.calendar_token
    token = secrets.token_urlsafe(24)
    volunteer.calendar_token, volunteer.calendar_token_index = token, blind_index(token)
    db.session.commit()
    return token


def volunteer_by_calendar_token(token: str) -> Volunteer | None:
    if not token or len(token) > 100:
        return None
    volunteer = db.session.execute(db.select(Volunteer).filter_by(
        calendar_token_index=blind_index(token))).scalar_one_or_none()
    if volunteer is None or volunteer.calendar_token != token or not volunteer.user.active:
        return None
    return volunteer
