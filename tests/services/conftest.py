"""Use cases tested directly: a real database (SQLite, and PostgreSQL where available, through
the `db` fixture), a unit of work per call, no Telegram and no Bot API stand-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import pytest

from core.tandems import TandemStatus
from services.errors import Stale
from services.unit import Actor, UnitOfWork
from storage.db import Database
from storage.models import Tandem
from tests.seeding import seed_participant, seed_program, seed_tandem

NOW = dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)
COORDINATOR = 9001

T = TypeVar("T")


@asynccontextmanager
async def unit(
    db: Database,
    user_id: int,
    *,
    coordinator: bool = False,
    scope: frozenset[int] | None = None,
    now: dt.datetime = NOW,
    configured: frozenset[int] = frozenset({COORDINATOR}),
) -> AsyncIterator[UnitOfWork]:
    """One transaction as one update would have it: committed when the block ends. The
    settings name one coordinator of all programs (`configured`), as a real installation does."""
    async with db.session() as session:
        yield UnitOfWork(
            session, now, Actor(user_id, None, coordinator, scope), configured=configured
        )


async def run(
    db: Database,
    user_id: int,
    use_case: Callable[[UnitOfWork], Awaitable[T]],
    **actor: object,
) -> T:
    async with unit(db, user_id, **actor) as uow:  # type: ignore[arg-type]
        return await use_case(uow)


async def answered_stale(
    db: Database, user_id: int, use_case: Callable[[UnitOfWork], Awaitable[object]]
) -> Stale:
    """The use case raises Stale, caught inside its unit of work as the router (handlers/
    router.py) answers it: what the use case did before raising (ending the dialog) commits."""
    async with unit(db, user_id) as uow:
        with pytest.raises(Stale) as raised:
            await use_case(uow)
    return raised.value


async def dissolve(db: Database, tandem_id: int) -> None:
    """The tandem ends behind an open dialog's back (a coordinator's dissolve, in short)."""
    async with db.session() as session:
        tandem = await session.get(Tandem, tandem_id)
        assert tandem is not None
        tandem.status = TandemStatus.DISSOLVED


@dataclass(frozen=True)
class Pair:
    program_id: int
    tandem_id: int
    mentor: int  # user ids
    mentee: int


async def seed_pair(
    db: Database, *, program_id: int | None = None, base: int = 2000, introduced: bool = True
) -> Pair:
    """An active tandem of a mentor (user `base`) and a mentee (`base + 1`)."""
    if program_id is None:
        program_id = await seed_program(db, NOW)
    mentor = await seed_participant(
        db, program_id, base, "Maria <b>Mentor</b> & Co", NOW, role="mentor", company="Alstom"
    )
    mentee = await seed_participant(
        db, program_id, base + 1, "Emil Mentee", NOW, role="mentee", company="WIS"
    )
    tandem_id = await seed_tandem(db, program_id, mentor, mentee, NOW, introduced=introduced)
    return Pair(program_id, tandem_id, base, base + 1)
