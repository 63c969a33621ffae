"""Timers for the durable schedule, on APScheduler.

The `reminders` table is the schedule; APScheduler only holds in-memory timers for the rows that
come due within `horizon`, rebuilt from the table at start and refreshed every `reload_every`.
That sidesteps APScheduler 3's traps: its SQLAlchemy job store would need a synchronous driver
that blocks the event loop and would pickle callables into the database; its default
`misfire_grace_time` of one second silently drops a job that starts late under load. Here every
timer runs however late it fires (`misfire_grace_time=None`), and whether a late reminder is
still worth sending is decided by the reminder policy against the row, not by the timer. Timers
have stable ids (`reminder:<row id>`, `replace_existing`), and a row is claimed by a conditional
UPDATE before it is sent, so reloading twice or restarting never sends anything twice.

Keeping only a horizon in memory bounds start-up time and memory however many reminders a year
of meetings has planned (bench/reminders.py).

Time comes from the injectable clock: a timer is set to fire after `due_at - clock.now()` of
real time, so tests that move the clock call `reload()` (exactly what a restart does).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from core.clock import Clock
from storage import reminders as store
from storage.db import Database

log = logging.getLogger(__name__)

HORIZON = dt.timedelta(hours=1)
RELOAD_EVERY = dt.timedelta(minutes=15)
CONCURRENCY = 8  # reminders sent at once; the messenger paces them to Telegram's limits
RELOAD_JOB = "reminders:reload"


class ReminderScheduler:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        scheduler: BaseScheduler,
        *,
        fire: Callable[[int], Awaitable[None]],
        sweep: Callable[[], Awaitable[list[tuple[int, dt.datetime]]]] | None = None,
        horizon: dt.timedelta = HORIZON,
        reload_every: dt.timedelta = RELOAD_EVERY,
        concurrency: int = CONCURRENCY,
    ) -> None:
        if reload_every >= horizon:
            raise ValueError("reload_every must be shorter than the horizon, or rows slip by")
        self._db = db
        self._clock = clock
        self._scheduler = scheduler
        self._fire = fire
        self._sweep = sweep
        self.horizon = horizon
        self.reload_every = reload_every
        self._slots = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self.armed_total = 0

    async def start(self) -> None:
        async with self._db.session() as session:
            stale = await store.interrupt_stale(session, self._clock.now())
        if stale:
            log.warning("%d reminders were being sent when the bot stopped; not resent", stale)
        await self.reload()
        self._scheduler.add_job(
            self.reload,
            "interval",
            seconds=self.reload_every.total_seconds(),
            id=RELOAD_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )

    async def reload(self) -> int:
        """Plan what the policy says is due (nudges), then arm every pending row due within the
        horizon, overdue ones first. Returns how many timers were armed."""
        async with self._lock:
            if self._sweep is not None:
                await self._sweep()
            async with self._db.session() as session:
                rows = await store.due_until(session, self._clock.now() + self.horizon)
            self.arm(rows)
            return len(rows)

    def arm(self, rows: Iterable[tuple[int, dt.datetime]]) -> None:
        """Timers for rows due within the horizon; later rows wait for a reload."""
        now = self._clock.now()
        real_now = dt.datetime.now(dt.UTC)
        limit = now + self.horizon
        for reminder_id, due_at in rows:
            if due_at > limit:
                continue
            self._scheduler.add_job(
                self._run,
                "date",
                run_date=real_now + max(due_at - now, dt.timedelta(0)),
                args=[reminder_id],
                id=f"reminder:{reminder_id}",
                replace_existing=True,
                misfire_grace_time=None,
                coalesce=True,
            )
            self.armed_total += 1

    def stop(self) -> None:
        """No more timers here (another process leads now); the rows stay in the table."""
        for job in self._scheduler.get_jobs():
            if job.id == RELOAD_JOB or job.id.startswith("reminder:"):
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(job.id)

    async def arm_ids(self, reminder_ids: list[int]) -> None:
        """Timers for rows another process planned (it told the leader their ids)."""
        async with self._db.session() as session:
            rows = await store.pending_due(session, reminder_ids)
        self.arm(rows)

    def disarm(self, reminder_ids: Iterable[int]) -> None:
        for reminder_id in reminder_ids:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(f"reminder:{reminder_id}")

    async def _run(self, reminder_id: int) -> None:
        async with self._slots:
            try:
                await self._fire(reminder_id)
            except Exception:
                # One broken reminder must not stop the others; the row stays claimed
                # ("sending") and is closed as interrupted at the next start.
                log.exception("reminder %s failed", reminder_id)

    def pending_timers(self) -> int:
        return sum(1 for job in self._scheduler.get_jobs() if job.id.startswith("reminder:"))
