"""Program surveys in storage, on SQLite and PostgreSQL: a survey's transitions are conditional
(they decide once), a participant's response is one row that is completed exactly once, and the
figures of how far a survey got come from the schedule and the responses.

Writes happen in one unit of work and are checked from another, so what is asserted is what was
committed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from core.reminders import Kind, State, plan_survey
from core.surveys import SurveyKind, default_questions
from storage import participants, reminders, surveys
from storage.db import Database
from storage.models import Reminder, SurveyResponse
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 9, 1, 8, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
QUESTIONS = default_questions(SurveyKind.MIDTERM)


async def _survey(db: Database, program_id: int, kind: SurveyKind = SurveyKind.MIDTERM) -> int:
    async with db.session() as session:
        survey = await surveys.create(
            session,
            program_id=program_id,
            kind=kind,
            questions=default_questions(kind),
            created_by=9001,
            now=NOW,
        )
        return survey.id


async def _scheduled(db: Database, program_id: int, send_at: dt.datetime) -> int:
    survey_id = await _survey(db, program_id)
    async with db.session() as session:
        assert await surveys.schedule(session, survey_id, send_at)
    return survey_id


async def _status(db: Database, survey_id: int) -> tuple[str, dt.datetime | None]:
    async with db.session() as session:
        survey = await surveys.get(session, survey_id)
        assert survey is not None
        return survey.status, survey.send_at


async def _response_rows(db: Database, survey_id: int) -> list[SurveyResponse]:
    async with db.session() as session:
        query = select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
        return list((await session.scalars(query)).all())


# --- the survey's life -------------------------------------------------------------------------


async def test_create_makes_a_draft_of_the_program(db: Database) -> None:
    program = await seed_program(db, NOW)
    other = await seed_program(db, NOW, "Andere")
    final = await _survey(db, program, SurveyKind.FINAL)
    midterm = await _survey(db, program)
    await _survey(db, other)
    async with db.session() as session:
        survey = await surveys.get(session, final)
        assert survey is not None
        assert (survey.program_id, survey.kind, survey.status) == (program, "final", "draft")
        assert survey.questions == default_questions(SurveyKind.FINAL)
        assert (survey.send_at, survey.created_by, survey.created_at) == (None, 9001, NOW)
        assert [s.id for s in await surveys.for_program(session, program)] == [final, midterm]
        assert await surveys.get(session, final + 1000) is None


async def test_questions_change_only_in_a_draft(db: Database) -> None:
    program = await seed_program(db, NOW)
    survey_id = await _survey(db, program)
    edited: list[dict[str, Any]] = [*QUESTIONS[:2], {"id": "c1", "type": "text", "text": "Neu?"}]
    async with db.session() as session:
        assert await surveys.set_questions(session, survey_id, edited)
    async with db.session() as session:
        survey = await surveys.get(session, survey_id)
        assert survey is not None and survey.questions == edited
        assert await surveys.schedule(session, survey_id, NOW + DAY)
        assert not await surveys.set_questions(session, survey_id, QUESTIONS)
    async with db.session() as session:
        survey = await surveys.get(session, survey_id)
        assert survey is not None and survey.questions == edited
        assert not await surveys.set_questions(session, survey_id + 1000, QUESTIONS)


async def test_schedule_only_from_a_draft(db: Database) -> None:
    program = await seed_program(db, NOW)
    survey_id = await _survey(db, program)
    async with db.session() as session:
        assert await surveys.schedule(session, survey_id, NOW + DAY)
    async with db.session() as session:
        assert not await surveys.schedule(session, survey_id, NOW + 2 * DAY)
    assert await _status(db, survey_id) == ("scheduled", NOW + DAY)
    async with db.session() as session:
        assert await surveys.close(session, survey_id)
        assert not await surveys.schedule(session, survey_id, NOW + 3 * DAY)
    assert await _status(db, survey_id) == ("closed", NOW + DAY)


async def test_unschedule_only_while_it_has_not_gone_out(db: Database) -> None:
    program = await seed_program(db, NOW)
    survey_id = await _scheduled(db, program, NOW + HOUR)
    async with db.session() as session:
        assert not await surveys.unschedule(session, survey_id, NOW + HOUR), "send_at reached"
        assert not await surveys.unschedule(session, survey_id, NOW + 2 * HOUR)
    assert await _status(db, survey_id) == ("scheduled", NOW + HOUR)
    async with db.session() as session:
        assert await surveys.unschedule(session, survey_id, NOW + HOUR - dt.timedelta(seconds=1))
    assert await _status(db, survey_id) == ("draft", None)
    async with db.session() as session:
        assert not await surveys.unschedule(session, survey_id, NOW), "a draft already"


async def test_close_only_when_scheduled(db: Database) -> None:
    program = await seed_program(db, NOW)
    survey_id = await _survey(db, program)
    async with db.session() as session:
        assert not await surveys.close(session, survey_id)
    assert await _status(db, survey_id) == ("draft", None)
    async with db.session() as session:
        assert await surveys.schedule(session, survey_id, NOW - DAY)
        assert await surveys.close(session, survey_id)
        assert not await surveys.close(session, survey_id)
        assert not await surveys.unschedule(session, survey_id, NOW - 2 * DAY)
    assert await _status(db, survey_id) == ("closed", NOW - DAY)


async def test_delete_draft_only_for_drafts(db: Database) -> None:
    program = await seed_program(db, NOW)
    draft = await _survey(db, program)
    scheduled = await _scheduled(db, program, NOW + DAY)
    async with db.session() as session:
        assert not await surveys.delete_draft(session, scheduled)
        assert not await surveys.delete_draft(session, draft + 1000)
        assert await surveys.delete_draft(session, draft)
    async with db.session() as session:
        assert await surveys.get(session, draft) is None
        assert not await surveys.delete_draft(session, draft)
        assert [s.id for s in await surveys.for_program(session, program)] == [scheduled]


# --- who answers -------------------------------------------------------------------------------


async def test_only_active_people_of_the_surveys_program_answer(db: Database) -> None:
    program = await seed_program(db, NOW)
    other = await seed_program(db, NOW, "Andere")
    anna = await seed_participant(db, program, 501, "Anna", NOW)
    await seed_participant(db, program, 502, "Paula", NOW, status="pending")
    await seed_participant(db, program, 503, "Lena", NOW, status="left")
    await seed_participant(db, program, 504, "Petra", NOW, status="paused")
    await seed_participant(db, other, 505, "Otto", NOW)
    survey_id = await _survey(db, program)
    async with db.session() as session:
        survey = await surveys.get(session, survey_id)
        assert survey is not None
        found = await participants.active_in(session, survey.program_id, 501)
        assert found is not None and found.id == anna
        for user_id in (502, 503, 504, 505, 999):
            assert await participants.active_in(session, survey.program_id, user_id) is None, (
                user_id
            )


async def test_open_for_user_lists_what_has_gone_out_to_their_programs(db: Database) -> None:
    mine = await seed_program(db, NOW)
    pending_there = await seed_program(db, NOW, "Warteliste")
    elsewhere = await seed_program(db, NOW, "Andere")
    await seed_participant(db, mine, 501, "Anna", NOW)
    await seed_participant(db, pending_there, 501, "Anna", NOW, status="pending")
    await seed_participant(db, elsewhere, 502, "Otto", NOW)
    later_out = await _scheduled(db, mine, NOW - HOUR)
    first_out = await _scheduled(db, mine, NOW - DAY)
    due_now = await _scheduled(db, mine, NOW)
    await _scheduled(db, mine, NOW + HOUR)  # not yet
    await _survey(db, mine)  # a draft
    closed = await _scheduled(db, mine, NOW - 2 * DAY)
    await _scheduled(db, pending_there, NOW - DAY)
    await _scheduled(db, elsewhere, NOW - DAY)
    async with db.session() as session:
        assert await surveys.close(session, closed)
    async with db.session() as session:
        found = await surveys.open_for_user(session, 501, NOW)
        assert [s.id for s in found] == [first_out, later_out, due_now]
        assert [s.id for s in await surveys.open_for_user(session, 501, NOW - 2 * HOUR)] == [
            first_out
        ]
        assert await surveys.open_for_user(session, 999, NOW) == []


# --- responses ---------------------------------------------------------------------------------


async def _open_survey(db: Database) -> tuple[int, int, int]:
    """A survey that has gone out and the participant (id) who answers it, in its program."""
    program = await seed_program(db, NOW)
    anna = await seed_participant(db, program, 501, "Anna", NOW)
    survey_id = await _scheduled(db, program, NOW - HOUR)
    return program, anna, survey_id


async def test_start_is_idempotent(db: Database) -> None:
    _, anna, survey_id = await _open_survey(db)
    async with db.session() as session:
        first = await surveys.start(session, survey_id, anna, NOW)
        assert (first.answers, first.completed_at, first.started_at) == ({}, None, NOW)
        assert not first.wants_support and not first.wants_rematch
    async with db.session() as session:
        again = await surveys.start(session, survey_id, anna, NOW + HOUR)
        assert again.id == first.id and again.started_at == NOW, "the first start stays"
        found = await surveys.response(session, survey_id, anna)
        assert found is not None and found.id == first.id
        assert await surveys.response(session, survey_id, anna + 1000) is None
    assert len(await _response_rows(db, survey_id)) == 1


async def test_two_concurrent_starts_make_one_row(db: Database) -> None:
    _, anna, survey_id = await _open_survey(db)

    async def start() -> int:
        async with db.session() as session:
            return (await surveys.start(session, survey_id, anna, NOW)).id

    first, second = await asyncio.gather(start(), start())
    assert first == second
    assert [r.id for r in await _response_rows(db, survey_id)] == [first]


async def test_save_answer_accumulates_until_complete(db: Database) -> None:
    _, anna, survey_id = await _open_survey(db)
    async with db.session() as session:
        row = await surveys.start(session, survey_id, anna, NOW)
        assert await surveys.save_answer(session, row, "satisfaction", 8)
        assert await surveys.save_answer(session, row, "as_agreed", "partly")
    async with db.session() as session:
        row = await surveys.start(session, survey_id, anna, NOW)
        assert await surveys.save_answer(session, row, "went_well", None)
        assert await surveys.save_answer(session, row, "satisfaction", 9)  # changed its mind
        assert row.answers == {"satisfaction": 9, "as_agreed": "partly", "went_well": None}
        assert await surveys.complete(session, row, support=False, rematch=False, now=NOW)
        assert not await surveys.save_answer(session, row, "improve", "Mehr Zeit")
    [stored] = await _response_rows(db, survey_id)
    assert stored.answers == {"satisfaction": 9, "as_agreed": "partly", "went_well": None}
    assert stored.completed_at == NOW


async def test_complete_is_true_exactly_once(db: Database) -> None:
    _, anna, survey_id = await _open_survey(db)
    async with db.session() as session:
        row = await surveys.start(session, survey_id, anna, NOW)
        assert await surveys.complete(session, row, support=True, rematch=False, now=NOW)
        assert (row.completed_at, row.wants_support, row.wants_rematch) == (NOW, True, False)
    async with db.session() as session:
        row = await surveys.start(session, survey_id, anna, NOW + HOUR)
        later = NOW + HOUR
        assert not await surveys.complete(session, row, support=False, rematch=True, now=later)
    [stored] = await _response_rows(db, survey_id)
    assert (stored.completed_at, stored.wants_support, stored.wants_rematch) == (NOW, True, False)


async def test_two_concurrent_completions_succeed_once(db: Database) -> None:
    _, anna, survey_id = await _open_survey(db)
    async with db.session() as session:
        row_id = (await surveys.start(session, survey_id, anna, NOW)).id

    async def complete(rematch: bool) -> bool:
        async with db.session() as session:
            row = await session.get(SurveyResponse, row_id)
            assert row is not None
            return await surveys.complete(
                session, row, support=not rematch, rematch=rematch, now=NOW
            )

    results = await asyncio.gather(complete(False), complete(True))
    assert sorted(results) == [False, True]
    [stored] = await _response_rows(db, survey_id)
    winner_rematch = results[1]
    assert (stored.wants_support, stored.wants_rematch) == (not winner_rematch, winner_rematch)


async def test_completed_lists_finished_responses_by_name(db: Database) -> None:
    program, anna, survey_id = await _open_survey(db)  # Anna starts but does not finish
    carla = await seed_participant(db, program, 502, "Carla", NOW, role="mentor")
    bert = await seed_participant(db, program, 503, "Bert", NOW)
    other_survey = await _scheduled(db, program, NOW - HOUR)
    async with db.session() as session:
        assert await surveys.save_answer(
            session, await surveys.start(session, survey_id, anna, NOW), "fit", 5
        )
        for pid, answers, support in ((carla, {"fit": 4}, True), (bert, {"fit": 2}, False)):
            row = await surveys.start(session, survey_id, pid, NOW)
            for qid, value in answers.items():
                assert await surveys.save_answer(session, row, qid, value)
            assert await surveys.complete(session, row, support=support, rematch=False, now=NOW)
        row = await surveys.start(session, other_survey, anna, NOW)
        assert await surveys.complete(session, row, support=False, rematch=True, now=NOW)
    async with db.session() as session:
        done = await surveys.completed(session, survey_id)
    assert [(a.participant_id, a.name, a.role, a.answers) for a in done] == [
        (bert, "Bert", "mentee", {"fit": 2}),
        (carla, "Carla", "mentor", {"fit": 4}),
    ]
    assert [(a.wants_support, a.wants_rematch) for a in done] == [(False, False), (True, False)]


# --- reach and the schedule --------------------------------------------------------------------


async def _plan(db: Database, survey_id: int, user_ids: list[int]) -> list[tuple[int, int]]:
    """Plan the survey's messages; returns (reminder id, user id) of the invitations."""
    async with db.session() as session:
        await reminders.plan(
            session,
            plan_survey(survey_id=survey_id, send_at=NOW, user_ids=user_ids),
            now=NOW,
            survey_id=survey_id,
        )
        rows = await session.execute(
            select(Reminder.id, Reminder.user_id)
            .where(Reminder.survey_id == survey_id, Reminder.kind == Kind.SURVEY.value)
            .order_by(Reminder.user_id)
        )
        return [(rid, uid) for rid, uid in rows.tuples() if uid is not None]


