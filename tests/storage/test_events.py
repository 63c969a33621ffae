"""Program events and answers to their invitations, on SQLite and on PostgreSQL.

Writes happen in one unit of work and are checked from another, so what is asserted is what was
committed.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from core.events import Answer, EventStatus
from core.programs import ParticipantStatus
from storage import events, participants, programs
from storage.db import Database
from storage.models import EventRsvp, Participant
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


async def _program(db: Database, name: str = "Salzgitter 2027") -> int:
    return await seed_program(db, NOW, name, created_by=None)


async def _person(
    db: Database, program_id: int, user_id: int, name: str, status: str = "active"
) -> int:
    return await seed_participant(db, program_id, user_id, name, NOW, status=status)


async def _event(
    db: Database, program_id: int, starts_at: dt.datetime, title: str = "Auftakt"
) -> int:
    async with db.session() as session:
        event = await events.create(
            session,
            program_id=program_id,
            kind="kickoff",
            title=title,
            starts_at=starts_at,
            place=None,
            created_by=9001,
            now=NOW,
        )
        return event.id


async def test_create_and_get(db: Database) -> None:
    program_id = await _program(db)
    event_id = await _event(db, program_id, NOW + 10 * DAY, title="<b>Auftakt</b> & mehr")
    async with db.session() as session:
        event = await events.get(session, event_id)
        assert event is not None
        assert event.title == "<b>Auftakt</b> & mehr"
        assert event.status == EventStatus.PLANNED
        assert event.starts_at == NOW + 10 * DAY
        assert event.starts_at.tzinfo is not None
        assert await events.get(session, event_id + 1000) is None
        with pytest.raises(ValueError, match="kind"):
            await events.create(
                session,
                program_id=program_id,
                kind="party",
                title="x",
                starts_at=NOW + DAY,
                place=None,
                created_by=None,
                now=NOW,
            )


async def test_upcoming_is_ordered_and_leaves_out_past_and_cancelled(db: Database) -> None:
    program_id = await _program(db)
    other_program = await _program(db, "Andere")
    later = await _event(db, program_id, NOW + 20 * DAY, "später")
    soon = await _event(db, program_id, NOW + 2 * DAY, "bald")
    past = await _event(db, program_id, NOW - 3 * DAY, "vorbei")
    gone = await _event(db, program_id, NOW + 5 * DAY, "abgesagt")
    await _event(db, other_program, NOW + DAY, "anderswo")
    async with db.session() as session:
        event = await events.get(session, gone)
        assert event is not None
        assert await events.cancel(session, event, NOW)
    async with db.session() as session:
        assert [e.id for e in await events.upcoming(session, program_id, NOW)] == [soon, later]
        with_recent = await events.upcoming(session, program_id, NOW, grace=7 * DAY)
        assert [e.id for e in with_recent] == [past, soon, later]


async def test_answers_are_upserted_one_row_per_person(db: Database) -> None:
    program_id = await _program(db)
    anna = await _person(db, program_id, 101, "Anna")
    event_id = await _event(db, program_id, NOW + 10 * DAY)
    async with db.session() as session:
        assert await events.answer_of(session, event_id, anna) is None
        await events.set_answer(session, event_id, anna, Answer.YES, NOW)
    async with db.session() as session:
        assert await events.answer_of(session, event_id, anna) == Answer.YES
        await events.set_answer(session, event_id, anna, Answer.NO, NOW + DAY)
        await events.set_answer(session, event_id, anna, Answer.NO, NOW + DAY)
    async with db.session() as session:
        assert await events.answer_of(session, event_id, anna) == Answer.NO
        count = await session.scalar(select(func.count()).select_from(EventRsvp))
        assert count == 1
        row = (await session.scalars(select(EventRsvp))).one()
        assert row.answered_at == NOW + DAY
        with pytest.raises(ValueError, match="answer"):
            await events.set_answer(session, event_id, anna, "perhaps", NOW)


async def test_concurrent_answers_leave_one_row(db: Database) -> None:
    program_id = await _program(db)
    anna = await _person(db, program_id, 101, "Anna")
    event_id = await _event(db, program_id, NOW + 10 * DAY)

    async def answer(value: str) -> None:
        async with db.session() as session:
            await events.set_answer(session, event_id, anna, value, NOW)

    await asyncio.gather(*(answer(Answer.YES if i % 2 else Answer.NO) for i in range(6)))
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(EventRsvp))
        assert count == 1


async def test_only_active_people_of_the_events_program_answer(db: Database) -> None:
    program_id = await _program(db)
    other_program = await _program(db, "Andere")
    anna = await _person(db, program_id, 101, "Anna")
    await _person(db, program_id, 102, "Paula", status="pending")
    await _person(db, program_id, 103, "Lena", status="left")
    await _person(db, other_program, 104, "Otto")
    event_id = await _event(db, program_id, NOW + 10 * DAY)
    async with db.session() as session:
        event = await events.get(session, event_id)
        assert event is not None
        found = await participants.active_in(session, event.program_id, 101)
        assert found is not None and found.id == anna
        for user_id in (102, 103, 104, 999):
            assert await participants.active_in(session, event.program_id, user_id) is None


async def test_attendance_groups_active_participants_by_answer(db: Database) -> None:
    program_id = await _program(db)
    anna = await _person(db, program_id, 101, "Anna <b>A</b> & Co")
    bert = await _person(db, program_id, 102, "Bert")
    await _person(db, program_id, 103, "Carla")
    left = await _person(db, program_id, 104, "Dora")
    event_id = await _event(db, program_id, NOW + 10 * DAY)
    async with db.session() as session:
        await events.set_answer(session, event_id, anna, Answer.YES, NOW)
        await events.set_answer(session, event_id, bert, Answer.NO, NOW)
        await events.set_answer(session, event_id, left, Answer.YES, NOW)
        row = await session.get(Participant, left)
        assert row is not None
        row.status = ParticipantStatus.LEFT
    async with db.session() as session:
        event = await events.get(session, event_id)
        assert event is not None
        present = await events.attendance(session, event)
        assert [p.name for p in present.yes] == ["Anna <b>A</b> & Co"]
        assert [p.name for p in present.no] == ["Bert"]
        assert [p.name for p in present.open] == ["Carla"]
        assert len(present.invited) == 3
        assert all(p.user is not None for p in present.invited)  # loaded for notifications


async def test_cancel_decides_once_and_never_after_the_start(db: Database) -> None:
    program_id = await _program(db)
    event_id = await _event(db, program_id, NOW + 10 * DAY)
    started_id = await _event(db, program_id, NOW - dt.timedelta(minutes=5))
    async with db.session() as session:
        event = await events.get(session, event_id)
        started = await events.get(session, started_id)
        assert event is not None and started is not None
        assert await events.cancel(session, event, NOW)
        assert event.status == EventStatus.CANCELLED
        assert not await events.cancel(session, event, NOW)
        assert not await events.cancel(session, started, NOW)
    async with db.session() as session:
        event = await events.get(session, event_id)
        started = await events.get(session, started_id)
        assert event is not None and event.status == EventStatus.CANCELLED
        assert started is not None and started.status == EventStatus.PLANNED


async def test_upcoming_for_user_covers_every_active_registration(db: Database) -> None:
    first = await _program(db, "Eins")
    second = await _program(db, "Zwei")
    third = await _program(db, "Drei")
    await _person(db, first, 101, "Anna")
    await _person(db, second, 101, "Anna")
    await _person(db, third, 101, "Anna", status="left")
    a = await _event(db, first, NOW + 5 * DAY)
    b = await _event(db, second, NOW + 2 * DAY)
    await _event(db, third, NOW + 3 * DAY)
    await _event(db, first, NOW - DAY)
    async with db.session() as session:
        found = await events.upcoming_for_user(session, 101, NOW)
        assert [(e.id, p.program_id) for e, p in found] == [(b, second), (a, first)]
        assert await events.upcoming_for_user(session, 999, NOW) == []


async def test_program_settings_are_replaced_and_saved(db: Database) -> None:
    program_id = await _program(db)
    async with db.session() as session:
        program = await programs.get_for_update(session, program_id)
        assert program is not None
        settings = program.settings
        settings["agreement"] = "<b>Vertraulich</b> & fair"  # edited in place, assigned back
        await programs.update_settings(session, program_id, settings)
        await programs.update_settings(session, program_id + 1000, {})  # gone: nothing happens
    async with db.session() as session:
        program = await programs.get(session, program_id)
        assert program is not None
        assert program.settings["agreement"] == "<b>Vertraulich</b> & fair"
        assert program.settings["topics"]  # the other settings stay
        assert await programs.get_for_update(session, program_id + 1000) is None
