"""broadcasts.file_kind, file_id, file_name: a file or picture sent with an announcement

Coordinators asked for it (issue #13): the handbook or the agenda goes out with the
announcement. The file stays on Telegram's servers; the bot keeps its file_id (with the kind,
document or photo, and the file's name for the preview). Existing broadcasts have none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: on SQLite a batch rebuilds `broadcasts`, and dropping the old
    # table would take its outbox with it (ON DELETE CASCADE).
    op.add_column("broadcasts", sa.Column("file_kind", sa.String(16), nullable=True))
    op.add_column("broadcasts", sa.Column("file_id", sa.String(255), nullable=True))
    op.add_column("broadcasts", sa.Column("file_name", sa.String(255), nullable=True))


def downgrade() -> None:
    # DROP COLUMN directly (SQLite has it since 3.35) for the same reason: no rebuilt table.
    for column in ("file_name", "file_id", "file_kind"):
        op.execute(f"ALTER TABLE broadcasts DROP COLUMN {column}")
