"""Privacy pages: subject access (JSON and printable), erasure, legal holds, retention
settings with a preview, and the unusual-access view. Access rules are in webapp.access."""
from __future__ import annotations

import json

from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import (
    admin_required,
    can_erase_family,
    can_erase_volunteer,
    current_volunteer_or_404,
    get_privacy_family_or_404,
    get_volunteer_or_404,
    retention_organisations,
    staff_required,
    unusual_access_user_ids,
    visible_programme_ids,
)
from ..audit import family_viewed, record
from ..extensions import db
from ..models import Family, Volunteer
from ..models.base import utcnow
from ..models.privacy import ErasureRequest, LegalHold
from . import bp
from .breach import unusual_access
from .export import families_in_volunteer_export, family_export, volunteer_export
from .forms import ErasureForm, HoldForm, LookupForm, RetentionForm, UnusualAccessForm
from .labels import (
    ERASURE_REASON_LABELS,
    EXPORT_LABELS,
    FINDING_LABELS,
    HOLD_LABELS,
    OUTCOME_LABELS,
    RECORD_LABELS,
)
from .lifecycle import (
    LegalHoldError,
    anonymise_family,
    anonymise_volunteer,
    enforce_retention,
    family_ref,
    open_hold,
    volunteer_ref,
)


@bp.context_processor
def labels():
    return {"erasure_reason_labels": ERASURE_REASON_LABELS, "outcome_labels": OUTCOME_LABELS,
            "hold_labels": HOLD_LABELS, "finding_labels": FINDING_LABELS,
            "record_labels": RECORD_LABELS, "export_labels": EXPORT_LABELS}


def _json_download(data: dict, filename: str) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


