"""After the meetings: a short evaluation per participant, an anonymised summary per group
for the municipality, and referral of a participant to an informal programme's waiting list
(a :class:`~webapp.models.FamilyRequest`, only with the family's consent)."""
from __future__ import annotations

from collections import Counter
from datetime import date

from ..audit import record
from ..extensions import db
from ..families.services import FamilyError, enrol
from ..models import FamilyRequest, Programme, User
from ..models.base import utcnow
from ..models.groups import GroupMember, GroupReferral, ParentGroup
from ..vocab import THEMES
from .invitations import GroupsError
from .texts import USEFUL, WISHES

SMALL_COUNT = 5  # counts below this are shown as "fewer than 5" in the summary


def may_evaluate(group: ParentGroup, now=None) -> bool:
    """Evaluation opens once the last meeting has started (``now``: UTC, as meetings are
    stored)."""
    now = now or utcnow()
    return bool(group.meetings) and max(m.starts_at for m in group.meetings) <= now


def evaluate(member: GroupMember, useful: str, wishes: list[str], themes: list[str],
             user_id: int, now=None) -> None:
    """Store a participant's evaluation (codes only)."""
    if not may_evaluate(member.group, now):
        raise GroupsError("too_early")
    if useful not in USEFUL or any(w not in WISHES for w in wishes) \
            or any(t not in THEMES for t in themes):
        raise GroupsError("invalid")
    member.useful, member.wishes, member.themes_next = useful, sorted(wishes), sorted(themes)
    member.evaluated_at = utcnow()
    record("update", "group_member", member.id, fields=["useful", "wishes", "themes_next"],
           user_id=user_id)
    db.session.commit()


def summary(group: ParentGroup) -> dict:
    """Counts and themes for the municipality; names no one. Small counts of the
    evaluation answers are blurred so a single parent cannot be recognised."""
    members = group.members
    meetings = group.meetings
    attendance = []
    for m in meetings:
        present = sum(1 for a in m.attendance if a.present)
        attendance.append({"number": m.number, "theme": m.theme, "guest": m.guest,
                           "present": present if m.attendance_recorded_at else None})
    evaluated = [m for m in members if m.evaluated_at]

    def blur(counter: Counter) -> list[tuple[str, str]]:
        return [(code, str(n) if n >= SMALL_COUNT else "<5")
                for code, n in counter.most_common()]
    return {
        "participants": len(members), "meetings": attendance, "evaluated": len(evaluated),
        "useful": blur(Counter(m.useful for m in evaluated)),
        "wishes": blur(Counter(w for m in evaluated for w in m.wishes)),
        "themes": blur(Counter(t for m in evaluated for t in m.themes_next)),
        "referrals": sum(len(referrals_of(m)) for m in members),
    }


def referrals_of(member: GroupMember) -> list[GroupReferral]:
    return list(db.session.execute(db.select(GroupReferral).filter_by(
        member_id=member.id).order_by(GroupReferral.id)).scalars())


def refer(member: GroupMember, programme: Programme, consent_given: bool, user: User,
          today: date | None = None) -> FamilyRequest:
    """Put the participant's family on ``programme``'s waiting list, with their consent.
    The caller checked that ``programme`` is one of ``access.referral_programmes``."""
    family = member.invitation.family
    if not consent_given or not family.may_match:
        raise GroupsError("no_consent")
    try:
        req = enrol(family, programme, user)  # audits and commits
    except FamilyError:
        raise GroupsError("already_enrolled") from None
    row = GroupReferral(member_id=member.id, programme_id=programme.id, request_id=req.id,
                        consent_on=today or date.today(), by_id=user.id)
    db.session.add(row)
    db.session.flush()
    record("create", "group_referral", row.id, fields=["programme_id", "consent_on"],
           user_id=user.id)
    db.session.commit()
    return req
