"""Admin views of users: the list (search, e-mail, role, programmes, last login, status),
inviting a coordinator or admin, changing a role and a coordinator's programmes, sending an
invitation again, deactivating and activating again, and resetting a lost second factor.

Organisation admins see and change only their own organisation's users (404 for anyone
else's); the work is done in ``webapp.admin.services``.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from .. import vocab
from ..access import (
    admin_required,
    get_managed_user_or_404,
    managed_organisations,
    staff_required,
)
from ..auth.account import reset_second_factor as reset_user_second_factor
from ..crypto import blind_index
from ..extensions import db
from ..models import User
from ..pagination import paginate
from . import bp, services
from .forms import UserEditForm, UserInviteForm, show_error


def _users_query():
    query = (db.select(User).order_by(User.name, User.id)
             .options(selectinload(User.programmes), selectinload(User.organisation)))
    if current_user.organisation_id is not None:
        query = query.filter_by(organisation_id=current_user.organisation_id)
    q = request.args.get("q", "").strip()
    if q:
        # Names are searched by substring; e-mail addresses (encrypted) by exact match.
        query = query.where(db.or_(User.name.ilike(f"%{q}%"), User.email_index == blind_index(q)))
    return query


def _back():
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


@bp.route("/users")
@admin_required
def users():
    return render_template("admin/users.html", page=paginate(_users_query()),
                           q=request.args.get("q", ""))


def _invite_form() -> UserInviteForm:
    form = UserInviteForm(data={"locale": str(get_locale() or "nl"),
                                "organisation_id": str(current_user.organisation_id or "")})
    choices = [(str(o.id), o.name) for o in managed_organisations(current_user,
                                                                  active_only=True)]
    if current_user.is_installation_admin:
        choices.insert(0, ("", _("None: an administrator of the whole installation")))
    form.organisation_id.choices = choices
    form.locale.choices = [(code, vocab.LANGUAGES.get(code, code))
                           for code in current_app.config["LANGUAGES"]]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = _invite_form()
    if form.validate_on_submit():
        try:
            user = services.invite_user(current_user, form.to_data())  # commits
        except services.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(_("%(name)s is invited. The e-mail has a link to choose a password, which "
                    "works for %(hours)s hours.", name=user.name,
                    hours=current_app.config["INVITE_TOKEN_HOURS"]), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


def _edit_form(user: User) -> UserEditForm:
    form = UserEditForm(data={"role": user.role, "programmes": [p.id for p in user.programmes]})
    form.programmes.choices = [(p.id, p.name) for p in services.assignable_programmes(user)]
    return form


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@staff_required  # coordinators get 404 from get_managed_user_or_404, as for any other id
def user_edit(user_id: int):
    user = get_managed_user_or_404(user_id)
    form = _edit_form(user) if user.is_staff else None
    if form is not None and form.validate_on_submit():
        try:
            services.update_user(current_user, user, form.role.data, form.programmes.data or [])
        except services.AdminError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("The changes to %(name)s are saved.", name=user.name), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@admin_required
def resend_invitation(user_id: int):
    user = get_managed_user_or_404(user_id)
    try:
        services.resend_invitation(current_user, user)  # commits
    except services.AdminError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("The invitation is sent to %(name)s again. The earlier link no longer works.",
                name=user.name), "success")
    return _back()


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id: int):
    user = get_managed_user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_user_active(current_user, user, active)
    except services.AdminError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back()
    db.session.commit()
    flash(_("%(name)s is active again.", name=user.name) if active
          else _("%(name)s is deactivated and logged out everywhere.", name=user.name), "success")
    return _back()


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@admin_required
def reset_second_factor(user_id: int):
    """Someone lost their phone and their recovery codes: switch their two-step login off
    (after the admin checked who is asking), log them out everywhere; audited."""
    user = get_managed_user_or_404(user_id)
    back = _back()
    if user.id == current_user.id:
        flash(_("Change your own two-step login under My account."), "danger")
        return back
    if user.totp_enabled_at is None:
        flash(_("%(name)s has no two-step login to reset.", name=user.name), "info")
        return back
    reset_user_second_factor(user, reason="second factor reset by an administrator")
    flash(_("Two-step login is reset for %(name)s, who is logged out everywhere. They set it "
            "up again at their next login.", name=user.name), "success")
    return back