def _no_store(body, status: int = 200):
    """A page with personal data: never kept in a browser's or proxy's cache."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- start page -------------------------------------------------------------------------

@bp.route("/", methods=["GET"])
@login_required
def index():
    if not current_user.is_staff:
        return redirect(url_for("privacy.my_data"))
    form = LookupForm(request.args)
    if request.args.get("q") and form.validate():
        q = form.q.data.strip().upper()
        digits = q.removeprefix("G-").removeprefix("V-").lstrip("0")
        if digits.isdigit():
            if q.startswith("V-"):
                return redirect(url_for("privacy.volunteer", volunteer_id=int(digits)))
            return redirect(url_for("privacy.family", family_id=int(digits)))
        form.q.errors = [_("Please give a reference such as G-00012 or V-00034.")]
    return render_template("privacy/index.html", form=form)


# --- families ---------------------------------------------------------------------------

def _family_context(family: Family, erase_form=None, hold_form=None) -> dict:
    holds = db.session.execute(db.select(LegalHold).where(
        LegalHold.family_id == family.id).order_by(LegalHold.id.desc())).scalars().all()
    erasures = db.session.execute(db.select(ErasureRequest).where(
        ErasureRequest.subject_type == "family", ErasureRequest.subject_id == family.id)
        .order_by(ErasureRequest.id.desc())).scalars().all()
    reference = family_ref(family.id)
    return {"family": family, "reference": reference, "holds": holds, "erasures": erasures,
            "open_hold": open_hold(family),
            "may_erase": can_erase_family(current_user, family),
            "erase_form": erase_form or ErasureForm(reference),
            "hold_form": hold_form or HoldForm()}


@bp.route("/families/<int:family_id>")
@staff_required
def family(family_id: int):
    fam = get_privacy_family_or_404(family_id)
    return _no_store(render_template("privacy/family.html", **_family_context(fam)))


@bp.route("/families/<int:family_id>/export")
@staff_required
def family_export_page(family_id: int):
    fam = get_privacy_family_or_404(family_id)
    data = family_export(fam, visible_programme_ids(current_user))
    family_viewed(fam, "family_export", action="export")
    return _no_store(render_template("privacy/export.html", data=data,
                                     json_url=url_for("privacy.family_export_json",
                                                      family_id=fam.id)))


@bp.route("/families/<int:family_id>/export.json")
@staff_required
def family_export_json(family_id: int):
    fam = get_privacy_family_or_404(family_id)
    data = family_export(fam, visible_programme_ids(current_user))
    family_viewed(fam, "family_export_json", action="export")
    return _json_download(data, f"koppel-{family_ref(fam.id)}.json")


def _refuse(subject_type: str, subject_id: int, reason: str, outcome: str) -> None:
    db.session.add(ErasureRequest(subject_type=subject_type, subject_id=subject_id,
                                  reason=reason, outcome=outcome, by_id=current_user.id))
    db.session.commit()


@bp.route("/families/<int:family_id>/erase", methods=["POST"])
@staff_required
def family_erase(family_id: int):
    fam = get_privacy_family_or_404(family_id)
    reference = family_ref(fam.id)
    form = ErasureForm(reference)
    if fam.anonymised_at is not None:
        flash(_("%(ref)s has been anonymised already.", ref=reference), "info")
        return redirect(url_for("privacy.family", family_id=fam.id))
    if not form.validate_on_submit():
        return render_template("privacy/family.html",
                               **_family_context(fam, erase_form=form)), 400
    reason = form.reason.data
    if not can_erase_family(current_user, fam):
        _refuse("family", fam.id, reason, "refused_scope")
        flash(_("Not erased: %(ref)s is also enrolled in a programme you do not coordinate. "
                "Ask that programme's coordinator or your admin to handle the request.",
                ref=reference), "danger")
        return redirect(url_for("privacy.family", family_id=fam.id))
    try:
        anonymise_family(fam, reason, current_user, commit=False)
    except LegalHoldError:
        db.session.rollback()
        _refuse("family", fam.id, reason, "refused_hold")
        flash(_("Not erased: there is an open report to Veilig Thuis about %(ref)s (a legal "
                "hold). The data must be kept until the report is closed. Tell the person "
                "that their request is refused for this reason, and that they may complain "
                "to the Autoriteit Persoonsgegevens.", ref=reference), "danger")
        return redirect(url_for("privacy.family", family_id=fam.id))
    db.session.add(ErasureRequest(subject_type="family", subject_id=fam.id, reason=reason,
                                  outcome="done", by_id=current_user.id))
    db.session.commit()
    flash(_("%(ref)s is anonymised. Names, contact details, notes and exact dates are gone.",
            ref=reference), "success")
    return redirect(url_for("privacy.family", family_id=fam.id))


@bp.route("/families/<int:family_id>/holds", methods=["POST"])
@staff_required
def hold_add(family_id: int):
    fam = get_privacy_family_or_404(family_id)
    form = HoldForm()
    if fam.anonymised_at is not None:
        abort(404)
    if not form.validate_on_submit():
        return render_template("privacy/family.html",
                               **_family_context(fam, hold_form=form)), 400
    hold = LegalHold(family_id=fam.id, kind="veilig_thuis", reported_on=form.reported_on.data,
                     recorded_by_id=current_user.id)
    db.session.add(hold)
    record("update", "family", fam.id, fields=["legal_hold"], reason="legal_hold_recorded")
    db.session.commit()
    flash(_("The legal hold is recorded: %(ref)s will not be anonymised while it is open.",
            ref=family_ref(fam.id)), "success")
    return redirect(url_for("privacy.family", family_id=fam.id))


@bp.route("/families/<int:family_id>/holds/<int:hold_id>/release", methods=["POST"])
@staff_required
def hold_release(family_id: int, hold_id: int):
    fam = get_privacy_family_or_404(family_id)
    hold = db.session.get(LegalHold, hold_id)
    if hold is None or hold.family_id != fam.id or not hold.open:
        abort(404)
    hold.released_at, hold.released_by_id = utcnow(), current_user.id
    record("update", "family", fam.id, fields=["legal_hold.released_at"],
           reason="legal_hold_released")
    db.session.commit()
    flash(_("The legal hold is closed."), "success")
    return redirect(url_for("privacy.family", family_id=fam.id))


# --- volunteers -------------------------------------------------------------------------

def _volunteer_context(volunteer: Volunteer, erase_form=None) -> dict:
    reference = volunteer_ref(volunteer.id)
    erasures = db.session.execute(db.select(ErasureRequest).where(
        ErasureRequest.subject_type == "volunteer", ErasureRequest.subject_id == volunteer.id)
        .order_by(ErasureRequest.id.desc())).scalars().all()
    return {"volunteer": volunteer, "reference": reference, "erasures": erasures,
            "may_erase": can_erase_volunteer(current_user, volunteer),
            "erase_form": erase_form or ErasureForm(reference)}


@bp.route("/volunteers/<int:volunteer_id>")
@staff_required
def volunteer(volunteer_id: int):
    vol = get_volunteer_or_404(volunteer_id)
    return _no_store(render_template("privacy/volunteer.html", **_volunteer_context(vol)))


@bp.route("/volunteers/<int:volunteer_id>/export")
@staff_required
def volunteer_export_page(volunteer_id: int):
    vol = get_volunteer_or_404(volunteer_id)
    data = volunteer_export(vol)
    record("export", "volunteer", vol.id, reason="subject_access_page")
    _volunteer_export_viewed(vol)
    return _no_store(render_template("privacy/export.html", data=data, json_url=url_for(
        "privacy.volunteer_export_json", volunteer_id=vol.id)))


@bp.route("/volunteers/<int:volunteer_id>/export.json")
@staff_required
def volunteer_export_json(volunteer_id: int):
    vol = get_volunteer_or_404(volunteer_id)
    data = volunteer_export(vol)
    record("export", "volunteer", vol.id, reason="subject_access_json")
    _volunteer_export_viewed(vol)
    return _json_download(data, f"koppel-{volunteer_ref(vol.id)}.json")


@bp.route("/volunteers/<int:volunteer_id>/erase", methods=["POST"])
@staff_required
def volunteer_erase(volunteer_id: int):
    vol = get_volunteer_or_404(volunteer_id)
    reference = volunteer_ref(vol.id)
    form = ErasureForm(reference)
    if vol.anonymised_at is not None:
        flash(_("%(ref)s has been anonymised already.", ref=reference), "info")
        return redirect(url_for("privacy.volunteer", volunteer_id=vol.id))
    if not form.validate_on_submit():
        return render_template("privacy/volunteer.html",
                               **_volunteer_context(vol, erase_form=form)), 400
    reason = form.reason.data
    if not can_erase_volunteer(current_user, vol):
        _refuse("volunteer", vol.id, reason, "refused_scope")
        flash(_("Not erased: %(ref)s also chose a programme you do not coordinate. Ask your "
                "admin to handle the request.", ref=reference), "danger")
        return redirect(url_for("privacy.volunteer", volunteer_id=vol.id))
    anonymise_volunteer(vol, reason, current_user, commit=False)
    db.session.add(ErasureRequest(subject_type="volunteer", subject_id=vol.id, reason=reason,
                                  outcome="done", by_id=current_user.id))
    db.session.commit()
    flash(_("%(ref)s is anonymised and the account is closed.", ref=reference), "success")
    return redirect(url_for("privacy.volunteer", volunteer_id=vol.id))


def _volunteer_export_viewed(vol: Volunteer) -> None:
    """A volunteer's export shows the families they were introduced to: audited too."""
    family_viewed(families_in_volunteer_export(vol), "volunteer_export", commit=False)
    db.session.commit()


