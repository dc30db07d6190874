"""Views of the matching area: run matching, review proposals, follow matches; and the
volunteer's own matches."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..access import (get_match_or_404, get_programme_or_404, get_proposal_or_404,
                      get_run_or_404, roles_required, staff_required, visible_programme_ids)
from ..extensions import db
from ..families.services import minimal_profile, waiting_requests
from ..models.matches import ACTIVE_MATCH_STATUSES, Concern, ContactMoment, Match, Proposal
from ..messaging import labels as message_labels
from ..models.volunteers import Volunteer
from ..pagination import paginate
from ..request_input import to_id
from . import bp, lifecycle, pausing, queries
from .approval import Refused, approve, approve_many, manual_match, reject, shortlist, swap
from .forms import (ConcernForm, ContactMomentForm, EndMatchForm, IntroduceForm,
                    ManualMatchForm, RejectForm, StartRunForm)
from .introduce import family_routes, intro_report, introduce, prepare
from .runs import (RunRefused, check_run, retry_run, start_run, stopped_unexpectedly,
                   waiting_for_queue)
from .texts import STAGES, refusal_text
from .volunteer_view import volunteer_view


def _flash_refusal(exc: Refused) -> None:
    flash(refusal_text(exc.code, exc.params), "danger")


@bp.route("/programmes/<int:programme_id>/matching", methods=["GET", "POST"])
@staff_required
def programme_matching(programme_id: int):
    programme = get_programme_or_404(programme_id)
    form = StartRunForm()
    if form.validate_on_submit():
        try:
            run = start_run(programme, current_user.id, municipality=form.municipality.data,
                            urgent_only=form.urgent_only.data)
        except RunRefused:
            flash(refusal_text("run_busy"), "warning")
            return redirect(url_for(".programme_matching", programme_id=programme.id))
        return redirect(url_for(".run_detail", run_id=run.id))
    return render_template("matches/programme.html", programme=programme, form=form,
                           **queries.programme_overview(programme))


@bp.route("/runs/<int:run_id>")
@staff_required
def run_detail(run_id: int):
    run = check_run(get_run_or_404(run_id))
    status = request.args.get("status", "proposed")
    page = paginate(queries.proposals_query(run, status))
    return render_template("matches/run.html", run=run, page=page, status=status, stages=STAGES,
                           stopped=stopped_unexpectedly(run),
                           queue_down=waiting_for_queue(run),
                           reject_form=RejectForm(), unmatched=queries.unmatched(run),
                           bottlenecks=queries.bottlenecks(run),
                           warnings=queries.warnings_for(page.items))


@bp.route("/runs/<int:run_id>/retry", methods=["POST"])
@staff_required
def run_retry(run_id: int):
    run = get_run_or_404(run_id)
    if run.status != "failed":
        abort(400)
    try:
        new = retry_run(run, current_user.id)
    except RunRefused:
        flash(refusal_text("run_busy"), "warning")
        return redirect(url_for(".run_detail", run_id=run.id))
    return redirect(url_for(".run_detail", run_id=new.id))


@bp.route("/proposals/<int:proposal_id>/approve", methods=["POST"])
@staff_required
def proposal_approve(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    try:
        approve(proposal.id, current_user.id)
        flash(_("Approved. The match is recorded."), "success")
    except Refused as exc:
        _flash_refusal(exc)
    return redirect(url_for(".run_detail", run_id=proposal.run_id))


@bp.route("/runs/<int:run_id>/approve-shown", methods=["POST"])
@staff_required
def run_approve_shown(run_id: int):
    run = get_run_or_404(run_id)
    ids = [int(i) for i in request.form.getlist("proposal_id") if i.isdigit()]
    allowed = {p.id for p in db.session.execute(db.select(Proposal).where(
        Proposal.run_id == run.id, Proposal.id.in_(ids))).scalars()}
    result = approve_many([i for i in ids if i in allowed], current_user.id)
    flash(_("%(n)s proposals approved.", n=result.approved), "success")
    for _pid, reason in result.refused:
        flash(refusal_text("stale", {"reason": reason}), "warning")
    return redirect(url_for(".run_detail", run_id=run.id))


@bp.route("/proposals/<int:proposal_id>/reject", methods=["POST"])
@staff_required
def proposal_reject(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please choose a reason."), "danger")
    else:
        try:
            reject(proposal, current_user.id, form.reason.data, form.note.data)
            flash(_("Rejected. This volunteer will not be proposed for this family again."),
                  "success")
        except Refused as exc:
            _flash_refusal(exc)
    return redirect(url_for(".run_detail", run_id=proposal.run_id))


@bp.route("/proposals/<int:proposal_id>/swap", methods=["GET", "POST"])
@staff_required
def proposal_swap(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    if request.method == "POST":
        try:
            swap(proposal, request.form.get("volunteer_id", type=to_id) or 0, current_user.id)
            flash(_("The other volunteer is now proposed."), "success")
            return redirect(url_for(".run_detail", run_id=proposal.run_id))
        except Refused as exc:
            _flash_refusal(exc)
    return render_template("matches/swap.html", proposal=proposal,
                           options=shortlist(proposal) if proposal.status == "proposed" else [])


@bp.route("/programmes/<int:programme_id>/manual-match", methods=["GET", "POST"])
@staff_required
def manual(programme_id: int):
    programme = get_programme_or_404(programme_id)
    form = ManualMatchForm()
    waiting = waiting_requests(programme)
    form.request_id.choices = [(r.id, f"{r.family.reference}") for r in waiting]
    vols = queries.programme_volunteers(programme)
    form.volunteer_id.choices = [(v.id, v.name) for v in vols]
    if form.validate_on_submit():
        req = next((r for r in waiting if r.id == form.request_id.data), None)
        vol = next((v for v in vols if v.id == form.volunteer_id.data), None)
        if req is None or vol is None:
            abort(404)
        try:
            match = manual_match(req, vol, current_user.id, form.override_reason.data)
            flash(_("The match is recorded."), "success")
            return redirect(url_for(".match_detail", match_id=match.id))
        except Refused as exc:
            form.override_reason.errors.append(refusal_text(exc.code, exc.params))
    return render_template("matches/manual.html", programme=programme, form=form)


@bp.route("/matches")
@staff_required
def match_list():
    ids = visible_programme_ids(current_user)
    status = request.args.get("status", "running")
    query = db.select(Match).where(Match.programme_id.in_(ids)).order_by(Match.approved_at.desc())
    if status == "running":
        query = query.where(Match.status.in_(ACTIVE_MATCH_STATUSES))
    elif status in ("approved", "ended"):  # approved: still to be introduced
        query = query.where(Match.status == status)
    return render_template("matches/list.html", page=paginate(query), status=status)


@bp.route("/proposals")
@staff_required
def proposal_list():
    """Proposals of the user's programmes still waiting for a decision, across runs."""
    page = paginate(queries.pending_proposals_query(visible_programme_ids(current_user)))
    return render_template("matches/proposals.html", page=page)


