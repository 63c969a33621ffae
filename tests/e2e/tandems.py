"""Introduced tandems put straight into the database, for tests of what follows the matching."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fake_bot_api import FakeBotApi, FakeUser
from storage import participants, programs, users
from storage.db import Database
from storage.models import Tandem


@dataclass
class Pair:
    program_id: int
    tandem_id: int
    mentor: FakeUser
    mentee: FakeUser
    mentor_participant: int
    mentee_participant: int


async def seed_program(db: Database, now: dt.datetime, name: str = "Salzgitter 2027") -> int:
    async with db.session() as session:
        program = await programs.create(
            session,
            name=name,
            starts_on=dt.date(2027, 3, 1),
            ends_on=dt.date(2028, 2, 29),
            timezone="Europe/Berlin",
            created_by=9001,
            now=now,
        )
        return program.id


async def seed_pair(
    db: Database,
    api: FakeBotApi,
    now: dt.datetime,
    *,
    program_id: int | None = None,
    base: int = 2000,
    mentor_name: str = "Maria <b>Mentor</b> & Co",
    mentee_name: str = "Emil Mentee",
    introduced: bool = True,
    language: str = "de",
) -> Pair:
    if program_id is None:
        program_id = await seed_program(db, now)
    people = ((base, mentor_name, "mentor", "Alstom"), (base + 1, mentee_name, "mentee", "WIS"))
    ids: list[int] = []
    async with db.session() as session:
        for user_id, name, role, company in people:
            first = name.split()[0]
            await users.upsert(
                session,
                user_id=user_id,
                first_name=first,
                last_name=None,
                username=f"{first.lower()}{user_id}",
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
                    "company": company,
                    "industry": "Industrie",
                    "position": "Leitung",
                    "topics": ["Kommunikation"],
                    "goals": "Wachsen.",
                    "meeting_format": "both",
                },
                consent_at=now,
                now=now,
            )
            row.status = "active"
            await session.flush()
            ids.append(row.id)
        tandem = Tandem(
            program_id=program_id,
            mentor_id=ids[0],
            mentee_id=ids[1],
            status="active",
            created_at=now,
            introduced_at=now if introduced else None,
        )
        session.add(tandem)
        await session.flush()
        tandem_id = tandem.id
    mentor = api.add_user(base, mentor_name.split()[0], username=f"mentor{base}")
    mentee = api.add_user(base + 1, mentee_name.split()[0], username=f"mentee{base}")
    return Pair(program_id, tandem_id, mentor, mentee, ids[0], ids[1])
