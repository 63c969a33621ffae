"""Programs and participants put straight into the database, for tests of what follows a
registration (registration itself has its own end-to-end tests)."""

from __future__ import annotations

import datetime as dt

from core.programs import ParticipantStatus
from storage import participants, programs, users
from storage.db import Database
from storage.models import Tandem


async def seed_program(
    db: Database, now: dt.datetime, name: str = "Salzgitter 2027", created_by: int | None = 9001
) -> int:
    async with db.session() as session:
        program = await programs.create(
            session,
            name=name,
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2028, 2, 29),
            timezone="Europe/Berlin",
            created_by=created_by,
            now=now,
        )
        return program.id


async def seed_participant(
    db: Database,
    program_id: int,
    user_id: int,
    name: str,
    now: dt.datetime,
    *,
    role: str = "mentee",
    status: str = "active",
    company: str | None = None,
    username: str | None = None,
    language: str = "de",
) -> int:
    """A participant (and their user, if new); returns the participant id."""
    async with db.session() as session:
        if await users.get(session, user_id) is None:
            await users.upsert(
                session,
                user_id=user_id,
                identity=users.Identity(name.split()[0], username=username),
                now=now,
                language=language,
            )
        row = await participants.create_from_draft(
            session,
            program_id=program_id,
            user_id=user_id,
            draft={
                "role": role,
                "name": name,
                "company": company or f"Firma {user_id}",
                "industry": "Industrie",
                "position": "Leitung",
                "topics": ["Kommunikation"],
                "goals": "Wachsen.",
                "meeting_format": "both",
            },
            consent_at=now,
            now=now,
        )
        row.status = ParticipantStatus(status)
        await session.flush()
        return row.id


async def seed_broadcast(db: Database, program_id: int, text: str, now: dt.datetime) -> int:
    """A broadcast to everyone in the program, its outbox filled, status sending: what
    `/broadcast` leaves behind when the coordinator presses "send now". Returns its id."""
    from core.broadcasts import Audience, BroadcastStatus
    from storage import broadcasts

    async with db.session() as session:
        broadcast = await broadcasts.create(
            session,
            program_id=program_id,
            audience=Audience.ALL,
            quiet_days=None,
            text=text,
            status=BroadcastStatus.SENDING,
            scheduled_at=None,
            created_by=9001,
            now=now,
        )
        people = await broadcasts.recipients(
            session, program_id=program_id, audience=Audience.ALL, quiet_days=None, now=now
        )
        await broadcasts.enqueue(session, broadcast.id, people)
        return broadcast.id


async def seed_tandem(
    db: Database,
    program_id: int,
    mentor_id: int,
    mentee_id: int,
    now: dt.datetime,
    *,
    introduced: bool = True,
) -> int:
    """An active tandem of two participants (ids of their rows); introduced unless told not."""
    async with db.session() as session:
        tandem = Tandem(
            program_id=program_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            status="active",
            created_at=now,
            introduced_at=now if introduced else None,
        )
        session.add(tandem)
        await session.flush()
        return tandem.id
