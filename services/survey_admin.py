"""Coordinators prepare, send, follow and close the program surveys.

A new survey starts as a draft with the questions programs use today (core/surveys.py); the
coordinators edit it while it is a draft (services/survey_drafts.py). Sending plans one
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
from typing import TYPE_CHECKING

from core.reminders import plan_survey
from core.surveys import (
    Question,
    SurveyKind,
    SurveyStatus,
    default_questions,
    parse_questions,
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


# --- programs and lists --------------------------------------------------------------------------


@dataclass(frozen=True)
class Programs:
    programs: list[Program]  # the ones whose surveys this coordinator manages
    only: Listing | None = None  # the surveys of the only one, unless a choice was asked for


async def programs(uow: UnitOfWork, *, choose: bool = False) -> Programs:
    require_coordinator(uow, "survey")
    items = await visible_programs(uow)
    if len(items) == 1 and not choose:
        return Programs(items, await listing_of(uow, items[0]))
    return Programs(items)


async def listing(uow: UnitOfWork, program_id: int) -> Listing:
    return await listing_of(uow, await pressed_program(uow, program_id))


async def listing_of(uow: UnitOfWork, program: Program) -> Listing:
    """A coordinated program's surveys (the caller has checked the program)."""
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
    return await card_of(uow, survey, program)


async def show(uow: UnitOfWork, survey_id: int) -> Card:
    return await card_of(uow, *await pressed_survey(uow, survey_id))


async def pressed_survey(uow: UnitOfWork, survey_id: int) -> tuple[Survey, Program]:
    """The survey a button names, if it is in a program this coordinator coordinates."""
    require_coordinator(uow, "survey")
    survey = await store.get(uow.session, survey_id)
    program = await coordinated(uow, survey.program_id) if survey else None
    if survey is None or program is None:
        raise Stale("survey", alert=True)
    return survey, program


async def card_of(uow: UnitOfWork, survey: Survey, program: Program) -> Card:
    """The survey as its card shows it: how far it got, once it has gone out."""
    draft = survey.status == SurveyStatus.DRAFT.value
    reach = None if draft else await store.reach(uow.session, survey.id)
    questions = parse_questions(survey.questions)
    return Card(survey, program, questions, is_open(survey, uow.now), reach)


async def draft_of(uow: UnitOfWork, survey_id: int) -> tuple[Survey, Program]:
    """Like `pressed_survey`, for what only a draft allows (`NotDraft` otherwise)."""
    survey, program = await pressed_survey(uow, survey_id)
    if survey.status != SurveyStatus.DRAFT.value:
        raise NotDraft(await card_of(uow, survey, program))
    return survey, program


# --- sending, taking back, closing, results -------------------------------------------------------


@dataclass(frozen=True)
class Sending:
    survey: Survey
    program: Program
    count: int  # active participants, who will be invited


async def prepare_send(uow: UnitOfWork, survey_id: int) -> Sending:
    """The coordinator is asked when to send (the dialog waits for a time, or "now")."""
    survey, program = await draft_of(uow, survey_id)
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
    survey, program = await pressed_survey(uow, survey_id)
    # Compared as numbers first: a forged stamp can lie beyond the years a datetime can hold.
    now = uow.now.timestamp()
    if stamp != 0 and not now < stamp <= now + MAX_AHEAD.total_seconds():
        raise Stale("time passed", key="sk.time_passed", alert=True, edit=True)
    send_at = uow.now if stamp == 0 else dt.datetime.fromtimestamp(stamp, dt.UTC)
    if not await store.schedule(uow.session, survey.id, send_at):
        raise NotDraft(await card_of(uow, survey, program))
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
    return Sent(await card_of(uow, survey, program), len(people), send_at, stamp == 0)


@dataclass(frozen=True)
class Changed:
    card: Card
    done: bool  # False: the survey was not in the state the press expected (already out, ...)


async def unschedule(uow: UnitOfWork, survey_id: int) -> Changed:
    """Back to draft while it has not gone out; the planned invitations are dropped."""
    survey, program = await pressed_survey(uow, survey_id)
    done = await store.unschedule(uow.session, survey.id, uow.now)
    if done:
        await reminders.drop_pending(uow.session, survey_id=survey.id)
    return Changed(await card_of(uow, survey, program), done)


async def close(uow: UnitOfWork, survey_id: int) -> Changed:
    """No more answers; the reminders not yet sent are cancelled."""
    survey, program = await pressed_survey(uow, survey_id)
    done = await store.close(uow.session, survey.id)
    if done:
        await reminders.cancel(uow.session, survey_id=survey.id, now=uow.now)
        uow.audit("survey_closed", survey=survey.id)
    return Changed(await card_of(uow, survey, program), done)


@dataclass(frozen=True)
class Results:
    survey: Survey
    program: Program
    answered: list[Answered]
    reach: Reach


async def results(uow: UnitOfWork, survey_id: int) -> Results:
    survey, program = await pressed_survey(uow, survey_id)
    answered = await store.completed(uow.session, survey.id)
    return Results(survey, program, answered, await store.reach(uow.session, survey.id))
