"""Breach support: unusual access, found in the audit log.

Three signals, each per account over the last ``days`` days:

- ``burst``: one account read (or exported) at least ``threshold`` different family or
  volunteer records within ``window_minutes`` minutes;
- ``exports``: at least ``export_threshold`` exports (subject access, CSV of the audit log);
- ``night``: at least ``night_threshold`` reads of personal records between 22:00 and
  06:00 Dutch time.

They are pointers for a person to look at, not verdicts; the procedure is in
``docs/privacy.md``. A list page names many families at once (one audit entry each, all
with the same time, see ``webapp.audit.FAMILY_LIST_VIEWS``): such a page counts as one read
for the night signal, and not for bursts.
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..audit import FAMILY_LIST_VIEWS
from ..extensions import db
from ..models import AuditEntry, User
from ..models.base import utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RECORD_TYPES = ("family", "volunteer")
LIST_REASONS = tuple(f"view:{v}" for v in sorted(FAMILY_LIST_VIEWS))


@dataclass
class Finding:
    kind: str  # burst / exports / night
    user_id: int
    user_name: str
    role: str
    object_type: str | None
    count: int
    first_at: datetime
    last_at: datetime


def _local_hour(at: datetime) -> int:
    return at.replace(tzinfo=UTC).astimezone(AMSTERDAM).hour


def unusual_access(*, user_ids=None, days: int = 7, window_minutes: int = 10,
                   threshold: int = 20, export_threshold: int = 5, night_threshold: int = 5,
                   now: datetime | None = None) -> list[Finding]:
    """Findings over the audit log, strongest first. ``user_ids``: a ``select`` of the
    accounts to look at (``None``: every account)."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    query = (db.select(AuditEntry.user_id, AuditEntry.at, AuditEntry.action,
                       AuditEntry.object_type, AuditEntry.object_id, AuditEntry.reason)
             .where(AuditEntry.at >= since, AuditEntry.user_id.is_not(None),
                    AuditEntry.action.in_(("read", "export")))
             .order_by(AuditEntry.user_id, AuditEntry.at, AuditEntry.id))
    if user_ids is not None:
        query = query.where(AuditEntry.user_id.in_(user_ids))
    window = timedelta(minutes=window_minutes)
    findings: list[Finding] = []
    # per (user, record type): a sliding window of reads and the distinct records in it
    state: dict[tuple[int, str], tuple[deque, Counter, list]] = {}
    exports: dict[int, list[datetime]] = {}
    nights: dict[int, list[datetime]] = {}
    last_page: dict[int, tuple] = {}  # per account: (time, view) of the last list page read
    for user_id, at, action, object_type, object_id, reason in db.session.execute(query):
        if action == "export":
            exports.setdefault(user_id, []).append(at)
        if object_type not in RECORD_TYPES:
            continue
        hour = _local_hour(at)
        listed = reason in LIST_REASONS
        if action == "read" and (hour >= 22 or hour < 6):
            if not listed or (at, reason) != last_page.get(user_id):
                nights.setdefault(user_id, []).append(at)
            if listed:
                last_page[user_id] = (at, reason)
        if listed:
            continue
        win, counts, best = state.setdefault((user_id, object_type),
                                             (deque(), Counter(), [0, None, None]))
        win.append((at, object_id))
        counts[object_id] += 1
        while win and at - win[0][0] > window:
            _, old = win.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
        if len(counts) > best[0]:
            best[:] = [len(counts), win[0][0], at]
    names = {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(
        {k[0] for k in state} | set(exports) | set(nights) or {-1}))).scalars()}

    def add(kind, uid, object_type, count, first, last):
        u = names.get(uid)
        findings.append(Finding(kind, uid, u.name if u else str(uid), u.role if u else "",
                                object_type, count, first, last))

    for (uid, object_type), (_, _, best) in state.items():
        if best[0] >= threshold:
            add("burst", uid, object_type, best[0], best[1], best[2])
    for uid, ats in exports.items():
        if len(ats) >= export_threshold:
            add("exports", uid, None, len(ats), ats[0], ats[-1])
    for uid, ats in nights.items():
        if len(ats) >= night_threshold:
            add("night", uid, None, len(ats), ats[0], ats[-1])
    order = {"burst": 0, "exports": 1, "night": 2}
    findings.sort(key=lambda f: (order[f.kind], -f.count, f.user_name))
    return findings
