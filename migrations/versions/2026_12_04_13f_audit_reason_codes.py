"""audit entries keep codes, not free text: existing reasons become codes

Until now a manual match's (or a parent group's) written override reason was also copied
into ``audit_entry.reason`` in plain text, where it survived the family's erasure. The
application now writes the code ``override_reason`` there; the text is kept only on its own
record, encrypted (``match.override_reason``, ``parent_group.override_reason``,
``group_meeting.override_reason``), and erased with the family.

For existing rows this migration:

* replaces the reason of every ``override`` entry by the code ``override_reason``. The text
  is **moved** to the encrypted column of its record when that record still exists, has
  no text of its own and (for a match) belongs to a family that is not anonymised; in
  every other case — the record holds the same text already (the usual case: both were
  written together), the record is gone, or the family was erased — the text is
  **blanked** (replaced by the code and nowhere kept);
* replaces the fixed English phrases the application used to write by their codes
  (``subject access (page)`` → ``subject_access_page``, ``last 7 days`` → ``last_days:7``,
  …). The phrases of ``webapp.auth`` stay (they are not about a person; the log page
  words them).

The audit log is append-only (triggers): they are dropped for this one update and created
again. The downgrade changes nothing: blanked text cannot come back.

Revision ID: 13f_audit_reason_codes
Revises: 13r_once_only
Create Date: 2026-12-04 13:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = "13f_audit_reason_codes"
down_revision = "13r_once_only"
branch_labels = None
depends_on = None

OVERRIDE_REASON = "override_reason"
FIXED = {
    "subject access (page)": "subject_access_page",
    "subject access (json)": "subject_access_json",
    "subject access (own, page)": "subject_access_own_page",
    "subject access (own, json)": "subject_access_own_json",
    "legal hold recorded": "legal_hold_recorded",
    "legal hold released": "legal_hold_released",
    "consent withdrawn": "consent_withdrawn",
}
PATTERNS = (
    ("resend of message %", re.compile(r"resend of message \d+"), lambda m: "resend"),
    ("last % days", re.compile(r"last (\d+) days"), lambda m: f"last_days:{m.group(1)}"),
)

audit = sa.table("audit_entry", sa.column("id", sa.Integer), sa.column("action", sa.String),
                 sa.column("object_type", sa.String), sa.column("object_id", sa.String),
                 sa.column("fields", sa.JSON), sa.column("reason", sa.Text))
match = sa.table("match", sa.column("id", sa.Integer), sa.column("family_id", sa.Integer),
                 sa.column("override_reason", sa.Text))
family = sa.table("family", sa.column("id", sa.Integer),
                  sa.column("anonymised_at", sa.DateTime))
parent_group = sa.table("parent_group", sa.column("id", sa.Integer),
                        sa.column("override_reason", sa.Text))
group_meeting = sa.table("group_meeting", sa.column("id", sa.Integer),
                         sa.column("override_reason", sa.Text))


def _triggers(create: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()" if create
                   else "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry")
    elif dialect == "sqlite":
        op.execute("CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                   "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END;" if create
                   else "DROP TRIGGER IF EXISTS audit_entry_no_update")


def _home(conn, object_type: str, object_id: str, fields):
    """The table and id of the row that keeps this override's text, when the text may be
    kept there (the row exists, has no text, and its family is not anonymised)."""
    if not object_id.isdigit():
        return None
    row_id = int(object_id)
    if object_type == "match":
        row = conn.execute(sa.select(match.c.override_reason, family.c.anonymised_at)
                           .join(family, family.c.id == match.c.family_id)
                           .where(match.c.id == row_id)).first()
        return (match, row_id) if row and row[0] is None and row[1] is None else None
    if object_type == "parent_group" and "meetings" not in (fields or []):
        table = parent_group
    elif object_type == "group_meeting":
        table = group_meeting
    else:  # a plan of meetings: the text is on each meeting already
        return None
    row = conn.execute(sa.select(table.c.override_reason).where(table.c.id == row_id)).first()
    return (table, row_id) if row and row[0] is None else None


def _encrypt(text: str) -> str | None:
    from webapp import crypto
    try:
        return crypto.encrypt(text)
    except crypto.KeyError_:  # no keys (not run through the app): blank, do not keep
        return None


def upgrade():
    conn = op.get_bind()
    _triggers(create=False)
    overrides = conn.execute(sa.select(audit.c.id, audit.c.object_type, audit.c.object_id,
                                       audit.c.fields, audit.c.reason).where(
        audit.c.action == "override", audit.c.reason.is_not(None),
        audit.c.reason != OVERRIDE_REASON)).all()
    for entry_id, object_type, object_id, fields, text in overrides:
        home = _home(conn, object_type, object_id, fields) if text.strip() else None
        token = _encrypt(text) if home else None
        if home and token:
            table, row_id = home
            conn.execute(table.update().where(table.c.id == row_id)
                         .values(override_reason=token))
        conn.execute(audit.update().where(audit.c.id == entry_id)
                     .values(reason=OVERRIDE_REASON))
    for phrase, code in FIXED.items():
        conn.execute(audit.update().where(audit.c.reason == phrase).values(reason=code))
    for like, pattern, to_code in PATTERNS:
        for entry_id, reason in conn.execute(sa.select(audit.c.id, audit.c.reason).where(
                audit.c.reason.like(like))).all():
            found = pattern.fullmatch(reason)
            if found:
                conn.execute(audit.update().where(audit.c.id == entry_id)
                             .values(reason=to_code(found)))
    _triggers(create=True)


def downgrade():
    # Nothing to undo: blanked text cannot come back, and the codes are valid reasons.
    pass
