"""program_events.ends_at, capacity: an optional end and an optional number of places

Coordinators asked for both (issue #13): the end goes into the invitation and the calendar
file (instead of two hours by default), the capacity refuses a "yes" once the places are taken.
Both optional: existing events have neither, and read as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: on SQLite a batch rebuilds `program_events`, and dropping the
    # old table would take the answers with it (ON DELETE CASCADE).
    op.add_column("program_events", sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("program_events", sa.Column("capacity", sa.Integer(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN directly (SQLite has it since 3.35) for the same reason: no rebuilt table.
    for column in ("capacity", "ends_at"):
        op.execute(f"ALTER TABLE program_events DROP COLUMN {column}")