# --- a volunteer's own data -------------------------------------------------------------

@bp.route("/me")
@login_required
def my_data():
    vol = current_volunteer_or_404()
    return _no_store(render_template("privacy/me.html", volunteer=vol))


@bp.route("/me/export")
@login_required
def my_export_page():
    vol = current_volunteer_or_404()
    data = volunteer_export(vol, for_self=True)
    record("export", "volunteer", vol.id, reason="subject_access_own_page")
    _volunteer_export_viewed(vol)
    return _no_store(render_template("privacy/export.html", data=data,
                                     json_url=url_for("privacy.my_export_json"), own=True))


@bp.route("/me/export.json")
@login_required
def my_export_json():
    vol = current_volunteer_or_404()
    data = volunteer_export(vol, for_self=True)
    record("export", "volunteer", vol.id, reason="subject_access_own_json")
    _volunteer_export_viewed(vol)
    return _json_download(data, "koppel-my-data.json")


# --- retention settings (admins) --------------------------------------------------------

def _retention_page(forms: dict, status: int = 200):
    orgs = retention_organisations(current_user)
    report = enforce_retention(dry_run=True)
    if not current_user.is_installation_admin:
        report = report.for_organisations({o.id for o in orgs})
    for org in orgs:
        forms.setdefault(org.id, RetentionForm(
            prefix=f"org{org.id}", family_months=org.retention_family_months,
            volunteer_months=org.retention_volunteer_months, formdata=None))
    return _no_store(render_template("privacy/retention.html", organisations=orgs,
                                     forms=forms, report=report), status)


@bp.route("/retention")
@admin_required
def retention():
    return _retention_page({})


@bp.route("/retention/<int:organisation_id>", methods=["POST"])
@admin_required
def retention_save(organisation_id: int):
    org = next((o for o in retention_organisations(current_user) if o.id == organisation_id),
               None)
    if org is None:
        abort(404)
    form = RetentionForm(prefix=f"org{org.id}")
    if not form.validate_on_submit():
        return _retention_page({org.id: form}, 400)
    changed = [name for name, value in (("retention_family_months", form.family_months.data),
                                        ("retention_volunteer_months",
                                         form.volunteer_months.data))
               if getattr(org, name) != value]
    org.retention_family_months = form.family_months.data
    org.retention_volunteer_months = form.volunteer_months.data
    if changed:
        record("update", "organisation", org.id, fields=changed)
    db.session.commit()
    flash(_("The retention periods of %(name)s are saved.", name=org.name), "success")
    return redirect(url_for("privacy.retention"))


# --- unusual access (admins) ------------------------------------------------------------

@bp.route("/unusual-access")
@admin_required
def unusual():
    form = UnusualAccessForm(request.args)
    if not form.validate():
        form = UnusualAccessForm(formdata=None)
    days = form.days.data or 7
    findings = unusual_access(user_ids=unusual_access_user_ids(current_user), days=days,
                              window_minutes=form.window.data or 10,
                              threshold=form.threshold.data or 20)
    record("read", "audit_log", "unusual_access", reason=f"last_days:{days}")
    db.session.commit()
    return _no_store(render_template("privacy/unusual.html", form=form, findings=findings,
                                     days=days))
