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
however the network jitters; the only slack is the time a request takes. What a sender does
between taking its slot and making the request (a broadcast claims its row in the database)
would add to that slack, so such a sender may take its slot up to `ahead` seconds before the
slot comes free and does that work meanwhile: `Slot.ready` then waits for the moment itself, so
the request still goes out only once the second of the answer it replaces has passed.

Slots go out by lane: replies to a person using the bot first, then what the bot sends on its
own (reminders, notices, a broadcast's progress), and broadcasts fill whatever is left.

The limits are the bot's, not a process's: among several processes of one bot the leader's
pacer is the bot's, and the others borrow a slot of it for each message (`borrow`, set by
bot.app from bot.leader) besides taking one of their own.
"""

from __future__ import annotations

import asyncio
import bisect
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
        self.in_flight = 0  # slots handed out and not yet answered or given back
        self.answers: deque[float] = deque()  # when each answer came, oldest first
        self.waiters: list[tuple[Lane, int, asyncio.Future[None], Slot]] = []
        # Slots taken ahead whose moment has not come: a better lane may take their place.
        self.reserved: list[Slot] = []
        self.changed = asyncio.Event()
        self.pump: asyncio.Task[None] | None = None

    def delay(self, now: float) -> float | None:
        """Seconds until a slot is free (0: now); None: only an answer can free one."""
        while self.answers and now - self.answers[0] >= self.span:
            self.answers.popleft()
        if self.in_flight + len(self.answers) < self.limit:
            return 0.0
        if not self.answers:
            return None
        return self.answers[0] + self.span - now

    def take(self, slot: Slot, now: float) -> None:
        """Give `slot` a place (after `delay` said one is free within its reach): now, or the
        place of the oldest answer, from the moment that answer's second has passed."""
        free = self.in_flight + len(self.answers) < self.limit
        self.in_flight += 1
        slot.not_before = now if free else self.answers.popleft() + self.span
        slot.holding = True
        if slot.not_before > now:
            self.reserved.append(slot)

    def hand_over(self, slot: Slot, now: float) -> bool:
        """Give `slot` the place of the earliest slot taken ahead by a worse lane, whose moment
        has not come (that one queues again): a reply never waits behind a broadcast's claim."""
        victims = [r for r in self.reserved if r.lane > slot.lane and r.not_before > now]
        if not victims:
            return False
        victim = min(victims, key=lambda r: r.not_before)
        self.reserved.remove(victim)
        victim.holding, victim.bumped = False, True
        slot.not_before, slot.holding = victim.not_before, True
        return True

    def started(self, slot: Slot) -> None:
        if slot in self.reserved:
            self.reserved.remove(slot)

    def answered(self, now: float) -> None:
        self.in_flight -= 1
        self.answers.append(now)
        self.changed.set()

    def unused(self, slot: Slot, now: float) -> None:
        """A slot given back without sending. Taken ahead of its moment, it hands back the
        place of the answer it was to replace, which counts until then."""
        self.started(slot)
        self.in_flight -= 1
        if slot.not_before > now:
            bisect.insort(self.answers, slot.not_before - self.span)
        self.changed.set()


class Slot:
    """One message's place in the overall window. The sender waits for `ready()` before its
    request (the slot may have been taken ahead of its moment), then says `sent()` once Telegram
    has answered (or the call failed), or `unused()` if it did not send after all."""

    def __init__(self, limiter: RateLimiter, window: Window | None, lane: Lane, order: int) -> None:
        self._limiter, self._window = limiter, window
        self.lane, self.order = lane, order
        self.not_before = 0.0
        self.holding = False  # has a place in the window
        self.bumped = False  # its place went to a better lane before its moment
        self.ahead = 0.0  # how long before its moment it may have its place
        self.borrowed = False  # asked the leader's pacer too (bot.leader), if this process follows
        self._give_back: Callable[[bool], None] | None = None

    async def ready(self) -> None:
        """Return once the message may go out: its slot's moment has come and no 429 pause
        is running. A slot whose place a better lane took queues again, now without reach."""
        limiter = self._limiter
        while True:
            if self.bumped and self._window is not None:
                self.bumped = False
                await limiter._enter(self._window, self, 0.0)
            left = max(self.not_before, limiter._paused_until) - limiter._clock()
            if left <= 0 and not self.bumped:
                borrow = limiter.borrow
                if borrow is not None and self._window is limiter._free and not self.borrowed:
                    self.borrowed = True
                    self._give_back = await borrow(self.lane)
                    continue  # a 429 may have come meanwhile
                if self._window is not None:
                    self._window.started(self)
                return
            if left > 0:
                await limiter._sleep(left)

    def sent(self) -> None:
        if self._window is not None and self.holding:
            self._window.answered(self._limiter._clock())
        self._window, self.holding = None, False
        self._return(True)

    def unused(self) -> None:
        if self._window is not None and self.holding:
            self._window.unused(self, self._limiter._clock())
        self._window, self.holding = None, False
        self._return(False)

    def _return(self, sent: bool) -> None:
        give_back, self._give_back = self._give_back, None
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

    async def acquire(
        self, chat_id: int, lane: Lane | None = None, paid: bool = False, ahead: float = 0.0
    ) -> Slot:
        """Wait for a slot; `chat_id` 0 is a call about no chat (command menus): only the
        overall limit applies, since there is no chat it could flood. `lane` defaults to the
        task's (LANE); `paid` messages use the paid broadcasts' limit instead of the free one.
        `ahead`: the slot may come up to that many seconds before its moment, for a sender with
        work to do before its request; it must then await `Slot.ready()` before sending."""
        lane = LANE.get() if lane is None else lane
        if not self._paced:
            slot = Slot(self, None, lane, 0)
        else:
            if chat_id != 0:
                bucket = self._chat(chat_id)
                while (delay := bucket.take(self._clock())) > 0:
                    await self._sleep(delay)
            window = self._paid if paid else self._free
            slot = Slot(self, window, lane, next(self._order))
            await self._enter(window, slot, ahead)
        if ahead <= 0:
            try:
                await slot.ready()
            except BaseException:
                slot.unused()
                raise
        return slot

    async def _enter(self, window: Window, slot: Slot, ahead: float) -> None:
        """Until `slot` has a place in `window`, at most `ahead` seconds before its moment."""
        now = self._clock()
        if not window.waiters or window.waiters[0][0] > slot.lane:
            delay = window.delay(now)  # a better lane than any waiter's
            if delay is not None and delay <= ahead:
                window.take(slot, now)
                return
            if window.hand_over(slot, now):
                return
        slot.ahead = ahead
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(window.waiters, (slot.lane, slot.order, future, slot))
        if window.pump is None or window.pump.done():
            window.pump = asyncio.create_task(self._pump(window))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # given the slot just as it was cancelled
                slot.unused()
            raise

    async def _pump(self, window: Window) -> None:
        """Hands out slots to the waiters, best lane first, as they come free (or as they come
        within the reach of a waiter that takes its slot ahead)."""
        while window.waiters:
            _, _, future, slot = window.waiters[0]
            if future.done():  # its waiter was cancelled
                heapq.heappop(window.waiters)
                continue
            now = self._clock()
            delay = window.delay(now)
            if delay is not None and delay <= slot.ahead:
                window.take(slot, now)
            elif not window.hand_over(slot, now):
                if delay is None:
                    window.changed.clear()
                    await window.changed.wait()
                else:
                    await self._sleep(delay - slot.ahead)
                continue
            heapq.heappop(window.waiters)
            future.set_result(None)

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
