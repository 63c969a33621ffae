"""programs.form_fields; participants.location, latitude, longitude, languages, profile_url

The registration form per program: coordinators choose optional questions (core.profile
OPTIONAL_FIELDS) kept in `programs.form_fields` (a JSON list of field names; NULL: none). The
answers are personal data in columns of their own: the place as typed and the coordinates the
built-in gazetteer (core.places) found for it, the languages spoken (a JSON list of ISO codes),
a profile link. The mentor capacity already has its column. All optional: existing rows read as
before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTICIPANT_COLUMNS = ("location", "latitude", "longitude", "languages", "profile_url")


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: on SQLite a batch rebuilds the table, and dropping the old
    # one takes dependent rows with it (ON DELETE CASCADE).
    op.add_column("programs", sa.Column("form_fields", sa.JSON(), nullable=True))
    op.add_column("participants", sa.Column("location", sa.String(length=80), nullable=True))
    op.add_column("participants", sa.Column("latitude", sa.Float(), nullable=True))
    op.add_column("participants", sa.Column("longitude", sa.Float(), nullable=True))
    op.add_column("participants", sa.Column("languages", sa.JSON(), nullable=True))
    op.add_column("participants", sa.Column("profile_url", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # DROP COLUMN directly (SQLite has it since 3.35) for the same reason: no rebuilt table.
    for column in reversed(_PARTICIPANT_COLUMNS):
        op.execute(f"ALTER TABLE participants DROP COLUMN {column}")
    op.execute("ALTER TABLE programs DROP COLUMN form_fields")
