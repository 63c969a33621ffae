"""The coordinators' reports as use cases: who may see which program, and what comes back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.meetings import MeetingStatus
from services import reports
from services.errors import Refused, Stale
from storage.db import Database
from storage.models import AuditEntry, Meeting
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, run, seed_pair, unit


async def seed_held_meeting(db: Database, tandem_id: int, when: dt.datetime) -> None:
    async with db.session() as session:
        session.add(
            Meeting(
                tandem_id=tandem_id,
                status=MeetingStatus.CONFIRMED,
                starts_at=when,
                ends_at=when + dt.timedelta(hours=1),
                created_at=when,
                updated_at=when,
            )
        )


async def refusals(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        return [str(row.detail.get("what")) for row in rows]


async def test_a_participant_is_refused_everything(db: Database) -> None:
    pair = await seed_pair(db)
    with pytest.raises(Refused):
        await run(db, pair.mentee, lambda uow: reports.programs(uow, "stats"))
    with pytest.raises(Refused):
        await run(db, pair.mentee, lambda uow: reports.stats(uow, pair.program_id))
    with pytest.raises(Refused):
        await run(db, pair.mentee, lambda uow: reports.export(uow, pair.program_id))


async def test_a_coordinator_of_one_program_sees_only_that_one(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_program(db, NOW, name="Wolfsburg 2027")
    scope = frozenset({other})
    listed = await run(
        db, COORDINATOR, lambda uow: reports.programs(uow, "stats"), coordinator=True, scope=scope
    )
    assert [p.id for p in listed] == [other]
    # As the router has it: the refusal is caught, and its audit row commits.
    async with unit(db, COORDINATOR, coordinator=True, scope=scope) as uow:
        for use_case in (reports.stats, reports.export):
            with pytest.raises(Stale) as stale:
                await use_case(uow, pair.program_id)
            assert stale.value.alert
    assert await refusals(db) == [f"program:{pair.program_id}"] * 2
    with pytest.raises(Stale):  # a forged id: nothing to audit
        await run(db, COORDINATOR, lambda uow: reports.stats(uow, 2**31 - 1), coordinator=True)


async def test_stats_count_the_program_and_name_no_survey_yet(db: Database) -> None:
    pair = await seed_pair(db)
    await seed_held_meeting(db, pair.tandem_id, NOW - dt.timedelta(days=3))
    found = await run(
        db, COORDINATOR, lambda uow: reports.stats(uow, pair.program_id), coordinator=True
    )
    assert found.program.id == pair.program_id
    assert found.figures.tandems_active == 1
    assert found.figures.meetings_held == 1
    assert found.quiet_days > 0 and found.risky == []  # met three days ago
    assert found.surveys == []


async def test_export_rows_and_the_chart_put_this_program_first(db: Database) -> None:
    first = await seed_pair(db)
    second = await seed_pair(db, program_id=await seed_program(db, NOW, name="B"), base=3000)
    await seed_held_meeting(db, first.tandem_id, NOW - dt.timedelta(days=40))
    await seed_held_meeting(db, second.tandem_id, NOW - dt.timedelta(days=3))
    found = await run(
        db, COORDINATOR, lambda uow: reports.export(uow, second.program_id), coordinator=True
    )
    assert [p.id for p in found.participants] and len(found.participants) == 2
    assert [t.id for t in found.tandems] == [second.tandem_id]
    assert len(found.meetings) == 1 and found.feedback == []
    # January 2027 (40 days before 10 March) and March: February in between, without a gap.
    assert found.chart.months == [(2027, 1), (2027, 2), (2027, 3)]
    assert found.chart.series == [("B", [0, 0, 1]), ("Salzgitter 2027", [1, 0, 0])]

    scoped = await run(
        db,
        COORDINATOR,
        lambda uow: reports.export(uow, second.program_id),
        coordinator=True,
        scope=frozenset({second.program_id}),
    )
    assert scoped.chart.series == [("B", [1])]
