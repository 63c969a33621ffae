"""What every update costs before its handler runs, end to end through the real middleware: a
known user whose names did not change is not written to (on SQLite any UPDATE takes the write
lock, even for /help), a change Telegram tells of is, and the role is read in one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.app import AnyApplication
from fake_bot_api import FakeBotApi, FakeUser
from storage import users
from storage.db import Database
from storage.models import User
from tests.e2e.harness import expect
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine runs meanwhile (the bot's own engine included)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def test_an_unchanged_user_is_not_written_to_and_a_change_is(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    with statements() as seen:
        await pair.mentee.send("/help")
        expect(await pair.mentee.next_message(), "/tandem")
        await api.wait_idle()
    assert [s for s in seen if s.startswith("UPDATE users")] == []
    assert len([s for s in seen if "FROM coordinators" in s]) == 1

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
