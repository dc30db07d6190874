"""Volunteer views: parse the request, call one function, render. Access is checked through
the helpers in :mod:`webapp.access` (404 for objects the user may not see)."""
from __future__ import annotations

import io
from functools import wraps

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import uploads, vocab
from ..access import (
    current_volunteer_or_404,
    get_completion_or_404,
    get_programme_or_404,
    get_session_or_404,
    get_volunteer_or_404,
    get_vog_or_404,
    roles_required,
    staff_required,
    visible_programmes,
)
from ..extensions import db, limiter
from ..links import base_host, external_url
from ..models import Role, SignupStatus
from ..pagination import paginate, requested_page
from ..training_catalogue import catalogue
from . import bp, calendar, forms, imports, labels, listing, services
from . import sessions as session_ops
from .readiness import vog_expired_for, volunteer_readiness
from .services import ServiceError

volunteer_role = roles_required(Role.volunteer.value)


def confirmed_volunteer(view):
    """A logged-in volunteer with a confirmed e-mail address and a profile."""
    @wraps(view)
    @volunteer_role
    def inner(*args, **kwargs):
        if current_user.email_confirmed_at is None:
            return render_template("volunteers/confirm_needed.html"), 403
        return view(current_volunteer_or_404(), *args, **kwargs)
    return inner


def _attach(form, error: ServiceError) -> None:
    """Show a service error at its field (or at the top of the page)."""
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = list(target.errors) + [error.message]
    else:
        flash(error.message, "danger")


def _programme_choices(programmes) -> list[tuple[int, str]]:
    return [(p.id, f"{p.name} ({p.organisation.name})" if p.organisation.name != p.name
             else p.name) for p in programmes]


# --- registration (public) -----------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = forms.RegistrationForm()
    form.fill_choices(_programme_choices(services.registrable_programmes()))
    if form.validate_on_submit():
        try:
            services.register_volunteer(
                form.profile_data(), name=form.name.data, email=form.email.data,
                password=form.password.data, locale=str(get_locale() or "nl"),
                consent_version=forms.CONSENT_VERSION)
        except ServiceError as exc:
            _attach(form, exc)
        else:
            return redirect(url_for("volunteers.register_sent"))
    return render_template("volunteers/register.html", form=form,
                           consent_version=forms.CONSENT_VERSION)


@bp.route("/register/sent")
def register_sent():
    from flask import current_app

    from ..messaging.labels import login_links_shown
    return render_template("volunteers/register_sent.html",
                           dev_outbox=login_links_shown(current_app.config))


@bp.route("/register/confirm/<token>")
def confirm_email(token: str):
    user = services.confirm_email(token)
    if user is None:
        flash(_("This link is not valid any more. Log in to ask for a new one, or register "
                "again."), "danger")
    else:
        flash(_("Thank you, your e-mail address is confirmed. You can log in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/register/resend", methods=["POST"])
@volunteer_role
@limiter.limit("5/hour")
def resend_confirmation():
    if current_user.email_confirmed_at is None and not services.send_confirmation(current_user):
        flash(_("We sent you a link a moment ago. Please look in your inbox (and in the spam "
                "folder) before asking for another one."), "info")
    else:
        flash(_("We have sent you a new link."), "info")
    return redirect(url_for("main.dashboard"))


# --- the volunteer's own pages -------------------------------------------------------------

@bp.route("/me/profile", methods=["GET", "POST"])
@confirmed_volunteer
def my_profile(volunteer):
    form = forms.ProfileForm()
    programmes = services.registrable_programmes()
    programmes += [p for p in volunteer.programmes if p not in programmes]
    form.fill_choices(_programme_choices(programmes))
    if request.method == "GET":
        form.load(volunteer)
    elif form.validate_on_submit():
        try:
            services.update_profile(volunteer, form.profile_data())
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("volunteers.my_profile"))
    return _profile_page(volunteer, form)


