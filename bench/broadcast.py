"""Benchmark: one broadcast to 10,000 participants at Telegram's rate limit.

    python -m bench.broadcast [--recipients 10000] [--blocked 20] [--interactive 5] [--paid]
                              [--backend sqlite|postgres|both]

Per backend, on a fresh migrated database: N active participants of one program are inserted
in bulk, each a private chat the Bot API stand-in knows; `--blocked` of them have blocked the
bot. The broadcast is created and its outbox filled by the same storage functions `/broadcast`
uses (audience: everyone in the program), then started as the handler starts it
(`Services.start_broadcast`): the real `Broadcaster` with its workers, the real `Messenger` and
the production `RateLimiter()`, against the stand-in with Telegram's flood control enforced
(about 30 messages a second overall, about one a second per chat; more is answered with 429
and `retry_after`). The bot runs in the real `telegram.ext.Application` (its progress message
is edited every five seconds, the final report is sent), all on one event loop with the stand-in.

Meanwhile `--interactive` people use the bot: each sends /help every `--every` seconds for as long
as the broadcast runs (and, for comparison, for a few seconds before it starts); their reply
times are the cost of the broadcast to everyone else. `--paid` sends it as a paid broadcast
(allow_paid_broadcast), whose floor is N / 1,000 s.

Measured: seconds from the start until the final report has arrived, against the floor
N / 30 s that Telegram's limit sets, and against (N + their replies) / 30 s ("+replies"), since
the replies share Telegram's limit; seconds until the first recipient has the announcement;
429 and 5xx answers; the outbox rows by state; and losses:
every recipient who did not block the bot must have exactly one copy, every blocked one none.
The run fails (exit status 1) on any loss, any refused call other than 429 and the 403s of the
blocked chats, or an ERROR in the bot's log. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import platform
import shlex
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import cast

from sqlalchemy import insert, select

from bench.common import (
    Backend,
    BenchWorld,
    LatencyRecorder,
    bench_world,
    fresh_database,
    timed_send,
)
from bot.context import services
from core.broadcasts import Audience
from storage import broadcasts
from storage.db import Database
from storage.models import Broadcast, Delivery, Participant, User
from tests.seeding import seed_broadcast, seed_program

BACKENDS = ("sqlite", "postgres")
TEXT = "Einladung zur <b>Abschlussveranstaltung</b> am 12.3. – bitte vormerken!"
SEEN = "Einladung zur Abschlussveranstaltung am 12.3. – bitte vormerken!"
TELEGRAM_LIMIT = 30.0  # messages a second, overall
PAID_LIMIT = 1000.0  # a paid broadcast's
FIRST_ID = 10_000_000
INTERACTIVE_ID = 9_000_000
BASELINE_ROUNDS = 5


@dataclass
class Report:
    backend: str
    recipients: int
    blocked: int
    seconds: float = 0.0
    floor: float = 0.0
    first: float = 0.0  # seconds until the first recipient had it
    paid: bool = False
    alone: LatencyRecorder = field(default_factory=LatencyRecorder)  # /help, no broadcast
    during: LatencyRecorder = field(default_factory=LatencyRecorder)  # /help while it runs
    answers: Counter[int] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def floor_with_replies(self) -> float:
        """The floor when the replies to the people using the bot meanwhile, which share
        Telegram's 30 a second, are counted too."""
        return self.floor * (self.recipients + len(self.during)) / self.recipients

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.duplicated or self.refused or self.errors)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


