"""Introduced tandems put straight into the database, for tests of what follows the matching."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from tests.seeding import seed_participant, seed_program, seed_tandem


@dataclass
class Pair:
    program_id: int
    tandem_id: int
    mentor: FakeUser
    mentee: FakeUser
    mentor_participant: int
    mentee_participant: int


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
    mentor_id = await seed_participant(
        db,
        program_id,
        base,
        mentor_name,
        now,
        role="mentor",
        company="Alstom",
        username=f"mentor{base}",
        language=language,
    )
    mentee_id = await seed_participant(
        db,
        program_id,
        base + 1,
        mentee_name,
        now,
        role="mentee",
        company="WIS",
        username=f"mentee{base}",
        language=language,
    )
    tandem_id = await seed_tandem(db, program_id, mentor_id, mentee_id, now, introduced=introduced)
    mentor = api.add_user(base, mentor_name.split()[0], username=f"mentor{base}")
    mentee = api.add_user(base + 1, mentee_name.split()[0], username=f"mentee{base}")
    return Pair(program_id, tandem_id, mentor, mentee, mentor_id, mentee_id)
