"""A participant answers a program survey, one question at a time.

Every answer is stored at once, so a participant can stop and continue later and a restart loses
nothing: the next question is always "the first one without an answer". Only an active
participant of the survey's program may answer, only while the survey is open, and only the
question that is next: a press on an earlier question's keyboard (a double tap, a slow client)
is stale. Completing the questionnaire is decided by one conditional UPDATE, so the
coordinators hear about a wish for support or a new match exactly once.

(What happens to the answers when a participant erases their data is storage's job:
storage/erasure.py detaches them.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.surveys import (
    SKIPPED,
    AnswerProblem,
    Flag,
    Question,
    SurveyStatus,
    button_answer,
    flags,
    next_open,
    parse_questions,
    typed_answer,
)
from services import conversation
from services.access import coordinators, invited
from services.conversation import State
from services.errors import Stale
from services.unit import UnitOfWork
from storage import participants, programs
from storage import surveys as store

if TYPE_CHECKING:
    from storage.models import Participant, Program, Survey, SurveyResponse, User

FLOW = "survey"


class AnswerState(State):
    """The question the participant was last asked (stored as {"survey_id", "index"})."""

    survey_id: int | None = None
    index: int | None = None


def is_open(survey: Survey, now: dt.datetime) -> bool:
    """Scheduled and gone out: answers are taken until a coordinator closes it."""
    return (
        survey.status == SurveyStatus.SCHEDULED.value
        and survey.send_at is not None
        and survey.send_at <= now
    )


# --- /survey: the open ones ----------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    survey: Survey
    program: Program | None
    answered: SurveyResponse | None  # started, not completed (None: not started)


async def open_for_me(uow: UnitOfWork) -> list[Invitation]:
    """The surveys the acting user may still answer, oldest first."""
    found: list[Invitation] = []
    for survey in await store.open_for_user(uow.session, uow.user_id, uow.now):
        participant = await participants.active_in(uow.session, survey.program_id, uow.user_id)
        if participant is None:
            continue
        answered = await store.response(uow.session, survey.id, participant.id)
        if answered is not None and answered.completed_at is not None:
            continue
        program = await programs.get(uow.session, survey.program_id)
        found.append(Invitation(survey, program, answered))
    return found


# --- answering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completed:
    """The questionnaire was completed by this call; `tell` are the coordinators to name the
    participant to (their id and user row, for their language), when a wish was given."""

    wish: Flag | None
    participant: Participant
    program: Program | None
    tell: list[tuple[int, User | None]]


@dataclass(frozen=True)
class Progress:
    """What follows a start, an answer or a skip: the answer recorded (to echo it), then
    either the next question (the dialog waits on it) or the end of the questionnaire
    (`completed`, None when a parallel press completed it: that one said everything)."""

    survey: Survey
    questions: list[Question]
    recorded: tuple[int, Any] | None = None  # (question index, value)
    ask: int | None = None
    completed: Completed | None = None


@dataclass(frozen=True)
class _Open:
    survey: Survey
    participant: Participant
    answered: SurveyResponse
    questions: list[Question]

    @property
    def current(self) -> int | None:
        return next_open(self.questions, self.answered.answers)


async def start(uow: UnitOfWork, survey_id: int) -> Progress:
    """The invitation's button: the first unanswered question."""
    opened = await _pressed(uow, survey_id)
    return await _continue(uow, opened)


async def answer(
    uow: UnitOfWork,
    survey_id: int,
    index: int,
    value: str | None,
) -> Progress:
    """A button answer to question `index` (`value` None: skipping an optional typed one)."""
    opened = await _pressed(uow, survey_id)
    if index != opened.current:  # an earlier question (answered already) or a forged index
        raise Stale("question", key="sv.stale_question", edit=True)
    question = opened.questions[index]
    recorded: Any
    if value is None:
        if not (question.optional and question.typed):
            raise Stale("skip")
        recorded = SKIPPED
    else:
        recorded = button_answer(question, value)
        if recorded is None:
            raise Stale("answer")
    return await _record(uow, opened, index, recorded)


