"""Erasure leaves nothing: finished notices keep no payload (checked by the database);
reminders.user_id, meetings.proposed_by and broadcasts.created_by nullable; survey_responses
detachable (participant_id nullable, role)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "kind <> 'notice' OR state IN ('pending', 'sending') OR CAST(payload AS TEXT) = '{}'"


def upgrade() -> None:
    # Texts of notices sent before this version go now: they named people who may since have
    # erased their data.
    op.execute(
        "UPDATE reminders SET payload = '{}'"
        " WHERE kind = 'notice' AND state NOT IN ('pending', 'sending')"
    )
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)
        batch.create_check_constraint(op.f("ck_reminders_finished_without_payload"), CHECK)
    with op.batch_alter_table("meetings") as batch:
        batch.alter_column("proposed_by", existing_type=sa.BigInteger(), nullable=True)
    with op.batch_alter_table("broadcasts") as batch:
        batch.alter_column("created_by", existing_type=sa.BigInteger(), nullable=True)
    with op.batch_alter_table("survey_responses") as batch:
        batch.alter_column("participant_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("role", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Detached answers have no registration to point at any more; they go.
    op.execute("DELETE FROM survey_responses WHERE participant_id IS NULL")
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_column("role")
        batch.alter_column("participant_id", existing_type=sa.Integer(), nullable=False)
    # 0: nobody (an erased author); Telegram ids are positive.
    op.execute("UPDATE broadcasts SET created_by = 0 WHERE created_by IS NULL")
    with op.batch_alter_table("broadcasts") as batch:
        batch.alter_column("created_by", existing_type=sa.BigInteger(), nullable=False)
    op.execute("UPDATE meetings SET proposed_by = 0 WHERE proposed_by IS NULL")
    with op.batch_alter_table("meetings") as batch:
        batch.alter_column("proposed_by", existing_type=sa.BigInteger(), nullable=False)
    op.execute("DELETE FROM reminders WHERE user_id IS NULL")
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite does not report CHECK constraints: a copy of the table is made without it.
        with op.batch_alter_table("reminders", recreate="always"):
            pass
    else:
        op.drop_constraint(
            op.f("ck_reminders_finished_without_payload"), "reminders", type_="check"
        )
