"""Purging a program as a use case: only after its retention period, only by a coordinator of
all programs, checked again at the confirmation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services import purge
from services.errors import Refused, Stale
from services.unit import UnitOfWork
from storage import programs
from storage.db import Database
from storage.models import AuditEntry, Participant, Program
from tests.seeding import seed_participant, seed_program
from tests.services.conftest import COORDINATOR, NOW, run

ALL = {"coordinator": True}
MONTHS = 12


async def ended_program(db: Database, name: str, ends_on: dt.date) -> int:
    program_id = await seed_program(db, NOW, name)
    async with db.session() as session:
        program = await programs.get(session, program_id)
        assert program is not None
        program.starts_on, program.ends_on = ends_on - dt.timedelta(days=365), ends_on
    return program_id


async def test_only_a_program_past_its_retention_is_purged(db: Database) -> None:
    old = await ended_program(db, "Alt", dt.date(2025, 12, 31))
    recent = await ended_program(db, "Neu", dt.date(2026, 6, 30))
    await seed_participant(db, old, 2000, "Anna Alt", NOW)
    await seed_participant(db, old, 2001, "Bert Alt", NOW)
    due = await run(db, COORDINATOR, lambda uow: purge.due(uow, MONTHS), **ALL)
    assert [p.id for p in due] == [old]

    early = await run(db, COORDINATOR, lambda uow: purge.ask(uow, recent, MONTHS), **ALL)
    assert early.keep_until == dt.date(2027, 6, 30)
    forced = await run(db, COORDINATOR, lambda uow: purge.purge(uow, recent, MONTHS), **ALL)
    assert forced.keep_until is not None and forced.people == 0

    asked = await run(db, COORDINATOR, lambda uow: purge.ask(uow, old, MONTHS), **ALL)
    assert (asked.program_name, asked.people, asked.keep_until) == ("Alt", 2, None)
    purged = await run(db, COORDINATOR, lambda uow: purge.purge(uow, old, MONTHS), **ALL)
    assert (purged.program_name, purged.people, purged.tandems) == ("Alt", 2, 0)
    async with db.session() as session:
        assert [p.id for p in await session.scalars(select(Program))] == [recent]
        assert await session.scalar(select(func.count()).select_from(Participant)) == 0
        audited = (await session.scalars(select(AuditEntry.action))).all()
    assert audited.count("program_purged") == 1

    with pytest.raises(Stale) as gone:  # pressed again, or by a second coordinator
        await run(db, COORDINATOR, lambda uow: purge.purge(uow, old, MONTHS), **ALL)
    assert (gone.value.key, gone.value.alert, gone.value.edit) == ("purge.gone", True, True)


async def test_nobody_but_a_coordinator_of_all_programs_purges(db: Database) -> None:
    old = await ended_program(db, "Alt", dt.date(2025, 12, 31))
    scoped = {"coordinator": True, "scope": frozenset({old})}
    for use_case in (purge.ask, purge.purge):
        with pytest.raises(Refused):
            await run(db, 2000, lambda uow: use_case(uow, old, MONTHS))  # noqa: B023
        with pytest.raises(Refused) as one_program:
            await run(db, COORDINATOR, lambda uow: use_case(uow, old, MONTHS), **scoped)  # noqa: B023
        assert one_program.value.all_programs
    with pytest.raises(Refused):
        await run(db, COORDINATOR, lambda uow: purge.due(uow, MONTHS), **scoped)
    with pytest.raises(Refused):
        await run(db, 2000, lambda uow: _keep(uow))
    async with db.session() as session:
        assert await session.get(Program, old) is not None


async def _keep(uow: UnitOfWork) -> None:
    purge.keep(uow)
