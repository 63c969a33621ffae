"""A participant answering a program survey, as use cases (services/surveys.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.surveys import SKIPPED, AnswerProblem, Flag, QuestionType, SurveyKind
from services import conversation, survey_admin, surveys
from services.errors import Stale
from services.surveys import AnswerState, Progress, Typed, TypedAnswer
from storage import users
from storage.db import Database
from storage.models import AuditEntry, SurveyResponse
from tests.seeding import seed_participant
from tests.services.conftest import COORDINATOR, NOW, Pair, run, seed_pair, unit


async def open_survey(db: Database, pair: Pair) -> int:
    """A mid-term survey with the default questions, sent now to the pair's program."""
    card = await run(
        db,
        COORDINATOR,
        lambda uow: survey_admin.create(uow, pair.program_id, SurveyKind.MIDTERM),
        coordinator=True,
    )
    await run(
        db,
        COORDINATOR,
        lambda uow: survey_admin.send(uow, card.survey.id, 0),
        coordinator=True,
    )
    return card.survey.id


async def answer(
    db: Database, user_id: int, survey_id: int, index: int, value: str | None
) -> Progress:
    return await run(db, user_id, lambda uow: surveys.answer(uow, survey_id, index, value))


async def type_in(db: Database, user_id: int, state: AnswerState, text: str) -> TypedAnswer:
    return await run(db, user_id, lambda uow: surveys.type_answer(uow, state, text))


async def answer_all(db: Database, user_id: int, survey_id: int, wish: str) -> Progress:
    """Every question answered the first way its keyboard offers; the support question with
    `wish`; the number typed; the open questions skipped."""
    progress = await run(db, user_id, lambda uow: surveys.start(uow, survey_id))
    while progress.ask is not None:
        index, question = progress.ask, progress.questions[progress.ask]
        if question.type is QuestionType.NUMBER:
            state = AnswerState(survey_id=survey_id, index=index)
            typed = await type_in(db, user_id, state, "3")
            assert typed.outcome is Typed.RECORDED and typed.progress is not None
            progress = typed.progress
            continue
        value: str | None = None
        if question.type is QuestionType.SCALE:
            value = str(question.low)
        elif question.type is QuestionType.CHOICE:
            value = wish if question.id == "support" else question.options[0]
        progress = await answer(db, user_id, survey_id, index, value)
        expected = SKIPPED if value is None else int(value) if value.isdigit() else value
        assert progress.recorded == (index, expected)
    return progress


