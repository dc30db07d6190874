"""Admin views of organisations: the list, create, change, deactivate and activate again.

The installation admin does everything; an organisation's admins change their own
organisation only (``webapp.access``); the work is done in ``webapp.admin.services``.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..access import (
    admin_required,
    can_create_organisation,
    get_managed_organisation_or_404,
    managed_organisations,
    staff_required,
)
from ..extensions import db
from . import bp, services
from .forms import OrganisationForm, show_error


def _form_data(org) -> dict:
    return {"name": org.name, "municipalities": "\n".join(org.municipalities or []),
            "postal_address": org.postal_address, "phone": org.phone, "email": org.email}


@bp.route("/organisations")
@admin_required
def organisations():
    return render_template("admin/organisations.html",
                           organisations=managed_organisations(current_user),
                           can_create=can_create_organisation(current_user))


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def organisation_new():
    if not can_create_organisation(current_user):
        abort(403)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organisation(form.to_data(), form.logo.data)
        except services.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s is created. Add its programmes next.", name=org.name), "success")
            return redirect(url_for("admin.organisations", _anchor=f"org-{org.id}"))
    return render_template("admin/organisation_form.html", form=form, org=None)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@staff_required
def organisation_edit(organisation_id: int):
    org = get_managed_organisation_or_404(organisation_id)
    form = OrganisationForm(data=_form_data(org))
    if form.validate_on_submit():
        try:
            services.update_organisation(org, form.to_data(), form.logo.data)
        except services.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s are saved.", name=org.name), "success")
            return redirect(url_for("admin.organisations", _anchor=f"org-{org.id}"))
    return render_template("admin/organisation_form.html", form=form, org=org)


@bp.route("/organisations/<int:organisation_id>/deactivate", methods=["GET", "POST"])
@staff_required
def organisation_deactivate(organisation_id: int):
    """A confirmation page (GET), then deactivation with all its programmes (POST)."""
    org = get_managed_organisation_or_404(organisation_id)
    if not can_create_organisation(current_user):
        abort(403)
    if request.method == "POST":
        switched = services.set_organisation_active(org, False)
        db.session.commit()
        flash(ngettext("%(name)s is deactivated, with %(num)d programme.",
                       "%(name)s is deactivated, with %(num)d programmes.", len(switched),
                       name=org.name), "success")
        return redirect(url_for("admin.organisations", _anchor=f"org-{org.id}"))
    return render_template("admin/confirm_deactivate.html", what=org.name,
                           programmes=[p for p in org.programmes if p.active],
                           action=url_for("admin.organisation_deactivate",
                                          organisation_id=org.id))


@bp.route("/organisations/<int:organisation_id>/reactivate", methods=["POST"])
@staff_required
def organisation_reactivate(organisation_id: int):
    org = get_managed_organisation_or_404(organisation_id)
    if not can_create_organisation(current_user):
        abort(403)
    services.set_organisation_active(org, True)
    db.session.commit()
    flash(_("%(name)s is active again. Switch on each programme it still runs.",
            name=org.name), "success")
    return redirect(url_for("admin.organisations", _anchor=f"org-{org.id}"))
