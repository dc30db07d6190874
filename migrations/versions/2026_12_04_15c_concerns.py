"""concerns reach someone: concern.acknowledged_at/_by_id and the concern_action table

``concern.handled_at``/``handled_by_id`` (already there) now mean "closed"; a coordinator's
acknowledgement ("read") gets its own columns; ``concern_action`` records who did what and
when in following up a concern (an internal note, encrypted).

Revision ID: 15c_concerns
Revises: 13u_user_invitations
Create Date: 2026-12-04 22:00:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.crypto

revision = "15c_concerns"
down_revision = "13u_user_invitations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("concern") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("acknowledged_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_concern_acknowledged_by_id_user", "user",
                                 ["acknowledged_by_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "concern_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("text", webapp.crypto.EncryptedText(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"],
                                name="fk_concern_action_concern_id_concern",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["by_id"], ["user.id"], name="fk_concern_action_by_id_user",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_concern_action"),
    )
    op.create_index("ix_concern_action_concern_id", "concern_action", ["concern_id"])


def downgrade():
    op.drop_index("ix_concern_action_concern_id", table_name="concern_action")
    op.drop_table("concern_action")
    with op.batch_alter_table("concern") as batch:
        batch.drop_constraint("fk_concern_acknowledged_by_id_user", type_="foreignkey")
        batch.drop_column("acknowledged_by_id")
        batch.drop_column("acknowledged_at")
