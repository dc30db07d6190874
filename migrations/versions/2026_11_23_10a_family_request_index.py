"""index for the family list and waiting list

Revision ID: 10a_list_index
Revises: 9z_merge
Create Date: 2026-11-23 09:30:00

"""
from alembic import op


revision = "10a_list_index"
down_revision = "9z_merge"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("family_request", schema=None) as batch_op:
        batch_op.create_index("ix_family_request_list",
                              ["programme_id", "status", "priority", "waiting_since"])


def downgrade():
    with op.batch_alter_table("family_request", schema=None) as batch_op:
        batch_op.drop_index("ix_family_request_list")
