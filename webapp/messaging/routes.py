"""Messaging pages: the outbox (status, attempts, resend on purpose, letters, WhatsApp
links) for staff, and template editing with preview for admins. Views parse, call one
function, and render."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import access
from ..access import admin_required, staff_required
from ..audit import family_viewed, record
from ..extensions import db
from ..models import Message, Programme
from ..pagination import paginate
from ..vocab import LANGUAGES, MESSAGE_LANGUAGES
from . import bp, channels, delivery, labels, store, templating
from .forms import ConfirmForm, TemplateForm
from .outbox import can_message, families_named


def _label_context() -> dict:
    return labels.template_context()


# --- Outbox --------------------------------------------------------------------------------

@bp.route("/outbox")
@staff_required
def outbox():
    status = request.args.get("status", "")
    query = access.visible_messages_query(current_user).order_by(Message.created_at.desc(),
                                                                 Message.id.desc())
    if status in labels.STATUS_LABELS:
        query = query.where(Message.status == status)
    page = paginate(query)
    family_viewed(families_named(page.items), "outbox")
    return render_template("messaging/outbox.html", page=page, status=status,
                           **_label_context())


@bp.route("/outbox/<int:message_id>")
@staff_required
def message_detail(message_id: int):
    msg = access.get_message_or_404(message_id)
    if msg.kind not in labels.HIDDEN_KINDS:
        record("read", "message", msg.id, fields=["recipient", "body_text"])
        family_viewed(families_named([msg]), "message", commit=False)
        db.session.commit()
    return render_template("messaging/message.html", msg=msg, form=ConfirmForm(),
                           printable=labels.printable(msg),
                           dir=channels.direction(msg.language),
                           paragraphs=channels.paragraphs(msg.body_text),
                           whatsapp_url=_whatsapp_url(msg),
                           resendable=_resendable(msg), **_label_context())


def _whatsapp_url(msg: Message) -> str | None:
    if msg.channel != "whatsapp" or msg.status in ("cancelled",):
        return None
    return channels.whatsapp_link(msg.recipient, msg.body_text)


def _resendable(msg: Message) -> bool:
    return msg.kind not in labels.HIDDEN_KINDS and msg.status in labels.RESENDABLE_STATUSES


@bp.route("/outbox/<int:message_id>/resend", methods=["GET", "POST"])
@staff_required
def resend(message_id: int):
    """Resend on purpose, after a confirmation page."""
    msg = access.get_message_or_404(message_id)
    if not _resendable(msg):
        flash(_("This message cannot be sent again from here."), "warning")
        return redirect(url_for("messaging.message_detail", message_id=msg.id))
    form = ConfirmForm()
    if not form.validate_on_submit():
        family_viewed(families_named([msg], with_batch=False), "resend")
        return render_template("messaging/resend_confirm.html", msg=msg, form=form,
                               **_label_context())
    if not can_message(msg):
        flash(_("This message may not be sent: consent was withdrawn."), "danger")
        return redirect(url_for("messaging.message_detail", message_id=msg.id))
    copy = delivery.resend(msg, current_user.id)
    record("create", "message", copy.id, fields=["resend_of_id"], reason="resend")
    db.session.commit()
    flash(_("The message is on its way again."), "success")
    return redirect(url_for("messaging.message_detail", message_id=copy.id))


@bp.route("/outbox/<int:message_id>/handed-over", methods=["POST"])
@staff_required
def handed_over(message_id: int):
    """A letter printed and given, or a WhatsApp text sent, by the coordinator."""
    msg = access.get_message_or_404(message_id)
    if msg.status != "manual" or not ConfirmForm().validate_on_submit():
        abort(400)
    if not can_message(msg):
        flash(_("This message may not be sent: consent was withdrawn."), "danger")
    else:
        delivery.mark_handed_over(msg, current_user.id)
        db.session.commit()
        flash(_("Marked as sent."), "success")
    return redirect(url_for("messaging.message_detail", message_id=msg.id))


@bp.route("/outbox/<int:message_id>/letter")
@staff_required
def letter(message_id: int):
    """A printed copy of a family message, whatever its channel: the letter (the family's
    language, the Dutch text on the back), or for a call script the page for the caller
    (the Dutch beside the family's language). Only staff who may see the message."""
    msg = access.get_message_or_404(message_id)
    if not labels.printable(msg):
        abort(404)
    view = "call_script" if msg.channel == "call" else "letter"
    record("read", "message", msg.id, fields=["body_text"], reason=view)
    family_viewed(families_named([msg]), view, commit=False)
    db.session.commit()
    programme = db.session.get(Programme, msg.programme_id) if msg.programme_id else None
    organisation = programme.organisation.name if programme else ""
    if msg.channel == "call":
        return render_template("messaging/call_script.html", msg=msg,
                               script=channels.script_rows(msg), organisation=organisation,
                               **_label_context())
    # the sender's address, phone number and e-mail, as the organisation's admin gave them
    return render_template("messaging/letter.html", msg=msg, pages=channels.letter_pages(msg),
                           organisation=organisation,
                           sender=programme.organisation if programme else None,
                           **_label_context())


# --- Templates (admins) --------------------------------------------------------------------

def _scope_or_404(scope: str) -> tuple[str, str]:
    scopes = dict(access.template_scopes_for(current_user))
    if scope not in scopes:
        abort(404)
    return scope, scopes[scope]


@bp.route("/templates")
@admin_required
def templates():
    scopes = access.template_scopes_for(current_user)
    scope = request.args.get("scope") or (scopes[0][0] if scopes else "")
    if scopes:
        _scope_or_404(scope)
    rows = {(r.kind, r.language): r for r in db.session.execute(
        db.select(store.MessageTemplate).filter_by(scope=scope)).scalars()}
    return render_template("messaging/templates.html", scopes=scopes, scope=scope,
                           kinds=templating.KINDS, message_languages=MESSAGE_LANGUAGES, rows=rows,
                           shipped={k: templating.shipped_languages(k) for k in
                                    templating.KINDS}, language_labels=LANGUAGES)


@bp.route("/templates/<kind>/<language>", methods=["GET", "POST"])
@admin_required
def template_edit(kind: str, language: str):
    if kind not in templating.KINDS or language not in LANGUAGES:
        abort(404)
    scope, scope_label = _scope_or_404(request.args.get("scope", ""))
    source = store.template_for_scope(kind, language, scope)
    form = TemplateForm(data={"subject": source.subject if source else "",
                              "body": source.body if source else "",
                              "version": source.version if source else 0}
                        if request.method == "GET" else None)
    problems, preview = [], None
    if form.validate_on_submit():
        if form.save.data:
            try:
                store.save_template(kind=kind, language=language, scope=scope,
                                    subject=form.subject.data, body=form.body.data,
                                    base_version=form.version.data or 0,
                                    user_id=current_user.id)
            except templating.TemplateProblem as exc:
                db.session.rollback()
                problems = [exc]
            except store.VersionConflict as exc:
                db.session.rollback()
                problems = [templating.TemplateProblem(str(exc))]
            else:
                db.session.commit()
                flash(_("The text is saved."), "success")
                return redirect(url_for("messaging.template_edit", kind=kind,
                                        language=language, scope=scope))
        else:
            problems = templating.validate(kind, form.subject.data, form.body.data)
        if not problems:
            preview = templating.render(kind, form.subject.data, form.body.data,
                                        templating.sample_values(kind))
    elif request.method == "POST":
        problems = [templating.TemplateProblem(e) for errs in form.errors.values() for e in errs]
    elif source:
        preview = _safe_preview(kind, source.subject, source.body)
    return render_template(
        "messaging/template_edit.html", form=form, kind=templating.KINDS[kind],
        language=language, scope=scope, scope_label=scope_label, source=source,
        problems=problems, preview=preview, dir=channels.direction(language),
        variables=[templating.VARIABLES[v] for v in templating.KINDS[kind].variables],
        reset_form=ConfirmForm(), language_labels=LANGUAGES)


def _safe_preview(kind, subject, body):
    try:
        return templating.render(kind, subject, body, templating.sample_values(kind))
    except templating.TemplateProblem:
        return None


@bp.route("/templates/<kind>/<language>/preview", methods=["POST"])
@admin_required
def template_preview(kind: str, language: str):
    """Live preview (JSON) while the admin types; nothing is stored."""
    if kind not in templating.KINDS or language not in LANGUAGES:
        abort(404)
    subject, body = request.form.get("subject", ""), request.form.get("body", "")
    problems = templating.validate(kind, subject, body)
    if problems:
        return jsonify(ok=False, problems=[str(p) for p in problems])
    rendered = templating.render(kind, subject, body, templating.sample_values(kind))
    return jsonify(ok=True, subject=rendered.subject,
                   paragraphs=channels.paragraphs(rendered.text),
                   dir=channels.direction(language), lang=language)


@bp.route("/templates/<kind>/<language>/reset", methods=["POST"])
@admin_required
def template_reset(kind: str, language: str):
    """Remove the admin's version: the shipped text applies again."""
    scope, _label = _scope_or_404(request.args.get("scope", ""))
    if kind not in templating.KINDS or not ConfirmForm().validate_on_submit():
        abort(400)
    if store.reset_template(kind, language, scope, current_user.id):
        db.session.commit()
        flash(_("The shipped text applies again."), "success")
    return redirect(url_for("messaging.template_edit", kind=kind, language=language,
                            scope=scope))
