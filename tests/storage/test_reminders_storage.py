"""The durable schedule and meetings, on SQLite and PostgreSQL: planning is idempotent, a row is
claimed at most once, cancelling and moving leave nothing behind."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.reminders import Kind, Planned, Policy, State, plan_meeting
from fake_bot_api import FakeBotApi
from storage import meetings, tandems
from storage import reminders as store
from storage.db import Database
from storage.models import Reminder, Tandem
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def planned_for(meeting_id: int, version: int = 0) -> list[Planned]:
    return plan_meeting(
        meeting_id=meeting_id,
        version=version,
        starts_at=NOW + dt.timedelta(days=2),
        ends_at=NOW + dt.timedelta(days=2, hours=2),
        user_ids=(1, 2),
        policy=Policy(),
        now=NOW,
    )


async def new_meeting(db: Database) -> int:
    async with FakeBotApi(token="1:x") as api:
        pair = await seed_pair(db, api, NOW)
    async with db.session() as session:
        meeting = await meetings.propose(
            session,
            tandem_id=pair.tandem_id,
            starts_at=NOW + dt.timedelta(days=2),
            ends_at=NOW + dt.timedelta(days=2, hours=2),
            online=False,
            place="Rathaus",
            link=None,
            proposed_by=pair.mentee.id,
            now=NOW,
        )
        return meeting.id


async def test_planning_twice_adds_nothing(db: Database) -> None:
    meeting_id = await new_meeting(db)
    async with db.session() as session:
        first = await store.plan(session, planned_for(meeting_id), now=NOW, meeting_id=meeting_id)
    async with db.session() as session:
        second = await store.plan(session, planned_for(meeting_id), now=NOW, meeting_id=meeting_id)
    assert len(first) == 8 and second == []
    async with db.session() as session:
        due = await store.due_until(session, NOW + dt.timedelta(days=2))
    assert [d for _, d in due] == sorted(d for _, d in due)
    assert len(due) == 4  # the two reminders before, for both partners


async def test_a_row_is_claimed_once_even_under_a_race(db: Database) -> None:
    meeting_id = await new_meeting(db)
    async with db.session() as session:
        rows = await store.plan(session, planned_for(meeting_id), now=NOW, meeting_id=meeting_id)
    target = rows[0][0]

    async def claim() -> bool:
        async with db.session() as session:
            return await store.claim(session, target, NOW)

    results = await asyncio.gather(*(claim() for _ in range(8)))
    assert results.count(True) == 1
    async with db.session() as session:
        await store.finish(session, target, State.SENT, NOW)
        await store.finish(session, target, State.FAILED, NOW)  # too late: already finished
        row = await store.get(session, target)
    assert row is not None and row.state == "sent" and row.attempts == 1


async def test_cancel_and_interrupt(db: Database) -> None:
    meeting_id = await new_meeting(db)
    async with db.session() as session:
        rows = await store.plan(session, planned_for(meeting_id), now=NOW, meeting_id=meeting_id)
        assert await store.claim(session, rows[0][0], NOW)
    async with db.session() as session:
        cancelled = await store.cancel(
            session, now=NOW, meeting_id=meeting_id, user_id=1, kinds=[Kind.FEEDBACK.value]
        )
        assert cancelled == 1
        assert await store.cancel(session, now=NOW, meeting_id=meeting_id) == 6
        assert await store.interrupt_stale(session, NOW) == 1
    async with db.session() as session:
        states = sorted((await session.scalars(select(Reminder.state))).all())
        assert await store.due_until(session, NOW + dt.timedelta(days=30)) == []
    assert states == ["cancelled"] * 7 + ["interrupted"]


async def test_only_the_latest_overdue_sibling_goes_out(db: Database) -> None:
    meeting_id = await new_meeting(db)
    async with db.session() as session:
        await store.plan(session, planned_for(meeting_id), now=NOW, meeting_id=meeting_id)
    later = NOW + dt.timedelta(days=2) - dt.timedelta(minutes=30)  # both "soon" rows overdue
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(Reminder).where(Reminder.kind == "meeting_soon", Reminder.user_id == 1)
            )
        ).all()
        verdicts = {
            r.payload["minutes"]: await store.later_sibling_due(session, r, later) for r in rows
        }
    assert verdicts == {1440: True, 60: False}


async def test_meeting_transitions_are_conditional(db: Database) -> None:
    meeting_id = await new_meeting(db)
    async with db.session() as session:
        meeting = await meetings.get(session, meeting_id)
        assert meeting is not None
        assert await meetings.confirm(session, meeting, NOW)
        assert not await meetings.confirm(session, meeting, NOW)
        assert not await meetings.decline(session, meeting, NOW)
        assert await meetings.move(
            session,
            meeting,
            starts_at=NOW + dt.timedelta(days=3),
            ends_at=NOW + dt.timedelta(days=3, hours=1),
            now=NOW,
        )
        assert meeting.version == 1
    async with db.session() as session:
        stale = await meetings.get(session, meeting_id)  # what an older button saw
    async with db.session() as session:
        current = await meetings.get(session, meeting_id)
        assert current is not None
        assert await meetings.move(
            session,
            current,
            starts_at=NOW + dt.timedelta(days=4),
            ends_at=NOW + dt.timedelta(days=4, hours=1),
            now=NOW,
        )
    async with db.session() as session:
        assert stale is not None and stale.version == 1
        session.add(stale)
        assert not await meetings.cancel(session, stale, 1, NOW)
        assert stale.version == 2  # refreshed from the row
        assert await meetings.cancel(session, stale, 1, NOW)


async def test_nudge_count_moves_once(db: Database) -> None:
    await new_meeting(db)

    async def nudge() -> bool:
        async with db.session() as session:
            tandem = (await session.scalars(select(Tandem))).one()
            return await tandems.count_nudge(session, tandem, NOW)

    # Sequential here: a concurrent pair on SQLite would serialise anyway.
    assert await nudge()
    async with db.session() as session:
        tandem = (await session.scalars(select(Tandem))).one()
        stale_view = Tandem(id=tandem.id, nudges=0)
        assert not await tandems.count_nudge(session, stale_view, NOW)
        assert tandem.nudges == 1


async def test_a_finished_notice_keeps_no_text_and_the_database_refuses_one_that_does(
    db: Database,
) -> None:
    """A notice's text names people; it lives only until the row is finished, however it ends.
    Other kinds keep their payload (an offset, nobody's words)."""
    text = {"text": "<b>Zora</b> schlägt ein Treffen vor", "markup": None}
    notices = [Planned(Kind.NOTICE, NOW, 7, f"notice.1.{i}", dict(text)) for i in range(4)]
    event = Planned(Kind.EVENT_SOON, NOW, 7, "e1.soon60.u7", {"minutes": 60})
    async with db.session() as session:
        ids = [rid for rid, _ in await store.plan(session, [*notices, event], now=NOW)]
        for rid in [*ids[:3], ids[4]]:
            assert await store.claim(session, rid, NOW)
        await store.finish(session, ids[0], State.SENT, NOW)
        await store.finish(session, ids[1], State.UNREACHABLE, NOW, error="blocked")
        await store.finish(session, ids[4], State.SENT, NOW)
        assert await store.interrupt_stale(session, NOW) == 1  # ids[2], left 'sending'
        await store.cancel(session, now=NOW, user_id=7)  # ids[3], still pending
    async with db.session() as session:
        rows = (await session.scalars(select(Reminder).order_by(Reminder.id))).all()
        assert [(r.state, r.payload) for r in rows] == [
            ("sent", {}),
            ("unreachable", {}),
            ("interrupted", {}),
            ("cancelled", {}),
            ("sent", {"minutes": 60}),
        ]
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            await store.plan(session, [Planned(Kind.NOTICE, NOW, 7, "notice.2.0", text)], now=NOW)
            await session.execute(
                update(Reminder).where(Reminder.key == "notice.2.0").values(state="sent")
            )
