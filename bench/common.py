"""Building blocks for benchmarks: fresh databases, the bot on the stand-in, timing, tables.

Everything here is scenario-independent so that later benchmarks (matching, reminders, profile
edits) reuse it: a scenario opens a database with :func:`fresh_database`, starts the stand-in and
the real Application with :func:`bench_world`, wraps every user action in :func:`timed_action` (or
:func:`timed_send` / :func:`timed_press`), and prints :class:`RunResult` rows with
:func:`results_table`.
"""

from __future__ import annotations

import cProfile
import io
import logging
import math
import os
import pstats
import re
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from bot.app import AnyApplication, build_application, running
from bot.logs import install_filter
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import migrate
from tests.databases import scratch_database
from tests.e2e.harness import COORDINATOR_ID, TOKEN, make_settings

T = TypeVar("T")

Backend = Literal["sqlite", "postgres"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgres")
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_CONCURRENCY = 64  # bot.app.build_application's default, i.e. what production runs


def postgres_server_url() -> str:
    """Where the PostgreSQL server is; only its host/credentials are used, never its database."""
    return (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or DEFAULT_POSTGRES_URL
    )


# --- databases --------------------------------------------------------------------------------


@contextmanager
def fresh_database(backend: Backend, postgres_url: str | None = None) -> Iterator[str]:
    """An empty database migrated to head; removed afterwards. Yields its SQLAlchemy URL.

    Synchronous on purpose (like tests/conftest.py): Alembic runs its own event loop, so call it
    outside ``asyncio.run``. SQLite: a new file in a temporary directory. PostgreSQL: a new
    database ``tandem_bench_<random>`` on the server of ``postgres_url``, dropped WITH (FORCE).
    """
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tandem-bench-") as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
            migrate.upgrade(url)
            yield url
        return
    with scratch_database(postgres_url or postgres_server_url(), "tandem_bench") as url:
        migrate.upgrade(url)
        yield url


# --- the bot on the stand-in --------------------------------------------------------------------


@dataclass
class BenchWorld:
    api: FakeBotApi
    settings: Settings
    app: AnyApplication
    coordinator: FakeUser


@asynccontextmanager
async def bench_world(
    database_url: str,
    *,
    max_concurrent_updates: int = DEFAULT_CONCURRENCY,
    flood_control: bool = False,
    **settings_overrides: Any,
) -> AsyncIterator[BenchWorld]:
    """The stand-in and the real Application on this event loop, plus one coordinator.

    Same wiring as the end-to-end tests (``tests.e2e.harness.bot_running``) except that the
    Application's ``max_concurrent_updates`` is a parameter. Without ``flood_control`` sends are
    not paced (this measures the bot's capacity); with it, the stand-in enforces Telegram's
    limits and the bot runs its production pacing.
    """
    async with FakeBotApi(
        token=TOKEN, bot_username="TandemBenchBot", flood_control=flood_control
    ) as api:
        coordinator = api.add_user(
            COORDINATOR_ID, "Juliane", "Stockhammer", username="jstockhammer"
        )
        settings = make_settings(api, database_url, **settings_overrides)
        app = build_application(
            settings,
            max_concurrent_updates=max_concurrent_updates,
            limiter=RateLimiter() if flood_control else RateLimiter.unpaced(),
        )
        async with running(app, settings, poll_timeout=1) as started:
            yield BenchWorld(api, settings, started, coordinator)


def failed_calls(api: FakeBotApi) -> list[str]:
    """Bot API calls the stand-in refused (a strict stand-in: any of them is a bot bug)."""
    return [
        f"{call.method} -> {call.status}: {call.response.get('description', '')}"
        for call in api.calls
        if call.status != 200
    ]


# --- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatencySummary:
    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> LatencySummary:
        values = sorted(seconds)
        if not values:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        return cls(
            len(values),
            percentile(values, 50),
            percentile(values, 95),
            percentile(values, 99),
            values[-1],
        )


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (a value that was really observed) of already sorted values."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class LatencyRecorder:
    """Collects (step label, seconds) samples from any number of concurrent users."""

    samples: list[tuple[str, float]] = field(default_factory=list)

    def add(self, label: str, seconds: float) -> None:
        self.samples.append((label, seconds))

    def __len__(self) -> int:
        return len(self.samples)

    def summary(self) -> LatencySummary:
        return LatencySummary.of([seconds for _, seconds in self.samples])

    def by_label(self) -> dict[str, LatencySummary]:
        grouped: dict[str, list[float]] = {}
        for label, seconds in self.samples:
            grouped.setdefault(label, []).append(seconds)
        return {label: LatencySummary.of(values) for label, values in grouped.items()}


async def timed_action(
    recorder: LatencyRecorder,
    label: str,
    act: Callable[[], Awaitable[object]],
    response: Callable[[], Awaitable[T]],
) -> T:
    """Run ``act`` (a send or a press), then wait for ``response``; record the time for both.

    The clock starts before the update is handed to the stand-in and stops when the awaited
    answer is visible to the user, so it covers polling, the handler, the database and the
    bot's HTTP calls back to the stand-in.
    """
    start = time.perf_counter()
    await act()
    result = await response()
    recorder.add(label, time.perf_counter() - start)
    return result


async def next_messages(user: FakeUser, count: int, timeout: float) -> list[BotMessage]:
    """The next ``count`` new bot messages of ``user`` (edits do not count)."""
    return [await user.next_message(timeout) for _ in range(count)]


async def timed_send(
    user: FakeUser,
    text: str,
    recorder: LatencyRecorder,
    label: str,
    *,
    replies: int = 1,
    timeout: float = 60.0,
) -> BotMessage:
    """Send ``text``; wait for ``replies`` new bot messages and return the last one."""
    messages = await timed_action(
        recorder, label, lambda: user.send(text), lambda: next_messages(user, replies, timeout)
    )
    return messages[-1]


async def timed_press(
    user: FakeUser,
    button: str,
    message: BotMessage,
    recorder: LatencyRecorder,
    label: str,
    *,
    replies: int = 1,
    timeout: float = 60.0,
) -> BotMessage:
    """Press ``button`` on ``message``.

    ``replies`` > 0: wait for that many new bot messages and return the last; 0: wait for the
    pressed message to be edited and return it. Either way the press must have been answered
    (answerCallbackQuery) by then, as Telegram clients otherwise show a spinner.
    """
    query_id = ""

    async def press() -> None:
        nonlocal query_id
        query_id = await user.press(button, message=message)

    async def answer() -> BotMessage:
        if replies == 0:
            return await user.wait_edit(message, timeout)
        return (await next_messages(user, replies, timeout))[-1]

    result = await timed_action(recorder, label, press, answer)
    if user.callback_answer(query_id) is None:
        raise AssertionError(f"{label}: press of {button!r} by {user!r} was never answered")
    return result


@dataclass
class Stopwatch:
    """Wall time and this process's CPU time (all threads: the bot, the stand-in, aiosqlite)."""

    wall: float = 0.0
    cpu: float = 0.0

    @contextmanager
    def running(self) -> Iterator[Stopwatch]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield self
        finally:
            self.wall = time.perf_counter() - wall
            self.cpu = time.process_time() - cpu


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    backend: str
    users: int
    updates: int
    seconds: float
    latency: LatencySummary
    cpu_seconds: float = math.nan

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else math.nan

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_seconds * 1000 / self.updates if self.updates else math.nan


RESULT_HEADERS = (
    "backend", "users", "updates", "seconds", "updates/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
)  # fmt: skip


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def result_row(result: RunResult) -> list[str]:
    lat = result.latency
    return [
        result.backend,
        str(result.users),
        str(result.updates),
        f"{result.seconds:.2f}",
        f"{result.updates_per_second:.1f}",
        _ms(lat.p50),
        _ms(lat.p95),
        _ms(lat.p99),
        _ms(lat.max),
    ]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Fixed-width plain text; the first column left-aligned, the others right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def results_table(results: Sequence[RunResult]) -> str:
    return format_table(RESULT_HEADERS, [result_row(r) for r in results])


def steps_table(recorder: LatencyRecorder) -> str:
    """Latency per step label, in the order the steps were first seen."""
    rows = [
        [label, str(s.count), _ms(s.p50), _ms(s.p95), _ms(s.p99), _ms(s.max)]
        for label, s in recorder.by_label().items()
    ]
    return format_table(("step", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"), rows)


# --- what the bot logged, and profiling ---------------------------------------------------------


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class LogCapture(logging.Handler):
    """Keeps every record at WARNING or above (the bot's errors show up here)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        install_filter(self, [TOKEN])

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def errors(self) -> list[logging.LogRecord]:
        return [r for r in self.records if r.levelno >= logging.ERROR]

    def report(self, limit: int = 10) -> str:
        """Distinct messages (numbers such as chat ids folded into N), most frequent first."""
        counts: dict[str, int] = {}
        for record in self.records:
            text = f"{record.levelname} {record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                text += f" [{type(error).__name__}: {error}]"
            text = _NUMBER.sub("N", text)
            counts[text] = counts.get(text, 0) + 1
        ordered = sorted(counts.items(), key=lambda item: -item[1])
        lines = [f"{n:5d} x {text}" for text, n in ordered[:limit]]
        if len(ordered) > limit:
            lines.append(f"      ... and {len(ordered) - limit} more distinct messages")
        return "\n".join(lines)


@contextmanager
def capture_logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)


@contextmanager
def maybe_profile(enabled: bool, out: list[str], top: int = 30) -> Iterator[None]:
    """cProfile the block (this thread only: SQLite work in aiosqlite's threads is not seen).

    Appends two reports to ``out``: the top functions by own time and by cumulative time.
    """
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        for order in ("tottime", "cumtime"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).sort_stats(order).print_stats(top)
            out.append(f"--- profile by {order} ---\n{buffer.getvalue()}")
