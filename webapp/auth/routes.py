"""Login, logout and password reset views."""
from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts import accept_invitation
from ..crypto import blind_index
from ..extensions import db, limiter
from ..models import User
from ..models.base import utcnow
from . import bp
from .forms import CodeForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from .passwords import hash_password, needs_rehash, verify_password
from .policy import password_problem
from .reset import request_reset
from .sessions import end_session, revoke_all, start_session
from .tokens import read_password_token
from .totp import verify_second_factor

PENDING_KEY = "mfa_pending"
PENDING_SECONDS = 300


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
            target = _safe_next(request.args.get("next", ""))
            if user.has_totp:
                # Password right: now the second factor. No session row exists until then.
                db.session.commit()
                _clear_session()
                session[PENDING_KEY] = {"u": user.id, "t": int(time.time()), "n": target}
                return redirect(url_for("auth.login_code"))
            start_session(user)
            return redirect(target)
        # One message for an unknown address, a wrong password and a deactivated account.
        flash(_("The e-mail address or password is not correct."), "danger")
    return render_template("auth/login.html", form=form)


def _safe_next(target: str) -> str:
    """Only a local path (not ``//host`` or ``/\\host``) is followed after logging in."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(ch) < 32 for ch in target):
        return url_for("main.dashboard")
    return target


def _clear_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _pending_user():
    """(user, next) of a login waiting for its second factor, or None when there is none or
    it is older than ``PENDING_SECONDS``."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or int(time.time()) - int(data.get("t", 0)) > PENDING_SECONDS:
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or not user.has_totp:
        return None
    return user, data.get("n") or url_for("main.dashboard")


def _pending_key() -> str:
    data = session.get(PENDING_KEY)
    return "login-2fa:" + str(data.get("u") if isinstance(data, dict) else "-")


def _user_key() -> str:
    return "account:" + str(current_user.get_id() or "-")


def _attempt_failed(response) -> bool:
    """A view sets ``g.auth_failed`` when a code or password was wrong: only those count."""
    return bool(g.get("auth_failed"))


def _second_factor_hourly() -> str:
    return f"{current_app.config.get('SECOND_FACTOR_FAILURES_PER_HOUR', 20)}/hour"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_attempt_failed)
@limiter.limit(_login_limit, key_func=_pending_key, methods=["POST"],
               deduct_when=_attempt_failed)
@limiter.limit(_second_factor_hourly, key_func=_pending_key, methods=["POST"],
               deduct_when=_attempt_failed)
def login_code():
    """Second step of logging in: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    pending = _pending_user()
    if pending is None:
        session.pop(PENDING_KEY, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    user, target = pending
    form = CodeForm()
    if form.validate_on_submit():
        kind = verify_second_factor(user, form.code.data)
        if kind:
            start_session(user)  # commits the used step / the struck-off recovery code
            if kind == "recovery":
                flash(_("You used a recovery code. %(n)d codes are left; make new ones on "
                        "your security page.", n=len(user.recovery_codes or [])), "warning")
            return redirect(_safe_next(target))
        db.session.rollback()
        g.auth_failed = True
        flash(_("This code is not correct."), "danger")
    return render_template("auth/login_code.html", form=form)


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
        request_reset(form.email.data)  # the same work whether or not the account exists
        flash(_("If this address belongs to an account, we have sent it a link. "
                "The link works for one hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a password through a link: a password reset, or an admin's invitation."""
    user, purpose = read_password_token(token)
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
            if purpose == "invite":
                accept_invitation(user)
            db.session.commit()
            flash(_("Your password has been changed. You can log in now.")
                  if purpose != "invite" else
                  _("Your password is set. You can log in now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, invited=purpose == "invite")
