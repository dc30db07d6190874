"""iCalendar (.ics, RFC 5545) files for themabijeenkomsten: one per sign-up, and a feed."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..models import TrainingSession

LOCAL = ZoneInfo("Europe/Amsterdam")


def _utc(local: datetime) -> str:
    """A naive local (Amsterdam) time as an iCalendar UTC time."""
    return local.replace(tzinfo=LOCAL).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", ""))


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets (RFC 5545 §3.1)."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def _event(session: TrainingSession, host: str, stamp: datetime, status: str) -> list[str]:
    where = session.place or session.online_url or ""
    desc = session.online_url or ""
    lines = [
        "BEGIN:VEVENT",
        f"UID:koppel-session-{session.id}@{host}",
        f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART:{_utc(session.starts_at)}",
        f"DTEND:{_utc(session.ends_at)}",
        f"SUMMARY:{_escape(session.title)}",
        f"LOCATION:{_escape(where)}",
        f"STATUS:{status}",
    ]
    if desc:
        lines.append(f"DESCRIPTION:{_escape(desc)}")
    lines.append("END:VEVENT")
    return lines


def ics(sessions: Iterable[tuple[TrainingSession, str]], host: str, name: str) -> str:
    """A calendar of ``(session, status)`` pairs; status CONFIRMED, TENTATIVE or CANCELLED."""
    stamp = datetime.now(UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Koppel//Themabijeenkomsten//NL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}"]
    for session, status in sessions:
        lines.extend(_event(session, host, stamp, status))
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
