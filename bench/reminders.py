"""Benchmark: the reminder scheduler with 100,000 pending reminders and a burst of 1,000.

    python -m bench.reminders [--pending 100000] [--burst 1000] [--backend sqlite|postgres|both]

Three phases per backend, each on a fresh migrated database:

1. **Seed.** `--pending` pending nudge rows (no tandem), bulk-inserted, spread evenly from 10
   minutes to 365 days ahead, so none of them comes due during the run.
2. **Start-up.** A real `ReminderScheduler` on a real, started `AsyncIOScheduler` runs `start()`
   with the production horizon (`bot.scheduler.HORIZON`), then with a horizon that covers every
   row (what "every reminder is an APScheduler job" would cost). Measured: wall time of
   `start()`, how long the event loop then stays busy with the wake-ups that APScheduler queued
   (one per `add_job` on a running scheduler), the longest stall of the event loop meanwhile
   (`arm()` is synchronous), a second `reload()` (what the periodic reload costs), the timers
   armed, the growth of VmRSS and, in a separate traced pass, the tracemalloc peak and what stays
   allocated. The traced pass of the full horizon is slow (tracemalloc makes each of the 100,000
   `add_job` calls several times dearer: about 2 minutes), so it only runs with
   `--tracemalloc all`.
3. **Burst.** `--burst` more rows come due at random within one `--window` (60 s), starting
   `--lead` (5 s) after the scheduler starts, on the real clock. The fire function does what
   `bot.due.fire` does apart from rendering: claim the row, send one message through
   the real `Messenger` with the production `RateLimiter()` to the Bot API stand-in with
   Telegram's flood limits enforced (every reminder to its own private chat), then `finish`.
   Measured per reminder against its `due_at`: when APScheduler submitted the timer, when the
   fire function started (after the scheduler's semaphore) and when sendMessage was answered.
   Every burst row must end up 'sent' (losses: anything due by the end that is not 'sent').

With more than one backend each runs in a fresh process, so that their RSS figures do not
depend on what the previous backend left in the allocator. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import gc
import math
import multiprocessing
import os
import platform
import random
import shlex
import sqlite3
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, insert, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bench.common import (
    BACKENDS,
    DEFAULT_CONCURRENCY,
    Backend,
    LatencySummary,
    capture_logs,
    fresh_database,
)
from bot.messenger import Messenger, Outcome
from bot.ratelimit import RateLimiter
from bot.scheduler import HORIZON, RELOAD_EVERY, ReminderScheduler
from core.clock import SystemClock
from core.reminders import Kind, Planned, State
from fake_bot_api import FakeBotApi
from storage import reminders as store
from storage.db import Database
from storage.models import Reminder

YEAR = dt.timedelta(days=365)
SPREAD_FROM = dt.timedelta(minutes=10)  # no seeded row comes due while the benchmark runs
FULL_HORIZON = dt.timedelta(days=400)  # covers every seeded row: each one becomes a job
SEED_CHUNK = 10_000  # rows per transaction while seeding
FIRST_SEEDED_USER = 10_000_000
FIRST_BURST_CHAT = 500_000
TELEGRAM_PER_SECOND = 30.0  # Telegram's documented overall limit for a bot
# The bot's HTTP pool as bot.app.build_application sizes it for production.
CONNECTION_POOL = max(8, DEFAULT_CONCURRENCY // 2)
PRODUCTION, EVERYTHING = "production", "every reminder a job"  # the two start-up passes
TRACE_CHOICES = {"off": (), "production": (PRODUCTION,), "all": (PRODUCTION, EVERYTHING)}
STATES = {Outcome.SENT: State.SENT, Outcome.UNREACHABLE: State.UNREACHABLE}


# --- options and results --------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    pending: int = 100_000
    burst: int = 1_000
    window: float = 60.0  # seconds over which the burst rows come due
    lead: float = 5.0  # seconds from the scheduler's start to the burst window
    full_horizon: dt.timedelta = FULL_HORIZON
    traced: tuple[str, ...] = (PRODUCTION,)  # start-up labels that get a tracemalloc pass
    seed: int = 1
    wait: float | None = None  # seconds to wait for the burst after its window (default: scaled)


@dataclass(frozen=True)
class StartupResult:
    label: str
    horizon: dt.timedelta
    timers: int
    start_seconds: float  # await ReminderScheduler.start()
    settle_seconds: float  # the event loop running the wake-ups queued by add_job, afterwards
    stall_seconds: float  # the longest the event loop did not get round to a 5 ms heartbeat
    reload_seconds: float  # a second reload(), settled likewise (re-arms every timer)
    rss_growth_mb: float
    traced_peak_mb: float = math.nan
    traced_kept_mb: float = math.nan


@dataclass
class BurstResult:
    burst: int
    window: float
    start: StartupResult
    submitted: LatencySummary  # APScheduler submitted the timer - due_at
    timer: LatencySummary  # the fire function started (a slot of the semaphore) - due_at
    delivery: LatencySummary  # sendMessage answered - due_at
    total_seconds: float  # first due_at -> last sendMessage answered
    stall_seconds: float  # the longest event-loop stall during the burst
    sent: int  # burst rows in state 'sent' at the end
    losses: int  # rows due by the end that are not 'sent'
    too_many_requests: int  # 429 answers of the stand-in
    refused: list[str] = field(default_factory=list)  # other failed Bot API calls
    other_fires: int = 0  # fired rows that were not burst rows (seeded rows must not come due)
    finished_in_time: bool = True


@dataclass
class BackendReport:
    backend: str
    options: Options
    seed_seconds: float
    startups: list[StartupResult]
    burst: BurstResult
    warnings: int = 0
    errors: int = 0
    log_report: str = ""

    @property
    def failed(self) -> bool:
        burst = self.burst
        return bool(
            burst.losses
            or burst.sent != burst.burst
            or burst.refused
            or burst.other_fires
            or not burst.finished_in_time
            or self.errors
        )


# --- measuring ------------------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident set (VmRSS) in MB; NaN where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return math.nan
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


async def settle() -> None:
    """Let the event loop run what is already queued: `add_job` on a running AsyncIOScheduler
    queues a wake-up with call_soon_threadsafe each time, and they run after the caller yields."""
    for _ in range(2):
        await asyncio.sleep(0)


class LoopStall:
    """The longest time the event loop did not run a heartbeat that wakes every `interval`:
    how long everything else (updates, sends, other timers) would have waited."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.longest = 0.0
        self._last = time.perf_counter()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopStall:
        self._last = time.perf_counter()
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._note()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _note(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last - self.interval)
        self._last = now

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self._note()


