"""Admin views: the local outbox. Organisations, programmes and users are in
``organisations.py``, ``programmes.py`` and ``users.py``; the training catalogue in
``catalogue.py``."""
from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from ..access import admin_required
from ..extensions import db
from ..messaging.labels import HIDDEN_KINDS, login_links_shown
from ..models import Message, User
from ..pagination import paginate
from . import bp

__all__ = ["HIDDEN_KINDS", "outbox"]


@bp.route("/outbox")
@admin_required
def outbox():
    """The local outbox: messages kept here because no mail server is configured. The texts
    of e-mails with a login link are hidden, except on a development instance without a
    mail server (``messaging.labels.login_links_shown``), where nobody else can receive
    them and ``make run`` needs them to finish a self-registration."""
    query = db.select(Message).order_by(Message.created_at.desc())
    if current_user.organisation_id is not None:
        query = query.join(User, Message.user_id == User.id).filter(
            User.organisation_id == current_user.organisation_id)
    show_links = login_links_shown(current_app.config)
    return render_template("admin/outbox.html", page=paginate(query),
                           hidden_kinds=frozenset() if show_links else HIDDEN_KINDS,
                           login_kinds=HIDDEN_KINDS, show_login_links=show_links)
