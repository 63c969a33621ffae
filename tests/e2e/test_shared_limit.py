"""Several processes of one bot share Telegram's limit for the bot: a follower's messages
borrow their slots from the leader's pacer (bot.leader), so that together they stay within it
and a reply on one process still goes before a broadcast on another. PostgreSQL only (the
leader is a PostgreSQL advisory lock, the requests go by NOTIFY)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot import leader as leader_module
from bot.leader import LOCK_KEY, Leadership
from bot.ratelimit import Lane, RateLimiter
from storage.db import Database


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


async def nothing() -> None:
    return None


async def ignore(_: str) -> None:
    return None


@asynccontextmanager
async def process(database_url: str, limiter: RateLimiter) -> AsyncIterator[Leadership]:
    """What bot.app wires up for one process: its leadership, lending from its pacer."""
    db = Database(database_url)
    leadership = Leadership(
        db,
        on_elected=nothing,
        on_deposed=nothing,
        on_notice=ignore,
        retry_seconds=0.1,
        limiter=limiter,
    )
    limiter.borrow = leadership.borrow
    await leadership.start()
    try:
        yield leadership
    finally:
        await leadership.stop()
        await db.dispose()


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes of one bot need PostgreSQL")
    return database_url


async def test_a_followers_message_waits_for_a_slot_of_the_leaders_pacer(
    postgres_url: str,
) -> None:
    bots_limiter = RateLimiter(overall_per_second=1)  # the bot's limit: one at a time
    own_limiter = RateLimiter()
    async with process(postgres_url, bots_limiter) as leader:
        await until(lambda: leader.is_leader)
        async with process(postgres_url, own_limiter) as follower:
            await until(lambda: follower._hears_grants)
            assert not follower.is_leader
            broadcast = await bots_limiter.acquire(0, Lane.BROADCAST)  # in flight at the leader
            reply = asyncio.create_task(own_limiter.acquire(5, Lane.INTERACTIVE))
            await asyncio.sleep(0.5)  # many NOTIFY round trips
            assert not reply.done(), "the bot's only slot is in flight in the other process"
            broadcast.unused()
            slot = await asyncio.wait_for(reply, 5)
            assert bots_limiter._free.in_flight == 1  # lent to the follower
            slot.sent()
            await until(lambda: bots_limiter._free.in_flight == 0)
            assert len(bots_limiter._free.answers) == 1  # its second counts at the leader


async def test_a_reply_on_a_follower_goes_before_the_leaders_broadcast(postgres_url: str) -> None:
    bots_limiter = RateLimiter(overall_per_second=1)
    own_limiter = RateLimiter()
    async with process(postgres_url, bots_limiter) as leader:
        await until(lambda: leader.is_leader)
        async with process(postgres_url, own_limiter) as follower:
            await until(lambda: follower._hears_grants)
            busy = await bots_limiter.acquire(0, Lane.BROADCAST)
            order: list[str] = []

            async def send(name: str, limiter: RateLimiter, chat: int, lane: Lane) -> None:
                slot = await limiter.acquire(chat, lane)
                order.append(name)
                slot.unused()

            broadcast = asyncio.create_task(send("broadcast", bots_limiter, 7, Lane.BROADCAST))
            await until(lambda: bots_limiter._free.waiters)
            reply = asyncio.create_task(send("reply", own_limiter, 8, Lane.INTERACTIVE))
            await until(lambda: len(bots_limiter._free.waiters) == 2)  # the follower's request
            busy.unused()
            await asyncio.wait_for(asyncio.gather(broadcast, reply), 5)
            assert order == ["reply", "broadcast"]


async def test_without_a_leader_answering_a_follower_sends_on_its_own_pacer(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between a leader's death and the next election nobody lends: the follower must not wait
    for ever."""
    monkeypatch.setattr(leader_module, "GRANT_TIMEOUT", 0.3)
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    holder = await asyncpg.connect(dsn)  # holds the lock, as a leader that hears nothing
    try:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        own_limiter = RateLimiter()
        async with process(postgres_url, own_limiter) as follower:
            await until(lambda: follower._hears_grants)
            slot = await asyncio.wait_for(own_limiter.acquire(5, Lane.INTERACTIVE), 5)
            slot.sent()
            assert not follower.is_leader
    finally:
        await holder.close()
