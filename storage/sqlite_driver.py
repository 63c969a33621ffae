"""SQLite statements in one round trip to aiosqlite's thread instead of four.

SQLAlchemy's aiosqlite adapter runs every statement as four calls to the driver's thread (open a
cursor, execute, fetch all rows, close the cursor), each a queue hand-over and an event-loop
wake-up. Profiling an update (docs/performance.md, "Start-up and the cost of an update") showed
these hops as the largest database cost left once the statements per update were cut down. Here
the same four steps run as one function on that thread; what SQLAlchemy sees (description, rows,
rowcount, lastrowid, errors) is what its adapter would have produced.

It builds on the adapter's private classes; if a SQLAlchemy release moves them, `dbapi()`
returns None and the engine uses the stock adapter (slower, otherwise the same).
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[Any, list[Any], int | None, int]:
    """On the driver's thread: the statement and its rows, the cursor closed in any case."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        if description:
            return description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def dbapi() -> Any | None:
    """The DBAPI module to give `create_engine(module=...)`; None: use the stock one."""
    import aiosqlite

    try:
        from sqlalchemy.dialects.sqlite.aiosqlite import (
            AsyncAdapt_aiosqlite_connection,
            AsyncAdapt_aiosqlite_cursor,
            AsyncAdapt_aiosqlite_dbapi,
            AsyncAdapt_aiosqlite_ss_cursor,
        )
    except ImportError:  # pragma: no cover - a SQLAlchemy without them: the stock adapter
        return None
    # The one hop also needs aiosqlite's way onto its thread; an aiosqlite without it gets the
    # stock adapter too (tests/e2e/test_update_cost.py counts the hops, so this shows in CI).
    if not callable(getattr(aiosqlite.Connection, "_execute", None)):  # pragma: no cover
        return None

    class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
        __slots__ = ()

        def execute(self, operation: Any, parameters: Any = None) -> Any:
            driver = self._connection
            try:
                description, rows, lastrowid, rowcount = self.await_(
                    driver._execute(_run, driver._conn, operation, parameters)
                )
            except Exception as error:
                self._adapt_connection._handle_exception(error)
            self.description = description
            self._rows = deque(rows)
            self.lastrowid, self.rowcount = lastrowid, rowcount

    class OneHopConnection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ()

        def cursor(self, server_side: bool = False) -> Any:
            if server_side:
                return AsyncAdapt_aiosqlite_ss_cursor(self)
            return OneHopCursor(self)

    class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            adapted = super().connect(*arg, **kw)
            if type(adapted) is not AsyncAdapt_aiosqlite_connection:
                return adapted  # the sync fallback mode: leave it alone
            return OneHopConnection(self, adapted._connection)

    return OneHopDBAPI(aiosqlite, sqlite3)
