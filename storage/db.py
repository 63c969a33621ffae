"""Engine and sessions.

One `Database` per process. SQLite gets WAL and a busy timeout so that concurrent updates wait for
the write lock instead of failing; PostgreSQL gets a modest pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState

from storage import sqlite_driver


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, sqlite://) and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif driver == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


# SQLSTATEs after which the same unit of work, run again, may well succeed: a serialization
# failure or a deadlock (PostgreSQL chose this transaction as the victim), the server shutting
# down or starting up (a restart), and class 08, the connection failed.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})


def is_transient(error: BaseException) -> bool:
    """Whether a failed unit of work is worth running again from the start.

    Only for errors that say nothing about the data: a bug or a constraint violation fails the
    same way every time. A connection the server dropped mid-transaction comes as a DBAPIError
    marked invalidated; a server that is not up yet, as the OSError of the connect."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return isinstance(code, str) and (code in TRANSIENT_SQLSTATES or code.startswith("08"))
    return isinstance(error, (ConnectionError, TimeoutError))


T = TypeVar("T")
log = logging.getLogger(__name__)

# Enough for a server restart: 4 attempts, 0.5 + 1 + 2 s apart.
ATTEMPTS = 4
BACKOFF = 0.5


async def retrying(
    unit: Callable[[], Awaitable[T]],
    what: str,
    *,
    attempts: int = ATTEMPTS,
    backoff: float = BACKOFF,
) -> T:
    """Run a unit of work (a function that opens its own session) again when it fails
    transiently. Only for units that are safe to repeat: their transaction was rolled back and
    they did nothing outside the database."""
    attempt = 1
    while True:
        try:
            return await unit()
        except Exception as exc:
            if attempt >= attempts or not is_transient(exc):
                raise
            log.warning("%s: the database failed (%s); trying again", what, type(exc).__name__)
            await asyncio.sleep(backoff * 2 ** (attempt - 1))
            attempt += 1


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def insert(session: AsyncSession, entity: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the dialect of the session's database: both spell
    the clause alike, but SQLAlchemy has it only on each dialect's own `insert`."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entity)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _rollback_if_open(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    """SQLite's reset on return to the pool: a rollback only if a transaction is still open.

    SQLAlchemy rolls back every connection it gets back, by default; with aiosqlite that is a
    round trip to the driver's thread after every unit of work, although the session has
    always ended its transaction by then (`Database._unit` commits or rolls back, and closing a
    session rolls back what is left). aiosqlite knows without the round trip whether one is
    open, so a connection that somehow comes back inside a transaction is still rolled back and
    never lends an open transaction (and SQLite's write lock) to the next unit of work."""
    if not state.asyncio_safe:
        return  # being discarded (garbage collected, terminated): nothing to reset
    driver = getattr(dbapi_connection, "_connection", None)
    if getattr(driver, "in_transaction", True):
        dbapi_connection.rollback()


def create_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            connect_args={"timeout": 15},
            pool_reset_on_return=None,
            # one round trip to aiosqlite's thread per statement (storage.sqlite_driver)
            **({"module": module} if (module := sqlite_driver.dbapi()) is not None else {}),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "reset", _rollback_if_open)
        return engine
    # asyncpg's rollback on return costs nothing when no transaction is open (no round trip).
    # pre-ping: a connection the server dropped (a restart, an idle timeout) is replaced on
    # checkout instead of failing the update; the connect timeout turns a server that is down
    # into an error within seconds instead of a hang.
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"timeout": 10},
    )


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = create_engine(self.url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer and hands its lock out by polling with sleeps, unfairly: under
        # load some updates waited seconds (bench/registration.py). Nearly every unit of work
        # writes, so on SQLite they take turns here, first come first served. PostgreSQL needs
        # no such thing.
        self._turn = asyncio.Lock() if is_sqlite(self.url) else None
        self._holder: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends normally, rolled back otherwise.

        Units of work must not nest (never open a session while holding one): on SQLite the
        inner one would wait for the outer forever.
        """
        if self._turn is None:
            async with self._unit() as session:
                yield session
            return
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            raise RuntimeError("a unit of work was opened inside another one (SQLite would hang)")
        async with self._turn:
            self._holder = task
            try:
                async with self._unit() as session:
                    yield session
            finally:
                self._holder = None

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
