"""a heartbeat on background jobs, to recognise a job whose process died

Revision ID: 13j_job_heartbeat
Revises: 14a_contact_phones
Create Date: 2026-12-04 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13j_job_heartbeat"
down_revision = "14a_contact_phones"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("job", sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_column("heartbeat_at")
