"""Telegram's flood limits, kept on our side instead of learned from 429s.

Telegram allows 30 messages a second in all and about one a second per chat (short bursts are
fine); a paid broadcast (`allow_paid_broadcast`, 0.1 Stars a message) may send up to 1,000 a
second. Sending faster earns 429 answers with `retry_after`; retrying each message on its own
then starves the others and eventually drops some. So every send and edit first takes a token
from its chat's bucket and a slot of the overall window, and a 429 pauses all sending until it
expires.

The overall window wastes no slots and needs no safety margin: a slot is taken when a message
is about to go out and counts until its answer has come back (`Slot.sent`). Telegram counts a
message at some moment between the two, so "at most 30 whose answers came within the last
second, plus those in flight" can never be more than Telegram sees in any one of its seconds,
however the network jitters; the only slack is the time a request takes.

Slots go out by lane: replies to a person using the bot first, then what the bot sends on its
own (reminders, notices, a broadcast's progress), and broadcasts fill whatever is left.

The limits are the bot's, not a process's: among several processes of one bot the leader's
pacer is the bot's, and the others borrow a slot of it for each message (`borrow`, set by
bot.app from bot.leader) besides taking one of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum

EPSILON = 1e-9
TELEGRAM_PER_SECOND = 30
PAID_PER_SECOND = 1000


class Lane(IntEnum):
    """Who waits for the next free slot first: the lower, the sooner."""

    INTERACTIVE = 0  # a reply to someone who is using the bot right now
    NOTICE = 1  # the bot on its own: reminders, notices, a broadcast's progress and report
    BROADCAST = 2  # fills what the others leave


# The lane of whatever this task sends; bot.outbox sets it for replies, the broadcaster for its
# workers. Tasks inherit it from where they were created.
LANE: ContextVar[Lane] = ContextVar("lane", default=Lane.NOTICE)


@contextlib.contextmanager
def lane(which: Lane) -> Iterator[None]:
    token = LANE.set(which)
    try:
        yield
    finally:
        LANE.reset(token)


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


class Window:
    """At most `limit` messages in any `span` seconds: those in flight, and those whose answer
    came less than `span` ago. Waiters are served by lane, then first come, first served."""

    def __init__(self, limit: int, span: float = 1.0) -> None:
        self.limit, self.span = limit, span
        self.in_flight = 0
        self.answers: deque[float] = deque()  # when each answer came, oldest first
        self.waiters: list[tuple[Lane, int, asyncio.Future[None]]] = []
        self.changed = asyncio.Event()
        self.pump: asyncio.Task[None] | None = None
        # Broadcast messages go out at most one per span / limit (1/30 s). A place comes free a
        # second after the answer it replaces, so a broadcast sent as fast as places came would
        # repeat its first second's burst every second, and a reply arriving after the burst
        # would find every place taken until the next one (up to 0.4 s). Spread out, a place
        # comes free every 1/30 s, and a reply takes the next one.
        self.next_broadcast = 0.0

    def delay(self, now: float) -> float | None:
        """Seconds until a slot is free (0: now); None: only an answer can free one."""
        while self.answers and now - self.answers[0] >= self.span:
            self.answers.popleft()
        if self.in_flight + len(self.answers) < self.limit:
            return 0.0
        if not self.answers:
            return None
        return self.answers[0] + self.span - now

    def delay_for(self, lane: Lane, now: float) -> float | None:
        """`delay` for a message of `lane`: a broadcast's also waits for its turn."""
        delay = self.delay(now)
        if delay is None or lane < Lane.BROADCAST:
            return delay
        return max(delay, self.next_broadcast - now)

    def take(self, lane: Lane, now: float) -> None:
        self.in_flight += 1
        if lane >= Lane.BROADCAST:
            self.next_broadcast = now + self.span / self.limit

    def answered(self, now: float) -> None:
        self.in_flight -= 1
        self.answers.append(now)
        self.changed.set()

    def unused(self) -> None:
        self.in_flight -= 1
        self.changed.set()