def _profile_page(volunteer, form, status_form=None, status=200):
    return render_template("volunteers/profile.html", form=form, volunteer=volunteer,
                           status_form=status_form or forms.StatusForm(formdata=None),
                           feed_url=None), status


def _status_refused(volunteer, status_form):
    """The profile page again, with the break form's message and what was typed (422)."""
    form = forms.ProfileForm(formdata=None)
    programmes = services.registrable_programmes()
    programmes += [p for p in volunteer.programmes if p not in programmes]
    form.fill_choices(_programme_choices(programmes))
    form.load(volunteer)
    return _profile_page(volunteer, form, status_form, 422)


@bp.route("/me/status", methods=["POST"])
@confirmed_volunteer
def my_status(volunteer):
    form = forms.StatusForm()
    if not form.validate_on_submit():
        if form.paused_until.errors:  # a date that cannot be read: say so at the field
            return _status_refused(volunteer, form)
        abort(400)
    try:
        if form.action.data == "pause":
            services.pause(volunteer, form.paused_until.data)
            flash(_("You are on a break until %(date)s.", date=volunteer.paused_until.isoformat()),
                  "success")
        elif form.action.data == "resume":
            services.resume(volunteer)
            flash(_("Welcome back: you can be matched again."), "success")
        else:
            services.leave(volunteer)
            flash(_("You have stopped as a volunteer. Thank you for everything you did."), "info")
            return redirect(url_for("auth.login"))
    except ServiceError as exc:
        if exc.field == "paused_until":
            _attach(form, exc)
            return _status_refused(volunteer, form)
        flash(exc.message, "danger")
    return redirect(url_for("volunteers.my_profile"))


def _training_page(volunteer, form, status=200):
    results = volunteer_readiness(volunteer)
    programmes = {p.id: p for p in volunteer.programmes}
    signups = [s for s in _signups(volunteer) if s.status != SignupStatus.cancelled.value]
    return render_template("volunteers/training.html", volunteer=volunteer, form=form,
                           results=results, programmes=programmes, catalogue=catalogue(),
                           feed_url=external_url("volunteers.calendar_feed",
                                                 token=services.calendar_token(volunteer))
                           if volunteer.calendar_token else None,
                           signups=signups), status


def _signups(volunteer):
    from ..models import SessionSignup
    return list(db.session.execute(db.select(SessionSignup).filter_by(
        volunteer_id=volunteer.id)).scalars())


def _completion_form(**kwargs) -> forms.CompletionForm:
    form = forms.CompletionForm(**kwargs)
    form.item.choices = [("", _("— choose —"))] + [
        (i.code, i.title_nl if str(get_locale()) == "nl" else i.title_en)
        for i in services.loggable_items()]
    parts = [(forms.PART_WHOLE, _("The whole training (all parts)"))]
    for item in services.loggable_items():
        for part in item.parts:
            parts.append((part.code, part.title_nl if str(get_locale()) == "nl"
                          else part.title_en))
    form.part.choices = parts
    return form


@bp.route("/me/training", methods=["GET", "POST"])
@confirmed_volunteer
def my_training(volunteer):
    form = _completion_form()
    if form.validate_on_submit():
        part = None if form.part.data == forms.PART_WHOLE else form.part.data
        try:
            services.log_completion(volunteer, item=form.item.data, part=part,
                                    completed_on=form.completed_on.data,
                                    certificate=form.certificate.data)
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("Thank you. Your coordinator will check it."), "success")
            return redirect(url_for("volunteers.my_training"))
    return _training_page(volunteer, form, 422 if request.method == "POST" else 200)


@uploads.too_large_page("volunteers.my_training")
@confirmed_volunteer
def training_upload_too_large(volunteer):
    """After a 413: the training page again, the message at the certificate field (the
    other fields of the refused request cannot be read)."""
    form = _completion_form(formdata=None)
    form.certificate.errors = [uploads.too_large_message()]
    return _training_page(volunteer, form, 413)


