"""once-only markers: user.confirmation_sent_at and the volunteer_import batch table

Revision ID: 13r_once_only
Revises: 13p_match_first_visit
Create Date: 2026-12-04 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13r_once_only"
down_revision = "13p_match_first_visit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmation_sent_at", sa.DateTime(), nullable=True))
    op.create_table(
        "volunteer_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_volunteer_import_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_volunteer_import_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_import")),
        sa.UniqueConstraint("key", name=op.f("uq_volunteer_import_key")),
    )
    op.create_index(op.f("ix_volunteer_import_user_id"), "volunteer_import", ["user_id"])
    op.create_index(op.f("ix_volunteer_import_created_at"), "volunteer_import", ["created_at"])


def downgrade():
    op.drop_index(op.f("ix_volunteer_import_created_at"), table_name="volunteer_import")
    op.drop_index(op.f("ix_volunteer_import_user_id"), table_name="volunteer_import")
    op.drop_table("volunteer_import")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("confirmation_sent_at")