def new_scheduler() -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)  # runs on the loop (call_soon_threadsafe)
    await settle()


async def seed(db: Database, pending: int, now: dt.datetime) -> float:
    """`pending` rows evenly from SPREAD_FROM to a year ahead; returns the seconds it took.

    A bulk INSERT (executemany): `storage.reminders.plan` compiles a new 500-row VALUES statement
    per batch and manages only about 2,000-3,000 rows/s, which would make seeding the longest
    phase. The rows are the ones `plan` would write.
    """
    span = YEAR - SPREAD_FROM
    step = span / max(1, pending - 1)
    started = time.perf_counter()
    for first in range(0, pending, SEED_CHUNK):
        rows = [
            {
                "key": f"bench.{i}",
                "kind": Kind.NUDGE.value,
                "due_at": now + SPREAD_FROM + step * i,
                "user_id": FIRST_SEEDED_USER + i,
                "payload": {},
                "state": State.PENDING.value,
                "attempts": 0,
                "created_at": now,
            }
            for i in range(first, min(pending, first + SEED_CHUNK))
        ]
        async with db.session() as session:
            await session.execute(insert(Reminder), rows)
    return time.perf_counter() - started


async def measure_startup(
    db: Database, label: str, horizon: dt.timedelta, *, traced: bool
) -> StartupResult:
    """One `start()` on a fresh AsyncIOScheduler; nothing comes due during it."""
    fired: list[int] = []

    async def fire(reminder_id: int) -> None:
        fired.append(reminder_id)

    gc.collect()
    scheduler = new_scheduler()
    reminders = ReminderScheduler(
        db,
        SystemClock(),
        scheduler,
        fire=fire,
        horizon=horizon,
        reload_every=min(RELOAD_EVERY, horizon / 2),
    )
    try:
        if traced:
            tracemalloc.start()
        rss_before = rss_mb()
        async with LoopStall() as stall:
            started = time.perf_counter()
            await reminders.start()
            returned = time.perf_counter()
            await settle()
            settled = time.perf_counter()
        timers = reminders.pending_timers()
        gc.collect()
        rss_growth = rss_mb() - rss_before
        peak = kept = math.nan
        if traced:
            kept_bytes, peak_bytes = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak, kept = peak_bytes / 2**20, kept_bytes / 2**20
        reload_seconds = math.nan
        if not traced:
            again = time.perf_counter()
            await reminders.reload()
            await settle()
            reload_seconds = time.perf_counter() - again
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        await stop_scheduler(scheduler)
    if fired:
        raise AssertionError(f"{len(fired)} seeded reminders came due during the start-up pass")
    return StartupResult(
        label,
        horizon,
        timers,
        returned - started,
        settled - returned,
        stall.longest,
        reload_seconds,
        rss_growth,
        peak,
        kept,
    )