@bp.route("/me/training/<int:completion_id>/delete", methods=["POST"])
@confirmed_volunteer
def delete_completion(volunteer, completion_id: int):
    completion = get_completion_or_404(completion_id)
    try:
        services.delete_completion(volunteer, completion)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("The report has been removed."), "success")
    return redirect(url_for("volunteers.my_training"))


@bp.route("/me/calendar", methods=["POST"])
@confirmed_volunteer
def calendar_token(volunteer):
    services.calendar_token(volunteer, reset=request.form.get("reset") == "1")
    flash(_("Your calendar address is ready. Only share it with your own calendar app."),
          "success")
    return redirect(url_for("volunteers.my_training") + "#calendar")


@bp.route("/certificates/<int:completion_id>")
@roles_required(Role.volunteer.value, Role.coordinator.value, Role.admin.value)
def certificate(completion_id: int):
    completion = get_completion_or_404(completion_id)
    path = services.certificate_path(completion)
    if path is None:
        abort(404)
    content = services.certificate_content(completion)  # decrypted (encrypted at rest)
    from .. import audit
    audit.record("read", "training_completion", completion.id, fields=["certificate"])
    db.session.commit()
    ext = path.suffix
    return send_file(io.BytesIO(content), mimetype=completion.certificate_type,
                     as_attachment=True, download_name=f"certificate-{completion.id}{ext}",
                     max_age=0)


@bp.route("/calendar/<token>.ics")
@limiter.limit("60/hour")
def calendar_feed(token: str):
    volunteer = services.volunteer_by_calendar_token(token)
    if volunteer is None:
        abort(404)
    status = {SignupStatus.signed_up.value: "CONFIRMED", SignupStatus.waiting.value: "TENTATIVE",
              SignupStatus.cancelled.value: "CANCELLED"}
    body = calendar.ics([(s.session, status[s.status]) for s in _signups(volunteer)],
                        base_host(), "Koppel")
    return Response(body, mimetype="text/calendar",
                    headers={"Cache-Control": "no-store"})


# --- themabijeenkomsten --------------------------------------------------------------------

@bp.route("/sessions")
@roles_required(Role.volunteer.value, Role.coordinator.value, Role.admin.value)
def sessions():
    if current_user.is_staff:
        return render_template("volunteers/sessions_staff.html",
                               page=paginate(session_ops.sessions_for_staff(current_user)))
    if current_user.email_confirmed_at is None:
        return render_template("volunteers/confirm_needed.html"), 403
    volunteer = current_volunteer_or_404()
    rows = session_ops.sessions_for_volunteer(volunteer)
    return render_template("volunteers/sessions.html", rows=rows, volunteer=volunteer,
                           signup_of=session_ops.signup_of)


@bp.route("/sessions/new", methods=["GET", "POST"])
@staff_required
def session_new():
    form = forms.SessionForm()
    form.programmes.choices = _programme_choices(visible_programmes(current_user))
    form.language.choices = [(c, str(n)) for c, n in vocab.LANGUAGES.items()]
    if form.validate_on_submit():
        try:
            row = session_ops.create_session(
                by=current_user, title=form.title.data, starts_at=form.starts_at.data,
                ends_at=form.ends_at.data, place=form.place.data, online_url=form.online_url.data,
                language=form.language.data, capacity=form.capacity.data,
                programme_ids=form.programmes.data)
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("The session is created. Invited volunteers can sign up now."), "success")
            return redirect(url_for("volunteers.session_detail", session_id=row.id))
    return render_template("volunteers/session_form.html", form=form)


@bp.route("/sessions/<int:session_id>")
@roles_required(Role.volunteer.value, Role.coordinator.value, Role.admin.value)
def session_detail(session_id: int):
    row = get_session_or_404(session_id)
    if current_user.is_staff:
        return render_template("volunteers/session_staff.html", session=row,
                               started=row.starts_at <= session_ops.now_local())
    volunteer = current_volunteer_or_404()
    return render_template("volunteers/session.html", session=row,
                           signup=session_ops.signup_of(row, volunteer))


