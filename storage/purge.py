"""Purging a program whose retention period is over: all its personal data goes at once.

The program row is deleted and the database's ON DELETE CASCADE takes everything that hangs
off it (registrations, tandems, meetings, feedback, events, surveys and answers, certificates,
broadcasts and their outbox). The durable schedule has no foreign keys (its rows outlive what
they were about), so its rows are deleted here first. People left with no registration, no role
and no open dialog lose their user row too. What remains is one anonymous audit entry with the
program's final counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Broadcast,
    Coordinator,
    Dialog,
    Meeting,
    Participant,
    Program,
    ProgramEvent,
    Reminder,
    Survey,
    Tandem,
    User,
)


@dataclass(frozen=True)
class Purged:
    participants: int
    tandems: int
    meetings: int
    users: int  # user rows deleted because nothing else referred to them


async def purge_program(session: AsyncSession, program_id: int) -> Purged | None:
    program = await session.get(Program, program_id)
    if program is None:
        return None
    tandems = select(Tandem.id).where(Tandem.program_id == program_id)
    meetings = select(Meeting.id).where(Meeting.tandem_id.in_(tandems))
    people = list(
        (
            await session.scalars(
                select(Participant.user_id).where(
                    Participant.program_id == program_id, Participant.user_id.is_not(None)
                )
            )
        ).all()
    )
    registrations = select(Participant.id).where(Participant.program_id == program_id)
    counts = [
        int(await session.scalar(select(func.count()).select_from(q.subquery())) or 0)
        for q in (registrations, tandems, meetings)
    ]
    await session.execute(
        delete(Reminder).where(
            or_(
                Reminder.tandem_id.in_(tandems),
                Reminder.meeting_id.in_(meetings),
                Reminder.event_id.in_(
                    select(ProgramEvent.id).where(ProgramEvent.program_id == program_id)
                ),
                Reminder.survey_id.in_(select(Survey.id).where(Survey.program_id == program_id)),
                Reminder.broadcast_id.in_(
                    select(Broadcast.id).where(Broadcast.program_id == program_id)
                ),
            )
        )
    )
    # A Core DELETE: the database cascades (the ORM would try to load and unlink the children).
    await session.execute(delete(Program).where(Program.id == program_id))
    session.expunge(program)
    orphans = select(User.id).where(
        User.id.in_(people),
        ~exists().where(Participant.user_id == User.id),
        ~exists().where(Coordinator.user_id == User.id),
        ~exists().where(Dialog.user_id == User.id),
    )
    gone = list((await session.scalars(orphans)).all())
    if gone:
        await session.execute(delete(Reminder).where(Reminder.user_id.in_(gone)))
        await session.execute(delete(User).where(User.id.in_(gone)))
    return Purged(counts[0], counts[1], counts[2], users=len(gone))
