"""The send limiter, on a simulated clock: no one-second window ever exceeds Telegram's limits."""

from __future__ import annotations

import itertools

import pytest

from bot.ratelimit import Bucket, RateLimiter


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


async def test_overall_limit_holds_in_every_second(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    stamps = []
    for chat in range(200):  # 200 different chats: only the overall limit applies
        await limiter.acquire(chat)
        stamps.append(clock.now)
    assert max_in_window(stamps) <= 29
    assert stamps[-1] - stamps[0] == pytest.approx((200 - 4) / 25.0, rel=0.01)


async def test_one_chat_is_paced_after_a_short_burst(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(10):
        await limiter.acquire(42)
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
        await limiter.acquire(0)
        stamps.append(clock.now)
    assert stamps[:4] == [stamps[0]] * 4  # the overall burst
    assert stamps[-1] - stamps[0] == pytest.approx(4 / 25.0)


async def test_a_429_pauses_everybody(clock: SimClock) -> None:
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    limiter.pause(5.0)
    await limiter.acquire(1)
    await limiter.acquire(2)
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
