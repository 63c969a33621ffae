"""Coordinators prepare, send, follow and close the program surveys.

A new survey starts as a draft with the questions programs use today (core/surveys.py); the
coordinators can reword, reorder, remove and add questions while it is a draft. Sending plans one
invitation per active participant and one reminder a week later in the durable schedule, in the
same transaction that marks the survey scheduled. Until it has gone out it can be taken back;
once out, the questions are frozen (the answers refer to them) and the survey can be closed.

Every survey is reached through its program (services/access.py), so a survey of a program the
coordinator does not coordinate is as stale as a forged id. Changes of state are conditional
UPDATEs (storage/surveys.py): when two coordinators press at once, one decides, and the other is
shown the survey as it now is (`NotDraft`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from core.reminders import plan_survey
from core.surveys import (
    FLAG_QUESTION,
    MAX_QUESTIONS,
    AddType,
    Question,
    SurveyKind,
    SurveyStatus,
    clean_question_text,
    default_questions,
    moved_up,
    new_question,
    parse_questions,
    removed,
    with_text,
)
from services import conversation
from services.access import coordinated, pressed_program, require_coordinator, visible_programs
from services.conversation import State
from services.errors import Stale
from services.surveys import is_open
from services.unit import UnitOfWork
from storage import events, reminders
from storage import surveys as store

if TYPE_CHECKING:
    from storage.models import Program, Survey
    from storage.surveys import Answered, Reach

FLOW = "survey_edit"
MAX_AHEAD = dt.timedelta(days=400)


class EditState(State):
    """What a coordinator is typing: a question's new wording (step "reword"), a new question
    ("new", with its type) or the time to send ("when")."""

    survey_id: int | None = None
    question_id: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class Card:
    survey: Survey
    program: Program
    questions: list[Question]
    open: bool  # gone out and not closed: answers come in
    reach: Reach | None  # None for a draft


class NotDraft(Exception):
    """The survey is no longer a draft (sent, perhaps by another coordinator): what was asked
    needs a draft. Raised before anything changed; the coordinator is shown the card."""

    def __init__(self, card: Card) -> None:
        super().__init__(f"survey {card.survey.id} is {card.survey.status}")
        self.card = card


@dataclass(frozen=True)
class Listing:
    program: Program
    surveys: list[tuple[Survey, bool]]  # oldest first, with whether it is open


@dataclass(frozen=True)
class Draft:
    """A draft's questions as stored now, and what became of the question a press named."""

    survey: Survey
    questions: list[Question]
    index: int | None = None  # the question concerned; None: removed meanwhile, or forged
    saved: bool | None = None  # a change was stored (False: no longer a draft); None: no change

    @property
    def full(self) -> bool:
        return len(self.questions) >= MAX_QUESTIONS


# --- programs and lists --------------------------------------------------------------------------


async def programs(uow: UnitOfWork) -> list[Program]:
    """The programs whose surveys this coordinator manages."""
    require_coordinator(uow, "survey")
    return await visible_programs(uow)


async def listing(uow: UnitOfWork, program_id: int) -> Listing:
    return await _listing(uow, await pressed_program(uow, program_id))


async def _listing(uow: UnitOfWork, program: Program) -> Listing:
    found = await store.for_program(uow.session, program.id)
    return Listing(program, [(s, is_open(s, uow.now)) for s in found])


async def create(uow: UnitOfWork, program_id: int, kind: SurveyKind) -> Card:
    """A new draft with the default questions of its kind."""
    program = await pressed_program(uow, program_id)
    survey = await store.create(
        uow.session,
        program_id=program.id,
        kind=kind,
        questions=default_questions(kind),
        created_by=uow.user_id,
        now=uow.now,
    )
    uow.audit("survey_created", survey=survey.id)
    return await _card(uow, survey, program)


async def show(uow: UnitOfWork, survey_id: int) -> Card:
    return await _card(uow, *await _pressed(uow, survey_id))


async def _pressed(uow: UnitOfWork, survey_id: int) -> tuple[Survey, Program]:
    """The survey a button names, if it is in a program this coordinator coordinates."""
    require_coordinator(uow, "survey")
    survey = await store.get(uow.session, survey_id)
    program = await coordinated(uow, survey.program_id) if survey else None
    if survey is None or program is None:
        raise Stale("survey", alert=True)
    return survey, program


async def _card(uow: UnitOfWork, survey: Survey, program: Program) -> Card:
    draft = survey.status == SurveyStatus.DRAFT.value
    reach = None if draft else await store.reach(uow.session, survey.id)
    questions = parse_questions(survey.questions)
    return Card(survey, program, questions, is_open(survey, uow.now), reach)


