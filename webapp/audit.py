"""Recording audit entries. Call :func:`record` from the function that reads or changes
personal data; it adds the entry to the current transaction (committed with the change)."""
from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models.audit import AuditEntry

ACTIONS = frozenset({"read", "create", "update", "delete", "export", "override", "anonymise"})


def record(action: str, object_type: str, object_id, *, fields: Iterable[str] | None = None,
           reason: str | None = None, user_id: int | None = None) -> AuditEntry:
    """Add one audit entry (who, when, what record, which fields — never their values)."""
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


def changed_fields(obj, names: Iterable[str]) -> list[str]:
    """Names among ``names`` whose value on ``obj`` has pending changes in this session."""
    from sqlalchemy import inspect
    state = inspect(obj)
    return [n for n in names if state.attrs[n].history.has_changes()]
