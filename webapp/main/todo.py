"""The coordinator's home page as a to-do list: what is waiting for them, with a count and
a link to the list that shows exactly those items.

:func:`todo_items` counts, for the programmes the user may see (``webapp.access``): open
concerns (and how many are urgent), volunteers with training or a VOG to check, proposals
waiting for a decision, approved matches not introduced yet, failed messages and new
volunteer sign-ups. All counts come from ONE query (a scalar subquery each); the
conditions are the ones the linked lists filter on, so a count and its list agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..access import visible_messages_query, visible_programme_ids, visible_volunteer_ids
from ..extensions import db
from ..matches.concerns import open_counts_query
from ..models import Message
from ..models.matches import Match, Proposal
from ..models.volunteers import Volunteer
from ..volunteers.listing import CURRENT_STATUSES, check_condition


@dataclass
class TodoItem:
    """One line of the to-do list: ``key`` names it (the template words it), ``endpoint``
    and ``args`` say where its list is."""

    key: str
    count: int
    endpoint: str
    args: dict = field(default_factory=dict)
    urgent: int = 0

    @property
    def done(self) -> bool:
        return self.count == 0


def _count(query):
    return db.select(db.func.count()).select_from(query.subquery()).scalar_subquery()


def _volunteers(user, check: str):
    """Volunteers ``user`` sees (active or on a break) with something to ``check``."""
    return _count(db.select(Volunteer.id).where(
        Volunteer.id.in_(visible_volunteer_ids(user)),
        Volunteer.status.in_(CURRENT_STATUSES), check_condition(check)))


def todo_items(user) -> list[TodoItem]:
    """The to-do list of a coordinator or admin, in the order shown."""
    ids = visible_programme_ids(user) or {-1}
    concerns = open_counts_query(ids).subquery()
    row = db.session.execute(db.select(
        db.select(concerns.c[0]).scalar_subquery(),
        db.select(concerns.c[1]).scalar_subquery(),
        _volunteers(user, "training"),
        _volunteers(user, "vog"),
        _count(db.select(Proposal.id).where(Proposal.programme_id.in_(ids),
                                            Proposal.status == "proposed")),
        _count(db.select(Match.id).where(Match.programme_id.in_(ids),
                                         Match.status == "approved")),
        _count(visible_messages_query(user).with_only_columns(Message.id)
               .where(Message.status == "failed")),
        _volunteers(user, "new"),
    )).one()
    (open_concerns, urgent, training, vogs, proposals, introductions, failed,
     new) = (int(n or 0) for n in row)
    return [
        TodoItem("concerns", open_concerns, "matches.concern_list", {}, urgent=urgent),
        TodoItem("training", training, "volunteers.volunteer_list", {"check": "training"}),
        TodoItem("vogs", vogs, "volunteers.volunteer_list", {"check": "vog"}),
        TodoItem("proposals", proposals, "matches.proposal_list"),
        TodoItem("introductions", introductions, "matches.match_list", {"status": "approved"}),
        TodoItem("failed_messages", failed, "messaging.outbox", {"status": "failed"}),
        TodoItem("new_volunteers", new, "volunteers.volunteer_list", {"check": "new"}),
    ]
