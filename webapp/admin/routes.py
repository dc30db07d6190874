"""Admin views: users (search, deactivate), organisations and programmes, local outbox."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import admin_required, can_manage_organisation
from ..auth.account import reset_second_factor as reset_user_second_factor
from ..auth.sessions import revoke_all
from ..crypto import blind_index
from ..extensions import db
from ..models import Message, Organisation, User
from ..pagination import paginate
from . import bp


def _users_query():
    query = db.select(User).order_by(User.name)
    if current_user.organisation_id is not None:
        query = query.filter_by(organisation_id=current_user.organisation_id)
    q = request.args.get("q", "").strip()
    if q:
        # Names are searched by substring; e-mail addresses (encrypted) by exact match.
        query = query.where(db.or_(User.name.ilike(f"%{q}%"), User.email_index == blind_index(q)))
    return query


@bp.route("/users")
@admin_required
def users():
    return render_template("admin/users.html", page=paginate(_users_query()),
                           q=request.args.get("q", ""))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not can_manage_organisation(current_user, user.organisation_id):
        abort(404)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "danger")
        return redirect(url_for("admin.users"))
    user.active = request.form.get("active") == "1"
    if not user.active:
        revoke_all(user)
    db.session.commit()
    flash(_("%(name)s is active again.", name=user.name) if user.active
          else _("%(name)s is deactivated and logged out everywhere.", name=user.name), "success")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@admin_required
def reset_second_factor(user_id: int):
    """Someone lost their phone and their recovery codes: switch their two-step login off
    (after the admin checked who is asking), log them out everywhere; audited."""
    user = db.session.get(User, user_id)
    if user is None or not can_manage_organisation(current_user, user.organisation_id):
        abort(404)
    back = redirect(url_for("admin.users", q=request.args.get("q", "")))
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


@bp.route("/organisations")
@admin_required
def organisations():
    query = db.select(Organisation).order_by(Organisation.name)
    if current_user.organisation_id is not None:
        query = query.filter_by(id=current_user.organisation_id)
    return render_template("admin/organisations.html", organisations=db.session.execute(
        query).scalars().all())


@bp.route("/outbox")
@admin_required
def outbox():
    """The local outbox: messages kept here because no mail server is configured."""
    query = db.select(Message).order_by(Message.created_at.desc())
    if current_user.organisation_id is not None:
        query = query.join(User, Message.user_id == User.id).filter(
            User.organisation_id == current_user.organisation_id)
    return render_template("admin/outbox.html", page=paginate(query), hidden_kinds=HIDDEN_KINDS)


# Bodies of these carry login links: never shown, even to admins.
HIDDEN_KINDS = frozenset({"password_reset", "confirm_email"})
