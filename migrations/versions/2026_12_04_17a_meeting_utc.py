"""group meetings in UTC: ``group_meeting.starts_at`` from Amsterdam time to UTC

Group meetings were stored as naive Amsterdam wall-clock times while every page shows
stored times with Babel as UTC converted to Amsterdam, so coordinators saw them an hour (in
summer two) late. From now on they are stored in UTC like every other timestamp; existing
rows are converted (the hour of each row's own date: winter −1 h, summer −2 h). The
downgrade converts them back.

Revision ID: 17a_meeting_utc
Revises: 13g_invitation_cancel
Create Date: 2026-12-04 19:10:00

"""
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "17a_meeting_utc"
down_revision = "13g_invitation_cancel"
branch_labels = None
depends_on = None

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
meeting = sa.table("group_meeting", sa.column("id", sa.Integer),
                   sa.column("starts_at", sa.DateTime))


def _convert(source, target) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(meeting.c.id, meeting.c.starts_at)).all()
    for row_id, when in rows:
        moved = when.replace(tzinfo=source).astimezone(target).replace(tzinfo=None)
        bind.execute(meeting.update().where(meeting.c.id == row_id)
                     .values(starts_at=moved))


def upgrade():
    _convert(AMSTERDAM, UTC)


def downgrade():
    _convert(UTC, AMSTERDAM)
