"""safety wishes: communities, regions and religions as vocabularies

``volunteer``: ``community`` and ``origin_region`` (encrypted; a code of
``webapp.vocab.COMMUNITIES`` / ``REGIONS`` or ``"other:<text>"``).

Existing free text becomes codes where it matches a code or label case-insensitively,
else ``"other:<text>"`` with the text kept (``webapp.vocab.code_for_text``): the family's
community and religion, the volunteer's religion, and each line of a family's groups to
avoid (a country, ``community:<code>``, ``region:<code>`` or ``other:<text>``;
``webapp.vocab.group_for_text``). The downgrade drops the new columns and leaves the
codes (they read as words).

Revision ID: 15s_safety_vocab
Revises: 14t_training_catalogue
Create Date: 2026-12-04 23:00:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.crypto

revision = "15s_safety_vocab"
down_revision = "14t_training_catalogue"
branch_labels = None
depends_on = None


def _encrypted(table: str, *names: str):
    return sa.table(table, sa.column("id", sa.Integer),
                    *(sa.column(n, webapp.crypto.EncryptedText()) for n in names))


def _map_rows(table, convert: dict) -> None:
    """Rewrite the columns of ``convert`` (name → function) on every row that changes."""
    conn = op.get_bind()
    names = list(convert)
    rows = conn.execute(sa.select(table.c.id, *(table.c[n] for n in names))).all()
    for row in rows:
        values = {}
        for name in names:
            old = getattr(row, name)
            new = convert[name](old) if old else old
            if new != old:
                values[name] = new
        if values:
            conn.execute(table.update().where(table.c.id == row.id).values(**values))


def _groups(text: str) -> str | None:
    from webapp.vocab import group_for_text
    out: list[str] = []
    for line in text.splitlines():
        value = group_for_text(line)
        if value and value not in out:
            out.append(value)
    return "\n".join(out) or None


def upgrade():
    from webapp.vocab import code_for_text
    op.add_column("volunteer", sa.Column("community", webapp.crypto.EncryptedText(),
                                         nullable=True))
    op.add_column("volunteer", sa.Column("origin_region", webapp.crypto.EncryptedText(),
                                         nullable=True))
    _map_rows(_encrypted("family", "community", "religion", "groups_to_avoid"), {
        "community": lambda v: code_for_text("COMMUNITIES", v),
        "religion": lambda v: code_for_text("RELIGIONS", v),
        "groups_to_avoid": _groups})
    _map_rows(_encrypted("volunteer", "religion"), {
        "religion": lambda v: code_for_text("RELIGIONS", v)})


def downgrade():
    with op.batch_alter_table("volunteer") as batch:
        batch.drop_column("origin_region")
        batch.drop_column("community")
