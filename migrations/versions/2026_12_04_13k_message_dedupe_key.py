"""message.dedupe_key: one message only per introduction side and per group invitation

A unique (nullable) key on the outbox row naming what the message is the one and only
message for (``intro:<match id>:family``, ``intro:<match id>:volunteer``,
``invitation:<invitation id>``). Two requests that both try to write the same message cannot
both commit. Existing rows keep NULL (several NULLs are allowed on SQLite and PostgreSQL).

Revision ID: 13k_message_dedupe_key
Revises: 13f_audit_reason_codes
Create Date: 2026-12-04 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13k_message_dedupe_key"
down_revision = "13f_audit_reason_codes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_message_dedupe_key"), ["dedupe_key"])


def downgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_message_dedupe_key"), type_="unique")
        batch_op.drop_column("dedupe_key")
