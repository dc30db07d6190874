"""staff phone numbers and the phone of a family's point of contact

Revision ID: 14a_contact_phones
Revises: 11a_open_index
Create Date: 2026-12-04 18:30:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.crypto

revision = "14a_contact_phones"
down_revision = "11a_open_index"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user", sa.Column("phone", webapp.crypto.EncryptedText(), nullable=True))
    op.add_column("family", sa.Column("contact_phone", webapp.crypto.EncryptedText(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table("family") as batch:
        batch.drop_column("contact_phone")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("phone")
