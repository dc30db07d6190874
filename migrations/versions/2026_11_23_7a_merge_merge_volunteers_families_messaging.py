"""merge volunteers families messaging

Revision ID: 7a_merge
Revises: 3a_volunteers, 4a_families, 6a_messaging
Create Date: 2026-11-23 08:06:11.142694

"""
from alembic import op
import sqlalchemy as sa

import webapp.crypto


# revision identifiers, used by Alembic.
revision = '7a_merge'
down_revision = ('3a_volunteers', '4a_families', '6a_messaging')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