class Slot:
    """One message's place in the overall window. The sender says `sent()` once Telegram has
    answered (or the call failed), or `unused()` if it did not send after all; a slot borrowed
    from the leader's pacer (bot.leader) is given back with it."""

    def __init__(self, window: Window | None, clock: Callable[[], float]) -> None:
        self._window, self._clock = window, clock
        self.give_back: Callable[[bool], None] | None = None

    def sent(self) -> None:
        if self._window is not None:
            self._window.answered(self._clock())
            self._window = None
        self._return(True)

    def unused(self) -> None:
        if self._window is not None:
            self._window.unused()
            self._window = None
        self._return(False)

    def _return(self, sent: bool) -> None:
        give_back, self.give_back = self.give_back, None
        if give_back is not None:
            give_back(sent)


class RateLimiter:
    MAX_CHATS = 10_000  # idle chat buckets are forgotten beyond this many

    def __init__(
        self,
        overall_per_second: int = TELEGRAM_PER_SECOND,
        paid_per_second: int = PAID_PER_SECOND,
        # A little under one a second: network jitter must not make two sends arrive too close.
        chat_per_second: float = 0.9,
        chat_burst: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        *,
        paced: bool = True,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._paced = paced
        self._free = Window(overall_per_second)
        self._paid = Window(paid_per_second)
        self._chat_rate, self._chat_burst = chat_per_second, chat_burst
        self._chats: dict[int, Bucket] = {}
        self._paused_until = 0.0
        self._order = itertools.count()
        # Set while this process is one of several of the bot and not their leader: each of
        # its messages also borrows a slot of the leader's pacer, which is the bot's (bot.leader).
        self.borrow: Callable[[Lane], Awaitable[Callable[[bool], None] | None]] | None = None

    @classmethod
    def unpaced(cls) -> RateLimiter:
        """No pacing, only the 429 pause: for simulated users who answer in microseconds (tests,
        benchmarks of the bot's own capacity), where pacing would be all that is measured."""
        return cls(paced=False)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before it has passed."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, chat_id: int, lane: Lane | None = None, paid: bool = False) -> Slot:
        """Wait for a slot; `chat_id` 0 is a call about no chat (command menus): only the
        overall limit applies, since there is no chat it could flood. `lane` defaults to the
        task's (LANE); `paid` messages use the paid broadcasts' limit instead of the free one."""
        lane = LANE.get() if lane is None else lane
        slot = Slot(None, self._clock)
        if self._paced:
            if chat_id != 0:
                bucket = self._chat(chat_id)
                while (delay := bucket.take(self._clock())) > 0:
                    await self._sleep(delay)
            window = self._paid if paid else self._free
            await self._enter(window, lane)
            slot = Slot(window, self._clock)
        try:
            await self._paused()
            if self.borrow is not None and self._paced and not paid:
                slot.give_back = await self.borrow(lane)
                await self._paused()  # a 429 may have come meanwhile
        except BaseException:
            slot.unused()
            raise
        return slot

    async def _paused(self) -> None:
        """Until a 429's pause has passed."""
        while (left := self._paused_until - self._clock()) > 0:
            await self._sleep(left)

    async def _enter(self, window: Window, lane: Lane) -> None:
        now = self._clock()
        if not window.waiters and window.delay_for(lane, now) == 0.0:
            window.take(lane, now)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(window.waiters, (lane, next(self._order), future))
        if window.pump is not None and not window.pump.done() and window.waiters[0][2] is future:
            # The pump may be sleeping until a broadcast's turn, later than the next free
            # place: it must look again for this better-placed waiter.
            window.pump.cancel()
        if window.pump is None or window.pump.done() or window.pump.cancelling():
            window.pump = asyncio.create_task(self._pump(window))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                window.unused()  # given the slot just as it was cancelled
            raise

    async def _pump(self, window: Window) -> None:
        """Hands out slots to the waiters, best lane first, as they come free."""
        while window.waiters:
            if window.waiters[0][2].done():  # its waiter was cancelled
                heapq.heappop(window.waiters)
                continue
            now = self._clock()
            delay = window.delay_for(window.waiters[0][0], now)
            if delay is None:
                window.changed.clear()
                await window.changed.wait()
            elif delay > 0:
                await self._sleep(delay)
            else:
                window.take(window.waiters[0][0], now)
                heapq.heappop(window.waiters)[2].set_result(None)

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