async def _deliver(db: Database, reminder_id: int, state: State) -> None:
    async with db.session() as session:
        assert await reminders.claim(session, reminder_id, NOW)
        await reminders.finish(session, reminder_id, state, NOW)


async def test_reach_counts_invitations_and_responses(db: Database) -> None:
    program, anna, survey_id = await _open_survey(db)
    bert = await seed_participant(db, program, 502, "Bert", NOW)
    other_survey = await _scheduled(db, program, NOW - HOUR)
    async with db.session() as session:
        assert await surveys.reach(session, survey_id) == surveys.Reach()
    invitations = {uid: rid for rid, uid in await _plan(db, survey_id, [501, 502, 503, 504, 505])}
    await _plan(db, other_survey, [501, 502])
    await _deliver(db, invitations[501], State.SENT)
    await _deliver(db, invitations[502], State.SENT)
    await _deliver(db, invitations[503], State.UNREACHABLE)
    await _deliver(db, invitations[504], State.FAILED)
    async with db.session() as session:
        # 505 left the program before it went out: their messages are taken back.
        assert await reminders.cancel(session, now=NOW, survey_id=survey_id, user_id=505) == 2
        await surveys.start(session, survey_id, anna, NOW)
        row = await surveys.start(session, survey_id, bert, NOW)
        assert await surveys.complete(session, row, support=False, rematch=False, now=NOW)
        await surveys.start(session, other_survey, anna, NOW)
    async with db.session() as session:
        reach = await surveys.reach(session, survey_id)
    assert reach == surveys.Reach(invited=4, reached=2, unreachable=1, started=2, completed=1)


async def test_cancel_by_survey_touches_only_that_surveys_pending_rows(db: Database) -> None:
    program = await seed_program(db, NOW)
    first = await _scheduled(db, program, NOW + DAY)
    second = await _scheduled(db, program, NOW + DAY)
    sent = {uid: rid for rid, uid in await _plan(db, first, [501, 502])}
    await _plan(db, second, [501, 502])
    await _deliver(db, sent[501], State.SENT)
    async with db.session() as session:
        assert await reminders.cancel(session, now=NOW, survey_id=first) == 3
        assert await reminders.cancel(session, now=NOW, survey_id=first) == 0
    async with db.session() as session:
        rows = await session.execute(
            select(Reminder.survey_id, Reminder.state, func.count())
            .group_by(Reminder.survey_id, Reminder.state)
            .order_by(Reminder.survey_id, Reminder.state)
        )
        counts = [(sid, state, n) for sid, state, n in rows.tuples()]
    assert counts == [
        (first, "cancelled", 3),
        (first, "sent", 1),
        (second, "pending", 4),
    ]
