"""tandem_notes: concerns, "does not fit" and the program team's relayed conversation

Issue #13: what a partner tells the program team about their tandem stays on the tandem's
card, and the team can write to one partner or both through the bot and read the reply there.
A new table, so plain CREATE TABLE; it goes with its tandem (ON DELETE CASCADE), and a
partner's own notes go when they erase their data (storage/erasure.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tandem_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tandem_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tandem_id"],
            ["tandems.id"],
            name=op.f("fk_tandem_notes_tandem_id_tandems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tandem_notes")),
    )
    op.create_index(
        "ix_tandem_notes_tandem_created", "tandem_notes", ["tandem_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tandem_notes_tandem_created", table_name="tandem_notes")
    op.drop_table("tandem_notes")
