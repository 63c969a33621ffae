"""Benchmark: one broadcast to 10,000 participants at Telegram's rate limit.

    python -m bench.broadcast [--recipients 10000] [--blocked 20] [--backend sqlite|postgres|both]

Per backend, on a fresh migrated database: N active participants of one program are inserted
in bulk, each a private chat the Bot API stand-in knows; `--blocked` of them have blocked the
bot. The broadcast is created and its outbox filled by the same storage functions `/broadcast`
uses (audience: everyone in the program), then started as the handler starts it
(`Services.start_broadcast`): the real `Broadcaster` with its workers, the real `Messenger` and
the production `RateLimiter()`, against the stand-in with Telegram's flood control enforced
(about 30 messages a second overall, about one a second per chat; more is answered with 429
and `retry_after`). The bot runs in the real `telegram.ext.Application` (its progress message
is edited every two seconds, the final report is sent), all on one event loop with the stand-in.

Measured: seconds from the start until the final report has arrived, against the floor
N / 30 s that Telegram's limit sets; 429 and 5xx answers; the outbox rows by state; and losses:
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

from bench.common import Backend, bench_world, fresh_database
from bot.context import services
from core.broadcasts import Audience
from storage import broadcasts
from storage.db import Database
from storage.models import Delivery, Participant, User
from tests.seeding import seed_broadcast, seed_program

BACKENDS = ("sqlite", "postgres")
TEXT = "Einladung zur <b>Abschlussveranstaltung</b> am 12.3. – bitte vormerken!"
SEEN = "Einladung zur Abschlussveranstaltung am 12.3. – bitte vormerken!"
TELEGRAM_LIMIT = 30.0  # messages a second, overall
FIRST_ID = 10_000_000


@dataclass
class Report:
    backend: str
    recipients: int
    blocked: int
    seconds: float = 0.0
    floor: float = 0.0
    answers: Counter[int] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

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


async def run_benchmark(database_url: str, backend: str, recipients: int, blocked: int) -> Report:
    report = Report(backend, recipients, blocked, floor=recipients / TELEGRAM_LIMIT)
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
            async with svc.db.session() as session:
                people = await broadcasts.recipients(
                    session, program_id=program_id, audience=Audience.ALL, quiet_days=None, now=now
                )
            assert len(people) == recipients
            calls_before = len(world.api.calls)
            started = time.perf_counter()
            svc.start_broadcast(broadcast_id)
            assert svc.broadcaster is not None
            await svc.broadcaster.wait(broadcast_id)
            while not [m for m in world.coordinator.chat if "Ankündigung versendet" in m.text]:
                await world.api.wait_change(1.0)
            report.seconds = time.perf_counter() - started
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


def run_backend(backend: str, recipients: int, blocked: int) -> Report:
    with fresh_database(cast(Backend, backend)) as url:
        return asyncio.run(run_benchmark(url, backend, recipients, blocked))


def report_table(reports: Sequence[Report]) -> str:
    header = (
        "backend   recipients  blocked  seconds  floor s  ratio  msg/s  429s  5xx"
        "  sent  unreachable  failed  interrupted  lost  twice"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        sent = r.states.get("sent", 0)
        fivexx = sum(n for status, n in r.answers.items() if status >= 500)
        lines.append(
            f"{r.backend:<9} {r.recipients:>10,} {r.blocked:>8} {r.seconds:>8.1f} {r.floor:>8.1f}"
            f" {r.seconds / r.floor:>6.2f} {sent / r.seconds:>6.1f} {r.answers.get(429, 0):>5}"
            f" {fivexx:>4} {sent:>5} {r.states.get('unreachable', 0):>12}"
            f" {r.states.get('failed', 0):>7} {r.states.get('interrupted', 0):>12}"
            f" {r.lost:>5} {r.duplicated:>6}"
        )
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--blocked", type=int, default=20, help="recipients who blocked the bot")
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
        reports.append(run_backend(backend, args.recipients, args.blocked))
        print(report_table(reports[-1:]), flush=True)
    print()
    print(report_table(reports))
    for report in reports:
        for line in (report.refused + report.errors)[:10]:
            print(f"  {report.backend}: {line}")
    return 1 if any(r.failed for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
