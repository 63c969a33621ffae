"""The unit of work: SQLite's in-process queue is fair and refuses to nest instead of hanging."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.db import Database, is_sqlite, normalise_url


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
