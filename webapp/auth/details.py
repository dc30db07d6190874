"""A staff member's own details (name and phone number), which introductions, invitations and
the coordinator's signature give families and volunteers."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import staff_required
from ..accounts import update_details
from ..extensions import db
from . import bp
from .forms import DetailsForm


@bp.route("/account/details", methods=["GET", "POST"])
@staff_required
def my_details():
    form = DetailsForm(obj=current_user)
    if form.validate_on_submit():
        update_details(current_user, name=form.name.data, phone=form.phone.data)
        db.session.commit()
        flash(_("Your details are saved."), "success")
        return redirect(url_for("auth.my_details"))
    return render_template("auth/details.html", form=form)
