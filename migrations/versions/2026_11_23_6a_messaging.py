"""messaging: message templates, delivery attempts, and the outbox columns they need

Revision ID: 6a_messaging
Revises: 0cc83c0799a4
Create Date: 2026-11-23 12:00:00

Hand-written; runs on SQLite (batch mode) and PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

import webapp.crypto

# revision identifiers, used by Alembic.
revision = "6a_messaging"
down_revision = "0cc83c0799a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_name", webapp.crypto.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column("body_text_nl", webapp.crypto.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column("sending_started_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("party_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("party_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("batch_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("resend_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_message_created_by_id_user"), "user",
                                    ["created_by_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key(batch_op.f("fk_message_programme_id_programme"), "programme",
                                    ["programme_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key(batch_op.f("fk_message_resend_of_id_message"), "message",
                                    ["resend_of_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_message_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_batch_key"), ["batch_key"], unique=False)
        batch_op.create_index("ix_message_party", ["party_type", "party_id"], unique=False)

    op.create_table(
        "message_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("programme_type_code", sa.String(length=40), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"],
                                name=op.f("fk_message_template_programme_id_programme"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_message_template_updated_by_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template")),
        sa.UniqueConstraint("scope", "kind", "language",
                            name="uq_message_template_scope_kind_language"),
    )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_template_programme_id"), ["programme_id"],
                              unique=False)

    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=30), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", webapp.crypto.EncryptedText(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"],
                                name=op.f("fk_delivery_attempt_message_id_message"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_delivery_attempt_user_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
    )
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_attempt_message_id"), ["message_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_message_id"))
    op.drop_table("delivery_attempt")
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_template_programme_id"))
    op.drop_table("message_template")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_party")
        batch_op.drop_index(batch_op.f("ix_message_batch_key"))
        batch_op.drop_index(batch_op.f("ix_message_programme_id"))
        batch_op.drop_index(batch_op.f("ix_message_status"))
        batch_op.drop_constraint(batch_op.f("fk_message_resend_of_id_message"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_message_programme_id_programme"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_message_created_by_id_user"), type_="foreignkey")
        for name in ("resend_of_id", "batch_key", "party_id", "party_type", "programme_id",
                     "created_by_id", "provider_ref", "sending_started_at", "body_text_nl",
                     "recipient_name"):
            batch_op.drop_column(name)