@bp.route("/sessions/<int:session_id>/signup", methods=["POST"])
@confirmed_volunteer
def session_signup(volunteer, session_id: int):
    row = get_session_or_404(session_id)
    try:
        signup = session_ops.sign_up(row, volunteer)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        if signup.status == SignupStatus.signed_up.value:
            flash(_("You are signed up. Add it to your calendar with the button below."),
                  "success")
        else:
            flash(_("The session is full. You are on the waiting list; we e-mail you when a "
                    "place comes free."), "info")
    return redirect(url_for("volunteers.session_detail", session_id=session_id))


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@confirmed_volunteer
def session_cancel(volunteer, session_id: int):
    row = get_session_or_404(session_id)
    try:
        session_ops.cancel(row, volunteer)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("You have cancelled your place."), "success")
    return redirect(url_for("volunteers.session_detail", session_id=session_id))


@bp.route("/sessions/<int:session_id>/calendar.ics")
@confirmed_volunteer
def session_ics(volunteer, session_id: int):
    row = get_session_or_404(session_id)
    signup = session_ops.signup_of(row, volunteer)
    if signup is None or signup.status == SignupStatus.cancelled.value:
        abort(404)
    status = "CONFIRMED" if signup.status == SignupStatus.signed_up.value else "TENTATIVE"
    body = calendar.ics([(row, status)], base_host(), row.title)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="themabijeenkomst-{row.id}.ics"'})


@bp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@staff_required
def session_attendance(session_id: int):
    row = get_session_or_404(session_id, manage=True)
    attended = {int(x) for x in request.form.getlist("attended") if x.isdigit()}
    try:
        created = session_ops.record_attendance(row, attended, current_user)
    except ServiceError as exc:
        flash(exc.message, "danger")
    else:
        flash(_("Attendance is saved. %(n)s training record(s) added.", n=created), "success")
    return redirect(url_for("volunteers.session_detail", session_id=session_id))


# --- coordinators: list, page, verification, VOG, checks -----------------------------------

def _list_context():
    programmes = visible_programmes(current_user)
    return {"programmes": programmes, "language_names": vocab.LANGUAGES,
            "dagdelen": [(d, vocab.dagdeel_label(d)) for d in vocab.DAGDELEN]}


@bp.route("/volunteers")
@staff_required
def volunteer_list():
    f = listing.Filters.from_args(request.args)
    page = listing.page_of(current_user, f, requested_page())
    return render_template("volunteers/list.html", page=page, f=f, **_list_context())


@bp.route("/volunteers/export.<fmt>")
@staff_required
def volunteer_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    rows = listing.export_rows(current_user, listing.Filters.from_args(request.args))
    if fmt == "csv":
        body, mime = listing.to_csv(rows), "text/csv; charset=utf-8"
    else:
        body = listing.to_xlsx(rows)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="volunteers.{fmt}"'})


def _detail(volunteer, **forms_):
    from .. import audit
    audit.record("read", "volunteer", volunteer.id)
    db.session.commit()
    mine = {p.id for p in visible_programmes(current_user)}
    results = {pid: r for pid, r in volunteer_readiness(volunteer).items() if pid in mine}
    ctx = {"vog_form": forms.VogForm(prefix="vog"), "check_form": forms.CheckForm(prefix="check"),
           "review_form": forms.ReviewForm(prefix="review"),
           "vog_edit_forms": {v.id: forms.VogForm(formdata=None, prefix=f"vog{v.id}", obj=v)
                              for v in volunteer.vogs},
           "vog_expired": {v.id: bool(vog_expired_for(volunteer, v))
                           for v in volunteer.vogs}}
    edit = forms_.pop("vog_edit_form", None)
    if edit is not None:
        ctx["vog_edit_forms"][edit[0]] = edit[1]
    ctx.update(forms_)
    return render_template("volunteers/detail.html", volunteer=volunteer, results=results,
                           programmes={p.id: p for p in volunteer.programmes},
                           catalogue=catalogue(), signups=_signups(volunteer), **ctx)


