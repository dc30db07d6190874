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
from ..audit import record
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
from .texts import refusal_text


def _flash(exc: GroupsError) -> None:
    problems = exc.params.get("problems")
    if problems:
        for item in problems:
            code, params = item if isinstance(item, tuple) else (item, {})
            flash(refusal_text(code, params), "danger")
    else:
        flash(refusal_text(exc.code, exc.params) if exc.code != "invalid"
              else _("Please check the form."), "danger")


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
    return render_template("groups/round.html", round=round_,
                           counts=invitations.answer_counts(round_),
                           unsent=sum(1 for i in round_.invitations if i.sent_at is None),
                           inv=invitations)


@bp.route("/rounds/<int:round_id>/candidates", methods=["GET", "POST"])
@staff_required
def candidates(round_id: int):
    round_ = get_round_or_404(round_id)
    if request.method == "POST":
        ids = [int(i) for i in request.form.getlist("parent_id") if i.isdigit()]
        rows = invitations.select(round_, ids, current_user.id)
        flash(_("%(n)s parents added to the invitation list.", n=len(rows)), "success")
        return redirect(url_for(".round_detail", round_id=round_.id))
    return render_template("groups/candidates.html", round=round_,
                           parents=invitations.candidates(round_), inv=invitations)


@bp.route("/rounds/<int:round_id>/send", methods=["POST"])
@staff_required
def send(round_id: int):
    round_ = get_round_or_404(round_id)
    result = invitations.send(round_, current_user.id)
    flash(_("%(n)s invitations written to the outbox.", n=len(result.sent)), "success")
    for inv, problems in result.problems:
        flash(_("Not sent to %(who)s: %(why)s", who=inv.family.reference,
                why=" ".join(problems)), "warning")
    return redirect(url_for(".round_detail", round_id=round_.id))


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


@bp.route("/<int:group_id>")
@staff_required
def group_detail(group_id: int):
    group = get_parent_group_or_404(group_id)
    plan_form = PlanMeetingsForm(place=group.round.place)
    return render_template("groups/group.html", group=group, approve_form=OverrideForm(),
                           problems=formation.problems_of(group), plan_form=plan_form,
                           link_form=WhatsAppForm(link=group.whatsapp_link),
                           may_evaluate=may_evaluate(group), describe=formation.describe)


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
        flash(_("You can still go ahead: write down why. Your reason is kept in the audit "
                "log."), "info")
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
        except GroupsError as exc:
            _flash(exc)
    return redirect(url_for(".group_detail", group_id=group.id))


@bp.route("/meetings/<int:meeting_id>", methods=["GET", "POST"])
@staff_required
def meeting_edit(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = MeetingForm(obj=meeting if request.method == "GET" else None)
    if request.method == "GET":
        form.guest.data = meeting.guest or ""
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
            _flash(exc)
    return render_template("groups/meeting.html", meeting=meeting, form=form)


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
@staff_required
def meeting_attendance(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    if request.method == "POST":
        present = {int(i) for i in request.form.getlist("present") if i.isdigit()}
        n = meetings.record_attendance(meeting, present, current_user.id)
        flash(_("Attendance saved: %(n)s present.", n=n), "success")
        return redirect(url_for(".group_detail", group_id=meeting.group_id))
    present = {a.member_id for a in meeting.attendance if a.present}
    return render_template("groups/attendance.html", meeting=meeting, present=present)


@bp.route("/meetings/<int:meeting_id>/remind", methods=["POST"])
@staff_required
def meeting_remind(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    counts = meetings.remind(meeting, current_user.id)
    flash(_("%(n)s reminders written to the outbox; %(p)s could not be made.",
            n=counts["sent"], p=counts["problems"]), "success")
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
    return render_template("groups/refer.html", member=member, form=form,
                           referrals=referrals_of(member))


@bp.route("/<int:group_id>/report")
@staff_required
def group_report(group_id: int):
    group = get_parent_group_or_404(group_id)
    return render_template("groups/report.html", group=group, report=summary(group))
