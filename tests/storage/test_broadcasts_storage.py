"""The broadcast outbox on SQLite and PostgreSQL: audiences, one row per person, claims that
never hand the same row to two senders."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from core.broadcasts import AttachmentKind, Audience, BroadcastStatus, DeliveryState
from storage import broadcasts as store
from storage.db import Database
from storage.models import Broadcast, Delivery, Meeting, Tandem
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)


async def new_broadcast(db: Database, program_id: int | None) -> int:
    async with db.session() as session:
        broadcast = await store.create(
            session,
            program_id=program_id,
            audience=Audience.ALL,
            quiet_days=None,
            text="Hallo",
            status=BroadcastStatus.SENDING,
            scheduled_at=None,
            created_by=9001,
            now=NOW,
        )
        return broadcast.id


async def test_audiences(db: Database) -> None:
    program = await seed_program(db, NOW)
    other = await seed_program(db, NOW, "Andere")
    mentor = await seed_participant(db, program, 1, "Maria", NOW, role="mentor")
    mentee = await seed_participant(db, program, 2, "Emil", NOW)
    await seed_participant(db, program, 3, "Alma", NOW)
    await seed_participant(db, program, 4, "Paul", NOW, status="pending")
    await seed_participant(db, other, 1, "Maria", NOW, role="mentor")  # in two programs
    await seed_participant(db, other, 5, "Otto", NOW)
    async with db.session() as session:
        session.add(
            Tandem(
                program_id=program,
                mentor_id=mentor,
                mentee_id=mentee,
                status="active",
                created_at=NOW,
                introduced_at=NOW - dt.timedelta(days=40),
            )
        )

    async def who(audience: Audience, program_id: int | None, days: int | None = None) -> set[int]:
        async with db.session() as session:
            people = await store.recipients(
                session, program_id=program_id, audience=audience, quiet_days=days, now=NOW
            )
        ids = [user_id for user_id, _ in people]
        assert len(ids) == len(set(ids)), "each person once"
        return set(ids)

    assert await who(Audience.ALL, program) == {1, 2, 3}
    assert await who(Audience.ALL, None) == {1, 2, 3, 5}
    assert await who(Audience.MENTORS, program) == {1}
    assert await who(Audience.MENTEES, program) == {2, 3}
    assert await who(Audience.UNMATCHED, program) == {3}
    assert await who(Audience.QUIET, program, 30) == {1, 2}
    assert await who(Audience.QUIET, program, 60) == set()


async def test_unmet_audience_counts_held_meetings_only(db: Database) -> None:
    """'Tandems without a first meeting yet': both partners of introduced active tandems with
    no meeting that counts as held (the rule of storage.meetings), in this program only."""
    program = await seed_program(db, NOW)
    other = await seed_program(db, NOW, "Andere")
    day = dt.timedelta(days=1)
    # (meeting status, outcome, confirmed_at, starts_at) of the tandem's one meeting, or None
    cases: list[tuple[str, str | None, dt.datetime | None, dt.datetime] | None] = [
        ("confirmed", None, None, NOW - 10 * day),  # 0: met
        ("confirmed", "postponed", None, NOW - 10 * day),  # 1: postponed: not met
        ("logged", None, None, NOW - 10 * day),  # 2: logged, not confirmed: not met
        ("logged", None, NOW - 9 * day, NOW - 10 * day),  # 3: logged and confirmed: met
        ("confirmed", None, None, NOW + 2 * day),  # 4: still ahead: not met
        ("proposed", None, None, NOW - 10 * day),  # 5: only proposed: not met
        None,  # 6: no meeting at all
    ]
    tandems: dict[int, tuple[int, int]] = {}
    for index, case in enumerate([*cases, None, None, None]):
        base = 100 + 10 * index
        where = other if index == 9 else program
        mentor = await seed_participant(db, where, base, f"Mentor {index}", NOW, role="mentor")
        mentee = await seed_participant(db, where, base + 1, f"Mentee {index}", NOW)
        tandems[index] = (base, base + 1)
        async with db.session() as session:
            tandem = Tandem(
                program_id=where,
                mentor_id=mentor,
                mentee_id=mentee,
                status="dissolved" if index == 8 else "active",
                created_at=NOW - 50 * day,
                introduced_at=None if index == 7 else NOW - 40 * day,  # 7: not introduced
            )
            session.add(tandem)
            await session.flush()
            if case is not None:
                status, outcome, confirmed_at, starts = case
                session.add(
                    Meeting(
                        tandem_id=tandem.id,
                        status=status,
                        outcome=outcome,
                        confirmed_at=confirmed_at,
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=1),
                        online=True,
                        proposed_by=base,
                        version=0,
                        created_at=NOW - 20 * day,
                        updated_at=NOW - 20 * day,
                    )
                )

    async def who(program_id: int | None) -> set[int]:
        async with db.session() as session:
            people = await store.recipients(
                session, program_id=program_id, audience=Audience.UNMET, quiet_days=None, now=NOW
            )
        return {user_id for user_id, _ in people}

    unmet = {user for index in (1, 2, 4, 5, 6) for user in tandems[index]}
    assert await who(program) == unmet
    assert await who(other) == set(tandems[9])
    assert await who(None) == unmet | set(tandems[9])


async def test_a_broadcast_keeps_its_file(db: Database) -> None:
    async with db.session() as session:
        broadcast = await store.create(
            session,
            program_id=None,
            audience=Audience.UNMET,
            quiet_days=None,
            text="",
            status=BroadcastStatus.SENDING,
            scheduled_at=None,
            created_by=9001,
            now=NOW,
            file=(AttachmentKind.PHOTO, "AgACfile", None),
        )
        created = broadcast.id
    async with db.session() as session:
        row = await session.get(Broadcast, created)
        assert row is not None
        assert (row.file_kind, row.file_id, row.file_name, row.text) == (
            AttachmentKind.PHOTO,
            "AgACfile",
            None,
            "",
        )
        assert row.audience is Audience.UNMET


async def test_enqueue_is_once_per_person(db: Database) -> None:
    broadcast = await new_broadcast(db, None)
    async with db.session() as session:
        await store.enqueue(session, broadcast, [(1, "A"), (2, "B")])
    async with db.session() as session:
        await store.enqueue(session, broadcast, [(2, "B"), (3, "C")])
        rows = (await session.scalars(select(Delivery.user_id))).all()
    assert sorted(rows) == [1, 2, 3]


async def test_concurrent_claims_never_share_a_row(db: Database) -> None:
    broadcast = await new_broadcast(db, None)
    async with db.session() as session:
        await store.enqueue(session, broadcast, [(i, f"P{i}") for i in range(200)])

    async def sender(name: str) -> list[int]:
        mine: list[int] = []
        while True:
            async with db.session() as session:
                claimed = await store.claim(session, broadcast, name, 3, NOW)
            if not claimed:
                return mine
            assert len(claimed) <= 3
            mine += [delivery_id for delivery_id, _ in claimed]
            async with db.session() as session:
                for delivery_id, _ in claimed:
                    await store.finish(session, delivery_id, DeliveryState.SENT, NOW)

    results = await asyncio.gather(*(sender(f"w{i}") for i in range(6)))
    claimed = [d for batch in results for d in batch]
    assert len(claimed) == len(set(claimed)) == 200
    async with db.session() as session:
        assert await store.counts(session, broadcast) == {"sent": 200}


async def test_interrupt_retry_and_finish(db: Database) -> None:
    broadcast = await new_broadcast(db, None)
    async with db.session() as session:
        await store.enqueue(session, broadcast, [(1, "A"), (2, "B"), (3, "C")])
    async with db.session() as session:
        (first, _), (second, _) = await store.claim(session, broadcast, "w", 2, NOW)
        await store.finish(session, first, DeliveryState.FAILED, NOW, "failed")
    async with db.session() as session:
        assert await store.interrupt_stale(session, NOW) == 1  # `second` was in flight
        (third, _), *_ = await store.claim(session, broadcast, "w", 5, NOW)
        await store.finish(session, third, DeliveryState.SENT, NOW)
        assert await store.finish_broadcast(session, broadcast, NOW)
        assert not await store.finish_broadcast(session, broadcast, NOW)
    async with db.session() as session:
        assert await store.retry_failed(session, broadcast) == 1
        assert await store.in_progress(session) == [broadcast]
        counts = await store.counts(session, broadcast)
    assert counts == {"pending": 1, "interrupted": 1, "sent": 1}
    assert second != third
