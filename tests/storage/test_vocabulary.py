"""Statuses, roles and outcomes are core's enums in the database too, on SQLite and PostgreSQL.

The columns stay plain strings (no schema change, no database enum), but a value outside the
vocabulary is refused when it is written or compared, instead of landing in a table as a typo
or silently matching nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from core.profile import Role
from core.programs import ParticipantStatus
from storage.db import Database
from storage.models import Participant, Tandem
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


async def test_rows_come_back_as_members_and_are_stored_as_plain_values(db: Database) -> None:
    program = await seed_program(db, NOW)
    anna = await seed_participant(db, program, 101, "Anna", NOW, role="mentor")
    async with db.session() as session:
        row = await session.get(Participant, anna)
        assert row is not None
        assert type(row.status) is ParticipantStatus and row.status is ParticipantStatus.ACTIVE
        assert type(row.role) is Role and row.role is Role.MENTOR
        stored = (
            await session.execute(
                text("SELECT role, status FROM participants WHERE id = :id"), {"id": anna}
            )
        ).one()
        assert tuple(stored) == ("mentor", "active")
        assert all(type(value) is str for value in stored)


async def test_a_value_outside_the_vocabulary_is_refused(db: Database) -> None:
    program = await seed_program(db, NOW)
    anna = await seed_participant(db, program, 101, "Anna", NOW)
    with pytest.raises(StatementError, match="is not a valid ParticipantStatus"):
        async with db.session() as session:
            row = await session.get(Participant, anna)
            assert row is not None
            typo: Any = "actve"
            row.status = typo
            await session.flush()
    async with db.session() as session:
        row = await session.get(Participant, anna)
        assert row is not None and row.status is ParticipantStatus.ACTIVE

    # A typo in a query fails loudly instead of finding nothing.
    with pytest.raises(StatementError, match="is not a valid TandemStatus"):
        async with db.session() as session:
            await session.scalars(select(Tandem).where(Tandem.status == "actve"))
