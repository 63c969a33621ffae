"""Program events, the coordinators' wishes of issue #13: "maybe" as an answer, an end time and a
capacity, the reminder to those who have not answered, the attendance list as a file, and
editing an event (everyone invited is told what changed)."""

from __future__ import annotations

from core.events import Answer
from services import events
from storage.db import Database
from tests.services.conftest import COORDINATOR, run
from tests.services.test_events import EMIL, MARIA, create_event, seed_cohort


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
