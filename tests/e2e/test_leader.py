"""Two bot processes on one PostgreSQL: one leads, the other takes over when it dies, and no
reminder and no broadcast message goes out twice.

Both run `tandem-bot run` as real processes in webhook mode (as behind a load balancer; each
listens on its own port). The database holds a broadcast to 60 participants and 60 event
invitations due a few seconds after the start. The leader is SIGKILLed mid-broadcast; the other
process must take over, close what was in flight as interrupted, and send the rest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.reminders import Kind, Policy, plan_event
from fake_bot_api import FakeBotApi, FakeUser
from storage import events, reminders
from storage.db import Database
from storage.models import Delivery, Reminder
from tests.e2e.harness import COORDINATOR_ID
from tests.seeding import seed_broadcast, seed_participant, seed_program

TANDEM_BOT = str(Path(sys.executable).with_name("tandem-bot"))
READY = "receiving updates by webhook on port"
LEADING = "leading: this process sends reminders and broadcasts"
ANNOUNCEMENT = "Kick-off am Freitag"
PEOPLE = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def bot_process(
    api: FakeBotApi,
    database_url: str,
    workdir: Path,
    log: Path,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[asyncio.subprocess.Process]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
        "TANDEM_COORDINATORS": str(COORDINATOR_ID),
        "TANDEM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "TANDEM_WEBHOOK_SECRET": "leader-test-secret",
        "TANDEM_WEBHOOK_LISTEN": "127.0.0.1",
        "TANDEM_WEBHOOK_PORT": str(port),
        "TANDEM_LEADER_RETRY_SECONDS": "0.5",
        "TANDEM_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            TANDEM_BOT, "run", cwd=workdir, env=env, stdout=out, stderr=out
        )
    try:
        await until(lambda: READY in log.read_text(), 30, process, log)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def until(
    condition: object, seconds: float, process: asyncio.subprocess.Process | None, log: Path
) -> None:
    assert callable(condition)
    async with asyncio.timeout(seconds):
        while not condition():
            if process is not None and process.returncode is not None:
                raise AssertionError(f"bot exited early:\n{log.read_text()}")
            await asyncio.sleep(0.05)


async def seed(db: Database, api: FakeBotApi) -> tuple[list[FakeUser], int]:
    now = dt.datetime.now(dt.UTC)
    program = await seed_program(db, now)
    people = [api.add_user(8000 + i, f"P{i}") for i in range(PEOPLE)]
    for user in people:
        await seed_participant(db, program, user.id, f"Person {user.id}", now)
    broadcast_id = await seed_broadcast(db, program, "Kick-off am <b>Freitag</b>", now)
    async with db.session() as session:
        event = await events.create(
            session,
            program_id=program,
            kind="network",
            title="Stammtisch",
            starts_at=now + dt.timedelta(days=30),
            place="Rathaus",
            created_by=COORDINATOR_ID,
            now=now,
        )
        # Invitations due a few seconds after the start, while the broadcast is going out (only
        # those: the question a week before to whoever has not answered is weeks away).
        planned = [
            p
            for p in plan_event(
                event_id=event.id,
                starts_at=event.starts_at,
                user_ids=[u.id for u in people],
                policy=Policy(before_event=()),
                now=now + dt.timedelta(seconds=3),
            )
            if p.kind is Kind.EVENT_INVITE
        ]
        await reminders.plan(session, planned, now=now, event_id=event.id)
    return people, broadcast_id


async def unfinished(db: Database) -> int:
    async with db.session() as session:
        open_deliveries = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.state.in_(("pending", "sending")))
        )
        open_reminders = await session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.state.in_(("pending", "sending")))
        )
    return int(open_deliveries or 0) + int(open_reminders or 0)


async def advisory_locks(db: Database) -> int:
    async with db.session() as session:
        found = await session.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
                "database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    return int(found or 0)


@pytest.mark.slow
async def test_one_leader_sends_and_the_other_takes_over_when_it_dies(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, db: Database, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("leader election is a PostgreSQL advisory lock")
    people, _ = await seed(db, api)

    def copies(fragment: str) -> list[int]:
        return [sum(1 for m in u.chat if fragment in m.text) for u in people]

    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    async with bot_process(api, database_url, tmp_path, log_a) as first:
        await until(lambda: LEADING in log_a.read_text(), 15, first, log_a)
        async with bot_process(api, database_url, tmp_path, log_b) as second:
            await asyncio.sleep(1.0)  # several of the follower's lock attempts
            assert LEADING not in log_b.read_text(), "only one leads"
            assert await advisory_locks(db) == 1
            await until(lambda: sum(copies(ANNOUNCEMENT)) >= 15, 20, first, log_a)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            await until(lambda: LEADING in log_b.read_text(), 15, second, log_b)

            for _ in range(300):  # everything sent or closed, within a minute
                if await unfinished(db) == 0:
                    break
                await asyncio.sleep(0.2)
            assert await unfinished(db) == 0
            await api.wait_idle()

    async with db.session() as session:
        deliveries = (await session.scalars(select(Delivery))).all()
        invitations = (await session.scalars(select(Reminder))).all()
    announced, invited = copies(ANNOUNCEMENT), copies("Stammtisch")
    assert max(announced) == 1 and max(invited) == 1, "nothing went out twice"
    for rows, received in ((deliveries, announced), (invitations, invited)):
        doubtful = [r for r in rows if r.state != "sent"]
        # Only what was in flight at the kill is left in doubt (closed as interrupted).
        assert all(r.state == "interrupted" for r in doubtful) and len(doubtful) <= 8
        sent = {r.user_id for r in rows if r.state == "sent"}
        assert all(c == 1 for u, c in zip(people, received, strict=True) if u.id in sent)
    # Interrupted broadcast rows <= requests in flight at the kill: a row is claimed only when
    # its message goes out, so each one left in doubt was really requested from Telegram.
    requested = {int(c.params["chat_id"]) for c in api.calls_to("sendMessage")}
    assert not [
        r.user_id for r in deliveries if r.state == "interrupted" and r.user_id not in requested
    ]
    assert sum(invited) >= PEOPLE - 8 and sum(announced) >= PEOPLE - 8
