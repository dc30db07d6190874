"""Admin views of the training catalogue (installation-wide admin only): the list with where
each item and its default validity come from, add an item, change one, retire it and bring it
back. The work is done in ``webapp.training_catalogue``."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import training_catalogue as tc
from ..access import installation_admin_required
from ..extensions import db
from . import bp
from .forms import CatalogueItemEditForm, CatalogueItemForm, show_error

def _row_or_404(code: str):
    row = tc.get_row(code)
    if row is None:
        abort(404)
    return row


@bp.route("/training-catalogue")
@installation_admin_required
def training_catalogue():
    return render_template("admin/catalogue.html", entries=tc.entries(),
                           dutch=str(get_locale()) == "nl", special=tc.SPECIAL)


@bp.route("/training-catalogue/new", methods=["GET", "POST"])
@installation_admin_required
def training_item_new():
    form = CatalogueItemForm()
    if form.validate_on_submit():
        try:
            row = tc.add_item(form.to_data())
        except tc.CatalogueError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("%(title)s is added to the catalogue. Programmes can require or recommend "
                    "it now.", title=row.title_en if str(get_locale()) != "nl"
                    else row.title_nl), "success")
            return redirect(url_for("admin.training_catalogue", _anchor=f"item-{row.code}"))
    return render_template("admin/catalogue_item_form.html", form=form, row=None)


@bp.route("/training-catalogue/<code>/edit", methods=["GET", "POST"])
@installation_admin_required
def training_item_edit(code: str):
    row = _row_or_404(code)
    form = CatalogueItemEditForm(obj=row)
    if form.validate_on_submit():
        try:
            tc.update_item(row, form.to_data())
        except tc.CatalogueError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The changes are saved. Readiness uses them from now on."), "success")
            return redirect(url_for("admin.training_catalogue", _anchor=f"item-{row.code}"))
    return render_template("admin/catalogue_item_form.html", form=form, row=row)


@bp.route("/training-catalogue/<code>/retire", methods=["POST"])
@installation_admin_required
def training_item_retire(code: str):
    row = _row_or_404(code)
    try:
        tc.retire_item(row)
    except tc.CatalogueError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("The item is retired: it is no longer offered to programmes and volunteers. "
                "Records of it are kept."), "success")
    return redirect(url_for("admin.training_catalogue", _anchor=f"item-{row.code}"))


@bp.route("/training-catalogue/<code>/restore", methods=["POST"])
@installation_admin_required
def training_item_restore(code: str):
    row = _row_or_404(code)
    tc.restore_item(row)
    db.session.commit()
    flash(_("The item is offered again."), "success")
    return redirect(url_for("admin.training_catalogue", _anchor=f"item-{row.code}"))
