"""Telegram's flood limits, kept on our side instead of learned from 429s.

Telegram allows about 30 messages a second in all and about one a second per chat (short bursts
are fine). Sending faster earns 429 answers with `retry_after`; retrying each message on its own
then starves the others and eventually drops some (bench/registration.py --flood-control saw 38
lost messages for 50 simultaneous registrations). So every send and edit first takes a token
from a shared bucket and from its chat's bucket, and a 429 pauses all sending until it expires.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

EPSILON = 1e-9


@dataclass
class Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take a token if there is one (returns 0), else the seconds until there will be."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0 - EPSILON:  # float refills land a hair below 1.0
            self.tokens = max(0.0, self.tokens - 1.0)
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    MAX_CHATS = 10_000  # idle chat buckets are forgotten beyond this many

    def __init__(
        self,
        overall_per_second: float = 25.0,
        overall_burst: float = 4.0,
        # A little under one a second: network jitter must not make two sends arrive too close.
        chat_per_second: float = 0.9,
        chat_burst: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        # Any one-second window sees at most burst + rate sends: 29, under Telegram's 30.
        self._overall = Bucket(overall_per_second, overall_burst, overall_burst, clock())
        self._chat_rate, self._chat_burst = chat_per_second, chat_burst
        self._chats: dict[int, Bucket] = {}
        self._paused_until = 0.0
        # Waiters for the shared bucket queue up first come, first served (asyncio.Lock is FIFO).
        self._queue = asyncio.Lock()

    @classmethod
    def unpaced(cls) -> RateLimiter:
        """No pacing, only the 429 pause: for simulated users who answer in microseconds (tests,
        benchmarks of the bot's own capacity), where pacing would be all that is measured."""
        return cls(overall_per_second=1e6, overall_burst=1e6, chat_per_second=1e6, chat_burst=1e6)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before it has passed."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Wait for a token; `chat_id` 0 is a call about no chat (command menus): only the
        overall limit applies, since there is no chat it could flood."""
        if chat_id != 0:
            await self._wait(self._chat(chat_id))
        async with self._queue:
            await self._wait(self._overall)
        while (left := self._paused_until - self._clock()) > 0:
            await self._sleep(left)

    async def _wait(self, bucket: Bucket) -> None:
        # Single-threaded asyncio: take() runs without interruption, so no lock is needed.
        while (delay := bucket.take(self._clock())) > 0:
            await self._sleep(delay)

    def _chat(self, chat_id: int) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= self.MAX_CHATS:
                now = self._clock()
                full = self._chat_burst / self._chat_rate
                self._chats = {k: b for k, b in self._chats.items() if now - b.stamp < full}
            bucket = Bucket(self._chat_rate, self._chat_burst, self._chat_burst, self._clock())
            self._chats[chat_id] = bucket
        return bucket
