"""participants.user_id nullable, participants.erased_at: /deleteme keeps an anonymous row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Erased rows have no user to point at any more; they go (with their tandems' history).
    op.execute("DELETE FROM participants WHERE user_id IS NULL")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("erased_at")
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
