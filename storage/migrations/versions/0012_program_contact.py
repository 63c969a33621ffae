"""programs.contact_name, contact_email, contact_phone: the program team's contact

Who participants ask when the bot cannot help. Personal data of a program team member, so in
columns of their own (visible in the schema, erased or exported by name) rather than inside the
program's JSON settings. All optional: existing programs have none, and their messages read as
before.

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
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("contact_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("contact_phone")
        batch.drop_column("contact_email")
        batch.drop_column("contact_name")
