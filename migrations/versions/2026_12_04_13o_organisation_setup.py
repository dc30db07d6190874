"""organisations and programmes set up by admins: active, area, contact details, logo

``organisation``: ``active``, ``municipalities`` (JSON list; existing rows get their one
``municipality``), ``postal_address``, ``phone``, ``email``, ``logo_path``.
``programme``: ``municipalities`` (likewise) and ``postcode_areas`` (JSON list, empty).

Programme types are not inserted here: ``webapp.programme_types.ensure_programme_types``
creates the missing ones when an admin first creates a programme (and the demo does too).

Revision ID: 13o_organisation_setup
Revises: 13k_message_dedupe_key
Create Date: 2026-12-04 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "13o_organisation_setup"
down_revision = "13k_message_dedupe_key"
branch_labels = None
depends_on = None


def _fill_municipalities(table_name: str, extra: tuple[str, ...] = ()) -> None:
    """``municipalities`` = [municipality] (or []) on every existing row."""
    table = sa.table(table_name, sa.column("id", sa.Integer),
                     sa.column("municipality", sa.String), sa.column("municipalities", sa.JSON),
                     *(sa.column(name, sa.JSON) for name in extra))
    conn = op.get_bind()
    for row_id, municipality in conn.execute(sa.select(table.c.id, table.c.municipality)):
        values = {"municipalities": [municipality] if municipality else []}
        values.update({name: [] for name in extra})
        conn.execute(table.update().where(table.c.id == row_id).values(**values))


def upgrade():
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("municipalities", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("postal_address", sa.Text(), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("logo_path", sa.String(length=200), nullable=True))
    with op.batch_alter_table("programme") as batch:
        batch.add_column(sa.Column("municipalities", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("postcode_areas", sa.JSON(), nullable=True))
    _fill_municipalities("organisation")
    _fill_municipalities("programme", ("postcode_areas",))
    with op.batch_alter_table("organisation") as batch:
        batch.alter_column("municipalities", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("programme") as batch:
        batch.alter_column("municipalities", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("postcode_areas", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("programme") as batch:
        batch.drop_column("postcode_areas")
        batch.drop_column("municipalities")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("logo_path")
        batch.drop_column("email")
        batch.drop_column("phone")
        batch.drop_column("postal_address")
        batch.drop_column("municipalities")
        batch.drop_column("active")
