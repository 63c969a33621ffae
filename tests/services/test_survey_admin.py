"""Coordinators preparing, sending, closing and reading surveys, as use cases
(services/survey_admin.py, services/survey_drafts.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from core.reminders import Kind, State
from core.surveys import FLAG_QUESTION, MAX_QUESTIONS, AddType, SurveyKind, SurveyStatus
from services import conversation, survey_admin, survey_drafts
from services.errors import Refused, Stale
from services.survey_admin import EditState, NotDraft
from services.survey_drafts import Draft, Typed
from services.unit import UnitOfWork
from storage.db import Database
from storage.models import AuditEntry, Reminder, Survey
from tests.seeding import seed_program
from tests.services.conftest import COORDINATOR, NOW, Pair, run, seed_pair, unit

AS_COORDINATOR = {"coordinator": True}


async def draft(db: Database, pair: Pair) -> int:
    card = await run(
        db,
        COORDINATOR,
        lambda uow: survey_admin.create(uow, pair.program_id, SurveyKind.FINAL),
        **AS_COORDINATOR,
    )
    assert card.reach is None and not card.open and len(card.questions) == 12
    return card.survey.id


async def send(db: Database, survey_id: int, stamp: int) -> survey_admin.Sent:
    return await run(
        db, COORDINATOR, lambda uow: survey_admin.send(uow, survey_id, stamp), **AS_COORDINATOR
    )


async def reminders_of(db: Database, survey_id: int) -> list[tuple[str, str, int | None]]:
    async with db.session() as session:
        rows = await session.scalars(select(Reminder).where(Reminder.survey_id == survey_id))
        return sorted((r.kind, r.state, r.user_id) for r in rows)


async def test_a_draft_is_edited_and_its_support_question_stays(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await draft(db, pair)

    async def coordinator(use_case: Callable[[UnitOfWork], Awaitable[Draft]]) -> Draft:
        return await run(db, COORDINATOR, use_case, **AS_COORDINATOR)

    moved = await coordinator(lambda uow: survey_drafts.move_up(uow, survey_id, "fit"))
    assert moved.saved and moved.index == 0 and moved.questions[0].id == "fit"
    gone = await coordinator(lambda uow: survey_drafts.pick(uow, survey_id, "nonexistent"))
    assert gone.index is None
    with pytest.raises(Stale) as pressed:
        await coordinator(lambda uow: survey_drafts.remove(uow, survey_id, FLAG_QUESTION))
    assert pressed.value.key == "sk.locked_toast"
    removed = await coordinator(lambda uow: survey_drafts.remove(uow, survey_id, "framework"))
    assert removed.saved and "framework" not in [q.id for q in removed.questions]

    reword = await coordinator(lambda uow: survey_drafts.reword(uow, survey_id, "fit"))
    assert reword.index == 0
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        step, state = await conversation.load(uow, survey_admin.FLOW, EditState) or ("", None)
        assert step == "reword" and state is not None
        typed = await survey_drafts.typed(uow, step, state, "Passt es?")
        assert typed.outcome is Typed.SAVED and typed.draft is not None
        assert typed.draft.questions[0].text == "Passt es?"
        assert await conversation.current(uow) is None

    await coordinator(lambda uow: survey_drafts.add(uow, survey_id, AddType.YES_NO))
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        step, state = await conversation.load(uow, survey_admin.FLOW, EditState) or ("", None)
        assert step == "new" and state is not None
        assert (await survey_drafts.typed(uow, step, state, " ")).outcome is Typed.BAD_TEXT
        typed = await survey_drafts.typed(uow, step, state, "Neu?")
        assert typed.draft is not None
    ids = [q.id for q in typed.draft.questions]
    assert ids.index("c1") == ids.index(FLAG_QUESTION) - 1  # just before the support question

    reset = await coordinator(lambda uow: survey_drafts.reset(uow, survey_id))
    assert reset.saved and len(reset.questions) == 12 and reset.questions[0].text is None


async def test_a_full_draft_takes_no_more_questions(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await draft(db, pair)
    async with db.session() as session:
        survey = await session.get(Survey, survey_id)
        assert survey is not None
        survey.questions = [*survey.questions] + [
            {"id": f"c{i}", "type": "text", "text": f"F{i}", "optional": True}
            for i in range(1, MAX_QUESTIONS - 12 + 1)
        ]
    added = await run(
        db,
        COORDINATOR,
        lambda uow: survey_drafts.add(uow, survey_id, AddType.TEXT),
        **AS_COORDINATOR,
    )
    assert added.full
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        assert await conversation.current(uow) is None  # nobody is asked for a wording
        state = EditState(survey_id=survey_id, type="tx")
        assert (await survey_drafts.typed(uow, "new", state, "Mehr?")).outcome is Typed.TOO_MANY


async def test_sending_now_plans_invitations_freezes_the_draft_and_closing_cancels(
    db: Database,
) -> None:
    pair = await seed_pair(db)
    survey_id = await draft(db, pair)
    async with unit(db, COORDINATOR, coordinator=True) as uow:
        sending = await survey_admin.prepare_send(uow, survey_id)
        assert sending.count == 2
        assert await conversation.current(uow) == (survey_admin.FLOW, "when")
        sent = await survey_admin.send(uow, survey_id, 0)
        assert sent.now and sent.count == 2 and sent.send_at == NOW
        assert sent.card.open and len(uow.planned) == 4  # an invitation and a reminder each
        assert await conversation.current(uow) is None
    planned = await reminders_of(db, survey_id)
    assert [(k, u) for k, _, u in planned] == [
        (Kind.SURVEY, pair.mentor),
        (Kind.SURVEY, pair.mentee),
        (Kind.SURVEY_AGAIN, pair.mentor),
        (Kind.SURVEY_AGAIN, pair.mentee),
    ]

    for use_case in (
        lambda uow: survey_drafts.editing(uow, survey_id),
        lambda uow: survey_admin.send(uow, survey_id, 0),
        lambda uow: survey_drafts.delete(uow, survey_id),
    ):
        async with unit(db, COORDINATOR, coordinator=True) as uow:
            with pytest.raises(NotDraft) as refused:
                await use_case(uow)
            assert refused.value.card.survey.status == SurveyStatus.SCHEDULED
    out = await run(
        db, COORDINATOR, lambda uow: survey_admin.unschedule(uow, survey_id), **AS_COORDINATOR
    )
    assert not out.done  # it has gone out

    closed = await run(
        db, COORDINATOR, lambda uow: survey_admin.close(uow, survey_id), **AS_COORDINATOR
    )
    assert closed.done and closed.card.survey.status == SurveyStatus.CLOSED
    assert {state for _, state, _ in await reminders_of(db, survey_id)} == {State.CANCELLED}
    again = await run(
        db, COORDINATOR, lambda uow: survey_admin.close(uow, survey_id), **AS_COORDINATOR
    )
    assert not again.done
    results = await run(
        db, COORDINATOR, lambda uow: survey_admin.results(uow, survey_id), **AS_COORDINATOR
    )
    assert results.answered == [] and results.reach.invited == 0
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert [a for a in actions if a.startswith("survey_")] == [
        "survey_created",
        "survey_scheduled",
        "survey_closed",
    ]


async def test_a_time_is_taken_within_the_year_ahead_and_can_be_taken_back(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await draft(db, pair)
    for stamp in (int(NOW.timestamp()) - 60, int(NOW.timestamp()) + 401 * 86400, 2**62):
        with pytest.raises(Stale) as pressed:
            await send(db, survey_id, stamp)
        assert pressed.value.key == "sk.time_passed"
    later = NOW + dt.timedelta(days=2)
    sent = await send(db, survey_id, int(later.timestamp()))
    assert not sent.now and sent.send_at == later and not sent.card.open
    back = await run(
        db, COORDINATOR, lambda uow: survey_admin.unschedule(uow, survey_id), **AS_COORDINATOR
    )
    assert back.done and back.card.survey.status == SurveyStatus.DRAFT
    assert await reminders_of(db, survey_id) == []


async def test_nobody_to_ask_and_a_deleted_draft(db: Database) -> None:
    program_id = await seed_program(db, NOW, "Leer")
    card = await run(
        db,
        COORDINATOR,
        lambda uow: survey_admin.create(uow, program_id, SurveyKind.MIDTERM),
        **AS_COORDINATOR,
    )
    with pytest.raises(Stale) as pressed:
        await run(
            db,
            COORDINATOR,
            lambda uow: survey_admin.prepare_send(uow, card.survey.id),
            **AS_COORDINATOR,
        )
    assert pressed.value.key == "sk.nobody"
    listing = await run(
        db, COORDINATOR, lambda uow: survey_drafts.delete(uow, card.survey.id), **AS_COORDINATOR
    )
    assert listing.surveys == [] and listing.program.id == program_id


async def test_participants_other_programs_and_forged_ids_are_refused(db: Database) -> None:
    pair = await seed_pair(db)
    survey_id = await draft(db, pair)
    with pytest.raises(Refused):
        await run(db, pair.mentor, survey_admin.programs)
    with pytest.raises(Refused):
        await run(db, pair.mentor, lambda uow: survey_admin.show(uow, survey_id))
    other = await seed_program(db, NOW, "Anderes Programm")
    scope = {"coordinator": True, "scope": frozenset({other})}
    mine = await run(db, 7001, survey_admin.programs, **scope)
    assert [p.id for p in mine.programs] == [other] and mine.only is not None
    assert mine.only.program.id == other and mine.only.surveys == []
    for use_case in (
        lambda uow: survey_admin.show(uow, survey_id),
        lambda uow: survey_admin.send(uow, survey_id, 0),
        lambda uow: survey_admin.close(uow, survey_id),
        lambda uow: survey_admin.results(uow, survey_id),
        lambda uow: survey_admin.listing(uow, pair.program_id),
        lambda uow: survey_admin.create(uow, pair.program_id, SurveyKind.MIDTERM),
    ):
        async with unit(db, 7001, **scope) as uow:  # type: ignore[arg-type]
            with pytest.raises(Stale):
                await use_case(uow)
    with pytest.raises(Stale):
        await run(db, COORDINATOR, lambda uow: survey_admin.show(uow, 2**31 - 1), **AS_COORDINATOR)
    async with unit(db, 7001, **scope) as uow:  # type: ignore[arg-type]
        gone = await survey_drafts.typed(uow, "reword", EditState(survey_id=survey_id), "x")
        assert gone.outcome is Typed.GONE
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Survey)) == 1
        refused = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.user_id == 7001, AuditEntry.action == "refused")
        )
    assert refused == 7  # each reach for the other program's survey, audited
