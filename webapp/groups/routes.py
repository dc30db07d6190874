"""Views of the groups area: parse the form, call one service function, render. Every view
that takes an id loads the object through ``webapp.access`` (404 for other programmes)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import (
    get_group_member_or_404,
    get_invitation_or_404,
    get_meeting_or_404,
    get_parent_group_or_404,
    get_programme_or_404,
    get_round_or_404,
    referral_programmes,
    staff_required,
    visible_programmes,
)
from ..audit import family_viewed, record
from ..extensions import db
from ..models.groups import GroupRound, GroupStaff
from . import bp, formation, invitations, meetings
from .followup import evaluate, may_evaluate, refer, referrals_of, summary
from .forms import (
    AnswerForm,
    EvaluationForm,
    FollowUpForm,
    MeetingForm,
    OverrideForm,
    PlanMeetingsForm,
    ReferForm,
    RoundForm,
    StaffForm,
    WhatsAppForm,
)
from .invitations import GroupsError
from .texts import needs_review, override_note, refusal_text, send_summary


def _flash(exc: GroupsError) -> None:
    problems = exc.params.get("problems")
    if problems:
        for item in problems:
            code, params = item if isinstance(item, tuple) else (item, {})
            flash(refusal_text(code, params), "danger")
    else:
        flash(refusal_text(exc.code, exc.params) if exc.code != "invalid"
              else _("Please check the form."), "danger")


def _refusal_at(field, exc: GroupsError) -> None:
    """A refusal about a date is shown at the date field; others at the top of the page."""
    if exc.code == "in_past":
        field.errors = list(field.errors) + [refusal_text(exc.code)]
    else:
        _flash(exc)


def _member_families(group) -> list[int]:
    return [m.invitation.family_id for m in group.members]


def _group_programmes():
    return [p for p in visible_programmes(current_user)
            if p.type and p.type.code == "pou" and p.active]


@bp.route("/")
@staff_required
def index():
    programmes = _group_programmes()
    rounds = db.session.execute(db.select(GroupRound).where(GroupRound.programme_id.in_(
        [p.id for p in programmes] or [-1])).order_by(GroupRound.id.desc())).scalars().all()
    return render_template("groups/index.html", programmes=programmes, rounds=rounds)


@bp.route("/programmes/<int:programme_id>/rounds/new", methods=["GET", "POST"])
@staff_required
def round_new(programme_id: int):
    programme = get_programme_or_404(programme_id)
    if programme not in _group_programmes():  # parent groups only, in an active programme
        abort(404)
    form = RoundForm()
    if request.method == "GET":
        form.municipality.data = programme.municipality
        form.settled_since.data = invitations.settled_default()
        form.contact_name.data = current_user.name
    if form.validate_on_submit():
        round_ = GroupRound(programme_id=programme.id, created_by_id=current_user.id)
        form.populate_obj(round_)
        db.session.add(round_)
        db.session.flush()
        record("create", "group_round", round_.id, fields=["name", "place"])
        db.session.commit()
        return redirect(url_for(".round_detail", round_id=round_.id))
    return render_template("groups/round_form.html", form=form, programme=programme)


@bp.route("/rounds/<int:round_id>")
@staff_required
def round_detail(round_id: int):
    round_ = get_round_or_404(round_id)
    family_viewed([i.family_id for i in round_.invitations], "group_round")
    return render_template("groups/round.html", round=round_,
                           counts=invitations.answer_counts(round_),
                           unsent=sum(1 for i in round_.invitations
                                      if i.sent_at is None and i.cancelled_at is None),
                           inv=invitations)


@bp.route("/rounds/<int:round_id>/candidates", methods=["GET", "POST"])
@staff_required
def candidates(round_id: int):
    """Nothing is ticked in advance. The first POST shows a summary of the chosen parents
    (carried in hidden fields); only the second, with ``confirm``, invites and sends."""
    round_ = get_round_or_404(round_id)
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("parent_id") if i.isdigit()]
        chosen = invitations.chosen(round_, ids)
        if chosen and request.form.get("confirm"):
            flash(*send_summary(invitations.invite(round_, [p.id for p in chosen],
                                                   current_user.id)))
            return redirect(url_for(".round_detail", round_id=round_.id))
        if chosen:
            family_viewed([p.family_id for p in chosen], "group_candidates")
            return render_template("groups/candidates_confirm.html", round=round_,
                                   preview=invitations.preview(round_, chosen),
                                   inv=invitations, needs_review=needs_review)
        flash(_("Choose at least one parent to invite."), "danger")
    parents = invitations.candidates(round_)
    family_viewed([p.family_id for p in parents], "group_candidates")
    return render_template("groups/candidates.html", round=round_, parents=parents,
                           inv=invitations)


@bp.route("/rounds/<int:round_id>/send", methods=["POST"])
@staff_required
def send(round_id: int):
    round_ = get_round_or_404(round_id)
    flash(*send_summary(invitations.send(round_, current_user.id)))
    return redirect(url_for(".round_detail", round_id=round_.id))


@bp.route("/invitations/<int:invitation_id>/cancel", methods=["GET", "POST"])
@staff_required
def invitation_cancel(invitation_id: int):
    """GET asks for confirmation; POST cancels (a sent invitation: one apology)."""
    inv = get_invitation_or_404(invitation_id)
    if request.method == "POST":
        result = invitations.cancel(inv, current_user.id)
        if not result:
            flash(_("This invitation was cancelled already: nothing more was sent."), "info")
        elif result.apology is not None:
            flash(_("The invitation is cancelled; an apology to %(name)s is in the outbox.",
                    name=inv.parent.name), "success")
        elif result.problems:
            flash(_("The invitation is cancelled, but no apology could be made: %(why)s "
                    "Please tell %(name)s yourself.", why=" ".join(result.problems),
                    name=inv.parent.name), "warning")
        else:
            flash(_("The invitation is cancelled (it had not been sent)."), "success")
        return redirect(url_for(".round_detail", round_id=inv.round_id))
    family_viewed(inv.family_id, "group_invitation")
    return render_template("groups/invitation_cancel.html", inv=inv, helpers=invitations)


@bp.route("/invitations/<int:invitation_id>", methods=["GET", "POST"])
@staff_required
def invitation(invitation_id: int):
    inv = get_invitation_or_404(invitation_id)
    form = AnswerForm(prefix="a", obj=inv if request.method == "GET" else None)
    follow = FollowUpForm(prefix="f")
    if follow.submit_follow_up.data and follow.validate_on_submit():
        invitations.add_follow_up(inv, follow.channel.data, follow.note.data, current_user.id)
        flash(_("Follow-up recorded."), "success")
        return redirect(url_for(".invitation", invitation_id=inv.id))
    if form.submit.data and form.validate_on_submit():
        try:
            invitations.record_answer(inv, form.answer.data, form.slots.data or [],
                                      form.family_wish.data, current_user.id)
            flash(_("Answer saved."), "success")
            return redirect(url_for(".round_detail", round_id=inv.round_id))
        except GroupsError as exc:
            _flash(exc)
    family_viewed(inv.family_id, "group_invitation")
    return render_template("groups/invitation.html", inv=inv, form=form, follow=follow,
                           helpers=invitations)


@bp.route("/rounds/<int:round_id>/staff", methods=["GET", "POST"])
@staff_required
def staff(round_id: int):
    round_ = get_round_or_404(round_id)
    form = StaffForm()
    if form.validate_on_submit():
        row = GroupStaff(programme_id=round_.programme_id, name=form.name.data.strip(),
                         role=form.role.data, languages=form.languages.data or [],
                         slots=form.slots.data, genders=form.genders.data,
                         max_groups=form.max_groups.data)
        db.session.add(row)
        db.session.flush()
        record("create", "group_staff", row.id, fields=["name", "role", "languages"])
        db.session.commit()
        flash(_("Added."), "success")
        return redirect(url_for(".staff", round_id=round_.id))
    rows = db.session.execute(db.select(GroupStaff).filter_by(
        programme_id=round_.programme_id).order_by(GroupStaff.name)).scalars().all()
    return render_template("groups/staff.html", round=round_, form=form, rows=rows,
                           suggestions=formation_suggestions(round_))


def formation_suggestions(round_):
    from .staffing import sleutelpersoon_suggestions
    return sleutelpersoon_suggestions(round_.programme)


@bp.route("/rounds/<int:round_id>/form", methods=["POST"])
@staff_required
def form_groups(round_id: int):
    round_ = get_round_or_404(round_id)
    try:
        plan = formation.run_formation(round_, current_user.id)
        flash(_("%(n)s groups proposed; %(placed)s parents placed.", n=len(plan.groups),
                placed=plan.placed), "success")
    except GroupsError as exc:
        _flash(exc)
    return redirect(url_for(".round_detail", round_id=round_.id) + "#formation")


def _group_page(group, plan_form=None):
    family_viewed(_member_families(group), "group_detail")
    return render_template("groups/group.html", group=group, approve_form=OverrideForm(),
                           problems=formation.problems_of(group),
                           plan_form=plan_form or PlanMeetingsForm(place=group.round.place),
                           link_form=WhatsAppForm(link=group.whatsapp_link),
                           may_evaluate=may_evaluate(group), describe=formation.describe)


@bp.route("/<int:group_id>")
@staff_required
def group_detail(group_id: int):
    return _group_page(get_parent_group_or_404(group_id))


@bp.route("/<int:group_id>/approve", methods=["POST"])
@staff_required
def group_approve(group_id: int):
    group = get_parent_group_or_404(group_id)
    form = OverrideForm()
    if group.status != "proposed" or not form.validate_on_submit():
        abort(400)
    try:
        formation.approve(group, current_user.id, form.override_reason.data)
        flash(_("The group is approved."), "success")
    except GroupsError as exc:
        _flash(exc)
        flash(override_note(), "info")
    return redirect(url_for(".group_detail", group_id=group.id))


@bp.route("/<int:group_id>/whatsapp", methods=["POST"])
@staff_required
def group_whatsapp(group_id: int):
    group = get_parent_group_or_404(group_id)
    form = WhatsAppForm()
    if form.validate_on_submit():
        try:
            meetings.set_whatsapp_link(group, form.link.data, current_user.id)
            flash(_("Saved."), "success")
        except GroupsError as exc:
            _flash(exc)
    return redirect(url_for(".group_detail", group_id=group.id))


@bp.route("/<int:group_id>/meetings", methods=["POST"])
@staff_required
def group_meetings(group_id: int):
    group = get_parent_group_or_404(group_id)
    form = PlanMeetingsForm()
    if not form.validate_on_submit():
        flash(_("Please give a date, a time and a place."), "danger")
    else:
        try:
            meetings.plan_meetings(group, form.first.data, form.place.data, current_user.id,
                                   form.override_reason.data)
            flash(_("Five meetings planned."), "success")
            return redirect(url_for(".group_detail", group_id=group.id))
        except GroupsError as exc:
            _refusal_at(form.first, exc)
    return _group_page(group, plan_form=form), 422  # what was typed stays in the form


@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@staff_required
def meeting_edit(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = MeetingForm(obj=meeting if request.method == "GET" else None)
    if request.method == "GET":
        form.guest.data = meeting.guest or ""
        form.starts_at.data = meetings.local_start(meeting)  # stored in UTC, typed locally
    if form.validate_on_submit():
        try:
            meetings.update_meeting(meeting, {
                "starts_at": form.starts_at.data, "place": form.place.data,
                "theme": form.theme.data, "guest": form.guest.data,
                "guest_name": form.guest_name.data, "language": form.language.data},
                current_user.id, form.override_reason.data)
            flash(_("Saved."), "success")
            return redirect(url_for(".group_detail", group_id=meeting.group_id))
        except GroupsError as exc:
            _refusal_at(form.starts_at, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("groups/meeting.html", meeting=meeting, form=form), status


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
@staff_required
def meeting_attendance(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if request.method == "POST":
        present = {int(i) for i in request.form.getlist("present") if i.isdigit()}
        try:
            n = meetings.record_attendance(meeting, present, current_user.id)
            flash(_("Attendance saved: %(n)s present.", n=n), "success")
        except GroupsError as exc:
            _flash(exc)
        return redirect(url_for(".group_detail", group_id=meeting.group_id))
    present = {a.member_id for a in meeting.attendance if a.present}
    family_viewed(_member_families(meeting.group), "group_attendance")
    return render_template("groups/attendance.html", meeting=meeting, present=present,
                           not_yet=None if meetings.has_taken_place(meeting)
                           else refusal_text("not_yet"))


@bp.route("/meetings/<int:meeting_id>/remind", methods=["POST"])
@staff_required
def meeting_remind(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    counts = meetings.remind(meeting, current_user.id)
    if counts["sent"] or counts["problems"]:
        flash(_("%(n)s reminders written to the outbox; %(p)s could not be made.",
                n=counts["sent"], p=counts["problems"]), "success")
    else:
        flash(_("Everyone in this group has been reminded of this meeting already: nothing "
                "more was sent."), "info")
    return redirect(url_for(".group_detail", group_id=meeting.group_id))


@bp.route("/members/<int:member_id>/evaluation", methods=["GET", "POST"])
@staff_required
def member_evaluation(member_id: int):
    member = get_group_member_or_404(member_id)
    form = EvaluationForm(obj=None)
    if request.method == "GET" and member.evaluated_at:
        form.useful.data, form.wishes.data = member.useful, member.wishes
        form.themes.data = member.themes_next
    if form.validate_on_submit():
        try:
            evaluate(member, form.useful.data, form.wishes.data or [], form.themes.data or [],
                     current_user.id)
            flash(_("Evaluation saved."), "success")
            return redirect(url_for(".group_detail", group_id=member.group_id))
        except GroupsError as exc:
            _flash(exc)
    family_viewed(member.invitation.family_id, "group_evaluation")
    return render_template("groups/evaluation.html", member=member, form=form)


@bp.route("/members/<int:member_id>/refer", methods=["GET", "POST"])
@staff_required
def member_refer(member_id: int):
    member = get_group_member_or_404(member_id)
    options = referral_programmes(member.group)
    form = ReferForm()
    form.programme_id.choices = [(p.id, f"{p.name} ({p.organisation.name})") for p in options]
    if form.validate_on_submit():
        programme = next((p for p in options if p.id == form.programme_id.data), None)
        if programme is None:
            abort(404)
        try:
            refer(member, programme, form.consent.data, current_user)
            flash(_("The family is on the waiting list of %(name)s.", name=programme.name),
                  "success")
            return redirect(url_for(".group_detail", group_id=member.group_id))
        except GroupsError as exc:
            _flash(exc)
    family_viewed(member.invitation.family_id, "group_refer")
    return render_template("groups/refer.html", member=member, form=form,
                           referrals=referrals_of(member))


@bp.route("/<int:group_id>/report")
@staff_required
def group_report(group_id: int):
    group = get_parent_group_or_404(group_id)
    return render_template("groups/report.html", group=group, report=summary(group))
