"""volunteers: separate consent for using the country of origin in matching

Revision ID: 9c_origin_consent
Revises: 9a_privacy
Create Date: 2026-11-23 08:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = "9c_origin_consent"
down_revision = "9a_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_for_matching", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_column("origin_for_matching")
