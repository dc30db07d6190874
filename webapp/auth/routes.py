"""Login, logout and password reset views."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..crypto import blind_index
from ..extensions import db, limiter
from ..mail import queue_email
from ..models import User
from ..models.base import utcnow
from . import bp
from .forms import ForgotPasswordForm, LoginForm, ResetPasswordForm
from .passwords import hash_password, needs_rehash, verify_password
from .policy import password_problem
from .sessions import end_session, revoke_all, start_session
from .tokens import make_token, read_token


def _account_key() -> str:
    return "login-account:" + blind_index(request.form.get("email", "") or "-")


def _login_failed(response) -> bool:
    """Only failed attempts count toward the limit (a failed login re-renders with 200)."""
    return request.method == "POST" and response.status_code == 200


def _login_limit() -> str:
    return f"{current_app.config['LOGIN_FAILURES_PER_MINUTE']}/minute"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        ok = verify_password(user.password_hash if user else None, form.password.data)
        if ok and user.active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            start_session(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("main.dashboard")
            return redirect(target)
        # One message for an unknown address, a wrong password and a deactivated account.
        flash(_("The e-mail address or password is not correct."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user and user.active:
            token = make_token(user, "reset")
            queue_email(user, "password_reset", "email/password_reset",
                        link=url_for("auth.reset_password", token=token, _external=True),
                        minutes=current_app.config["RESET_TOKEN_MINUTES"])
        flash(_("If this address belongs to an account, we have sent it a link. "
                "The link works for one hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = read_token(token, "reset", current_app.config["RESET_TOKEN_MINUTES"] * 60)
    if user is None:
        flash(_("This link is not valid any more. Ask for a new one."), "danger")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data, staff=user.is_staff,
                                   context=(user.name, user.email,
                                            user.organisation.name if user.organisation else ""))
        if problem:
            form.password.errors.append(problem)
        else:
            user.password_hash = hash_password(form.password.data)
            user.password_changed_at = utcnow()
            revoke_all(user)
            db.session.commit()
            flash(_("Your password has been changed. You can log in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
