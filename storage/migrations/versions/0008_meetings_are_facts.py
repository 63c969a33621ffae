"""meetings.logged_on (one recorded meeting per tandem and day), meeting_feedback.fit_asked_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Meetings recorded before this revision keep logged_on NULL: some tandems recorded one day
    # several times, and those rows stay as they were (the bot refuses new duplicates).
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("logged_on", sa.Date(), nullable=True))
        batch.create_unique_constraint("uq_meetings_tandem_logged_on", ["tandem_id", "logged_on"])
    with op.batch_alter_table("meeting_feedback") as batch:
        batch.add_column(sa.Column("fit_asked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_feedback") as batch:
        batch.drop_column("fit_asked_at")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_constraint("uq_meetings_tandem_logged_on", type_="unique")
        batch.drop_column("logged_on")
