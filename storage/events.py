"""Program events (kickoff, workshops, network meetings, mid-term review, closing) and the answers
participants give to their invitations.

An answer is one row per (event, participant), written by upsert so that pressing "yes" and then
"no" (or the same button twice, or from two devices) leaves exactly the latest answer. Cancelling
is a conditional update: two coordinators cancelling at once, or a cancel racing the start, decide
once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.events import ANSWERS, KINDS, Answer, EventStatus
from core.programs import ParticipantStatus
from storage.db import added, insert
from storage.models import EventRsvp, Participant, ProgramEvent


@dataclass
class Attendance:
    """Who answered what, among the program's active participants."""

    yes: list[Participant] = field(default_factory=list)
    maybe: list[Participant] = field(default_factory=list)
    no: list[Participant] = field(default_factory=list)
    open: list[Participant] = field(default_factory=list)

    @property
    def invited(self) -> list[Participant]:
        return [*self.yes, *self.maybe, *self.no, *self.open]

    def by_answer(self) -> list[tuple[str | None, list[Participant]]]:
        """The groups in the order the cards and the list show them: yes, maybe, no, open."""
        return [
            (Answer.YES, self.yes),
            (Answer.MAYBE, self.maybe),
            (Answer.NO, self.no),
            (None, self.open),
        ]


async def create(
    session: AsyncSession,
    *,
    program_id: int,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    place: str | None,
    created_by: int | None,
    now: dt.datetime,
    ends_at: dt.datetime | None = None,
    capacity: int | None = None,
) -> ProgramEvent:
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    event = ProgramEvent(
        program_id=program_id,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        capacity=capacity,
        status=EventStatus.PLANNED,
        created_by=created_by,
        created_at=now,
    )
    return await added(session, event)


async def get(session: AsyncSession, event_id: int) -> ProgramEvent | None:
    return await session.get(ProgramEvent, event_id)


async def get_for_update(session: AsyncSession, event_id: int) -> ProgramEvent | None:
    """The event, its row locked until the transaction ends (PostgreSQL; SQLite's units of work
    already take turns), re-read: two last "yes" for one free place decide one after the other."""
    query = (
        select(ProgramEvent)
        .where(ProgramEvent.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).first()


async def places_taken(session: AsyncSession, event: ProgramEvent) -> int:
    """How many active participants of the event's program said yes."""
    query = (
        select(func.count())
        .select_from(EventRsvp)
        .join(Participant, Participant.id == EventRsvp.participant_id)
        .where(
            EventRsvp.event_id == event.id,
            EventRsvp.answer == Answer.YES,
            Participant.program_id == event.program_id,
            Participant.status == ParticipantStatus.ACTIVE,
        )
    )
    return int(await session.scalar(query) or 0)


async def upcoming(
    session: AsyncSession,
    program_id: int,
    now: dt.datetime,
    *,
    grace: dt.timedelta = dt.timedelta(0),
    limit: int = 50,
) -> list[ProgramEvent]:
    """Planned events of a program, soonest first. `grace` keeps recently started ones in the
    coordinators' list, whose attendance they still want to look up."""
    query = (
        select(ProgramEvent)
        .where(
            ProgramEvent.program_id == program_id,
            ProgramEvent.status == EventStatus.PLANNED,
            ProgramEvent.starts_at > now - grace,
        )
        .order_by(ProgramEvent.starts_at, ProgramEvent.id)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def upcoming_for_user(
    session: AsyncSession, user_id: int, now: dt.datetime, *, limit: int = 20
) -> list[tuple[ProgramEvent, Participant]]:
    """The planned, not yet started events of every program the user is active in."""
    query = (
        select(ProgramEvent, Participant)
        .join(Participant, Participant.program_id == ProgramEvent.program_id)
        .where(
            Participant.user_id == user_id,
            Participant.status == ParticipantStatus.ACTIVE,
            ProgramEvent.status == EventStatus.PLANNED,
            ProgramEvent.starts_at > now,
        )
        .order_by(ProgramEvent.starts_at, ProgramEvent.id)
        .limit(limit)
    )
    return [(event, participant) for event, participant in (await session.execute(query)).tuples()]


async def active_participants(session: AsyncSession, program_id: int) -> list[Participant]:
    query = (
        select(Participant)
        .where(
            Participant.program_id == program_id,
            Participant.status == ParticipantStatus.ACTIVE,
        )
        .order_by(Participant.name, Participant.id)
        .options(selectinload(Participant.user))
    )
    return list((await session.scalars(query)).all())


async def set_answer(
    session: AsyncSession, event_id: int, participant_id: int, answer: str, now: dt.datetime
) -> None:
    """Insert or replace the answer; the unique (event, participant) keeps one row however
    often or concurrently the buttons are pressed."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    statement = insert(session, EventRsvp).values(
        event_id=event_id, participant_id=participant_id, answer=answer, answered_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["event_id", "participant_id"],
        set_={"answer": statement.excluded.answer, "answered_at": statement.excluded.answered_at},
    )
    await session.execute(statement)


async def answer_of(session: AsyncSession, event_id: int, participant_id: int) -> str | None:
    answer: str | None = await session.scalar(
        select(EventRsvp.answer).where(
            EventRsvp.event_id == event_id, EventRsvp.participant_id == participant_id
        )
    )
    return answer


async def answers(session: AsyncSession, event_id: int) -> dict[int, str]:
    """Participant id -> answer, for everyone who answered."""
    rows = await session.execute(
        select(EventRsvp.participant_id, EventRsvp.answer).where(EventRsvp.event_id == event_id)
    )
    return dict(rows.tuples().all())


async def attendance(session: AsyncSession, event: ProgramEvent) -> Attendance:
    """The attendance list: active participants by answer, names in order. Someone who left the
    program after answering is no longer counted."""
    given = await answers(session, event.id)
    result = Attendance()
    buckets: dict[str | None, list[Participant]] = {
        Answer.YES: result.yes,
        Answer.MAYBE: result.maybe,
        Answer.NO: result.no,
    }
    for participant in await active_participants(session, event.program_id):
        buckets.get(given.get(participant.id), result.open).append(participant)
    return result


async def cancel(session: AsyncSession, event: ProgramEvent, now: dt.datetime) -> bool:
    """Cancel a planned event that has not started yet; False if it was already cancelled (by
    another coordinator) or has begun."""
    result = await session.execute(
        update(ProgramEvent)
        .where(
            ProgramEvent.id == event.id,
            ProgramEvent.status == EventStatus.PLANNED,
            ProgramEvent.starts_at > now,
        )
        .values(status=EventStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    changed = bool(getattr(result, "rowcount", 0))
    if changed:
        await session.refresh(event)
    return changed
