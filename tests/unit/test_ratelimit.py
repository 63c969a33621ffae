"""The send limiter, on a simulated clock: no one-second window ever exceeds Telegram's limits,
no slot is wasted, and replies go before notices before broadcasts."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable

import pytest

from bot.ratelimit import Bucket, Lane, RateLimiter, Window


class SimClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # A real sleep always lets some time pass; one shorter than the float's resolution at
        # this clock's value would leave `now` where it was, and its caller looping forever.
        self.now += max(seconds, 1e-9)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


def max_in_window(stamps: list[float], window: float = 1.0) -> int:
    return max(sum(1 for t in stamps if start <= t < start + window) for start in stamps)


def test_bucket_gives_its_burst_then_refills_at_its_rate() -> None:
    bucket = Bucket(rate=2.0, capacity=3.0, tokens=3.0, stamp=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.5) == 0.0
    assert bucket.take(10.0) == 0.0  # refills, but never above capacity
    assert bucket.tokens == pytest.approx(2.0)


async def send(limiter: RateLimiter, chat: int, **kwargs: object) -> None:
    """Take a slot and have the answer at once."""
    (await limiter.acquire(chat, **kwargs)).sent()  # type: ignore[arg-type]


async def test_overall_limit_is_used_to_the_last_slot(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    stamps = []
    for chat in range(1, 301):  # 300 different chats: only the overall limit applies
        await send(limiter, chat)
        stamps.append(clock.now)
    assert max_in_window(stamps) == 30  # Telegram's limit, no margin
    assert stamps[-1] - stamps[0] == pytest.approx(9.0)  # 300 in ten seconds: 30 a second


async def test_a_slot_counts_until_its_answer(clock: SimClock) -> None:
    """Telegram counts a message somewhere between request and answer: the slot is reused one
    second after the answer, so a slow answer can never let 31 land in one of its seconds."""
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    slots = [await limiter.acquire(chat) for chat in range(1, 31)]
    start = clock.now
    clock.now += 0.25  # the answers take a quarter of a second
    for slot in slots:
        slot.sent()
    await send(limiter, 99)
    assert clock.now == pytest.approx(start + 1.25)


async def test_a_slot_not_used_is_given_back(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    slots = [await limiter.acquire(chat) for chat in range(1, 31)]
    slots[0].unused()  # e.g. another sender claimed the row
    start = clock.now
    await send(limiter, 99)
    assert clock.now == start


async def test_a_follower_borrows_each_slot_from_the_leaders_pacer_and_gives_it_back(
    clock: SimClock,
) -> None:
    """The limits are the bot's: a follower's message also waits for the leader's grant, asked
    in the message's lane, and says how it ended; paid broadcasts (only the leader sends them)
    borrow nothing."""
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    asked: list[Lane] = []
    returned: list[bool] = []

    async def borrow(lane: Lane) -> Callable[[bool], None] | None:
        asked.append(lane)
        clock.now += 0.02  # the grant's round trip
        if len(asked) == 2:
            limiter.pause(0.5)  # a 429 came while the second waited for its grant
        return returned.append

    limiter.borrow = borrow
    first = await limiter.acquire(1, Lane.INTERACTIVE)
    first.sent()
    start = clock.now
    second = await limiter.acquire(2, Lane.NOTICE)
    assert clock.now == pytest.approx(start + 0.02 + 0.5)  # waited out the 429 after the grant
    second.unused()
    paid = await limiter.acquire(3, Lane.BROADCAST, paid=True)
    paid.sent()
    assert asked == [Lane.INTERACTIVE, Lane.NOTICE]
    assert returned == [True, False]


class VirtualTime:
    """A simulated clock whose sleepers wake in the order of their moments, for senders that
    run side by side (SimClock's sleep moves the clock for everybody at once)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        moment = self.now + max(seconds, 1e-9)
        heapq.heappush(self._sleepers, (moment, next(self._order), future))
        await future

    async def run_until(self, end: float) -> None:
        """Let everybody run until they all sleep, wake the earliest sleeper; until `end`."""
        while True:
            for _ in range(50):
                await asyncio.sleep(0)
            while self._sleepers and self._sleepers[0][2].done():  # cancelled
                heapq.heappop(self._sleepers)
            if not self._sleepers or self._sleepers[0][0] > end:
                self.now = end
                return
            moment, _, future = heapq.heappop(self._sleepers)
            self.now = moment
            future.set_result(None)


@pytest.mark.parametrize("spread", [True, False])
async def test_a_reply_during_a_broadcast_waits_no_longer_than_the_next_turn(
    spread: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A place comes free a second after the answer it replaces, so a broadcast sent as fast as
    places came repeats its first second's burst every second, and a reply arriving after the
    burst waits for the next one (here about 0.6 s). Spread out, one broadcast message per
    1/30 s, a reply waits for the next place at most, and the broadcast keeps the whole limit.
    Without the spreading (`spread=False`) the same run must show the long wait, or this test
    would prove nothing."""
    if not spread:
        monkeypatch.setattr(Window, "delay_for", lambda self, lane, now: self.delay(now))
    clock = VirtualTime()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    end, answer_takes, claim_takes = clock.now + 4.0, 0.01, 0.005
    chats = itertools.count(1)
    stamps: list[float] = []
    waits: list[float] = []

    async def worker() -> None:  # bot.broadcaster's: slot, claim the row, send
        while True:
            slot = await limiter.acquire(next(chats), Lane.BROADCAST)
            await clock.sleep(claim_takes)
            stamps.append(clock.now)
            await clock.sleep(answer_takes)
            slot.sent()

    async def someone() -> None:  # sends /help now and then
        while True:
            await clock.sleep(0.37)
            asked = clock.now
            slot = await limiter.acquire(next(chats), Lane.INTERACTIVE)
            waits.append(clock.now - asked)
            stamps.append(clock.now)
            await clock.sleep(answer_takes)
            slot.sent()

    tasks = [asyncio.create_task(worker()) for _ in range(8)]
    tasks.append(asyncio.create_task(someone()))
    await clock.run_until(end)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert max_in_window(stamps) <= 30
    if not spread:
        assert max(waits) > 0.2
        return
    assert len(waits) == 10
    assert max(waits) <= 1 / 30 + answer_takes + claim_takes + 1e-6
    # Each place is used again once the answer it replaces is a second old: about 30 per
    # 1.015 s (claim and answer) after the first second.
    assert len(stamps) >= 30 + 3 * 30 / 1.015 - 3


async def test_a_reply_does_not_wait_for_a_broadcasts_turn() -> None:
    """The pump may sleep until a waiting broadcast's turn, which may come after the next free
    place: a reply that queues meanwhile is served at that place, not at the broadcast's turn."""
    clock = VirtualTime()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    for chat in range(1, 31):  # answers at +0.00 ... +0.29: one place frees every 10 ms
        await send(limiter, chat)
        clock.now += 0.01
    clock.now = start + 1.0
    await send(limiter, 100, lane=Lane.BROADCAST)  # the broadcast's next turn: +1.0 + 1/30
    sent: dict[str, float] = {}

    async def wait(name: str, chat: int, lane: Lane) -> None:
        slot = await limiter.acquire(chat, lane)
        sent[name] = clock.now
        slot.sent()

    broadcast = asyncio.create_task(wait("broadcast", 101, Lane.BROADCAST))
    await asyncio.sleep(0)  # queued; the pump sleeps until the broadcast's turn
    reply = asyncio.create_task(wait("reply", 102, Lane.INTERACTIVE))
    await clock.run_until(start + 2.0)
    await asyncio.gather(broadcast, reply)
    assert sent == pytest.approx({"reply": start + 1.01, "broadcast": start + 1 + 1 / 30})


async def test_replies_go_first_then_notices_then_broadcasts(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    busy = [await limiter.acquire(chat, Lane.BROADCAST) for chat in range(1, 31)]
    order: list[str] = []

    async def wait(name: str, chat: int, lane: Lane) -> None:
        slot = await limiter.acquire(chat, lane)
        order.append(name)
        slot.sent()

    waiting = [
        asyncio.create_task(wait("broadcast", 100, Lane.BROADCAST)),
        asyncio.create_task(wait("broadcast 2", 101, Lane.BROADCAST)),
        asyncio.create_task(wait("notice", 102, Lane.NOTICE)),
        asyncio.create_task(wait("reply", 103, Lane.INTERACTIVE)),
    ]
    await asyncio.sleep(0)
    assert order == []  # all 30 slots are in flight
    for slot in busy:
        slot.sent()
    await asyncio.gather(*waiting)
    assert order == ["reply", "notice", "broadcast", "broadcast 2"]


async def test_paid_broadcasts_have_their_own_higher_limit(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    free = [await limiter.acquire(chat) for chat in range(1, 31)]  # the free 30 are in flight
    start = clock.now
    for chat in range(1000, 3000):
        await send(limiter, chat, paid=True)
    assert clock.now == pytest.approx(start + 1.0)  # 2,000 in a second and a bit: 1,000 a second
    for slot in free:
        slot.sent()


async def test_one_chat_is_paced_after_a_short_burst(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(10):
        await send(limiter, 42)
        stamps.append(clock.now)
    assert stamps[:3] == [stamps[0]] * 3  # the burst goes out at once
    gaps = [b - a for a, b in itertools.pairwise(stamps[3:])]
    assert all(gap == pytest.approx(1 / 0.9) for gap in gaps)


async def test_calls_about_no_chat_are_paced_only_overall(clock: SimClock) -> None:
    """Six command menus at start-up (three scopes, two languages) went out at the pace of one
    chat, three seconds of every start; they are no chat's messages."""
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(8):
        await send(limiter, 0)
        stamps.append(clock.now)
    assert stamps == [stamps[0]] * 8


async def test_unpaced_only_waits_out_a_429(clock: SimClock) -> None:
    limiter = RateLimiter.unpaced()
    for chat in range(1000):
        await limiter.acquire(chat % 3)  # never waits, and its slots need no answer
    limiter._clock = clock
    limiter._sleep = clock.sleep
    start = clock.now
    limiter.pause(2.0)
    await limiter.acquire(1)
    assert clock.now == pytest.approx(start + 2.0)


async def test_a_429_pauses_everybody(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    limiter.pause(5.0)
    await send(limiter, 1)
    await send(limiter, 2)
    assert clock.now == pytest.approx(start + 5.0)


def test_idle_chat_buckets_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    sim = SimClock()
    limiter = RateLimiter(clock=sim)
    monkeypatch.setattr(RateLimiter, "MAX_CHATS", 10)
    for chat in range(10):
        limiter._chat(chat)
    sim.now += 60
    limiter._chat(99)
    assert set(limiter._chats) == {99}
