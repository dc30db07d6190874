"""Account e-mails (password reset, e-mail confirmation, …) through the outbox.

``queue_email`` renders the Flask templates ``<template>.subject.txt`` and ``<template>.txt`` in
the user's language, writes the message to the outbox and commits; delivery (SMTP, with
retries and an at-most-once guarantee) is :mod:`webapp.messaging.delivery`. Without
``MAIL_SERVER`` the message stays in the local outbox (status ``local``) where staff can read
it, so the demo works end to end with no mail server.
"""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from .extensions import db
from .messaging import delivery  # noqa: F401  (registers the delivery jobs)
from .messaging.channels import email_html, plain_text
from .messaging.outbox import write
from .models import Message, User


def compose_email(user: User, kind: str, template: str, **context) -> Message:
    """Render ``template`` in the user's language into an (unsaved) e-mail to ``user``;
    the caller writes it to the outbox in its own transaction."""
    lang = user.locale or "nl"
    with force_locale(lang):
        subject = render_template(f"{template}.subject.txt", user=user, **context).strip()
        text = render_template(f"{template}.txt", user=user, **context)
    return Message(kind=kind, channel="email", recipient=user.email, recipient_name=user.name,
                   language=lang, subject=" ".join(subject.split()),
                   body_text=plain_text(text, lang), body_html=email_html(subject, text, lang),
                   user_id=user.id, party_type="user", party_id=user.id)


def queue_email(user: User, kind: str, template: str, **context) -> Message:
    """Render ``template`` in the user's language, store it, commit, and dispatch delivery."""
    msg = compose_email(user, kind, template, **context)
    write([msg])
    db.session.commit()  # dispatches delivery right after the commit
    return msg