async def test_the_questionnaire_is_answered_in_order_and_completed_once(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await open_survey(db, pair)
    invited = await run(db, pair.mentee, surveys.open_for_me)
    assert [i.survey.id for i in invited] == [survey_id] and invited[0].answered is None

    first = await run(db, pair.mentee, lambda uow: surveys.start(uow, survey_id))
    assert first.ask == 0 and first.recorded is None
    async with unit(db, pair.mentee) as uow:
        assert await conversation.load(uow, surveys.FLOW, AnswerState) == (
            "answer",
            AnswerState(survey_id=survey_id, index=0),
        )
    done = await answer_all(db, pair.mentee, survey_id, "none")
    assert done.ask is None and done.completed is not None
    assert done.completed.wish is None and done.completed.tell == []
    async with unit(db, pair.mentee) as uow:
        assert await conversation.current(uow) is None
    assert await run(db, pair.mentee, surveys.open_for_me) == []
    with pytest.raises(Stale) as pressed:
        await run(db, pair.mentee, lambda uow: surveys.start(uow, survey_id))
    assert pressed.value.key == "sv.already_done" and pressed.value.edit


async def test_a_wish_names_the_participant_to_the_programs_coordinators(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_pair(db, base=3000)
    async with db.session() as session:
        for user_id, program_id in ((7001, pair.program_id), (7002, other.program_id)):
            await users.upsert(session, user_id=user_id, identity=users.Identity("K"), now=NOW)
            await users.grant_coordinator(
                session, user_id, granted_by=None, now=NOW, program_id=program_id
            )
    survey_id = await open_survey(db, pair)
    done = await answer_all(db, pair.mentor, survey_id, "rematch")
    assert done.completed is not None and done.completed.wish is Flag.REMATCH
    assert done.completed.participant.user_id == pair.mentor
    assert [user_id for user_id, _ in done.completed.tell] == [7001, COORDINATOR]
    assert done.completed.tell[0][1] is not None  # their user row, for their language
    async with db.session() as session:
        row = (await session.scalars(select(SurveyResponse))).one()
    assert row.wants_rematch and not row.wants_support and row.completed_at == NOW


async def test_only_the_next_question_with_a_value_it_offers_is_taken(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await open_survey(db, pair)
    await run(db, pair.mentee, lambda uow: surveys.start(uow, survey_id))
    for index, value, key in (
        (1, "3", "sv.stale_question"),  # not yet
        (0, "11", "error.stale_button"),  # beyond the scale of 1-10
        (0, None, "error.stale_button"),  # a scale cannot be skipped
    ):
        with pytest.raises(Stale) as pressed:
            await answer(db, pair.mentee, survey_id, index, value)
        assert pressed.value.key == key
    answered = await run(db, pair.mentee, lambda uow: surveys.answer(uow, survey_id, 0, "10"))
    assert answered.recorded == (0, 10) and answered.ask == 1
    with pytest.raises(Stale) as pressed:  # a double tap on the first question
        await run(db, pair.mentee, lambda uow: surveys.answer(uow, survey_id, 0, "9"))
    assert pressed.value.key == "sv.stale_question"


async def test_typed_answers_are_checked_and_a_button_question_wants_buttons(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await open_survey(db, pair)
    await run(db, pair.mentee, lambda uow: surveys.start(uow, survey_id))
    state = AnswerState(survey_id=survey_id, index=0)
    typed = await run(db, pair.mentee, lambda uow: surveys.type_answer(uow, state, "7"))
    assert typed.outcome is Typed.USE_BUTTONS and typed.progress is not None
    assert typed.progress.ask == 0  # asked again
    for index, value in enumerate(("5", "3", "3", "yes")):
        await answer(db, pair.mentee, survey_id, index, value)
    state = AnswerState(survey_id=survey_id, index=4)  # the number of meetings, 0-50
    problems = (("viele", AnswerProblem.NOT_A_NUMBER), ("51", AnswerProblem.OUT_OF_RANGE))
    for text, problem in problems:
        typed = await type_in(db, pair.mentee, state, text)
        assert typed.outcome is Typed.PROBLEM and typed.problem is problem
    typed = await run(db, pair.mentee, lambda uow: surveys.type_answer(uow, state, "4"))
    assert typed.outcome is Typed.RECORDED and typed.progress is not None
    assert typed.progress.recorded == (4, 4) and typed.progress.ask == 5


async def test_strangers_forged_ids_and_closed_surveys_are_refused(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await open_survey(db, pair)
    other = await seed_pair(db, base=3000)  # another program's participants
    pending = await seed_participant(db, pair.program_id, 4000, "Wartend", NOW, status="pending")
    assert pending
    for user_id in (other.mentee, 4000, 4242):
        async with unit(db, user_id) as uow:  # committed like the router does: the audit stays
            with pytest.raises(Stale) as pressed:
                await surveys.start(uow, survey_id)
        assert pressed.value.key == "sv.not_invited" and pressed.value.alert
        assert await run(db, user_id, surveys.open_for_me) == []
    async with db.session() as session:
        refused = (await session.scalars(select(AuditEntry.action))).all().count("refused")
    assert refused == 3
    with pytest.raises(Stale) as pressed:
        await run(db, pair.mentee, lambda uow: surveys.start(uow, 2**31 - 1))
    assert pressed.value.key == "error.stale_button" and pressed.value.alert

    await run(db, pair.mentee, lambda uow: surveys.start(uow, survey_id))
    await run(db, COORDINATOR, lambda uow: survey_admin.close(uow, survey_id), coordinator=True)
    with pytest.raises(Stale) as pressed:
        await run(db, pair.mentee, lambda uow: surveys.answer(uow, survey_id, 0, "5"))
    assert pressed.value.key == "sv.closed" and pressed.value.edit
    state = AnswerState(survey_id=survey_id, index=0)
    typed = await run(db, pair.mentee, lambda uow: surveys.type_answer(uow, state, "5"))
    assert typed.outcome is Typed.CLOSED
    async with unit(db, pair.mentee) as uow:
        assert await conversation.current(uow) is None  # the dialog ended with it
    assert await run(db, pair.mentee, surveys.open_for_me) == []