async def run_burst(db: Database, options: Options, rng: random.Random) -> BurstResult:
    clock = SystemClock()
    submitted: dict[int, float] = {}
    fire_started: dict[int, float] = {}
    answered: dict[int, float] = {}
    other_fires = 0
    done = asyncio.Event()

    async with FakeBotApi(bot_username="TandemBenchBot", flood_control=True) as api:
        chats = [FIRST_BURST_CHAT + i for i in range(options.burst)]
        for index, chat in enumerate(chats):
            api.add_user(chat, f"Person{index}", language_code="de")
        request = HTTPXRequest(connection_pool_size=CONNECTION_POOL)
        async with Bot(api.token, base_url=api.base_url, request=request) as bot:
            messenger = Messenger(bot, limiter=RateLimiter())

            now = clock.now()
            window_start = now + dt.timedelta(seconds=options.lead)
            planned = [
                Planned(
                    Kind.NUDGE,
                    window_start + dt.timedelta(seconds=rng.uniform(0, options.window)),
                    chat,
                    f"bench.burst.{index}",
                )
                for index, chat in enumerate(chats)
            ]
            async with db.session() as session:
                rows = await store.plan(session, planned, now=now)
            due = {reminder_id: due_at.timestamp() for reminder_id, due_at in rows}
            if len(due) != options.burst:
                raise AssertionError(f"planned {len(due)} burst rows, expected {options.burst}")

            async def fire(reminder_id: int) -> None:
                nonlocal other_fires
                started = time.time()
                async with db.session() as session:
                    if not await store.claim(session, reminder_id, clock.now()):
                        return
                    reminder = await store.get(session, reminder_id)
                    assert reminder is not None and reminder.user_id is not None
                    user_id = reminder.user_id
                _, outcome = await messenger.deliver(
                    user_id, f"Erinnerung <b>{reminder_id}</b>: Zeit für ein Treffen?"
                )
                finished = time.time()
                async with db.session() as session:
                    await store.finish(
                        session,
                        reminder_id,
                        STATES.get(outcome, State.FAILED),
                        clock.now(),
                        error=outcome.value,
                    )
                if reminder_id not in due:
                    other_fires += 1
                    return
                fire_started[reminder_id] = started
                answered[reminder_id] = finished
                if len(answered) == len(due):
                    done.set()

            def on_submitted(event: JobSubmissionEvent) -> None:
                prefix, _, number = event.job_id.partition(":")
                if prefix == "reminder" and number.isdigit():
                    submitted.setdefault(int(number), time.time())

            scheduler = new_scheduler()
            scheduler.add_listener(on_submitted, EVENT_JOB_SUBMITTED)
            reminders = ReminderScheduler(db, clock, scheduler, fire=fire)
            finished_in_time = True
            try:
                rss_before = rss_mb()
                async with LoopStall() as start_stall:
                    started = time.perf_counter()
                    await reminders.start()
                    returned = time.perf_counter()
                    await settle()
                    settled = time.perf_counter()
                start = StartupResult(
                    "before the burst",
                    reminders.horizon,
                    reminders.pending_timers(),
                    returned - started,
                    settled - returned,
                    start_stall.longest,
                    math.nan,
                    rss_mb() - rss_before,
                )
                last_due = max(due.values())
                wait = options.wait if options.wait is not None else 30 + options.burst / 10
                async with LoopStall() as burst_stall:
                    try:
                        async with asyncio.timeout(max(0.0, last_due - time.time()) + wait):
                            await done.wait()
                    except TimeoutError:
                        finished_in_time = False
                end = clock.now()
            finally:
                await stop_scheduler(scheduler)
                # Sends still under way when the wait gave up: let them end before closing.
                await asyncio.sleep(0.2 if finished_in_time else 2.0)

        refused = [
            f"{call.method} -> {call.status}: {call.response.get('description', '')}"
            for call in api.calls
            if call.status not in (200, 429)
        ]
        too_many = sum(1 for call in api.calls if call.status == 429)

    async with db.session() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.id.in_(list(due)), Reminder.state == State.SENT.value)
        )
        losses = await session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.due_at <= end, Reminder.state != State.SENT.value)
        )

    def late(stamps: dict[int, float]) -> LatencySummary:
        return LatencySummary.of([stamp - due[rid] for rid, stamp in stamps.items()])

    first_due = min(due.values())
    return BurstResult(
        burst=options.burst,
        window=options.window,
        start=start,
        submitted=late(submitted),
        timer=late(fire_started),
        delivery=late(answered),
        total_seconds=(max(answered.values()) - first_due) if answered else math.nan,
        stall_seconds=burst_stall.longest,
        sent=int(sent or 0),
        losses=int(losses or 0),
        too_many_requests=too_many,
        refused=refused,
        other_fires=other_fires,
        finished_in_time=finished_in_time,
    )


