"""Views of volunteers' concerns for coordinators: the list (open first, urgent first), one
concern with its follow-up, and the three steps (mark as read, write down what was done,
close). The rules live in :mod:`.concerns`; these views only translate the outcome."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import get_concern_or_404, staff_required
from ..pagination import paginate
from . import bp, concerns
from .approval import Refused
from .texts import refusal_text


@bp.route("/concerns")
@staff_required
def concern_list():
    show = request.args.get("show", "open")
    if show not in concerns.SHOW:
        show = "open"
    page = paginate(concerns.concerns_query(current_user, show))
    return render_template("matches/concerns.html", page=page, show=show)


@bp.route("/concerns/<int:concern_id>")
@staff_required
def concern_detail(concern_id: int):
    concern = get_concern_or_404(concern_id)
    audit.family_viewed(concern.match.family_id, "concern_detail")
    return render_template("matches/concern.html", concern=concern, match=concern.match)


def _step(concern_id: int, do, done: str):
    concern = get_concern_or_404(concern_id)
    try:
        do(concern)
        flash(done, "success")
    except Refused as exc:
        flash(refusal_text(exc.code, exc.params),
              "info" if exc.code in ("concern_already_read", "concern_closed") else "danger")
    return redirect(url_for(".concern_detail", concern_id=concern_id))


@bp.route("/concerns/<int:concern_id>/acknowledge", methods=["POST"])
@staff_required
def concern_acknowledge(concern_id: int):
    return _step(concern_id, lambda c: concerns.acknowledge(c, current_user.id),
                 _("You have marked this concern as read. The volunteer can see that."))


@bp.route("/concerns/<int:concern_id>/note", methods=["POST"])
@staff_required
def concern_note(concern_id: int):
    text = request.form.get("text", "")
    return _step(concern_id, lambda c: concerns.add_note(c, current_user.id, text),
                 _("Saved."))


@bp.route("/concerns/<int:concern_id>/close", methods=["POST"])
@staff_required
def concern_close(concern_id: int):
    text = request.form.get("text", "")
    return _step(concern_id, lambda c: concerns.close(c, current_user.id, text),
                 _("The concern is closed."))