async def _draft(uow: UnitOfWork, survey_id: int) -> tuple[Survey, Program]:
    survey, program = await _pressed(uow, survey_id)
    if survey.status != SurveyStatus.DRAFT.value:
        raise NotDraft(await _card(uow, survey, program))
    return survey, program


# --- editing a draft -----------------------------------------------------------------------------


async def editing(uow: UnitOfWork, survey_id: int) -> Draft:
    survey, _ = await _draft(uow, survey_id)
    return _now(survey)


def _now(survey: Survey, index: int | None = None, saved: bool | None = None) -> Draft:
    return Draft(survey, parse_questions(survey.questions), index, saved)


def _find(questions: list[Question], question_id: str | None) -> int | None:
    for index, question in enumerate(questions):
        if question.id == question_id:
            return index
    return None


async def _question(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    survey, _ = await _draft(uow, survey_id)
    return _now(survey, _find(parse_questions(survey.questions), question_id))


async def pick(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    return await _question(uow, survey_id, question_id)


async def reword(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    """The coordinator is asked for the question's new wording (the dialog waits for it)."""
    draft = await _question(uow, survey_id, question_id)
    if draft.index is not None:
        state = EditState(survey_id=draft.survey.id, question_id=question_id)
        await conversation.save(uow, FLOW, "reword", state)
    return draft


async def move_up(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    """`index` is where the question is now."""
    draft = await _question(uow, survey_id, question_id)
    if draft.index is None:
        return draft
    saved = await _store(uow, draft.survey, moved_up(draft.questions, draft.index))
    return _now(draft.survey, max(0, draft.index - 1), saved)


async def remove(uow: UnitOfWork, survey_id: int, question_id: str) -> Draft:
    draft = await _question(uow, survey_id, question_id)
    if draft.index is None:
        return draft
    if draft.questions[draft.index].locked:  # its screen offers no such button
        raise Stale("locked", key="sk.locked_toast", alert=True)
    saved = await _store(uow, draft.survey, removed(draft.questions, draft.index))
    return _now(draft.survey, None, saved)


async def _store(uow: UnitOfWork, survey: Survey, questions: list[Question]) -> bool:
    return await store.set_questions(uow.session, survey.id, [q.as_dict() for q in questions])


async def add(uow: UnitOfWork, survey_id: int, kind: AddType | None) -> Draft:
    """With a kind, the coordinator is asked for the new question's wording; without, they
    choose the kind first. Nothing when the draft has the most questions a survey may have."""
    survey, _ = await _draft(uow, survey_id)
    draft = _now(survey)
    if kind is not None and not draft.full:
        state = EditState(survey_id=survey.id, type=kind.value)
        await conversation.save(uow, FLOW, "new", state)
    return draft


async def reset(uow: UnitOfWork, survey_id: int) -> Draft:
    """Back to the default questions of the survey's kind."""
    survey, _ = await _draft(uow, survey_id)
    questions = default_questions(SurveyKind(survey.kind))
    saved = await store.set_questions(uow.session, survey.id, questions)
    return _now(survey, saved=saved)


async def delete(uow: UnitOfWork, survey_id: int) -> Listing:
    survey, program = await _pressed(uow, survey_id)
    if not await store.delete_draft(uow.session, survey.id):
        raise NotDraft(await _card(uow, survey, program))
    return await _listing(uow, program)


# --- typed wording -------------------------------------------------------------------------------


class Typed(StrEnum):
    GONE = "gone"  # the survey or the question is gone, or the dialog does not fit: ended
    NOT_DRAFT = "not_draft"  # sent meanwhile: ended
    BAD_TEXT = "bad_text"  # empty or too long: asked again, the dialog stays
    TOO_MANY = "too_many"  # the draft filled up meanwhile: ended
    SAVED = "saved"  # stored: ended
    WHEN = "when"  # the dialog waits for a time to send: the caller reads it


@dataclass(frozen=True)
class TypedText:
    outcome: Typed
    draft: Draft | None = None  # SAVED: the questions now
    survey: Survey | None = None  # WHEN
    program: Program | None = None  # WHEN


async def typed(uow: UnitOfWork, step: str, state: EditState, raw: str) -> TypedText:
    """What the coordinator typed in the dialog: a wording, or (step "when") a time, which is
    handed back for reading in the program's zone."""
    survey = await store.get(uow.session, state.survey_id) if state.survey_id is not None else None
    program = await coordinated(uow, survey.program_id) if survey else None
    if survey is None or program is None:
        return await _ended(uow, Typed.GONE)
    if survey.status != SurveyStatus.DRAFT.value:
        return await _ended(uow, Typed.NOT_DRAFT)
    if step == "when":
        return TypedText(Typed.WHEN, survey=survey, program=program)
    wording = clean_question_text(raw)
    if wording is None:
        return TypedText(Typed.BAD_TEXT)
    questions = parse_questions(survey.questions)
    if step == "reword":
        index = _find(questions, state.question_id)
        if index is None:
            return await _ended(uow, Typed.GONE)
        questions = with_text(questions, index, wording)
    else:
        if state.type not in set(AddType):
            return await _ended(uow, Typed.GONE)
        if len(questions) >= MAX_QUESTIONS:
            return await _ended(uow, Typed.TOO_MANY)
        # New questions go before the support question and the open ones, which close it.
        position = _find(questions, FLAG_QUESTION)
        added = new_question(questions, AddType(state.type), wording)
        questions.insert(len(questions) if position is None else position, added)
    await _store(uow, survey, questions)
    await conversation.clear(uow)
    return TypedText(Typed.SAVED, _now(survey))


async def _ended(uow: UnitOfWork, outcome: Typed) -> TypedText:
    await conversation.clear(uow)
    return TypedText(outcome)


# --- sending, taking back, closing, results -------------------------------------------------------


@dataclass(frozen=True)
class Sending:
    survey: Survey
    program: Program
    count: int  # active participants, who will be invited


async def prepare_send(uow: UnitOfWork, survey_id: int) -> Sending:
    """The coordinator is asked when to send (the dialog waits for a time, or "now")."""
    survey, program = await _draft(uow, survey_id)
    people = await events.active_participants(uow.session, program.id)
    if not people:
        raise Stale("nobody", key="sk.nobody", alert=True)
    await conversation.save(uow, FLOW, "when", EditState(survey_id=survey.id))
    return Sending(survey, program, len(people))


@dataclass(frozen=True)
class Sent:
    card: Card
    count: int
    send_at: dt.datetime
    now: bool


async def send(uow: UnitOfWork, survey_id: int, stamp: int) -> Sent:
    """Schedule the survey for `stamp` (a unix time; 0: now) and plan one invitation and one
    reminder per active participant."""
    survey, program = await _pressed(uow, survey_id)
    # Compared as numbers first: a forged stamp can lie beyond the years a datetime can hold.
    now = uow.now.timestamp()
    if stamp != 0 and not now < stamp <= now + MAX_AHEAD.total_seconds():
        raise Stale("time passed", key="sk.time_passed", alert=True, edit=True)
    send_at = uow.now if stamp == 0 else dt.datetime.fromtimestamp(stamp, dt.UTC)
    if not await store.schedule(uow.session, survey.id, send_at):
        raise NotDraft(await _card(uow, survey, program))
    people = await events.active_participants(uow.session, program.id)
    planned = plan_survey(
        survey_id=survey.id,
        send_at=send_at,
        user_ids=[p.user_id for p in people if p.user_id is not None],
    )
    uow.schedule(await reminders.plan(uow.session, planned, now=uow.now, survey_id=survey.id))
    where = await conversation.current(uow)
    if where is not None and where[0] == FLOW:
        await conversation.clear(uow)
    uow.audit("survey_scheduled", survey=survey.id)
    return Sent(await _card(uow, survey, program), len(people), send_at, stamp == 0)


@dataclass(frozen=True)
class Changed:
    card: Card
    done: bool  # False: the survey was not in the state the press expected (already out, ...)


async def unschedule(uow: UnitOfWork, survey_id: int) -> Changed:
    """Back to draft while it has not gone out; the planned invitations are dropped."""
    survey, program = await _pressed(uow, survey_id)
    done = await store.unschedule(uow.session, survey.id, uow.now)
    if done:
        await reminders.drop_pending(uow.session, survey_id=survey.id)
    return Changed(await _card(uow, survey, program), done)


async def close(uow: UnitOfWork, survey_id: int) -> Changed:
    """No more answers; the reminders not yet sent are cancelled."""
    survey, program = await _pressed(uow, survey_id)
    done = await store.close(uow.session, survey.id)
    if done:
        await reminders.cancel(uow.session, survey_id=survey.id, now=uow.now)
        uow.audit("survey_closed", survey=survey.id)
    return Changed(await _card(uow, survey, program), done)


@dataclass(frozen=True)
class Results:
    survey: Survey
    program: Program
    answered: list[Answered]
    reach: Reach


async def results(uow: UnitOfWork, survey_id: int) -> Results:
    survey, program = await _pressed(uow, survey_id)
    answered = await store.completed(uow.session, survey.id)
    return Results(survey, program, answered, await store.reach(uow.session, survey.id))
