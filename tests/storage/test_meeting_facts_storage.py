"""The storage guards behind "meetings are facts", on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.meetings import Outcome
from storage import meetings
from storage.db import Database
from storage.models import Tandem
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
BERLIN = ZoneInfo("Europe/Berlin")


async def seed_tandem(db: Database) -> int:
    program = await seed_program(db, NOW - 20 * DAY)
    mentor = await seed_participant(db, program, 100, "Maria", NOW - 20 * DAY, role="mentor")
    mentee = await seed_participant(db, program, 101, "Emil", NOW - 20 * DAY)
    async with db.session() as session:
        tandem = Tandem(
            program_id=program,
            mentor_id=mentor,
            mentee_id=mentee,
            status="active",
            created_at=NOW - 15 * DAY,
            introduced_at=NOW - 15 * DAY,
        )
        session.add(tandem)
        await session.flush()
        return tandem.id


async def test_a_meeting_that_began_is_neither_cancelled_nor_moved(db: Database) -> None:
    tandem_id = await seed_tandem(db)
    async with db.session() as session:
        meeting = await meetings.propose(
            session,
            tandem_id=tandem_id,
            starts_at=NOW + HOUR,
            ends_at=NOW + 3 * HOUR,
            online=False,
            place="Rathaus",
            link=None,
            proposed_by=100,
            now=NOW,
        )
        assert await meetings.confirm(session, meeting, NOW)
        later = NOW + 2 * HOUR
        assert not await meetings.cancel(session, meeting, 101, later)
        assert not await meetings.move(
            session, meeting, starts_at=later + DAY, ends_at=later + DAY + HOUR, now=later
        )
        assert (meeting.status, meeting.version) == ("confirmed", 0)
        # Said to be held (by feedback), it stays held even if its time were still ahead.
        meeting.outcome = Outcome.HELD
        await session.flush()
        assert not await meetings.cancel(session, meeting, 101, NOW)
        assert meeting.status == "confirmed"


async def test_one_recorded_meeting_per_tandem_and_day(db: Database) -> None:
    tandem_id = await seed_tandem(db)
    day = dt.date(2027, 3, 9)
    start = dt.datetime(2027, 3, 9, 11, 0, tzinfo=dt.UTC)
    async with db.session() as session:
        first = await meetings.log_past(
            session,
            tandem_id=tandem_id,
            starts_at=start,
            ends_at=start + HOUR,
            day=day,
            by=100,
            now=NOW,
        )
        assert first is not None
        again = await meetings.log_past(
            session,
            tandem_id=tandem_id,
            starts_at=start + 3 * HOUR,
            ends_at=start + 4 * HOUR,
            day=day,
            by=101,
            now=NOW,
        )
        assert again is None
        assert await meetings.days_taken(session, tandem_id, BERLIN) == {day}
        assert await meetings.summary(session, tandem_id, NOW) == (0, None, None)
        assert await meetings.reject_logged(session, first, NOW)
        assert not await meetings.verify_logged(session, first, NOW)  # decided once
        assert await meetings.days_taken(session, tandem_id, BERLIN) == set()
        second = await meetings.log_past(
            session,
            tandem_id=tandem_id,
            starts_at=start,
            ends_at=start + HOUR,
            day=day,
            by=101,
            now=NOW,
        )
        assert second is not None
        assert await meetings.verify_logged(session, second, NOW)
        held, last, _ = await meetings.summary(session, tandem_id, NOW)
        assert (held, last) == (1, start)
