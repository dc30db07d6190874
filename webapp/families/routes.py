"""Family views: list, intake, page, edit, consent withdrawal, enrolment, status, delete.

Each view parses the request, calls one function (access helpers in ``webapp.access``, writes
in ``services``) and renders. Ids are loaded through ``get_family_or_404``.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import access, audit, vocab
from ..access import staff_required
from ..pagination import requested_page
from ..request_input import to_id
from . import bp, listing, services
from .forms import EnrolForm, FamilyFilterForm, FamilyForm, RequestForm


class FamilyEditForm(FamilyForm):
    """The intake form without the programme (enrolments are managed on the family page)."""

    programme_id = None
    programme_note = None


def _programme_choices():
    return [(p.id, f"{p.name} ({p.organisation.name})")
            for p in access.visible_programmes(current_user) if p.active]


def _more_rows(form) -> bool:
    """'Add a parent' / 'Add a child' pressed: one more row, nothing saved, nothing lost."""
    if form.add_parent.data and len(form.parents) < form.parents.max_entries:
        form.parents.append_entry()
        return True
    if form.add_child.data and len(form.children) < form.children.max_entries:
        form.children.append_entry()
        return True
    return bool(form.add_parent.data or form.add_child.data)


@bp.route("/families")
@staff_required
def family_list():
    form = FamilyFilterForm(request.args)
    programmes = access.visible_programmes(current_user)
    form.programme.choices = [("", _("All my programmes"))] + [(str(p.id), p.name)
                                                               for p in programmes]
    for field in (form.status, form.language, form.need, form.waited):
        field.choices = vocab.translated_choices(f"family_filter.{field.name}", field.choices)
    form.validate()
    page = listing.page_of(programmes, form.filters(), requested_page(),
                           current_app.config["PAGE_SIZE"])
    audit.family_viewed([row.family for row in page.items], "family_list")
    return render_template("families/list.html", form=form, page=page)


@bp.route("/families/new", methods=["GET", "POST"])
@staff_required
def family_new():
    form = FamilyForm()
    form.programme_id.choices = _programme_choices()
    if not form.programme_id.choices:
        flash(_("You are not linked to a programme yet. Ask your administrator."), "warning")
        return redirect(url_for("families.family_list"))
    invalid = False
    if request.method == "POST":
        programme = access.get_enrollable_programme_or_403(
            request.form.get("programme_id", type=to_id))
        if not _more_rows(form):
            if form.validate():
                family = services.create_family(form.to_data(), programme, current_user)
                flash(_("Family %(ref)s is recorded and waiting for %(programme)s.",
                        ref=family.reference, programme=programme.name), "success")
                if not form.has_consent():
                    flash(_("Only the referral was stored. Record consent to add the "
                            "family's details."), "warning")
                return redirect(url_for("families.family_detail", family_id=family.id))
            invalid = True
    return render_template("families/form.html", form=form, family=None, invalid=invalid), \
        (422 if invalid else 200)


@bp.route("/families/<int:family_id>")
@staff_required
def family_detail(family_id: int):
    family = access.get_family_or_404(family_id)
    programme_ids = access.visible_programme_ids(current_user)
    page = services.family_page(family, programme_ids, current_user)
    enrol_form = EnrolForm()
    active_ids = {r.programme_id for r in family.requests if r.active}
    enrol_form.programme_id.choices = [c for c in _programme_choices() if c[0] not in active_ids]
    request_forms = {r.id: RequestForm(formdata=None, status=r.status, note=r.note,
                                       prefix=f"r{r.id}") for r in page["requests"]}
    return render_template("families/detail.html", enrol_form=enrol_form,
                           request_forms=request_forms,
                           can_delete=access.can_delete_family(current_user, family), **page)


@bp.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@staff_required
def family_edit(family_id: int):
    family = access.get_family_or_404(family_id)
    form = FamilyEditForm()
    invalid = False
    programme_ids = access.visible_programme_ids(current_user)
    if request.method == "GET":
        form.fill_from(family, urgency=family.urgency_in(programme_ids))
    elif not _more_rows(form):
        if form.validate():
            changed = services.update_family(family, form.to_data(), current_user,
                                             programme_ids=programme_ids)
            flash(_("The changes are saved.") if changed else _("Nothing was changed."),
                  "success")
            return redirect(url_for("families.family_detail", family_id=family.id))
        invalid = True
    audit.family_viewed(family, "family_edit")
    return render_template("families/form.html", form=form, family=family, invalid=invalid), \
        (422 if invalid else 200)


@bp.route("/families/<int:family_id>/consent/withdraw", methods=["POST"])
@staff_required
def consent_withdraw(family_id: int):
    family = access.get_family_or_404(family_id)
    try:
        services.withdraw_consent(family, current_user)
    except services.FamilyError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Consent is withdrawn. The family is no longer matched or sent messages."),
              "success")
    return redirect(url_for("families.family_detail", family_id=family.id))


@bp.route("/families/<int:family_id>/enrol", methods=["POST"])
@staff_required
def family_enrol(family_id: int):
    family = access.get_family_or_404(family_id)
    programme = access.get_enrollable_programme_or_403(request.form.get("programme_id", type=to_id))
    try:
        services.enrol(family, programme, current_user)
    except services.FamilyError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("The family is waiting for %(name)s.", name=programme.name), "success")
    return redirect(url_for("families.family_detail", family_id=family.id))


@bp.route("/families/<int:family_id>/requests/<int:request_id>", methods=["POST"])
@staff_required
def request_update(family_id: int, request_id: int):
    family = access.get_family_or_404(family_id)
    req = access.get_family_request_or_404(family, request_id)
    form = RequestForm(prefix=f"r{req.id}")
    if not form.validate():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "danger")
        return redirect(url_for("families.family_detail", family_id=family.id))
    try:
        services.update_request(req, form.status.data, form.note.data, current_user)
    except services.FamilyError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("Saved."), "success")
    if req.status == "ended" and not any(r.active and r.programme_id in
                                         access.visible_programme_ids(current_user)
                                         for r in family.requests):
        return redirect(url_for("families.family_list"))
    return redirect(url_for("families.family_detail", family_id=family.id))


@bp.route("/families/<int:family_id>/delete", methods=["POST"])
@staff_required
def family_delete(family_id: int):
    family = access.get_family_or_404(family_id)
    if not access.can_delete_family(current_user, family):
        abort(403)
    ref = family.reference
    services.delete_family(family, current_user)
    flash(_("Family %(ref)s and everything recorded about it is deleted.", ref=ref), "success")
    return redirect(url_for("families.family_list"))


from . import audit_views  # noqa: F401  (registers the audit-log views on this blueprint)
