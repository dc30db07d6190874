"""Password reset by e-mail, without telling who has an account.

The "forgot password" view only calls :func:`request_reset`, which does the same work for
every address: it enqueues the ``password_reset_mail`` job with the address's blind index
(never the address itself). The job looks the account up and, for an active one, mails a
single-use link built on ``KOPPEL_BASE_URL``. Neither the response nor its timing depends on
whether the account exists.
"""
from __future__ import annotations

from flask import current_app

from ..crypto import blind_index
from ..extensions import db
from ..jobs import enqueue, job
from ..links import external_url
from ..mail import queue_email
from ..models import Job, User
from .tokens import make_token

JOB_NAME = "password_reset_mail"


def request_reset(email: str) -> Job:
    """Queue the reset e-mail for ``email``; the same for known and unknown addresses."""
    return enqueue(JOB_NAME, blind_index(email))


@job(JOB_NAME)
def password_reset_mail(ctx, email_index: str) -> None:
    """Mail a reset link to the active account with this e-mail index, if there is one."""
    user = db.session.execute(
        db.select(User).filter_by(email_index=email_index)).scalar_one_or_none()
    ctx.row.args = []  # the look-up key is not kept once used
    if user is None or not user.active:
        db.session.commit()
        return
    token = make_token(user, "reset")
    queue_email(user, "password_reset", "email/password_reset",  # commits
                link=external_url("auth.reset_password", token=token),
                minutes=current_app.config["RESET_TOKEN_MINUTES"])
