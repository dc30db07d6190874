"""merge groups, privacy, origin consent and security

Revision ID: 9z_merge
Revises: 8a_groups, 9c_origin_consent, 9b_security
Create Date: 2026-11-23 09:05:00

"""
revision = "9z_merge"
down_revision = ("8a_groups", "9c_origin_consent", "9b_security")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
