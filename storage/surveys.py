"""Program surveys and the participants' answers.

A survey moves draft -> scheduled -> closed (and back to draft while it has not gone out) by
conditional UPDATEs, so two coordinators pressing at once decide once. A response is one row per
(survey, participant), created by an insert that ignores a conflict; it is completed by a
conditional UPDATE, so the coordinators hear about a flag exactly once however often the last
button is pressed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.erasure import ERASED
from core.programs import ParticipantStatus
from core.reminders import Kind, State
from core.surveys import SurveyKind, SurveyStatus
from storage.db import added, insert
from storage.models import Participant, Reminder, Survey, SurveyResponse


async def create(
    session: AsyncSession,
    *,
    program_id: int,
    kind: SurveyKind,
    questions: list[dict[str, Any]],
    created_by: int | None,
    now: dt.datetime,
) -> Survey:
    survey = Survey(
        program_id=program_id,
        kind=kind.value,
        questions=questions,
        status=SurveyStatus.DRAFT.value,
        created_by=created_by,
        created_at=now,
    )
    return await added(session, survey)


async def get(session: AsyncSession, survey_id: int) -> Survey | None:
    return await session.get(Survey, survey_id)


async def for_program(session: AsyncSession, program_id: int) -> list[Survey]:
    query = select(Survey).where(Survey.program_id == program_id).order_by(Survey.id)
    return list((await session.scalars(query)).all())


async def _transition(
    session: AsyncSession, survey_id: int, *conditions: Any, **values: Any
) -> bool:
    result = await session.execute(
        update(Survey)
        .where(Survey.id == survey_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = bool(getattr(result, "rowcount", 0))
    if changed:
        survey = await session.get(Survey, survey_id)
        if survey is not None:
            await session.refresh(survey)
    return changed


async def set_questions(
    session: AsyncSession, survey_id: int, questions: list[dict[str, Any]]
) -> bool:
    """Only a draft's questions change: answers already given refer to them by id."""
    return await _transition(
        session, survey_id, Survey.status == SurveyStatus.DRAFT.value, questions=questions
    )


async def schedule(session: AsyncSession, survey_id: int, send_at: dt.datetime) -> bool:
    return await _transition(
        session,
        survey_id,
        Survey.status == SurveyStatus.DRAFT.value,
        status=SurveyStatus.SCHEDULED.value,
        send_at=send_at,
    )


async def unschedule(session: AsyncSession, survey_id: int, now: dt.datetime) -> bool:
    """Back to draft, but only while it has not gone out."""
    return await _transition(
        session,
        survey_id,
        Survey.status == SurveyStatus.SCHEDULED.value,
        Survey.send_at > now,
        status=SurveyStatus.DRAFT.value,
        send_at=None,
    )


async def close(session: AsyncSession, survey_id: int) -> bool:
    return await _transition(
        session,
        survey_id,
        Survey.status == SurveyStatus.SCHEDULED.value,
        status=SurveyStatus.CLOSED.value,
    )


async def delete_draft(session: AsyncSession, survey_id: int) -> bool:
    survey = await session.get(Survey, survey_id)
    if survey is None or survey.status != SurveyStatus.DRAFT.value:
        return False
    await session.delete(survey)
    await session.flush()
    return True


async def open_for_user(session: AsyncSession, user_id: int, now: dt.datetime) -> list[Survey]:
    """Surveys that have gone out to the user's programs and are still open."""
    query = (
        select(Survey)
        .join(Participant, Participant.program_id == Survey.program_id)
        .where(
            Participant.user_id == user_id,
            Participant.status == ParticipantStatus.ACTIVE,
            Survey.status == SurveyStatus.SCHEDULED.value,
            Survey.send_at <= now,
        )
        .order_by(Survey.send_at, Survey.id)
    )
    return list((await session.scalars(query)).all())


async def response(
    session: AsyncSession, survey_id: int, participant_id: int
) -> SurveyResponse | None:
    query = select(SurveyResponse).where(
        SurveyResponse.survey_id == survey_id, SurveyResponse.participant_id == participant_id
    )
    return (await session.scalars(query)).first()


async def start(
    session: AsyncSession, survey_id: int, participant_id: int, now: dt.datetime
) -> SurveyResponse:
    """The participant's response, created on first use (a double press creates one row)."""
    await session.execute(
        insert(session, SurveyResponse)
        .values(
            survey_id=survey_id,
            participant_id=participant_id,
            answers={},
            wants_support=False,
            wants_rematch=False,
            started_at=now,
        )
        .on_conflict_do_nothing(index_elements=["survey_id", "participant_id"])
    )
    found = await response(session, survey_id, participant_id)
    assert found is not None
    return found


async def save_answer(
    session: AsyncSession, answer_row: SurveyResponse, question_id: str, value: Any
) -> bool:
    """Record one answer; False once the response is complete (answers are final then)."""
    answers = {**answer_row.answers, question_id: value}  # a new dict: JSON columns are not mutable
    result = await session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == answer_row.id, SurveyResponse.completed_at.is_(None))
        .values(answers=answers)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    await session.refresh(answer_row)
    return True


async def complete(
    session: AsyncSession,
    answer_row: SurveyResponse,
    *,
    support: bool,
    rematch: bool,
    now: dt.datetime,
) -> bool:
    """True for the one call that completes the response."""
    result = await session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == answer_row.id, SurveyResponse.completed_at.is_(None))
        .values(completed_at=now, wants_support=support, wants_rematch=rematch)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    await session.refresh(answer_row)
    return True


@dataclass(frozen=True)
class Answered:
    """A completed response, with who gave it (for flags) and their role (for the figures)."""

    participant_id: int | None  # None: the person erased their data (name "–")
    name: str
    role: str
    answers: dict[str, Any]
    wants_support: bool
    wants_rematch: bool


async def completed(session: AsyncSession, survey_id: int) -> list[Answered]:
    query = (
        select(
            SurveyResponse,
            func.coalesce(Participant.name, ERASED),
            func.coalesce(Participant.role, SurveyResponse.role),
        )
        .outerjoin(Participant, Participant.id == SurveyResponse.participant_id)
        .where(SurveyResponse.survey_id == survey_id, SurveyResponse.completed_at.is_not(None))
        .order_by(Participant.name, Participant.id, SurveyResponse.id)
    )
    return [
        Answered(
            r.participant_id, name, role or "", dict(r.answers), r.wants_support, r.wants_rematch
        )
        for r, name, role in (await session.execute(query)).tuples().all()
    ]


@dataclass(frozen=True)
class Reach:
    """How far a survey got: invited (planned), reached (delivered), started, completed."""

    invited: int = 0
    reached: int = 0
    unreachable: int = 0
    started: int = 0
    completed: int = 0


async def reach(session: AsyncSession, survey_id: int) -> Reach:
    states = dict(
        (
            await session.execute(
                select(Reminder.state, func.count())
                .where(Reminder.survey_id == survey_id, Reminder.kind == Kind.SURVEY.value)
                .group_by(Reminder.state)
            )
        )
        .tuples()
        .all()
    )
    started, done = (
        await session.execute(
            select(func.count(), func.count(SurveyResponse.completed_at)).where(
                SurveyResponse.survey_id == survey_id
            )
        )
    ).one()
    invited = sum(n for state, n in states.items() if state != State.CANCELLED)
    return Reach(
        invited=invited,
        reached=states.get(State.SENT, 0),
        unreachable=states.get(State.UNREACHABLE, 0),
        started=int(started),
        completed=int(done),
    )
