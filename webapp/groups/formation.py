"""Group formation: the round's interested parents and staff as plain inputs for
``matching.groups``, the plan stored as proposed groups, and approval with its checks.

A group below the minimum, a staff member without the language or not available at the
group's time is refused with a clear reason, unless the coordinator writes why they go
ahead anyway (the reason is stored encrypted on the group; the audit log records the
override).
"""
from __future__ import annotations

from matching.geo import UnknownPostcode, default_table
from matching.groups import (
    GroupParent,
    GroupPlan,
    GroupSettings,
    StaffMember,
    Venue,
    check_group,
    form_groups,
)

from ..audit import OVERRIDE_REASON, record
from ..extensions import db
from ..models.base import utcnow
from ..models.groups import GroupMember, GroupRound, GroupStaff, ParentGroup
from .invitations import GroupsError, language_of
from .texts import GENDER_GROUPS, language_names, slot_label


def _location(pc4: str | None):
    if not pc4:
        return None
    try:
        return default_table().coords(pc4)
    except UnknownPostcode:
        return None


def settings_for(round_: GroupRound, time_limit_s: float = 10.0) -> GroupSettings:
    return GroupSettings(min_size=round_.min_size, max_size=round_.max_size,
                         max_km=float(round_.max_km), time_limit_s=time_limit_s)


def staff_input(row: GroupStaff) -> StaffMember:
    return StaffMember(id=f"s{row.id}", role=row.role, languages=frozenset(row.languages),
                       slots=frozenset(row.slots), genders=frozenset(row.genders),
                       max_groups=row.max_groups)


def solver_inputs(round_: GroupRound):
    """(parents, venues, staff) for the solver: parents who said yes or maybe (cancelled
    invitations left out)."""
    parents = []
    for inv in round_.invitations:
        if inv.answer not in ("yes", "maybe") or inv.parent.gender not in ("f", "m") \
                or inv.cancelled_at is not None:
            continue
        langs = [item["code"] for item in inv.parent.languages or [] if item.get("code")]
        parents.append(GroupParent(id=f"i{inv.id}", family=f"f{inv.family_id}",
                                   gender=inv.parent.gender, languages=tuple(langs or ["nl"]),
                                   slots=frozenset(inv.slots or []),
                                   location=_location(inv.family.pc4),
                                   family_wish=inv.family_wish))
    venues = [Venue(id="place", location=_location(round_.pc4), slots=tuple(round_.slots))]
    staff = [staff_input(s) for s in db.session.execute(
        db.select(GroupStaff).filter_by(programme_id=round_.programme_id, active=True)
        .order_by(GroupStaff.id)).scalars()]
    return parents, venues, staff


def run_formation(round_: GroupRound, user_id: int, time_limit_s: float = 10.0) -> GroupPlan:
    """Solve, replace the round's proposed groups by the plan, and keep a summary."""
    parents, venues, staff = solver_inputs(round_)
    if not parents:
        raise GroupsError("no_parents")
    plan = form_groups(parents, venues, staff, settings_for(round_, time_limit_s))
    for group in [g for g in round_.groups if g.status == "proposed"]:
        round_.groups.remove(group)
    db.session.flush()
    taken = {m.invitation_id for g in round_.groups for m in g.members}
    for n, formed in enumerate(plan.groups, start=1):
        members = [int(pid[1:]) for pid in formed.members if int(pid[1:]) not in taken]
        group = ParentGroup(round=round_, programme_id=round_.programme_id,
                            name=f"{GENDER_GROUPS[formed.gender]} "
                                 f"{language_names(formed.languages)} {n}",
                            gender=formed.gender, languages=list(formed.languages),
                            slot=formed.slot, trainer_id=int(formed.trainer[1:]),
                            support_id=int(formed.support[1:]))
        group.members = [GroupMember(invitation_id=i) for i in members]
        db.session.add(group)
    round_.formation = {
        "placed": plan.placed, "bound": plan.placed_bound, "gap": plan.gap,
        "parents": len(parents), "groups": len(plan.groups), "wall_s": round(plan.wall_s, 2),
        "unplaced": [{"invitation_id": int(u.parent[1:]), "reason": u.reason}
                     for u in plan.unplaced],
        "shortages": [{"language": s.language, "gender": s.gender, "count": s.count,
                       "short_by": s.short_by} for s in plan.shortages],
    }
    db.session.flush()
    record("create", "parent_group_plan", round_.id, fields=["groups", "members"],
           user_id=user_id)
    db.session.commit()
    return plan


def problems_of(group: ParentGroup) -> list[tuple[str, dict]]:
    """Why approving ``group`` as it is would break a rule (code, params)."""
    round_ = group.round
    trainer = staff_input(group.trainer) if group.trainer else None
    support = staff_input(group.support) if group.support else None
    codes = check_group(group.gender, group.languages, group.slot, len(group.members),
                        trainer, support, settings_for(round_))
    return [(c, {"size": len(group.members), "min": round_.min_size}) for c in codes]


def approve(group: ParentGroup, user_id: int, override_reason: str | None = None) -> None:
    """Approve a proposed group. Refused (GroupsError with the problems) when a rule is
    broken and no written reason is given; with a reason, the override is audited."""
    problems = problems_of(group)
    reason = (override_reason or "").strip()
    if problems and not reason:
        raise GroupsError("problems", problems=problems)
    group.status, group.approved_at, group.approved_by_id = "approved", utcnow(), user_id
    if problems:
        group.override_reason = reason
        record("override", "parent_group", group.id, fields=[c for c, _p in problems],
               reason=OVERRIDE_REASON, user_id=user_id)
    record("update", "parent_group", group.id, fields=["status"], user_id=user_id)
    for member in group.members:  # the family is now taking part in the programme
        for req in member.invitation.family.requests:
            if req.programme_id == group.programme_id and req.status == "waiting":
                req.move_to("matched", user_id)
    db.session.commit()


def describe(group: ParentGroup) -> str:
    return f"{GENDER_GROUPS[group.gender]} · {language_names(group.languages)} · " \
           f"{slot_label(group.slot)}"


def member_language(member: GroupMember) -> str:
    return language_of(member.invitation.parent)