@bp.route("/matches/<int:match_id>", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def match_detail(match_id: int):
    match = get_match_or_404(match_id)
    form = EndMatchForm()
    if form.validate_on_submit():
        needs = {"yes": True, "no": False}.get(form.needs_more.data)
        try:
            lifecycle.end(match, current_user.id, form.reason.data,
                          evaluation=form.evaluation.data, family_needs_more=needs)
            flash(_("The match has ended."), "success")
            return redirect(url_for(".match_detail", match_id=match.id))
        except Refused as exc:
            _flash_refusal(exc)
    elif match.status == "paused" and not form.is_submitted():
        form.reason.data = "consent_withdrawn"  # why a paused match usually ends
    audit.family_viewed(match.family_id, "match_detail")
    moments = db.session.execute(db.select(ContactMoment).filter_by(match_id=match.id)
                                 .order_by(ContactMoment.happened_on.desc())).scalars().all()
    concerns = db.session.execute(db.select(Concern).filter_by(match_id=match.id)
                                  .order_by(Concern.created_at.desc())).scalars().all()
    return render_template("matches/detail.html", match=match, form=form, moments=moments,
                           concerns=concerns, profile=minimal_profile(match.family),
                           intro=intro_report(match), **message_labels.template_context())


@bp.route("/matches/<int:match_id>/step", methods=["POST"])
@staff_required
def match_step(match_id: int):
    match = get_match_or_404(match_id)
    step = request.form.get("step")
    try:
        if step == "activate":
            lifecycle.activate(match, current_user.id)
        elif step == "resume":  # consent was recorded again
            pausing.resume(match, current_user.id)
        else:
            abort(400)
        flash(_("Saved."), "success")
    except Refused as exc:
        _flash_refusal(exc)
    return redirect(url_for(".match_detail", match_id=match.id))


@bp.route("/matches/<int:match_id>/introduce", methods=["GET", "POST"])
@staff_required
def match_introduce(match_id: int):
    """Preview both introduction messages; send them and mark the match introduced."""
    from ..messaging.intro import CannotSend
    from ..vocab import LANGUAGES, MESSAGE_LANGUAGES
    match = get_match_or_404(match_id)
    if match.status != "approved":
        return redirect(url_for(".match_detail", match_id=match.id))
    form = IntroduceForm()
    form.fallback_language.choices = [("", _("(no other language)"))] + [
        (code, str(LANGUAGES[code])) for code in MESSAGE_LANGUAGES]
    routes = family_routes(match.family)
    if len(routes) == 1:  # the family reads: no call script to choose
        del form.family_route
    # a first visit that cannot be (not a date, in the past) is refused by the form's
    # validation, which keeps what was typed
    valid = form.validate_on_submit()
    route = form.family_route.data if "family_route" in form else routes[0]
    prepared = prepare(match, family_note=form.family_note.data or "",
                       volunteer_note=form.volunteer_note.data or "",
                       first_visit_at=form.first_visit(),
                       address_confirmed=bool(form.address_confirmed.data),
                       fallback_language=form.fallback_language.data or None,
                       route=route if route in routes else routes[0])
    if valid and form.send.data:
        try:
            introduce(match, prepared, current_user.id)
            flash(_("The messages are on their way. You can follow them in the outbox."),
                  "success")
            return redirect(url_for(".match_detail", match_id=match.id))
        except CannotSend as exc:
            for problem in exc.problems:
                flash(str(problem), "danger")
        except Refused as exc:
            if match.status != "approved":  # someone else sent the introduction just now
                flash(_("This match has been introduced already: no messages were sent "
                        "again."), "info")
                return redirect(url_for(".match_detail", match_id=match.id))
            _flash_refusal(exc)
    audit.family_viewed(match.family_id, "match_introduce")
    return render_template("matches/introduce.html", match=match, form=form, prepared=prepared,
                           channel_labels=message_labels.CHANNEL_LABELS)


# --- the volunteer's side ---------------------------------------------------------------

def _my_volunteer() -> Volunteer:
    vol = getattr(current_user, "volunteer", None)
    if vol is None:
        abort(404)
    return vol


@bp.route("/my/matches")
@roles_required("volunteer")
def my_matches():
    vol = _my_volunteer()
    matches = db.session.execute(db.select(Match).filter_by(volunteer_id=vol.id)
                                 .order_by(Match.approved_at.desc())).scalars().all()
    return render_template("matches/my_list.html", matches=matches)


@bp.route("/my/matches/<int:match_id>", methods=["GET", "POST"])
@roles_required("volunteer")
def my_match(match_id: int):
    match = get_match_or_404(match_id)
    contact, concern = ContactMomentForm(prefix="c"), ConcernForm(prefix="w")
    if contact.submit.data and contact.validate_on_submit():
        try:
            lifecycle.add_contact_moment(match, happened_on=contact.happened_on.data,
                                         minutes=contact.minutes.data,
                                         themes=contact.themes.data or [], note=contact.note.data)
            flash(_("Thank you. Your contact moment is saved."), "success")
            return redirect(url_for(".my_match", match_id=match.id))
        except Refused as exc:
            contact.happened_on.errors.append(refusal_text(exc.code, exc.params))
    elif concern.submit.data and concern.validate_on_submit():
        try:
            lifecycle.raise_concern(match, concern.text.data, concern.urgent.data)
            flash(_("Your coordinator has received your concern."), "success")
            return redirect(url_for(".my_match", match_id=match.id))
        except Refused as exc:
            concern.text.errors.append(refusal_text(exc.code, exc.params))
    if contact.happened_on.data is None and not contact.is_submitted():
        contact.happened_on.data = date.today()
    view = volunteer_view(match)  # only what the family agreed to, only while it runs
    if view["family_shown"]:
        audit.family_viewed(match.family_id, "my_match")
    mine = db.session.execute(db.select(Concern).filter_by(match_id=match.id)
                              .order_by(Concern.created_at.desc())).scalars().all()
    return render_template("matches/my_match.html", match=match, contact=contact,
                           concern=concern, concerns=mine,
                           view=view)
