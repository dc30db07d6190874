"""Recording audit entries. Call :func:`record` from the function that reads or changes
personal data; it adds the entry to the current transaction (committed with the change).

Every page that shows a family's personal data records it through :func:`family_viewed`
(one entry per family, written with one statement for a whole page).

``reason`` holds a code, never free text about a person: a text that must be kept (a
written override reason) is stored encrypted on its record (the match, the group) and goes
with it when the family is erased. :func:`reason_label` words a code for the log page.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .extensions import db
from .models.audit import AuditEntry
from .models.base import utcnow

ACTIONS = frozenset({"read", "create", "update", "delete", "export", "override", "anonymise"})

# The reason of an override entry: the written reason is kept (encrypted) on the record.
OVERRIDE_REASON = "override_reason"

# Pages that show a family's personal data (the code is stored as ``view:<code>``).
FAMILY_VIEWS = {
    "family_detail": _l("family page"),
    "family_edit": _l("family edit form"),
    "family_list": _l("family list"),
    "family_export": _l("subject access export (page)"),
    "family_export_json": _l("subject access export (JSON)"),
    "match_detail": _l("match page"),
    "match_introduce": _l("introduction preview"),
    "my_match": _l("volunteer's match page"),
    "concern_detail": _l("a volunteer's concern"),
    "group_round": _l("parent-group round"),
    "group_candidates": _l("parents to invite"),
    "group_invitation": _l("invitation"),
    "group_detail": _l("parent group"),
    "group_attendance": _l("attendance list"),
    "group_evaluation": _l("evaluation"),
    "group_refer": _l("referral form"),
    "outbox": _l("outbox"),
    "message": _l("message in the outbox"),
    "letter": _l("printable letter"),
    "call_script": _l("printable call script"),
    "resend": _l("resend confirmation"),
    "volunteer_export": _l("a volunteer's subject access export"),
}
# Of those, the pages that name many families at once (a list): reading one is not a burst
# of record reads (see webapp.privacy.breach).
FAMILY_LIST_VIEWS = frozenset({"family_list", "group_round", "group_candidates",
                               "group_detail", "group_attendance", "outbox",
                               "volunteer_export"})

REASON_LABELS = {
    OVERRIDE_REASON: _l("Reason written down, kept encrypted with the record"),
    "retention": _l("Retention period ended"),
    "consent_withdrawn": _l("Consent withdrawn"),
    "consent_given": _l("New consent recorded"),
    "legal_hold_recorded": _l("Legal hold recorded"),
    "legal_hold_released": _l("Legal hold released"),
    "subject_access_page": _l("Subject access (page)"),
    "subject_access_json": _l("Subject access (JSON)"),
    "subject_access_own_page": _l("Subject access by the person (page)"),
    "subject_access_own_json": _l("Subject access by the person (JSON)"),
    "letter": _l("Printable letter"),
    "call_script": _l("Printable call script"),
    "resend": _l("Sent again on purpose"),
    "import": _l("Import"),
    "invitation_sent": _l("Invited by an administrator"),
    "invitation_resent": _l("Invitation sent again"),
    "invitation_accepted": _l("Invitation accepted: password chosen"),
    "concern_raised": _l("Concern reported by the volunteer"),
    "concern_notified": _l("Urgent concern: coordinators e-mailed"),
    "concern_acknowledged": _l("Concern marked as read"),
    "concern_note": _l("Follow-up of a concern written down"),
    "concern_closed": _l("Concern closed"),
    # fixed phrases of webapp.auth (written before codes; not free text)
    "second factor switched on": _l("Two-step login switched on"),
    "second factor switched off": _l("Two-step login switched off"),
    "new recovery codes": _l("New recovery codes"),
    "password changed by the user": _l("Password changed by the user"),
    "second factor reset by an administrator": _l("Two-step login reset by an administrator"),
    "second factor reset (CLI)": _l("Two-step login reset (command line)"),
}


def record(action: str, object_type: str, object_id, *, fields: Iterable[str] | None = None,
           reason: str | None = None, user_id: int | None = None) -> AuditEntry:
    """Add one audit entry (who, when, what record, which fields — never their values;
    ``reason`` is a code)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    entry = AuditEntry(action=action, object_type=object_type, object_id=str(object_id),
                       fields=sorted(set(fields)) if fields else None, reason=reason,
                       user_id=user_id,
                       ip=request.remote_addr if has_request_context() else None)
    db.session.add(entry)
    return entry


def _family_id(item) -> int | None:
    if item is None or isinstance(item, int):
        return item
    return getattr(item, "id", None)


def family_viewed(families, view: str, *, action: str = "read", user_id: int | None = None,
                  commit: bool = True) -> list[int]:
    """Record that the current user was shown the personal data of ``families`` on the page
    ``view`` (a code of :data:`FAMILY_VIEWS`).

    ``families``: a family, a family id, or an iterable of families, rows with an ``id``,
    or ids. One entry per family (so "who saw family X" is one filter on the log), all
    written with ONE ``INSERT`` statement, whatever the number of families. Commits unless
    ``commit`` is false — without expiring the objects the page is about to show (a read
    changed none of them; expiring them would cost a query each to load them again).
    Returns the family ids recorded."""
    if view not in FAMILY_VIEWS:
        raise ValueError(f"unknown family view {view!r}")
    if action not in ("read", "export"):
        raise ValueError(f"a view is a read or an export, not {action!r}")
    items = families if isinstance(families, Iterable) and not isinstance(
        families, (str, bytes)) else [families]
    ids = sorted({fid for fid in map(_family_id, items) if fid is not None})
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    if ids:
        at, ip = utcnow(), request.remote_addr if has_request_context() else None
        db.session.execute(db.insert(AuditEntry.__table__).values([
            {"at": at, "user_id": user_id, "action": action, "object_type": "family",
             "object_id": str(fid), "reason": f"view:{view}", "ip": ip} for fid in ids]))
        if commit:
            _commit_keeping_loaded_state()
    return ids


def _commit_keeping_loaded_state() -> None:
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def reason_label(reason: str | None) -> str:
    """The translated wording of a stored reason code (unknown text is shown as it is)."""
    if not reason:
        return ""
    code, _sep, param = reason.partition(":")
    param = param.strip()
    if code == "view" and param in FAMILY_VIEWS:
        return str(_l("Seen on: %(page)s", page=FAMILY_VIEWS[param]))
    if code == "erasure":
        from .privacy.labels import ERASURE_REASON_LABELS
        return str(_l("Erasure: %(ground)s", ground=ERASURE_REASON_LABELS.get(param, param)))
    if code == "last_days" and param.isdigit():
        return str(_l("Last %(n)s days", n=param))
    rows = reason.removesuffix(" rows")  # the volunteer list's CSV export: "<n> rows"
    if rows != reason and rows.isdigit():
        return str(_l("%(n)s rows", n=rows))
    label = REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


def changed_fields(obj, names: Iterable[str]) -> list[str]:
    """Names among ``names`` whose value on ``obj`` has pending changes in this session."""
    from sqlalchemy import inspect
    state = inspect(obj)
    return [n for n in names if state.attrs[n].history.has_changes()]
