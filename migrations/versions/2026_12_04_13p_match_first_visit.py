"""match.first_visit_at: the first visit's date, shown to the volunteer

A paused match (the family withdrew consent) is a status value only: no schema change.

Revision ID: 13p_match_first_visit
Revises: 13j_job_heartbeat
Create Date: 2026-12-04 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13p_match_first_visit"
down_revision = "13j_job_heartbeat"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("match", sa.Column("first_visit_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("match") as batch:
        batch.drop_column("first_visit_at")
