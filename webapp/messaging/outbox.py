"""The transactional outbox: message rows are written in the caller's transaction, and
delivery is dispatched only after that transaction commits.

    msgs = outbox.write([...])        # adds rows to db.session, no commit
    match.status = "introduced"
    db.session.commit()               # rows and the caller's change, together or not at all
                                      # → delivery jobs are enqueued right after the commit

If the process dies after the commit but before the jobs are enqueued, nothing is lost: the
rows are ``queued`` in the database and the sweep (:func:`~.delivery.deliver_due`, run by
``flask messaging sweep`` or the ``deliver_due_messages`` job) picks them up. A rollback drops
the pending dispatch together with the rows.

The consent guard (:func:`can_message`) is a hook other areas supply: every registered guard
must say yes, right before each sending. The default (no guard) says yes.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Message

log = logging.getLogger(__name__)
_PENDING = "koppel_outbox_pending"
_guards: list[Callable[[Message], bool]] = []


def write(messages: Iterable[Message]) -> list[Message]:
    """Add ``messages`` to the current transaction; their delivery starts after commit.

    Messages whose status is not ``queued`` (a letter or WhatsApp text for the coordinator,
    ``manual``) are stored but not dispatched."""
    rows = list(messages)
    for row in rows:
        db.session.add(row)
    db.session.flush()
    pending = db.session.info.setdefault(_PENDING, [])
    pending.extend(row.id for row in rows if row.status == "queued")
    return rows


def register_guard(guard: Callable[[Message], bool]) -> Callable[[Message], bool]:
    """Add a consent guard: ``guard(message) -> bool``; False cancels the message.

    Usable as a decorator. Families register one that looks at ``message.party_type`` /
    ``party_id`` (see :func:`family_consent_guard`)."""
    if guard not in _guards:
        _guards.append(guard)
    return guard


def unregister_guard(guard: Callable[[Message], bool]) -> None:
    if guard in _guards:
        _guards.remove(guard)


def can_message(message: Message) -> bool:
    """True when every registered guard allows sending ``message`` now (default: True)."""
    return all(guard(message) for guard in list(_guards))


def family_consent_guard(message: Message) -> bool:
    """A guard for family messages: only while the family's consent stands
    (``Family.may_message``). Not registered by default; the families area decides."""
    if message.party_type != "family" or message.party_id is None:
        return True
    from ..models import Family
    family = db.session.get(Family, message.party_id)
    return family is not None and family.may_message


def families_named(messages: Iterable[Message], *, with_batch: bool = True) -> list[int]:
    """Ids of the families whose data ``messages`` show: the family a message is about and,
    with ``with_batch``, the family of the messages prepared with it (a volunteer's
    introduction names the family). One query at most."""
    rows = list(messages)
    ids = {m.party_id for m in rows if m.party_type == "family" and m.party_id is not None}
    batches = {m.batch_key for m in rows if m.batch_key and m.party_type != "family"}
    if with_batch and batches:
        ids.update(db.session.execute(db.select(Message.party_id).where(
            Message.batch_key.in_(batches), Message.party_type == "family",
            Message.party_id.is_not(None))).scalars())
    return sorted(ids)


def cancel_for(party_type: str, party_id: int, reason: str) -> int:
    """Cancel every message about this party that has not gone out yet (queued, retrying,
    or a letter/WhatsApp text not yet handed over). Runs in the caller's transaction."""
    rows = db.session.execute(db.select(Message).where(
        Message.party_type == party_type, Message.party_id == party_id,
        Message.status.in_(("queued", "retrying", "manual")))).scalars().all()
    for row in rows:
        row.status, row.last_error, row.next_attempt_at = "cancelled", reason[:500], None
    return len(rows)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if not ids or not has_app_context():
        return
    # The committed session cannot run SQL inside this hook: dispatch from a fresh app
    # context, which has its own session.
    app = current_app._get_current_object()
    from ..jobs import enqueue
    with app.app_context():
        for message_id in ids:
            try:
                enqueue("deliver_message", message_id)
            except Exception:  # the sweep delivers it later; the row is safe
                log.exception("could not dispatch message %s; the sweep will", message_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
