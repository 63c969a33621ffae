"""The right of access: `personal_data` covers every table that refers to a person."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger

from storage.db import Database
from storage.erasure import ADDRESSED_TO, NOT_A_PERSON, person_columns
from storage.models import Base
from storage.privacy import personal_data
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
NOT_PERSONAL = {"processed_updates"}  # update ids only


def person_tables() -> set[str]:
    """Tables with a column pointing at a user or a participant."""
    found = set()
    for table in Base.metadata.tables.values():
        for column in table.columns:
            refers = {fk.column.table.name for fk in column.foreign_keys}
            telegram_id = column.name == "user_id" and isinstance(column.type, BigInteger)
            if refers & {"users", "participants"} or telegram_id:
                found.add(table.name)
    return found - NOT_PERSONAL


async def test_every_table_about_a_person_is_exported(db: Database) -> None:
    program_id = await seed_program(db, NOW)
    await seed_participant(db, program_id, 4242, "Anna <b>A</b>", NOW)
    async with db.session() as session:
        data = await personal_data(session, 4242)
    # Tandems refer to participants; users refer to nobody but are the person.
    assert person_tables() | {"users"} <= set(data), person_tables() - set(data)
    assert {"mentor_id", "mentee_id"} <= {c.name for c in Base.metadata.tables["tandems"].columns}
    [participant] = data["participants"]
    assert participant["name"] == "Anna <b>A</b>" and participant["created_at"].startswith("2027")


async def test_nothing_for_a_stranger(db: Database) -> None:
    async with db.session() as session:
        assert await personal_data(session, 1) == {}


def test_erasure_knows_every_column_that_can_hold_a_telegram_id() -> None:
    """A new BigInteger column is a reference to a person (set to NULL on erasure) unless it
    is declared otherwise; a NOT NULL one must be declared, or erasure refuses to run."""
    found = {f"{c.table.name}.{c.name}": goes for c, goes in person_columns()}
    every = {
        f"{t.name}.{c.name}"
        for t in Base.metadata.tables.values()
        for c in t.columns
        if isinstance(c.type, BigInteger)
    }
    assert set(found) == every - NOT_A_PERSON - {"users.id"}
    assert {name for name, goes in found.items() if goes} == ADDRESSED_TO
    for name in ("meetings.proposed_by", "audit_log.user_id", "participants.user_id"):
        assert found[name] is False
