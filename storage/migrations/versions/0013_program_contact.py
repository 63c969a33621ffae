"""programs.contact_name, contact_email, contact_phone: the program team's contact

Who participants ask when the bot cannot help. Personal data of a program team member, so in
columns of their own (visible in the schema, erased or exported by name) rather than inside the
program's JSON settings. All optional: existing programs have none, and their messages read as
before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: on SQLite a batch rebuilds `programs`, and dropping the old
    # table takes the participants' rows with it (ON DELETE CASCADE).
    op.add_column("programs", sa.Column("contact_name", sa.String(length=120), nullable=True))
    op.add_column("programs", sa.Column("contact_email", sa.String(length=254), nullable=True))
    op.add_column("programs", sa.Column("contact_phone", sa.String(length=30), nullable=True))


def downgrade() -> None:
    # DROP COLUMN directly (SQLite has it since 3.35) for the same reason: no rebuilt table.
    for column in ("contact_phone", "contact_email", "contact_name"):
        op.execute(f"ALTER TABLE programs DROP COLUMN {column}")
