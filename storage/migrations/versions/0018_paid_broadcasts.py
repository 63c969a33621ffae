"""broadcasts.paid: an urgent announcement sent as a paid broadcast

Issue #15: a coordinator may send an announcement with Telegram's `allow_paid_broadcast` (up to
1,000 messages a second for 0.1 Stars each); the sender needs to know after a restart too.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: on SQLite a batch rebuilds the table, and dropping the old
    # one takes its deliveries with it (ON DELETE CASCADE).
    op.add_column(
        "broadcasts",
        sa.Column("paid", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # DROP COLUMN directly (SQLite has it since 3.35) for the same reason: no rebuilt table.
    op.execute("ALTER TABLE broadcasts DROP COLUMN paid")
