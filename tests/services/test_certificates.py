"""Certificates as use cases: who qualifies, the minimum, issuing (early only after the question
that names the end date), and what the delivery after the commit is given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from services import certificates
from services.certificates import Issue, Issued, MinimumSet, MinimumState, Screen
from services.errors import Refused, Stale
from services.unit import UnitOfWork
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, Certificate, Meeting, Participant, Program
from tests.services.conftest import COORDINATOR, NOW, Pair, run, seed_pair

AFTER_END = dt.datetime(2028, 3, 2, 9, 0, tzinfo=dt.UTC)  # the seeded program ends 29.02.2028


async def hold_meetings(db: Database, pair: Pair, count: int) -> None:
    async with db.session() as session:
        mentee = await session.scalar(
            select(Participant.id).where(Participant.user_id == pair.mentee)
        )
        for i in range(count):
            starts = NOW - dt.timedelta(days=7 * (i + 1))
            session.add(
                Meeting(
                    tandem_id=pair.tandem_id,
                    status="confirmed",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=1),
                    online=False,
                    proposed_by=mentee,
                    version=0,
                    outcome="held",
                    created_at=starts,
                    updated_at=starts,
                    confirmed_at=starts,
                )
            )


async def seed(db: Database) -> tuple[Pair, Pair]:
    """A tandem that met six times (the default minimum) and one that met twice."""
    met = await seed_pair(db)
    short = await seed_pair(db, program_id=met.program_id, base=3000)
    await hold_meetings(db, met, 6)
    await hold_meetings(db, short, 2)
    return met, short


def names(people: Sequence[tuple[Participant, object]]) -> list[int]:
    return sorted(p.user_id or 0 for p, _ in people)


async def test_who_qualifies_by_the_minimum(db: Database) -> None:
    met, short = await seed(db)
    shown = await run(
        db, COORDINATOR, lambda uow: certificates.screen(uow, met.program_id), coordinator=True
    )
    assert shown.view.minimum == 6 and not shown.ended
    assert names(shown.view.due) == [met.mentor, met.mentee]
    assert names(shown.view.short) == [short.mentor, short.mentee]


async def test_the_minimum_is_a_whole_number_from_1_to_50(db: Database) -> None:
    met, _ = await seed(db)
    state = MinimumState(program_id=met.program_id)

    async def typed(raw: str) -> MinimumSet | None:
        return await run(
            db,
            COORDINATOR,
            lambda uow: certificates.set_minimum(uow, state, raw),
            coordinator=True,
        )

    await run(
        db, COORDINATOR, lambda uow: certificates.ask_minimum(uow, met.program_id), coordinator=True
    )
    for raw in ("0", "51", "-1", "zwei", ""):
        result = await typed(raw)
        assert result is not None and result.value is None, raw
    result = await typed(" 2 ")
    assert result is not None and result.value == 2 and result.screen is not None
    assert len(result.screen.view.due) == 4
    async with db.session() as session:
        program = await session.get(Program, met.program_id)
        assert program is not None and program.settings["min_meetings"] == 2
        assert await dialogs.get(session, COORDINATOR) is None
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("min_meetings_set") == 1


async def test_a_minimum_for_a_program_no_longer_coordinated_ends_the_dialog(
    db: Database,
) -> None:
    met, _ = await seed(db)
    await run(
        db, COORDINATOR, lambda uow: certificates.ask_minimum(uow, met.program_id), coordinator=True
    )
    state = MinimumState(program_id=met.program_id)
    result = await run(
        db,
        COORDINATOR,
        lambda uow: certificates.set_minimum(uow, state, "3"),
        coordinator=True,
        scope=frozenset({met.program_id + 1}),
    )
    assert result is None
    async with db.session() as session:
        program = await session.get(Program, met.program_id)
        assert program is not None and "min_meetings" not in program.settings
        assert await dialogs.get(session, COORDINATOR) is None


async def test_early_issue_only_after_the_question_about_the_end(db: Database) -> None:
    met, _ = await seed(db)

    async def issue(early: bool) -> Issued:
        return await run(
            db,
            COORDINATOR,
            lambda uow: certificates.issue(uow, met.program_id, early_confirmed=early),
            coordinator=True,
        )

    asked = await issue(False)
    assert asked.outcome is Issue.ASK and asked.new == []
    async with db.session() as session:
        assert (await session.scalars(select(Certificate))).all() == []
    issued = await issue(True)
    assert issued.outcome is Issue.ISSUED and len(issued.new) == 2
    assert names(issued.screen.view.short) == [3000, 3001]
    again = await issue(True)
    assert again.outcome is Issue.NOTHING
    assert len(again.screen.view.issued) == 2 and again.screen.view.undelivered
    async with db.session() as session:
        rows = (await session.scalars(select(Certificate))).all()
        assert sorted(c.meetings for c in rows) == [6, 6]
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert actions.count("certificates_issued") == 1


async def test_after_the_end_a_plain_yes_issues(db: Database) -> None:
    met, _ = await seed(db)
    issued = await run(
        db,
        COORDINATOR,
        lambda uow: certificates.issue(uow, met.program_id, early_confirmed=False),
        coordinator=True,
        now=AFTER_END,
    )
    assert issued.outcome is Issue.ISSUED and issued.screen.ended


async def test_strangers_participants_and_other_coordinators_are_refused(db: Database) -> None:
    met, _ = await seed(db)
    with pytest.raises(Refused):
        await run(db, met.mentor, certificates.opening)
    attempts: list[tuple[int, int, dict[str, Any]]] = [
        (met.mentor, met.program_id, {}),
        (COORDINATOR, met.program_id, {"coordinator": True, "scope": frozenset({999})}),
        (COORDINATOR, 2**31 - 1, {"coordinator": True}),
    ]
    for user, program_id, actor in attempts:
        for use_case in (
            lambda uow, p=program_id: certificates.issue(uow, p, early_confirmed=True),
            lambda uow, p=program_id: certificates.screen(uow, p),
            lambda uow, p=program_id: certificates.ask_minimum(uow, p),
        ):
            with pytest.raises(Stale):
                await run(db, user, use_case, **actor)
    async with db.session() as session:
        assert (await session.scalars(select(Certificate))).all() == []
        assert await dialogs.get(session, COORDINATOR) is None


async def test_opening_shows_the_only_program_right_away(db: Database) -> None:
    met, _ = await seed(db)
    opened = await run(db, COORDINATOR, certificates.opening, coordinator=True)
    assert isinstance(opened, Screen) and opened.program.id == met.program_id
    hidden = await run(
        db, COORDINATOR, certificates.opening, coordinator=True, scope=frozenset({999})
    )
    assert hidden == []


async def test_going_back_lists_the_programs_of_the_coordinator_only(db: Database) -> None:
    met, _ = await seed(db)
    chosen = await run(db, COORDINATOR, certificates.choosable, coordinator=True)
    assert [p.id for p in chosen] == [met.program_id]  # even one: the screen came from a list
    scoped = {"coordinator": True, "scope": frozenset({999})}
    assert await run(db, COORDINATOR, certificates.choosable, **scoped) == []
    with pytest.raises(Refused):
        await run(db, met.mentor, certificates.choosable)


async def test_delivery_names_the_partners_and_records_what_arrived(db: Database) -> None:
    met, _ = await seed(db)
    issued = await run(
        db,
        COORDINATOR,
        lambda uow: certificates.issue(uow, met.program_id, early_confirmed=True),
        coordinator=True,
    )

    async def deliver(uow: UnitOfWork) -> list[int]:
        found = await certificates.delivery(uow, met.program_id)
        assert found is not None and found.coordinator is None  # the coordinator has no row
        items = found.items([*issued.new, 2**31 - 1])
        assert sorted(i.user_id for i in items) == [met.mentor, met.mentee]
        assert {i.partners[0] for i in items} == {"Emil Mentee", "Maria <b>Mentor</b> & Co"}
        await certificates.delivered(uow, items[0].certificate.id)
        return [i.certificate.id for i in items]

    ids = await run(db, COORDINATOR, deliver, coordinator=True)
    assert await run(db, COORDINATOR, lambda uow: certificates.delivery(uow, 2**31 - 1)) is None
    async with db.session() as session:
        delivered = await session.scalars(
            select(Certificate.id).where(Certificate.delivered_at.is_not(None))
        )
        assert list(delivered) == ids[:1]
