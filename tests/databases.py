"""Scratch PostgreSQL databases on a server, for tests and benchmarks alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from storage.db import normalise_url


def admin_dsn(server_url: str) -> str:
    """asyncpg DSN of the maintenance database on the same server."""
    parsed = make_url(normalise_url(server_url)).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


async def pg_execute(server_url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn(server_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def scratch_database(server_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server (a copy of `template` if given), dropped afterwards.

    Synchronous: callers run Alembic on it, and Alembic runs its own event loop.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(pg_execute(server_url, f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield (
            make_url(normalise_url(server_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        asyncio.run(pg_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
