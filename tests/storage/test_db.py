"""The unit of work: SQLite's in-process queue is fair and refuses to nest instead of hanging."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import Database, is_sqlite, is_transient, normalise_url
from storage.models import User


def test_urls_people_paste_get_async_drivers() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalise_url("sqlite:///x.sqlite3") == "sqlite+aiosqlite:///x.sqlite3"
    assert is_sqlite("sqlite+aiosqlite:///x") and not is_sqlite("postgresql+asyncpg://h/db")


async def test_nested_units_of_work_fail_loudly_on_sqlite(db: Database) -> None:
    if not is_sqlite(db.url):
        pytest.skip("PostgreSQL needs no in-process queue")
    async with db.session():
        with pytest.raises(RuntimeError, match="inside another"):
            async with db.session():
                pass


async def test_concurrent_writers_all_commit_in_arrival_order(db: Database) -> None:
    async with db.session() as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS bench_order (n INTEGER)"))
    order: list[int] = []

    async def write(n: int) -> None:
        async with db.session() as session:
            await session.execute(text("INSERT INTO bench_order VALUES (:n)"), {"n": n})
            order.append(n)

    await asyncio.gather(*(write(n) for n in range(30)))
    async with db.session() as session:
        count = await session.scalar(text("SELECT count(*) FROM bench_order"))
    assert count == 30
    if is_sqlite(db.url):
        assert order == list(range(30))  # first come, first served


# -- which failures are worth running the unit of work again ----------------------------------


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (DBAPIError("UPDATE", None, _DriverError("40001")), True),  # serialization failure
        (DBAPIError("UPDATE", None, _DriverError("40P01")), True),  # deadlock victim
        (DBAPIError("SELECT", None, _DriverError("57P01")), True),  # server shutting down
        (DBAPIError("SELECT", None, _DriverError("08006")), True),  # connection failure
        (DBAPIError("SELECT", None, Exception("gone"), connection_invalidated=True), True),
        (DBAPIError("INSERT", None, _DriverError("23505")), False),  # unique violation
        (DBAPIError("SELECT", None, _DriverError("22003")), False),  # value out of range
        (DBAPIError("SELECT", None, Exception("no code")), False),
        (ConnectionRefusedError(), True),  # the server is not up (yet)
        (TimeoutError(), True),
        (ValueError("a bug"), False),
    ],
)
def test_transient_failures_are_told_from_the_rest(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


async def test_real_failures_of_the_database_are_classified(db: Database) -> None:
    """What the drivers really raise: a constraint violation is not worth repeating, on either
    database; on PostgreSQL a deadlock victim and a connection the server dropped are."""
    await _insert_user(db, 1)
    with pytest.raises(DBAPIError) as duplicate:
        await _insert_user(db, 1)
    assert not is_transient(duplicate.value)
    if is_sqlite(db.url):
        return
    await _insert_user(db, 2)

    # A deadlock: each transaction holds one row and wants the other's.
    first_locked, second_locked = asyncio.Event(), asyncio.Event()

    update = text("UPDATE users SET first_name = first_name || '.' WHERE id = :id")

    async def lock(mine: int, theirs: int, locked: asyncio.Event, other: asyncio.Event) -> None:
        async with db.sessionmaker() as session, session.begin():
            await session.execute(update, {"id": mine})
            locked.set()
            await other.wait()
            await session.execute(update, {"id": theirs})

    results = await asyncio.gather(
        lock(1, 2, first_locked, second_locked),
        lock(2, 1, second_locked, first_locked),
        return_exceptions=True,
    )
    victims = [r for r in results if isinstance(r, BaseException)]
    assert len(victims) == 1 and is_transient(victims[0]), results

    # A connection the server terminates in the middle of a transaction (a restart).
    async with db.sessionmaker() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        async with db.sessionmaker() as other, other.begin():
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as dropped:
            await session.execute(text("SELECT 1"))
    assert is_transient(dropped.value)


async def _insert_user(db: Database, user_id: int) -> None:
    now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    async with db.session() as session:
        session.add(User(id=user_id, first_name="A", created_at=now, updated_at=now))
