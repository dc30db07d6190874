"""urgency stored once: ``family_request.priority``; ``family.urgency`` dropped

Until now the family's urgency was copied into each new request's priority and never
updated, and the matching run added both. Each request keeps the higher of the two, so no
family becomes less urgent; the family list's index (``ix_family_request_open``) is
unchanged. The downgrade gives the family the highest urgency of its open requests.

Revision ID: 15s_single_urgency
Revises: 15s_safety_vocab
Create Date: 2026-12-04 23:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = "15s_single_urgency"
down_revision = "15s_safety_vocab"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "UPDATE family_request SET priority = (SELECT family.urgency FROM family"
        " WHERE family.id = family_request.family_id)"
        " WHERE priority < (SELECT family.urgency FROM family"
        " WHERE family.id = family_request.family_id)"))
    with op.batch_alter_table("family") as batch:
        batch.drop_column("urgency")


def downgrade():
    with op.batch_alter_table("family") as batch:
        batch.add_column(sa.Column("urgency", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.execute(sa.text(
        "UPDATE family SET urgency = COALESCE((SELECT MAX(r.priority) FROM family_request r"
        " WHERE r.family_id = family.id AND r.status IN ('waiting', 'matched')), 0)"))
