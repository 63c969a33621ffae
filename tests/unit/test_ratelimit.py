"""The send limiter, on a simulated clock: no one-second window ever exceeds Telegram's limits,
no slot is wasted, and replies go before notices before broadcasts."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.ratelimit import Bucket, Lane, RateLimiter


class SimClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


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


async def test_a_slot_taken_ahead_comes_early_but_sends_at_its_moment(clock: SimClock) -> None:
    """A broadcast claims its row between slot and request: taken ahead, the slot lets the
    claim happen while the old answer's second runs out, not on the slot's time."""
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    for chat in range(1, 31):
        await send(limiter, chat)
    slot = await limiter.acquire(99, ahead=0.05)
    assert clock.now == pytest.approx(start + 0.95)
    assert slot.not_before == pytest.approx(start + 1.0)
    await slot.ready()
    assert clock.now == pytest.approx(start + 1.0)


async def test_work_before_the_request_costs_no_slot_time_when_taken_ahead(
    clock: SimClock,
) -> None:
    async def run(ahead: float) -> list[float]:
        limiter = RateLimiter(clock=clock, sleep=clock.sleep)
        stamps = []
        for chat in range(1, 301):
            slot = await limiter.acquire(chat, ahead=ahead)
            clock.now += 0.02  # the claim: one transaction
            await slot.ready()
            stamps.append(clock.now)
            slot.sent()
        return stamps

    def cycles(stamps: list[float]) -> set[float]:
        """How long after the one 30 before each message went: a slot's round."""
        return {round(stamps[i] - stamps[i - 30], 6) for i in range(30, len(stamps))}

    stamps = await run(0.05)
    assert max_in_window(stamps) == 30
    assert cycles(stamps) == {1.0}  # each slot used again the moment its second has passed
    slow = await run(0.0)
    assert max_in_window(slow) == 30
    assert cycles(slow) == {1.02}  # the claim held the slot


async def test_a_slot_taken_ahead_and_given_back_keeps_the_old_answers_place(
    clock: SimClock,
) -> None:
    """Given back before its moment, the slot must not free a place that the answer it was to
    replace still holds: a send then would be the 31st in that answer's second."""
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    for chat in range(1, 31):
        await send(limiter, chat)
    slot = await limiter.acquire(99, ahead=0.05)
    slot.unused()  # another sender claimed the row
    await send(limiter, 100)
    assert clock.now == pytest.approx(start + 1.0)


async def test_a_reply_takes_the_place_of_a_broadcast_slot_taken_ahead(clock: SimClock) -> None:
    """Broadcast slots taken ahead must not make a reply wait behind their claims: the reply
    takes the earliest one's place, and that broadcast message queues again for the next."""
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    stamps = []
    for chat in range(1, 31):
        await send(limiter, chat)
        stamps.append(clock.now)
        clock.now += 0.01  # answers at +0.00 ... +0.29: one place frees every 10 ms
    clock.now = start + 0.95
    first = await limiter.acquire(100, Lane.BROADCAST, ahead=0.1)
    second = await limiter.acquire(101, Lane.BROADCAST, ahead=0.1)
    assert (first.not_before, second.not_before) == pytest.approx((start + 1.0, start + 1.01))
    reply = await limiter.acquire(102, Lane.INTERACTIVE)
    assert clock.now == pytest.approx(start + 1.0)  # the first broadcast slot's moment
    stamps.append(clock.now)
    reply.sent()
    await second.ready()
    assert clock.now == pytest.approx(start + 1.01)  # its place is its own
    stamps.append(clock.now)
    second.sent()
    await first.ready()
    assert clock.now == pytest.approx(start + 1.02)  # the next place that came free
    stamps.append(clock.now)
    first.sent()
    assert max_in_window(stamps) == 30


async def test_a_slot_taken_ahead_waits_out_a_429(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    slot = await limiter.acquire(1, ahead=0.05)
    start = clock.now
    limiter.pause(2.0)
    await slot.ready()
    assert clock.now == pytest.approx(start + 2.0)


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