async def _pressed(uow: UnitOfWork, survey_id: int) -> _Open:
    found = await store.get(uow.session, survey_id)
    survey, participant = await invited(uow, found, what="survey", tag="sv")
    if participant is None:
        raise Stale("not invited", key="sv.not_invited", alert=True)
    if not is_open(survey, uow.now):
        raise Stale("closed", key="sv.closed", alert=True, edit=True)
    answered = await store.start(uow.session, survey.id, participant.id, uow.now)
    if answered.completed_at is not None:
        raise Stale("done", key="sv.already_done", alert=True, edit=True)
    return _Open(survey, participant, answered, parse_questions(survey.questions))


class Typed(StrEnum):
    """What became of a typed answer, beyond a problem with its value."""

    CLOSED = "closed"  # the survey closed, or the participant left: the dialog ends
    DONE = "done"  # completed meanwhile (another device): the dialog ends
    USE_BUTTONS = "use_buttons"  # the question asked is a button question: asked again
    PROBLEM = "problem"  # the value was refused (`problem`): asked again, the dialog stays
    RECORDED = "recorded"


@dataclass(frozen=True)
class TypedAnswer:
    outcome: Typed
    progress: Progress | None = None  # RECORDED and USE_BUTTONS
    problem: AnswerProblem | None = None
    question: Question | None = None  # the one with the problem


async def type_answer(uow: UnitOfWork, state: AnswerState, text: str) -> TypedAnswer:
    """A typed answer (a number, an open answer) to the question the dialog waits on."""
    survey = await store.get(uow.session, state.survey_id) if state.survey_id is not None else None
    participant = (
        await participants.active_in(uow.session, survey.program_id, uow.user_id)
        if survey
        else None
    )
    if survey is None or participant is None or not is_open(survey, uow.now):
        await conversation.clear(uow)
        return TypedAnswer(Typed.CLOSED)
    answered = await store.start(uow.session, survey.id, participant.id, uow.now)
    opened = _Open(survey, participant, answered, parse_questions(survey.questions))
    current = opened.current
    if answered.completed_at is not None or current is None:
        await conversation.clear(uow)
        return TypedAnswer(Typed.DONE)
    question = opened.questions[current]
    if current != state.index or not question.typed:
        return TypedAnswer(Typed.USE_BUTTONS, await _continue(uow, opened))
    value = typed_answer(question, text)
    if isinstance(value, AnswerProblem):
        return TypedAnswer(Typed.PROBLEM, problem=value, question=question)
    progress = await _record(uow, opened, current, value)
    return TypedAnswer(Typed.RECORDED, progress)


async def _record(uow: UnitOfWork, opened: _Open, index: int, value: Any) -> Progress:
    if not await store.save_answer(uow.session, opened.answered, opened.questions[index].id, value):
        raise Stale("done", key="sv.already_done", alert=True)
    progress = await _continue(uow, opened)
    return Progress(
        progress.survey, progress.questions, (index, value), progress.ask, progress.completed
    )


async def _continue(uow: UnitOfWork, opened: _Open) -> Progress:
    survey, questions = opened.survey, opened.questions
    index = opened.current
    if index is not None:
        await conversation.save(uow, FLOW, "answer", AnswerState(survey_id=survey.id, index=index))
        return Progress(survey, questions, ask=index)
    return Progress(survey, questions, completed=await _complete(uow, opened))


async def _complete(uow: UnitOfWork, opened: _Open) -> Completed | None:
    where = await conversation.current(uow)
    if where is not None and where[0] == FLOW:
        await conversation.clear(uow)
    wishes = flags(opened.questions, opened.answered.answers)
    support, rematch = Flag.SUPPORT in wishes, Flag.REMATCH in wishes
    if not await store.complete(
        uow.session, opened.answered, support=support, rematch=rematch, now=uow.now
    ):
        return None  # completed by a parallel press: that one thanked and told the coordinators
    survey, participant = opened.survey, opened.participant
    if not wishes:
        return Completed(None, participant, None, [])
    program = await programs.get(uow.session, survey.program_id)
    tell = await coordinators(uow, survey.program_id)
    return Completed(Flag.REMATCH if rematch else Flag.SUPPORT, participant, program, tell)