@bp.route("/volunteers/<int:volunteer_id>")
@staff_required
def volunteer_detail(volunteer_id: int):
    return _detail(get_volunteer_or_404(volunteer_id))


@bp.route("/volunteers/<int:volunteer_id>/completions/<int:completion_id>/review",
          methods=["POST"])
@staff_required
def review_completion(volunteer_id: int, completion_id: int):
    volunteer = get_volunteer_or_404(volunteer_id)
    completion = get_completion_or_404(completion_id, manage=True)
    if completion.volunteer_id != volunteer.id:
        abort(404)
    form = forms.ReviewForm(prefix=f"review{completion.id}")
    if form.validate_on_submit():
        try:
            services.review_completion(completion, verify=form.decision.data == "verify",
                                       reason=form.reason.data, by=current_user)
        except ServiceError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Verified.") if completion.verified else _("Rejected; the volunteer sees "
                                                                 "your reason."), "success")
            return redirect(url_for("volunteers.volunteer_detail", volunteer_id=volunteer.id))
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "danger")
    return redirect(url_for("volunteers.volunteer_detail", volunteer_id=volunteer.id)
                    + f"#completion-{completion.id}")


@bp.route("/volunteers/<int:volunteer_id>/vog", methods=["POST"])
@staff_required
def add_vog(volunteer_id: int):
    volunteer = get_volunteer_or_404(volunteer_id)
    form = forms.VogForm(prefix="vog")
    if form.validate_on_submit():
        try:
            row = services.add_vog(volunteer, issued_on=form.issued_on.data,
                                   screening_profile=form.screening_profile.data,
                                   free_vog_scheme=form.free_vog_scheme.data,
                                   original_seen=form.original_seen.data, by=current_user)
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("The VOG is recorded."), "success")
            for warning in services.vog_warnings(row):
                flash(warning, "warning")
            return redirect(url_for("volunteers.volunteer_detail", volunteer_id=volunteer.id))
    return _detail(volunteer, vog_form=form), 422


@bp.route("/volunteers/<int:volunteer_id>/vogs/<int:vog_id>", methods=["POST"])
@staff_required
def edit_vog(volunteer_id: int, vog_id: int):
    """Correct a VOG entered by mistake."""
    volunteer = get_volunteer_or_404(volunteer_id)
    vog = get_vog_or_404(volunteer, vog_id)
    form = forms.VogForm(prefix=f"vog{vog.id}")
    if form.validate_on_submit():
        try:
            services.update_vog(vog, issued_on=form.issued_on.data,
                                screening_profile=form.screening_profile.data,
                                free_vog_scheme=form.free_vog_scheme.data,
                                original_seen=form.original_seen.data, by=current_user)
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("The VOG is corrected."), "success")
            for warning in services.vog_warnings(vog):
                flash(warning, "warning")
            return redirect(url_for("volunteers.volunteer_detail", volunteer_id=volunteer.id))
    return _detail(volunteer, vog_edit_form=(vog.id, form)), 422


@bp.route("/volunteers/<int:volunteer_id>/vogs/<int:vog_id>/delete", methods=["POST"])
@staff_required
def delete_vog(volunteer_id: int, vog_id: int):
    """Remove a VOG entered by mistake (the page asks for confirmation first)."""
    volunteer = get_volunteer_or_404(volunteer_id)
    services.delete_vog(get_vog_or_404(volunteer, vog_id), by=current_user)
    flash(_("The VOG is removed."), "success")
    return redirect(url_for("volunteers.volunteer_detail", volunteer_id=volunteer.id))


