"""One's own security settings: second factor, recovery codes, password, open sessions.

Every account reaches these pages; each acts only on the logged-in user's own account.
"""
from __future__ import annotations

import os

import click
from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit, crypto
from ..extensions import db, limiter
from ..models.base import utcnow
from . import bp
from .forms import ChangePasswordForm, TotpConfirmForm, TotpSetupForm
from .passwords import hash_password, verify_password
from .policy import password_problem
from .routes import _attempt_failed, _login_limit, _user_key
from .sessions import (
    current_session_id,
    end_session,
    open_sessions,
    revoke_all,
    revoke_handle,
    session_handle,
    start_session,
)
from .totp import (
    disable,
    enable,
    matching_step,
    new_secret,
    provisioning_uri,
    qr_svg_data_uri,
    requires_second_factor,
    verify_second_factor,
)

SETUP_KEY = "totp_setup"  # the not yet confirmed secret, encrypted, in the signed cookie

# Pages a staff member without a second factor may still open while it is required.
_OPEN_WITHOUT_SECOND_FACTOR = {"static", "auth.logout", "auth.two_factor_setup", "auth.login",
                               "auth.login_code", "main.healthz"}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@bp.record_once
def _defaults(state) -> None:
    """Defaults for this blueprint's settings (tests and ``create_app(config)`` override)."""
    state.app.config.setdefault("REQUIRE_2FA_STAFF", _flag("KOPPEL_REQUIRE_2FA_STAFF", True))
    state.app.config.setdefault("SECOND_FACTOR_FAILURES_PER_HOUR",
                                int(os.environ.get("KOPPEL_SECOND_FACTOR_FAILURES_PER_HOUR")
                                    or 20))


@bp.before_app_request
def require_second_factor():
    """Staff without a second factor can do nothing but set one up (when it is required)."""
    if request.endpoint in _OPEN_WITHOUT_SECOND_FACTOR or request.endpoint is None:
        return None
    if not current_app.config.get("REQUIRE_2FA_STAFF", True):
        return None
    if not current_user.is_authenticated or current_user.has_totp:
        return None
    if requires_second_factor(current_user, current_app.config):
        return redirect(url_for("auth.two_factor_setup"))
    return None


@bp.route("/account/security")
@login_required
def security():
    return render_template("auth/security.html", sessions=_session_rows(),
                           confirm_form=TotpConfirmForm(),
                           required=requires_second_factor(current_user, current_app.config))


def _setup_secret() -> str:
    token = session.get(SETUP_KEY)
    if token:
        try:
            return crypto.decrypt(token)
        except crypto.KeyError_:
            pass
    secret = new_secret()
    session[SETUP_KEY] = crypto.encrypt(secret)
    return secret


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, key_func=_user_key, methods=["POST"], deduct_when=_attempt_failed)
def two_factor_setup():
    if current_user.has_totp:
        flash(_("Two-step login is already on for your account."), "info")
        return redirect(url_for("auth.security"))
    form = TotpSetupForm()
    secret = _setup_secret()
    if form.validate_on_submit():
        step = matching_step(secret, form.code.data, after=None)
        if step is not None:
            codes = enable(current_user, secret, step)
            session.pop(SETUP_KEY, None)
            # sessions opened with the password alone end; this one goes on
            revoke_all(current_user, except_id=current_session_id())
            audit.record("update", "user", current_user.id, fields=["totp"],
                         reason="second factor switched on")
            db.session.commit()
            flash(_("Two-step login is on."), "success")
            return render_template("auth/recovery_codes.html", codes=codes)
        g.auth_failed = True
        form.code.errors.append(_("This code is not correct. Check that the time on your "
                                  "phone is right, and try the next code."))
    uri = provisioning_uri(secret, current_user.email)
    return render_template("auth/two_factor_setup.html", form=form, qr=qr_svg_data_uri(uri),
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                           required=requires_second_factor(current_user, current_app.config))


