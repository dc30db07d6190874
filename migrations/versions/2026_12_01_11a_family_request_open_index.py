"""index of active family requests in family-list order

Revision ID: 11a_open_index
Revises: 10a_list_index
Create Date: 2026-12-01 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "11a_open_index"
down_revision = "10a_list_index"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('waiting', 'matched')")


def upgrade():
    op.create_index("ix_family_request_open", "family_request",
                    ["programme_id", sa.text("priority DESC"), "waiting_since", "id"],
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade():
    op.drop_index("ix_family_request_open", table_name="family_request")
