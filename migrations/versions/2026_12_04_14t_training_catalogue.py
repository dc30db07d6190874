"""the training catalogue in the database: training_catalogue_item, seeded with the shipped items

The shipped items are ``training.CATALOGUE`` (pure data, no app code): each becomes a row with
its titles, kind, provider, link, default validity, parts and whether a coordinator records
it. From here on the installation admin adds, changes and retires items
(``webapp.training_catalogue``).

Revision ID: 14t_training_catalogue
Revises: 15c_concerns
Create Date: 2026-12-04 23:00:00

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "14t_training_catalogue"
down_revision = "15c_concerns"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "training_catalogue_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title_nl", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column("coordinator_recorded", sa.Boolean(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_training_catalogue_item"),
        sa.UniqueConstraint("code", name="uq_training_catalogue_item_code"),
    )
    from training import CATALOGUE  # the shipped items: pure data
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.bulk_insert(table, [
        {"code": item.code, "title_nl": item.title_nl, "title_en": item.title_en,
         "kind": item.kind, "provider": item.provider, "url": item.url,
         "validity_months": item.validity_months,
         "coordinator_recorded": item.coordinator_recorded,
         "parts": [{"code": p.code, "title_nl": p.title_nl, "title_en": p.title_en}
                   for p in item.parts],
         "position": position, "retired_at": None, "created_at": now, "updated_at": now}
        for position, item in enumerate(CATALOGUE.values())])


def downgrade():
    op.drop_table("training_catalogue_item")