async def run_benchmark(database_url: str, backend: str, options: Options) -> BackendReport:
    """The main coroutine: seed, the start-up passes, the burst, on one migrated database."""

    def progress(message: str) -> None:
        print(f"[{backend}] {message}", file=sys.stderr, flush=True)

    db = Database(database_url)
    try:
        seed_seconds = await seed(db, options.pending, SystemClock().now())
        progress(f"seeded {options.pending:,} rows in {seed_seconds:.1f} s")
        plans = [(PRODUCTION, HORIZON), (EVERYTHING, options.full_horizon)]
        startups: list[StartupResult] = []
        for label, horizon in plans:
            startup = await measure_startup(db, label, horizon, traced=False)
            startups.append(startup)
            progress(
                f"start-up, horizon {_horizon(horizon)}: {startup.timers:,} timers, start() "
                f"{startup.start_seconds:.2f} s, reload() {startup.reload_seconds:.2f} s"
            )
        for index, (label, horizon) in enumerate(plans):
            if label in options.traced:
                started = time.perf_counter()
                traced = await measure_startup(db, label, horizon, traced=True)
                startups[index] = replace(
                    startups[index],
                    traced_peak_mb=traced.traced_peak_mb,
                    traced_kept_mb=traced.traced_kept_mb,
                )
                progress(
                    f"traced start-up, horizon {_horizon(horizon)}: peak "
                    f"{traced.traced_peak_mb:.1f} MB, kept {traced.traced_kept_mb:.1f} MB "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        progress(
            f"burst: {options.burst:,} rows due within {options.window:g} s, "
            f"{options.lead:g} s from now"
        )
        burst = await run_burst(db, options, random.Random(options.seed))
        progress(f"burst done: {burst.sent:,} sent, {burst.losses} lost")
    finally:
        await db.dispose()
    return BackendReport(backend, options, seed_seconds, startups, burst)


def run_backend(backend: Backend, options: Options, postgres_url: str | None) -> BackendReport:
    """One backend on a fresh database (synchronous: Alembic runs its own event loop)."""
    with fresh_database(backend, postgres_url) as url, capture_logs() as logs:
        report = asyncio.run(run_benchmark(url, backend, options))
    report.warnings = len(logs.records)
    report.errors = len(logs.errors)
    report.log_report = logs.report() if logs.records else ""
    return report


def run_in_fresh_process(
    backend: Backend, options: Options, postgres_url: str | None
) -> BackendReport:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run_backend, backend, options, postgres_url).result()


