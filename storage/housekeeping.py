"""Processed update ids and the audit log."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, TextualSelect, bindparam, delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, ProcessedUpdate


async def claim(session: AsyncSession, update_id: int, now: dt.datetime) -> bool:
    """Mark the update as handled, as the first statement of its transaction; False when it was
    already (a redelivery: do nothing). One `INSERT … ON CONFLICT DO NOTHING RETURNING` in
    place of a look-up now and an INSERT at the end.

    Exactly once: the mark commits or rolls back with the update's effects, so a redelivery after
    the commit finds it and is ignored, and an update whose transaction rolled back is handled
    again. On PostgreSQL a redelivery arriving at another process while the first delivery is
    still running waits on the row's lock and then sees the conflict (or, if the first rolled
    back, takes its place).

    Why first and not last: on SQLite the INSERT takes the database's write lock for the rest of
    the transaction, read-only commands included. Every update wrote its mark before as well, so
    it is a write transaction anyway; within the process units of work already take turns
    (`storage.db.Database.session`), so holding the lock from the first statement delays no other
    update of this process, and WAL readers elsewhere are not blocked by it. Starting as a writer
    also means the transaction never has to upgrade from reader to writer, which SQLite refuses
    (SQLITE_BUSY_SNAPSHOT, no waiting) when another connection wrote in between. Only another
    process writing to the same file waits longer: the length of one handler, a few
    milliseconds. Marking last instead would run the handler of a redelivery for nothing and
    then have to roll it back."""
    parameters = {"update_id": update_id, "processed_at": now}
    return (await session.execute(_claim(), parameters)).first() is not None


@cache
def _claim() -> TextualSelect:
    """Built once, and written out: SQLAlchemy compiles a dialect's `insert(…).on_conflict_do_
    nothing()` anew on every execution (those classes keep no compiled form), for every update.
    A text statement with typed parameters is compiled once; both databases spell it alike."""
    table = cast(Table, ProcessedUpdate.__table__)
    return (
        text(
            "INSERT INTO processed_updates (update_id, processed_at) "
            "VALUES (:update_id, :processed_at) "
            "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
        )
        .bindparams(
            bindparam("update_id", type_=table.c.update_id.type),
            bindparam("processed_at", type_=table.c.processed_at.type),
        )
        .columns(table.c.update_id)
    )


async def prune_processed(session: AsyncSession, older_than: dt.datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def audit(
    session: AsyncSession,
    *,
    user_id: int | None,
    action: str,
    now: dt.datetime,
    **detail: Any,
) -> None:
    session.add(AuditEntry(user_id=user_id, action=action, detail=detail, created_at=now))
