"""Admin views of programmes: create one from a programme type, change its area, rules and
coordinators, deactivate it (after a confirmation) and activate it again.

Rules start from the type's defaults (``webapp.programme_types``, which also says where each
default comes from); the work is done in ``webapp.admin.services``.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import programme_types as pt
from .. import training_catalogue
from ..access import (
    admin_required,
    get_managed_organisation_or_404,
    get_managed_programme_or_404,
    managed_organisations,
    staff_required,
)
from ..extensions import db
from . import bp, services
from .forms import ProgrammeForm, ProgrammeNewForm, show_error


def _new_form() -> ProgrammeNewForm:
    wanted = request.args.get("organisation", type=int)
    if wanted is not None:
        get_managed_organisation_or_404(wanted)  # another organisation's id: 404
    form = ProgrammeNewForm(data={"organisation_id": wanted})
    form.organisation_id.choices = [(o.id, o.name) for o in
                                    managed_organisations(current_user, active_only=True)]
    form.type_code.choices = pt.type_choices()
    return form


def _edit_form(programme) -> ProgrammeForm:
    values = pt.programme_form_values(programme)
    data = {"name": programme.name,
            "municipalities": "\n".join(programme.municipalities or []),
            "postcode_areas": "\n".join(programme.postcode_areas or []),
            "coordinators": services.programme_coordinator_ids(programme),
            **values}
    # the items not retired, and the retired ones this programme chose already
    items = pt.training_items(keep=[*(values["required_training"] or ()),
                                    *(values["recommended_training"] or ())])
    nl = str(get_locale()) == "nl"
    titles = [(i.code, i.title_nl if nl else i.title_en) for i in items]
    form = ProgrammeForm.for_items(titles)(data=data)
    form.fill_choices(titles,
                      [(u.id, u.name) for u in
                       services.organisation_coordinators(programme.organisation_id)])
    return form


@bp.route("/programmes/new", methods=["GET", "POST"])
@admin_required
def programme_new():
    form = _new_form()
    if form.validate_on_submit():
        org = get_managed_organisation_or_404(form.organisation_id.data)
        try:
            programme = services.create_programme(org, form.type_code.data, form.area_data())
        except services.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s is created with the rules of its kind. Check them, and choose "
                    "its coordinators.", name=programme.name), "success")
            return redirect(url_for("admin.programme_edit", programme_id=programme.id))
    return render_template("admin/programme_new.html", form=form)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@staff_required
def programme_edit(programme_id: int):
    programme = get_managed_programme_or_404(programme_id)
    form = _edit_form(programme)
    if form.validate_on_submit():
        try:
            services.update_programme(programme, form.area_data(), form.rule_values(),
                                      form.coordinators.data or [])
        except services.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s are saved.", name=programme.name), "success")
            return redirect(url_for("admin.programme_edit", programme_id=programme.id))
    return render_template("admin/programme_form.html", form=form, programme=programme,
                           notes=pt.default_notes(programme.type), invalid=bool(form.errors),
                           retired=training_catalogue.retired_codes())


@bp.route("/programmes/<int:programme_id>/deactivate", methods=["GET", "POST"])
@staff_required
def programme_deactivate(programme_id: int):
    """A confirmation page (GET), then the programme is switched off (POST)."""
    programme = get_managed_programme_or_404(programme_id)
    if request.method == "POST":
        services.set_programme_active(programme, False)
        db.session.commit()
        flash(_("%(name)s is deactivated.", name=programme.name), "success")
        return redirect(url_for("admin.organisations", _anchor=f"org-{programme.organisation_id}"))
    return render_template("admin/confirm_deactivate.html", what=programme.name, programmes=[],
                           action=url_for("admin.programme_deactivate", programme_id=programme.id))


@bp.route("/programmes/<int:programme_id>/reactivate", methods=["POST"])
@staff_required
def programme_reactivate(programme_id: int):
    programme = get_managed_programme_or_404(programme_id)
    try:
        services.set_programme_active(programme, True)
    except services.AdminError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("%(name)s is active again.", name=programme.name), "success")
    return redirect(url_for("admin.organisations", _anchor=f"org-{programme.organisation_id}"))
