"""invitation.cancelled_at/_by_id: a group invitation can be cancelled (the parent gets an
apology once; the conditional update on ``cancelled_at IS NULL`` decides who sends it)

Revision ID: 13g_invitation_cancel
Revises: 15s_single_urgency
Create Date: 2026-12-04 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13g_invitation_cancel"
down_revision = "15s_single_urgency"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("cancelled_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_invitation_cancelled_by_id_user", "user",
                                 ["cancelled_by_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("invitation") as batch:
        batch.drop_constraint("fk_invitation_cancelled_by_id_user", type_="foreignkey")
        batch.drop_column("cancelled_by_id")
        batch.drop_column("cancelled_at")
