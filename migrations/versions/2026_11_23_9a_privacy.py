"""privacy: retention settings, anonymisation markers, legal holds, erasure requests

Revision ID: 9a_privacy
Revises: 7b_matches
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a_privacy"
down_revision = "7b_matches"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_family_months", sa.Integer(), nullable=False,
                                      server_default="12"))
        batch_op.add_column(sa.Column("retention_volunteer_months", sa.Integer(),
                                      nullable=False, server_default="24"))
    for table in ("family", "volunteer"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("anonymised_facts", sa.JSON(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_anonymised_at"), ["anonymised_at"],
                                  unique=False)

    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["family_id"], ["family.id"],
                                name=op.f("fk_legal_hold_family_id_family"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"],
                                name=op.f("fk_legal_hold_recorded_by_id_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["released_by_id"], ["user.id"],
                                name=op.f("fk_legal_hold_released_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_hold_family_id"), ["family_id"], unique=False)

    op.create_table(
        "erasure_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["user.id"],
                                name=op.f("fk_erasure_request_by_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_request")),
    )
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.create_index("ix_erasure_request_subject", ["subject_type", "subject_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.drop_index("ix_erasure_request_subject")
    op.drop_table("erasure_request")
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_hold_family_id"))
    op.drop_table("legal_hold")
    for table in ("volunteer", "family"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_anonymised_at"))
            batch_op.drop_column("anonymised_facts")
            batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("retention_volunteer_months")
        batch_op.drop_column("retention_family_months")
