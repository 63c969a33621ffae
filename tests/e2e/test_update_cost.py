"""What every update costs before its handler runs, end to end through the real middleware: the
redelivery check is the one INSERT that also marks the update, the user is read with their
coordinator grants in one query, a known user whose names did not change is not written to (on
SQLite any UPDATE takes the write lock, even for /help), a change Telegram tells of is, and no
rollback follows the commit when the connection goes back to the pool; on SQLite each statement
is one round trip to the driver's thread. Statements are counted, not timed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import CacheStats

from bot.app import AnyApplication
from fake_bot_api import FakeBotApi, FakeUser
from storage import users
from storage.db import Database
from storage.models import User
from tests.e2e.harness import expect
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@contextmanager
def statements(compiled: list[bool] | None = None) -> Iterator[list[str]]:
    """Every SQL statement any engine runs meanwhile (the bot's own engine included); into
    `compiled`, whether each was compiled anew (not found in SQLAlchemy's compiled cache)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))
        if compiled is not None:
            compiled.append(args[4].cache_hit is not CacheStats.CACHE_HIT)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@contextmanager
def driver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every round trip to aiosqlite's thread, by the name of what ran there (nothing on
    PostgreSQL, whose driver has no thread)."""
    seen: list[str] = []
    original: Any = aiosqlite.Connection._execute

    async def execute(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", execute)
    yield seen
    monkeypatch.setattr(aiosqlite.Connection, "_execute", original)


@contextmanager
def server_round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every round trip the bot's engine makes to PostgreSQL, by what it was (nothing on SQLite):
    BEGIN, COMMIT and ROLLBACK, a prepared statement run, a statement prepared (a miss of
    the per-connection cache of prepared statements), and the pool's ping (`;`, itself inside a
    BEGIN and a ROLLBACK)."""
    seen: list[str] = []
    originals: list[tuple[Any, str, Any]] = []

    def counted(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append(label)
            return await original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    counted(asyncpg.transaction.Transaction, "start", "BEGIN")
    counted(asyncpg.transaction.Transaction, "commit", "COMMIT")
    counted(asyncpg.transaction.Transaction, "rollback", "ROLLBACK")
    counted(asyncpg.prepared_stmt.PreparedStatement, "fetch", "run")
    counted(asyncpg.connection.Connection, "prepare", "prepare")
    counted(asyncpg.connection.Connection, "fetchrow", "ping")
    yield seen
    for owner, name, original in originals:
        monkeypatch.setattr(owner, name, original)


async def test_an_unchanged_user_is_not_written_to_and_a_change_is(
    api: FakeBotApi,
    db: Database,
    coordinator: FakeUser,
    bot_at: AnyApplication,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair = await seed_pair(db, api, NOW)
    await pair.mentee.send("/help")  # the pool warms up (a first connection runs pragmas)
    expect(await pair.mentee.next_message(), "/tandem")
    await api.wait_idle()
    compiled: list[bool] = []
    with (
        statements(compiled) as seen,
        driver_calls(monkeypatch) as hops,
        server_round_trips(monkeypatch) as trips,
    ):
        await pair.mentee.send("/help")
        expect(await pair.mentee.next_message(), "/tandem")
        await api.wait_idle()
    # The whole /help: the claim, the user with their grants, and the handler's one query.
    assert len(seen) == 3, seen
    assert seen[0].startswith("INSERT INTO processed_updates") and "ON CONFLICT" in seen[0]
    assert seen[1].startswith("SELECT users.id") and "LEFT OUTER JOIN coordinators" in seen[1]
    assert "FROM programs" in seen[2]
    # None of them compiled again (SQLAlchemy caches no ON CONFLICT statement: the claim is text).
    assert compiled == [False, False, False], compiled
    # On SQLite: one round trip per statement, the commit, and no rollback after it.
    assert hops in ([], ["_run", "_run", "_run", "commit"]), hops
    # On PostgreSQL: the pool's ping on checkout, then the transaction and its three statements
    # (docs/performance.md: why the ping stays). asyncpg prepares a statement once per
    # connection; the pool hands out its idle connections in turn, and the start's other work
    # (menus, scheduler, leadership) may have left one that the first /help did not use.
    ping = ["BEGIN", "ping", "ROLLBACK"]
    prepared = [trip for trip in trips if trip == "prepare"]
    assert len(prepared) <= 3, trips  # at most once for each of the three
    reused = [trip for trip in trips if trip != "prepare"]
    assert reused in ([], [*ping, "BEGIN", "run", "run", "run", "COMMIT"]), trips

    pair.mentee.first_name, pair.mentee.username = "Mia <i>Neu</i>", "mia_neu"
    async with db.session() as session:  # e.g. a message to them failed: blocked
        await users.set_reachable(session, pair.mentee.id, False)
        await session.commit()
    with statements() as seen:
        await pair.mentee.send("/help")
        expect(await pair.mentee.next_message(), "/tandem")
        await api.wait_idle()
    assert len([s for s in seen if s.startswith("UPDATE users")]) == 1
    async with db.session() as session:
        row = await session.get(User, pair.mentee.id)
        assert row is not None
        assert (row.first_name, row.username, row.reachable) == ("Mia <i>Neu</i>", "mia_neu", True)

    with statements() as seen:  # a coordinator's role and scope: one query, too
        await coordinator.send("/help")
        expect(await coordinator.next_message(), "/programs")
        await api.wait_idle()
    assert len([s for s in seen if "FROM coordinators" in s]) <= 1