def _confirmed(form: TotpConfirmForm) -> bool:
    """Password and a second-factor code both right (a failure counts toward the limit)."""
    if not form.validate_on_submit():
        return False
    if verify_password(current_user.password_hash, form.password.data) \
            and verify_second_factor(current_user, form.code.data):
        return True
    db.session.rollback()
    g.auth_failed = True
    flash(_("The password or the code is not correct."), "danger")
    return False


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
@limiter.limit(_login_limit, key_func=_user_key, methods=["POST"], deduct_when=_attempt_failed)
def two_factor_disable():
    if not current_user.has_totp:
        return redirect(url_for("auth.security"))
    if requires_second_factor(current_user, current_app.config):
        flash(_("Coordinators and administrators cannot switch two-step login off."), "danger")
        return redirect(url_for("auth.security"))
    form = TotpConfirmForm()
    if _confirmed(form):
        disable(current_user)
        audit.record("update", "user", current_user.id, fields=["totp"],
                     reason="second factor switched off")
        db.session.commit()
        flash(_("Two-step login is off."), "info")
        return redirect(url_for("auth.security"))
    return render_template("auth/security.html", confirm_form=form, required=False,
                           sessions=_session_rows())


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(_login_limit, key_func=_user_key, methods=["POST"], deduct_when=_attempt_failed)
def recovery_codes():
    if not current_user.has_totp:
        return redirect(url_for("auth.security"))
    form = TotpConfirmForm()
    if _confirmed(form):
        codes = enable(current_user, current_user.totp_secret, current_user.totp_last_step)
        audit.record("update", "user", current_user.id, fields=["recovery_codes"],
                     reason="new recovery codes")
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes)
    return render_template("auth/security.html", confirm_form=form,
                           required=requires_second_factor(current_user, current_app.config),
                           sessions=_session_rows())


def _session_rows() -> list[dict]:
    current = current_session_id()
    return [{"handle": session_handle(r.id), "current": r.id == current, "row": r}
            for r in open_sessions(current_user)]


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, key_func=_user_key, methods=["POST"], deduct_when=_attempt_failed)
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current.data):
            g.auth_failed = True
            form.current.errors.append(_("This is not your current password."))
        else:
            problem = password_problem(
                form.password.data, staff=user.is_staff,
                context=(user.name, user.email,
                         user.organisation.name if user.organisation else ""))
            if problem:
                form.password.errors.append(problem)
            else:
                user.password_hash = hash_password(form.password.data)
                user.password_changed_at = utcnow()
                revoke_all(user)  # every session, this one too: a new one starts below
                audit.record("update", "user", user.id, fields=["password"],
                             reason="password changed by the user")
                db.session.commit()
                start_session(user)
                flash(_("Your password has been changed. You are logged out everywhere "
                        "else."), "success")
                return redirect(url_for("auth.security"))
    return render_template("auth/password.html", form=form)


@bp.route("/account/sessions/<handle>/revoke", methods=["POST"])
@login_required
def revoke_session(handle: str):
    current = current_session_id()
    if current and session_handle(current) == handle:
        end_session()
        flash(_("You are logged out."), "info")
        return redirect(url_for("auth.login"))
    if not revoke_handle(current_user, handle):
        abort(404)
    flash(_("That session has been logged out."), "success")
    return redirect(url_for("auth.security"))


@bp.route("/account/sessions/revoke-all", methods=["POST"])
@login_required
def revoke_all_sessions():
    """Log out everywhere, this browser too."""
    revoke_all(current_user)
    db.session.commit()
    end_session()
    flash(_("You are logged out everywhere."), "info")
    return redirect(url_for("auth.login"))


@bp.cli.command("reset-2fa")
@click.argument("email")
def reset_two_factor_command(email: str) -> None:
    """Switch two-step login off for EMAIL (lost phone and recovery codes) and log them out.

    Check who is asking first (call them back on a known number): this removes a factor. A
    coordinator or admin must set it up again at their next login."""
    from ..models import User
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"no account with the address {email}")
    reset_second_factor(user, reason="second factor reset (CLI)")
    click.echo(f"two-step login reset for account {user.id}; all its sessions are logged out")


def reset_second_factor(user, reason: str) -> None:
    """Switch ``user``'s two-step login off (lost phone and recovery codes), log them out
    everywhere and write it to the audit log; one commit. Staff must set it up again at
    their next login. Used by the admin screen and the command line."""
    disable(user)
    revoke_all(user)
    audit.record("update", "user", user.id, fields=["totp"], reason=reason)
    db.session.commit()