# --- the table ------------------------------------------------------------------------------------


def _s(seconds: float, digits: int = 3) -> str:
    return "-" if math.isnan(seconds) else f"{seconds:.{digits}f} s"


def _mb(mb: float) -> str:
    return "-" if math.isnan(mb) else f"{mb:.1f} MB"


def _horizon(horizon: dt.timedelta) -> str:
    if horizon >= dt.timedelta(days=2):
        return f"{horizon.days} d"
    hours = horizon.total_seconds() / 3600
    return f"{hours:g} h"


def _spread(summary: LatencySummary) -> str:
    if not summary.count:
        return "-"
    return f"{summary.p50:.3f} / {summary.p95:.3f} / {summary.max:.3f} s"


def report_table(report: BackendReport) -> str:
    options, burst = report.options, report.burst
    rows: list[tuple[str, str]] = [
        (
            "seeding",
            f"{options.pending:,} rows in {report.seed_seconds:.1f} s "
            f"({options.pending / report.seed_seconds:,.0f} rows/s)",
        )
    ]
    for startup in report.startups:
        name = f"start-up, horizon {_horizon(startup.horizon)} ({startup.label})"
        rows += [
            (f"{name}: timers armed", f"{startup.timers:,}"),
            (f"{name}: `start()`", _s(startup.start_seconds)),
            (f"{name}: event loop busy after `start()`", _s(startup.settle_seconds)),
            (f"{name}: longest event-loop stall", _s(startup.stall_seconds)),
            (f"{name}: second `reload()`", _s(startup.reload_seconds)),
            (f"{name}: VmRSS growth", _mb(startup.rss_growth_mb)),
            (
                f"{name}: tracemalloc peak / kept",
                f"{_mb(startup.traced_peak_mb)} / {_mb(startup.traced_kept_mb)}",
            ),
        ]
    start = burst.start
    floor = burst.burst / TELEGRAM_PER_SECOND
    rows += [
        (
            "burst: start-up before it",
            f"{start.timers:,} timers in {_s(start.start_seconds)} "
            f"(+{_s(start.settle_seconds)} loop busy; longest stall {_s(start.stall_seconds)})",
        ),
        (
            "burst: reminders",
            f"{burst.burst:,} due at random within {burst.window:g} s, each to its own chat",
        ),
        ("burst: timer submitted − due (p50 / p95 / max)", _spread(burst.submitted)),
        ("burst: **timer lateness**, fire start − due (p50 / p95 / max)", _spread(burst.timer)),
        ("burst: **delivery lateness**, answered − due (p50 / p95 / max)", _spread(burst.delivery)),
        (
            "burst: total time, first due → last answered",
            f"{_s(burst.total_seconds, 1)} (floor at Telegram's {TELEGRAM_PER_SECOND:g} msg/s: "
            f"{floor:.1f} s; due window {burst.window:g} s)",
        ),
        ("burst: longest event-loop stall", _s(burst.stall_seconds)),
        ("burst: 429 answers from the stand-in", str(burst.too_many_requests)),
        ("burst: sent", f"{burst.sent:,} / {burst.burst:,}"),
        ("burst: **losses** (due by the end, not 'sent')", str(burst.losses)),
    ]
    if burst.refused:
        rows.append(("burst: other refused Bot API calls", str(len(burst.refused))))
    if burst.other_fires:
        rows.append(("burst: seeded rows that fired (should be 0)", str(burst.other_fires)))
    if not burst.finished_in_time:
        rows.append(("burst: **did not finish in time**", "yes"))
    rows.append(("bot log warnings / errors", f"{report.warnings} / {report.errors}"))
    lines = [f"| {report.backend} | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


# --- command line ---------------------------------------------------------------------------------


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders",
        description="The reminder scheduler with many pending reminders and a burst due at once.",
    )
    parser.add_argument("--pending", type=int, default=100_000, help="seeded rows (100,000)")
    parser.add_argument("--burst", type=int, default=1_000, help="rows due in one window (1,000)")
    parser.add_argument(
        "--window", type=float, default=60.0, help="seconds the burst is spread over (60)"
    )
    parser.add_argument(
        "--lead", type=float, default=5.0, help="seconds from start-up to the burst window (5)"
    )
    parser.add_argument(
        "--full-horizon-days",
        type=float,
        default=FULL_HORIZON.days,
        help=f"the 'every reminder a job' horizon in days ({FULL_HORIZON.days})",
    )
    parser.add_argument(
        "--backend", choices=[*BACKENDS, "both"], default="both", help="database (default both)"
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="PostgreSQL server to create the scratch database on (default: BENCH_DATABASE_URL, "
        "TEST_DATABASE_URL or postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument(
        "--tracemalloc",
        choices=list(TRACE_CHOICES),
        default="production",
        help="start-up passes repeated under tracemalloc (default production; 'all' adds about "
        "2 minutes per backend at 100,000 rows)",
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="run every backend in this process (RSS figures then depend on the order)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the burst's times")
    args = parser.parse_args(argv)
    if args.pending < 1 or args.burst < 1 or args.window <= 0 or args.lead < 0:
        parser.error("--pending and --burst must be at least 1, --window positive")
    if args.full_horizon_days <= 366:
        parser.error("--full-horizon-days must cover the seeded year (more than 366)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    options = Options(
        pending=args.pending,
        burst=args.burst,
        window=args.window,
        lead=args.lead,
        full_horizon=dt.timedelta(days=args.full_horizon_days),
        traced=TRACE_CHOICES[args.tracemalloc],
        seed=args.seed,
    )
    backends: tuple[Backend, ...] = BACKENDS if args.backend == "both" else (args.backend,)
    command = sys.argv[1:] if argv is None else list(argv)
    print(f"`{' '.join(['python -m bench.reminders', shlex.join(command)]).strip()}`", flush=True)
    print(
        f"\n{options.pending:,} pending, burst {options.burst:,} within {options.window:g} s; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, APScheduler {version('APScheduler')}, "
        f"python-telegram-bot {version('python-telegram-bot')}; "
        + ("each backend in a fresh process" if not args.same_process else "one process"),
        flush=True,
    )
    failed = False
    started = time.perf_counter()
    for backend in backends:
        if args.same_process:
            report = run_backend(backend, options, args.postgres_url)
        else:
            report = run_in_fresh_process(backend, options, args.postgres_url)
        print()
        print(report_table(report), flush=True)
        if report.log_report:
            print(f"\nbot log ({report.warnings} warnings/errors):\n{report.log_report}")
        for line in sorted(set(report.burst.refused))[:10]:
            print(f"  refused: {line}")
        if report.failed:
            failed = True
            print(f"FAILED on {backend}: see the table", file=sys.stderr)
    print(f"\nwall time {time.perf_counter() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