@bp.route("/volunteers/<int:volunteer_id>/checks", methods=["POST"])
@staff_required
def add_check(volunteer_id: int):
    volunteer = get_volunteer_or_404(volunteer_id)
    form = forms.CheckForm(prefix="check")
    if form.validate_on_submit():
        try:
            services.add_check(volunteer, done_on=form.done_on.data, kind=form.kind.data,
                               note=form.note.data, by=current_user)
        except ServiceError as exc:
            _attach(form, exc)
        else:
            flash(_("The check is recorded."), "success")
            return redirect(url_for("volunteers.volunteer_detail", volunteer_id=volunteer.id))
    return _detail(volunteer, check_form=form), 422


# --- import --------------------------------------------------------------------------------

def _import_form(**kwargs):
    form = forms.ImportForm(**kwargs)
    form.programme.choices = _programme_choices(visible_programmes(current_user))
    return form


@bp.route("/volunteers/import", methods=["GET", "POST"])
@staff_required
def import_upload():
    form = _import_form()
    if form.validate_on_submit():
        programme = get_programme_or_404(form.programme.data)
        upload = form.file.data
        content = upload.read() if upload and upload.filename else b""
        if not content:
            form.file.errors = [_("Please choose a file.")]
        else:
            try:
                parsed = imports.parse_and_validate(content, services.today())
            except imports.ImportFileError as exc:
                form.file.errors = [str(exc)]
            else:
                key = None if parsed.problems else imports.stash(content, current_user,
                                                                  programme.id)
                return render_template("volunteers/import_preview.html", parsed=parsed,
                                       key=key, programme=programme,
                                       status=422 if parsed.problems else 200), \
                    422 if parsed.problems else 200
    return render_template("volunteers/import.html", form=form,
                           columns=imports.known_columns(), required=imports.REQUIRED), \
        422 if request.method == "POST" else 200


@uploads.too_large_page("volunteers.import_upload")
@staff_required
def import_upload_too_large():
    """After a 413: the import form again, with the message at the file field."""
    form = _import_form(formdata=None)
    form.file.errors = [uploads.too_large_message()]
    return render_template("volunteers/import.html", form=form,
                           columns=imports.known_columns(), required=imports.REQUIRED), 413


@bp.route("/volunteers/import/<key>", methods=["POST"])
@staff_required
def import_confirm(key: str):
    try:
        content, programme_id = imports.waiting_upload(key, current_user)
        programme = get_programme_or_404(programme_id)
        parsed, count = imports.confirm(key, content, programme, current_user, services.today())
    except imports.AlreadyConfirmed:
        flash(_("This import was already confirmed."), "info")
        return redirect(url_for("volunteers.volunteer_list"))
    except imports.ImportExpired:
        flash(_("This import has expired. Please upload the file again."), "danger")
        return redirect(url_for("volunteers.import_upload"))
    if parsed.problems:  # something changed since the preview (e.g. an address was taken)
        return render_template("volunteers/import_preview.html", parsed=parsed, key=None,
                               programme=programme), 422
    flash(_("%(n)s volunteers imported into %(programme)s.", n=count, programme=programme.name),
          "success")
    return redirect(url_for("volunteers.volunteer_list", programme=programme.id))


# --- template helpers ----------------------------------------------------------------------

@bp.context_processor
def helpers():
    """Labels for codes, in the user's language."""
    states = {"verified": _("Checked"), "pending": _("Waiting for a check"),
              "rejected": _("Not accepted")}
    signup_states = {"signed_up": _("signed up"), "waiting": _("on the waiting list"),
                     "cancelled": _("cancelled")}
    return {
        "item_title": labels.item_title, "part_title": labels.part_title,
        "reason_text": labels.reason_text,
        "state_text": lambda s: states.get(s, s),
        "signup_text": lambda s: signup_states.get(s, s),
        "days": list(vocab.DAYS.items()), "parts": list(vocab.PARTS.items()),
        "vocab": vocab,
    }