async def _seed(world_db: Database, now: dt.datetime, n: int) -> int:
    """N active participants in one program, in two bulk INSERTs (not timed)."""
    program_id = await seed_program(world_db, now, "Cross-Mentoring Salzgitter 2027")
    ids = range(FIRST_ID, FIRST_ID + n)
    async with world_db.session() as session:
        await session.execute(
            insert(User),
            [
                {
                    "id": i,
                    "first_name": f"P{i}",
                    "language": "de",
                    "reachable": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in ids
            ],
        )
        await session.execute(
            insert(Participant),
            [
                {
                    "program_id": program_id,
                    "user_id": i,
                    "role": "mentee" if i % 2 else "mentor",
                    "status": "active",
                    "name": f"Person {i}",
                    "company": f"Firma {i % 97}",
                    "industry": "Industrie",
                    "position": "Teamleitung",
                    "topics": [],
                    "goals": "",
                    "meeting_format": "both",
                    "consent_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "capacity": 1,
                }
                for i in ids
            ],
        )
    return program_id


async def _use_the_bot(
    world: BenchWorld,
    person: int,
    record: LatencyRecorder,
    stop: asyncio.Event,
    rounds: int | None,
    every: float,
) -> None:
    """One person sending /help every `every` seconds until `stop` (or for `rounds`)."""
    user_id = INTERACTIVE_ID + person
    user = world.api.users.get(user_id) or world.api.add_user(user_id, f"I{person}")
    await asyncio.sleep(person * every / 3.7)  # not all at once
    done = 0
    while not stop.is_set() and (rounds is None or done < rounds):
        await timed_send(user, "/help", record, "help")
        done += 1
        await asyncio.sleep(every)


async def run_benchmark(
    database_url: str,
    backend: str,
    recipients: int,
    blocked: int,
    interactive: int = 0,
    every: float = 3.0,
    paid: bool = False,
) -> Report:
    limit = PAID_LIMIT if paid else TELEGRAM_LIMIT
    report = Report(backend, recipients, blocked, floor=recipients / limit, paid=paid)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        async with bench_world(database_url, flood_control=True) as world:
            svc = services(world.app)
            now = svc.clock.now()
            program_id = await _seed(svc.db, now, recipients)
            users = [world.api.add_user(i, f"P{i}") for i in range(FIRST_ID, FIRST_ID + recipients)]
            for user in users[:blocked]:
                user.block()
            broadcast_id = await seed_broadcast(svc.db, program_id, TEXT, now)
            if paid:
                async with svc.db.session() as session:
                    (await session.get_one(Broadcast, broadcast_id)).paid = True
            never = asyncio.Event()
            await asyncio.gather(
                *(
                    _use_the_bot(world, i, report.alone, never, BASELINE_ROUNDS, every)
                    for i in range(interactive)
                )
            )
            async with svc.db.session() as session:
                people = await broadcasts.recipients(
                    session, program_id=program_id, audience=Audience.ALL, quiet_days=None, now=now
                )
            assert len(people) == recipients
            calls_before = len(world.api.calls)
            stop = asyncio.Event()
            users_of_the_bot = [
                asyncio.create_task(_use_the_bot(world, i, report.during, stop, None, every))
                for i in range(interactive)
            ]
            started, wall = time.perf_counter(), time.time()
            svc.start_broadcast(broadcast_id)
            assert svc.broadcaster is not None
            await svc.broadcaster.wait(broadcast_id)
            while not [m for m in world.coordinator.chat if "Ankündigung versendet" in m.text]:
                await world.api.wait_change(1.0)
            report.seconds = time.perf_counter() - started
            stop.set()
            await asyncio.gather(*users_of_the_bot)
            report.first = min(
                (
                    c.time - wall
                    for c in world.api.calls[calls_before:]
                    if c.status == 200 and int(c.params.get("chat_id", 0)) >= FIRST_ID
                ),
                default=float("nan"),
            )
            await world.api.wait_idle()
            for call in world.api.calls[calls_before:]:
                report.answers[call.status] += 1
                blocked_chat = call.status == 403
                if call.status not in (200, 429) and not blocked_chat:
                    report.refused.append(f"{call.method} -> {call.status}")
            async with svc.db.session() as session:
                rows = (
                    await session.execute(
                        select(Delivery.state).where(Delivery.broadcast_id == broadcast_id)
                    )
                ).scalars()
                report.states.update(rows)
            for index, user in enumerate(users):
                copies = sum(1 for m in user.chat if m.text == SEEN)
                expected = 0 if index < blocked else 1
                if copies < expected:
                    report.lost += 1
                elif copies > expected:
                    report.duplicated += 1
    finally:
        logging.getLogger().removeHandler(errors)
    report.errors = errors.records
    return report


def run_backend(backend: str, args: argparse.Namespace) -> Report:
    with fresh_database(cast(Backend, backend)) as url:
        return asyncio.run(
            run_benchmark(
                url,
                backend,
                args.recipients,
                args.blocked,
                args.interactive,
                args.every,
                args.paid,
            )
        )


def report_table(reports: Sequence[Report]) -> str:
    header = (
        "backend   paid recipients  blocked  seconds  floor s  ratio  +replies  msg/s  first s"
        "  429s  5xx"
        "  sent  unreachable  failed  interrupted  lost  twice"
        "  /help alone p50/max ms  /help during p50/p95/max ms"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        sent = r.states.get("sent", 0)
        fivexx = sum(n for status, n in r.answers.items() if status >= 500)
        alone, during = r.alone.summary(), r.during.summary()
        lines.append(
            f"{r.backend:<9} {'yes' if r.paid else 'no':>4} {r.recipients:>10,} {r.blocked:>8}"
            f" {r.seconds:>8.1f} {r.floor:>8.1f}"
            f" {r.seconds / r.floor:>6.2f} {r.seconds / r.floor_with_replies:>9.2f}"
            f" {sent / r.seconds:>6.1f} {r.first:>8.2f}"
            f" {r.answers.get(429, 0):>5}"
            f" {fivexx:>4} {sent:>5} {r.states.get('unreachable', 0):>12}"
            f" {r.states.get('failed', 0):>7} {r.states.get('interrupted', 0):>12}"
            f" {r.lost:>5} {r.duplicated:>6}"
            f"  {alone.p50 * 1000:>10.0f}/{alone.max * 1000:<10.0f}"
            f"  {during.p50 * 1000:>8.0f}/{during.p95 * 1000:.0f}/{during.max * 1000:.0f}"
            f" (n={during.count})"
        )
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--blocked", type=int, default=20, help="recipients who blocked the bot")
    parser.add_argument(
        "--interactive", type=int, default=3, help="people using the bot meanwhile (/help)"
    )
    parser.add_argument("--every", type=float, default=3.0, help="seconds between their /help")
    parser.add_argument("--paid", action="store_true", help="as a paid broadcast")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    args = parser.parse_args(argv)
    if not 0 <= args.blocked < args.recipients:
        parser.error("--blocked must be below --recipients")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    command = sys.argv[1:] if argv is None else list(argv)
    print(f"`python -m bench.broadcast {shlex.join(command)}`".replace("  ", " "), flush=True)
    print(
        f"Python {platform.python_version()}, python-telegram-bot "
        f"{version('python-telegram-bot')}, SQLAlchemy {version('SQLAlchemy')}",
        flush=True,
    )
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    reports = []
    for backend in backends:
        reports.append(run_backend(backend, args))
        print(report_table(reports[-1:]), flush=True)
    print()
    print(report_table(reports))
    for report in reports:
        for line in (report.refused + report.errors)[:10]:
            print(f"  {report.backend}: {line}")
    return 1 if any(r.failed for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
