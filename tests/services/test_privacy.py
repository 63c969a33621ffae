"""A person's data rights as use cases: the copy, the erasure and who hears of it, the pause."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import select

from services import privacy
from services.privacy import Switch
from services.unit import Actor, UnitOfWork
from storage import users
from storage.db import Database
from storage.models import AuditEntry, User
from tests.seeding import seed_program
from tests.services.conftest import NOW, seed_pair

T = TypeVar("T")
CONFIGURED = frozenset({9001})  # a coordinator named in the settings
STRANGER = 4242


@asynccontextmanager
async def acting(db: Database, user_id: int) -> AsyncIterator[UnitOfWork]:
    """A unit of work as the middleware builds it: with the user's row, if there is one."""
    async with db.session() as session:
        user = await users.get(session, user_id)
        yield UnitOfWork(session, NOW, Actor(user_id, user), configured=CONFIGURED)


async def as_user(db: Database, user_id: int, use_case: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    async with acting(db, user_id) as uow:
        return await use_case(uow)


async def actions(db: Database) -> list[tuple[int | None, str]]:
    async with db.session() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.user_id, row.action) for row in rows]


async def test_the_copy_holds_the_users_own_data_only(db: Database) -> None:
    pair = await seed_pair(db)
    assert await as_user(db, STRANGER, privacy.my_data) is None
    content = await as_user(db, pair.mentee, privacy.my_data)
    assert content is not None
    document = json.loads(content)
    assert document["user_id"] == pair.mentee
    assert [u["id"] for u in document["data"]["users"]] == [pair.mentee]
    assert await actions(db) == [(pair.mentee, "data_exported")]


async def test_erasure_tells_the_partner_and_only_the_programs_coordinators(db: Database) -> None:
    pair = await seed_pair(db)
    other = await seed_program(db, NOW, name="Wolfsburg 2027")
    async with db.session() as session:
        for user_id, program_id in ((7001, pair.program_id), (7002, other), (7003, None)):
            await users.upsert(session, user_id=user_id, identity=users.Identity("K"), now=NOW)
            await users.grant_coordinator(
                session, user_id, granted_by=None, now=NOW, program_id=program_id
            )
    notices = await as_user(db, pair.mentee, lambda uow: privacy.erase(uow))
    assert notices is not None and len(notices) == 1
    (notice,) = notices
    assert notice.program_name == "Salzgitter 2027"
    assert notice.departure.name == "Emil Mentee"
    assert [(p.user_id, p.user is not None) for p in notice.partners] == [(pair.mentor, True)]
    assert [c.user_id for c in notice.coordinators] == [7001, 7003, 9001]
    async with db.session() as session:
        assert await session.get(User, pair.mentee) is None
    assert (None, "erased") in await actions(db)
    # Pressed again: nothing is left, nobody is told twice.
    assert await as_user(db, pair.mentee, lambda uow: privacy.erase(uow)) is None


async def test_a_stranger_has_nothing_to_erase(db: Database) -> None:
    await seed_pair(db)
    assert await as_user(db, STRANGER, lambda uow: privacy.erase(uow)) is None
    async with acting(db, STRANGER) as uow:
        assert not privacy.stored(uow)
    assert await actions(db) == []


async def test_pause_and_resume_switch_once_each(db: Database) -> None:
    pair = await seed_pair(db)
    assert await as_user(db, STRANGER, privacy.pause) is Switch.NOT_REGISTERED
    assert await as_user(db, STRANGER, privacy.resume) is Switch.NOT_REGISTERED
    assert await as_user(db, pair.mentee, privacy.resume) is Switch.UNCHANGED
    assert await as_user(db, pair.mentee, privacy.pause) is Switch.DONE
    assert await as_user(db, pair.mentee, privacy.pause) is Switch.UNCHANGED
    async with db.session() as session:
        mentee, mentor = await session.get(User, pair.mentee), await session.get(User, pair.mentor)
        assert mentee is not None and mentee.paused_at == NOW
        assert mentor is not None and mentor.paused_at is None
    assert await as_user(db, pair.mentee, privacy.resume) is Switch.DONE
    assert await actions(db) == [(pair.mentee, "paused"), (pair.mentee, "resumed")]
