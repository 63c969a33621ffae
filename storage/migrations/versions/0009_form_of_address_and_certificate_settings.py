"""participants.form_of_address: how the bot writes about a person ("Ihre Mentorin …")

Existing participants get the neutral form (by name only): nobody was asked yet. The program's
organisations and certificate signer live in the program's JSON settings and need no column.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("form_of_address", sa.String(length=1), server_default="n", nullable=False)
        )
        batch.create_check_constraint(
            op.f("ck_participants_form_of_address"), "form_of_address IN ('f', 'm', 'n')"
        )


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint(op.f("ck_participants_form_of_address"), type_="check")
        batch.drop_column("form_of_address")
