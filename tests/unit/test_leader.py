"""Notifications from followers to the leader stay within PostgreSQL's payload limit."""

from __future__ import annotations

import asyncio

from bot.leader import MAX_PAYLOAD, Leadership, chunks
from bot.ratelimit import Lane, RateLimiter
from storage.db import Database


def test_ids_are_split_into_payloads_within_the_limit() -> None:
    ids = list(range(1_000_000, 1_005_000))
    payloads = chunks("r", ids)
    assert len(payloads) > 1
    assert all(len(p.encode()) <= MAX_PAYLOAD and p.startswith("r:") for p in payloads)
    assert [int(i) for p in payloads for i in p[2:].split(",")] == ids


def test_few_ids_one_payload() -> None:
    assert chunks("r", [7, 8, 9]) == ["r:7,8,9"]
    assert chunks("r", []) == []


async def test_slots_lent_when_leadership_ends_count_as_answered() -> None:
    """The pacer is the process's own and goes on after its term: a slot lent to a follower and
    not given back must free its place like an answered one, not keep it for good."""
    now = [100.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def nothing(*_: object) -> None:
        return None

    limiter = RateLimiter(overall_per_second=2, clock=lambda: now[0], sleep=sleep)
    leadership = Leadership(
        Database("sqlite+aiosqlite:///:memory:"),
        on_elected=nothing,
        on_deposed=nothing,
        on_notice=nothing,
        limiter=limiter,
    )
    for key in ("f:1", "f:2"):  # both places of the window lent, as _lend does
        leadership._lent[key] = await limiter.acquire(0, Lane.INTERACTIVE)
    leadership._stop_lending()
    assert leadership._lent == {}
    slot = await asyncio.wait_for(limiter.acquire(0, Lane.INTERACTIVE), timeout=5)
    assert now[0] == 101.0  # a second after the lent ones counted as answered
    slot.sent()
