"""staff invited by admins and their last login: user.invited_at and user.last_login_at

Revision ID: 13u_user_invitations
Revises: 13o_organisation_setup
Create Date: 2026-12-04 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13u_user_invitations"
down_revision = "13o_organisation_setup"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("invited_at")
