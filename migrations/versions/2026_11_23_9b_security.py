"""security: second factor (TOTP) and recovery codes on user

Revision ID: 9b_security
Revises: 7b_matches
Create Date: 2026-11-23 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.crypto


# revision identifiers, used by Alembic.
revision = '9b_security'
down_revision = '7b_matches'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', webapp.crypto.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recovery_codes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('recovery_codes')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
