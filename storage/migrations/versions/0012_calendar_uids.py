"""Calendar UIDs unique per installation: meetings.calendar_uid keeps the UID of the meetings
that existed before, whose calendar files may already have gone out as "meeting-<id>@tandem".

A new meeting has NULL and its files carry "meeting-<id>@<bot id>.tandem.invalid" (derived when
a file is written). An older meeting keeps its old UID: a move or a cancellation sent under a new
UID would not update the entry in the partners' calendars but add a second one next to it. All
rows that exist now are marked, not only those known to have had a file: which did is not
recorded, and an old UID on a meeting that never had a file does no harm.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("calendar_uid", sa.String(length=255), nullable=True))
    op.execute("UPDATE meetings SET calendar_uid = 'meeting-' || CAST(id AS TEXT) || '@tandem'")


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("calendar_uid")
