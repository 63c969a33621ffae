"""Program events, the coordinators' wishes of issue #13: "maybe" as an answer, an end time and a
capacity, the reminder to those who have not answered, the attendance list as a file, and
editing an event (everyone invited is told what changed)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.events import Answer
from services import event_edits, events
from services.errors import Stale
from services.events import Reply
from services.unit import UnitOfWork
from storage.db import Database
from storage.models import ProgramEvent, Reminder
from tests.services.conftest import COORDINATOR, run
from tests.services.test_events import EMIL, MARIA, START, create_event, seed_cohort


async def _say(db: Database, user: int, event_id: int, given: Answer) -> events.Answered:
    return await run(db, user, lambda uow: events.answer(uow, event_id, given))


async def test_maybe_is_an_answer_of_its_own_and_takes_a_yes_out_of_the_calendar(
    db: Database,
) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    first = await _say(db, MARIA, event_id, Answer.MAYBE)
    assert first.invitation.answer == Answer.MAYBE
    assert not first.accepted and not first.withdrawn, "a maybe gets no calendar file"
    assert (await _say(db, MARIA, event_id, Answer.YES)).accepted
    back = await _say(db, MARIA, event_id, Answer.MAYBE)
    assert back.withdrawn and not back.accepted, "a yes turned maybe leaves the calendar"
    await _say(db, EMIL, event_id, Answer.NO)
    card = await run(db, COORDINATOR, lambda uow: events.card(uow, event_id), coordinator=True)
    assert [p.user_id for p in card.present.maybe] == [MARIA]
    assert [p.user_id for p in card.present.no] == [EMIL]
    assert card.present.yes == [] and card.present.open == []


async def test_a_full_event_refuses_a_yes_but_takes_maybe_and_no(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    ends = START + dt.timedelta(hours=3)
    event_id = await create_event(db, program_id, ends_at=ends, capacity="1")
    assert (await _say(db, EMIL, event_id, Answer.YES)).reply is Reply.RECORDED
    full = await _say(db, MARIA, event_id, Answer.YES)
    assert full.reply is Reply.FULL and full.invitation.answer is None and not full.accepted
    assert (await _say(db, MARIA, event_id, Answer.MAYBE)).reply is Reply.RECORDED
    assert (await _say(db, EMIL, event_id, Answer.YES)).reply is Reply.RECORDED, "a yes again"
    assert (await _say(db, EMIL, event_id, Answer.NO)).reply is Reply.RECORDED
    freed = await _say(db, MARIA, event_id, Answer.YES)
    assert freed.reply is Reply.RECORDED and freed.accepted, "the place EMIL gave back"
    async with db.session() as session:
        event = await session.get(ProgramEvent, event_id)
        assert event is not None and (event.ends_at, event.capacity) == (ends, 1)


def test_a_capacity_is_a_whole_number_of_places_or_none() -> None:
    assert events.read_capacity(" 20 ") == (True, 20)
    assert events.read_capacity("-") == (True, None)
    for wrong in ("0", "-3", "2.5", "zwanzig", "", str(events.MAX_CAPACITY + 1)):
        assert events.read_capacity(wrong) == (False, None), wrong


async def _edit(db: Database, event_id: int, field: str, value: object) -> event_edits.Edited:
    """The coordinator presses the field's button and types the value (read by the handler)."""

    async def go(uow: UnitOfWork) -> event_edits.Edited:
        card = await event_edits.begin(uow, event_id, field)
        return await event_edits.apply(uow, field, value, card.program)

    return await run(db, COORDINATOR, go, coordinator=True)


async def test_an_edit_names_everyone_invited_and_moves_the_reminders(db: Database) -> None:
    program_id, _ = await seed_cohort(db)
    event_id = await create_event(db, program_id)
    await _say(db, MARIA, event_id, Answer.YES)
    await _say(db, EMIL, event_id, Answer.NO)
    with pytest.raises(Stale):  # a participant's forged press
        await run(db, MARIA, lambda uow: event_edits.begin(uow, event_id, "place"))

    edited = await _edit(db, event_id, "place", "Stadthalle")
    assert edited.changed and edited.before.place == "Rathaus"
    assert sorted(p.user_id or 0 for p in edited.told) == [MARIA, EMIL]
    assert [p.user_id for p in edited.accepted] == [MARIA]
    same = await _edit(db, event_id, "place", "Stadthalle")
    assert not same.changed and same.told == [], "the same value tells nobody"

    later = START + dt.timedelta(days=3)
    moved = await _edit(db, event_id, "when", later)
    assert moved.card.event.starts_at == later and moved.before.starts_at == START
    async with db.session() as session:
        rows = (await session.scalars(select(Reminder).where(Reminder.kind == "event_soon"))).all()
    pending = {r.due_at for r in rows if r.state == "pending"}
    assert pending == {later - dt.timedelta(days=14), later - dt.timedelta(days=2)}

    await run(db, COORDINATOR, lambda uow: events.cancel(uow, event_id), coordinator=True)
    with pytest.raises(Stale):
        await _edit(db, event_id, "title", "Zu spät")
