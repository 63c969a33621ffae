"""A bot killed in the middle of a registration carries on where the user was.

One variant stops and rebuilds the Application in-process (fast, both databases); the other runs
`tandem-bot run` as a real process and SIGKILLs it, exactly as a crash or an OOM kill would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.settings import Settings
from core.reminders import Kind, Planned
from fake_bot_api import FakeBotApi, FakeUser
from storage import reminders
from storage.db import Database
from storage.models import Delivery, Meeting, Participant, Reminder
from tests.e2e.harness import (
    ADDRESS_LABEL,
    CONSENT,
    COORDINATOR_ID,
    FORMAT_LABEL,
    ROLE_LABEL,
    SUBMIT,
    bot_running,
    create_program,
    expect,
)
from tests.e2e.tandems import seed_pair
from tests.seeding import seed_broadcast, seed_participant, seed_program

TANDEM_BOT = str(Path(sys.executable).with_name("tandem-bot"))
READY = "receiving updates by long polling"


async def _first_half(user: FakeUser, code: str) -> None:
    await user.send(f"/start {code}")
    await user.press(CONSENT["de"], message=await user.next_message())
    await user.next_message()
    await user.press(ROLE_LABEL["de"]["mentee"], message=await user.next_message())
    expect(await user.next_message(), "Name")
    await user.send("Clara Neumann")
    expect(await user.next_message(), "Unternehmen")
    await user.send("Salzgitter AG")
    expect(await user.next_message(), "Branche")


async def _second_half(user: FakeUser) -> None:
    expect(await user.next_message(), "Position")
    await user.send("Gruppenleiterin")
    topics = expect(await user.next_message(), "Themen")
    await user.press("Karriereplanung", message=topics)
    await user.press("rg:td", message=topics)
    expect(await user.next_message(), "Ziele")
    await user.send("Sicherer in der neuen Führungsrolle werden.")
    await user.press(FORMAT_LABEL["de"]["in_person"], message=await user.next_message())
    await user.press(ADDRESS_LABEL["de"]["f"], message=await user.next_message())
    summary = expect(await user.next_message(), "Clara Neumann", "Salzgitter AG", "Stahl")
    await user.press(SUBMIT["de"], message=summary)
    expect(await user.next_message(), "Vielen Dank")


async def _assert_registered(db: Database) -> None:
    async with db.session() as session:
        rows = (await session.scalars(select(Participant))).all()
    assert [(p.name, p.company, p.industry, p.position) for p in rows] == [
        ("Clara Neumann", "Salzgitter AG", "Stahl", "Gruppenleiterin")
    ]


async def test_restart_in_process_carries_on(
    api: FakeBotApi, settings: Settings, coordinator: FakeUser, db: Database
) -> None:
    user = api.add_user(1001, "Clara")
    async with bot_running(settings):
        code = await create_program(coordinator)
        await _first_half(user, code)
    # The bot is down; the user answers anyway.
    await user.send("Stahl")
    async with bot_running(settings):
        await _second_half(user)
    await _assert_registered(db)


@asynccontextmanager
async def bot_process(
    api: FakeBotApi, database_url: str, workdir: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
        "TANDEM_COORDINATORS": str(COORDINATOR_ID),
        "TANDEM_LOG_LEVEL": "DEBUG",
    }
    ready_before = log.read_text().count(READY) if log.exists() else 0
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            TANDEM_BOT, "run", cwd=workdir, env=env, stdout=out, stderr=out
        )
    try:
        async with asyncio.timeout(30):
            while log.read_text().count(READY) <= ready_before:
                if process.returncode is not None:
                    raise AssertionError(f"bot exited early:\n{log.read_text()}")
                await asyncio.sleep(0.05)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


@pytest.mark.slow
async def test_sigkill_mid_registration_and_restart(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, db: Database, tmp_path: Path
) -> None:
    user = api.add_user(1001, "Clara")
    log = tmp_path / "bot.log"
    async with bot_process(api, database_url, tmp_path, log) as process:
        code = await create_program(coordinator)
        await _first_half(user, code)
        process.send_signal(signal.SIGKILL)
        await process.wait()
    await user.send("Stahl")  # while the bot is dead
    async with bot_process(api, database_url, tmp_path, log):
        await _second_half(user)
    await _assert_registered(db)
    output = log.read_text()
    assert "receiving updates by long polling" in output
    assert api.token not in output
    assert api.token.split(":")[1] not in output


@pytest.mark.slow
async def test_run_applies_migrations_to_an_empty_database(
    api: FakeBotApi, coordinator: FakeUser, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    async with bot_process(api, url, tmp_path, tmp_path / "bot.log"):
        await coordinator.send("/programs")
        expect(await coordinator.next_message(), "noch kein Programm")
    assert "applying database migrations" in (tmp_path / "bot.log").read_text()


@pytest.mark.slow
async def test_sigkill_with_reminders_pending_sends_each_once(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, db: Database, tmp_path: Path
) -> None:
    """A real process is killed while reminders are pending; they come due while it is down;
    the next start sends each exactly once, and a further restart sends nothing again."""
    now = dt.datetime.now(dt.UTC)
    pair = await seed_pair(db, api, now)
    async with db.session() as session:
        meeting = Meeting(
            tandem_id=pair.tandem_id,
            status="confirmed",
            starts_at=now + dt.timedelta(hours=2),
            ends_at=now + dt.timedelta(hours=4),
            online=True,
            proposed_by=pair.mentee.id,
            version=0,
            created_at=now,
            updated_at=now,
            confirmed_at=now,
        )
        session.add(meeting)
        await session.flush()
        planned = [
            Planned(
                Kind.MEETING_SOON,
                now + dt.timedelta(minutes=5),
                u.id,
                f"m{meeting.id}.v0.s.u{u.id}",
            )
            for u in (pair.mentor, pair.mentee)
        ]
        await reminders.plan(
            session, planned, now=now, tandem_id=pair.tandem_id, meeting_id=meeting.id
        )
    log = tmp_path / "bot.log"
    async with bot_process(api, database_url, tmp_path, log) as process:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    async with db.session() as session:  # time passes while the bot is dead
        await session.execute(update(Reminder).values(due_at=now - dt.timedelta(minutes=1)))
    async with bot_process(api, database_url, tmp_path, log):
        for user in (pair.mentor, pair.mentee):
            expect(await user.next_message(timeout=10), "Erinnerung", "Stunde")
        async with asyncio.timeout(10):  # a kill between send and record would leave them open
            while await _reminder_states(db) != ["sent", "sent"]:  # noqa: ASYNC110 (a DB poll)
                await asyncio.sleep(0.05)
    async with bot_process(api, database_url, tmp_path, log):
        await api.wait_idle(timeout=5.0, quiet=0.5)
    for user in (pair.mentor, pair.mentee):
        assert sum("Erinnerung" in m.text for m in user.chat) == 1, user.dump()
    assert await _reminder_states(db) == ["sent", "sent"]


async def _reminder_states(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted((await session.scalars(select(Reminder.state))).all())


@pytest.mark.slow
async def test_sigkill_mid_broadcast_then_restart_delivers_each_at_most_once(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, db: Database, tmp_path: Path
) -> None:
    """A real process is SIGKILLed while a broadcast is going out; the next start carries on:
    everyone recorded as sent got exactly one copy, nobody got two, and only the few messages in
    flight at the kill are left in doubt."""
    now = dt.datetime.now(dt.UTC)
    program = await seed_program(db, now)
    people = [api.add_user(7000 + i, f"P{i}") for i in range(80)]
    for user in people:
        await seed_participant(db, program, user.id, f"Person {user.id}", now)
    await seed_broadcast(db, program, "Kick-off am <b>Freitag</b>", now)

    def copies() -> list[int]:
        return [sum(1 for m in u.chat if m.text == "Kick-off am Freitag") for u in people]

    log = tmp_path / "bot.log"
    async with bot_process(api, database_url, tmp_path, log) as process:  # resumes the broadcast
        async with asyncio.timeout(20):
            while sum(copies()) < 20:
                await api.wait_change(0.5)
        process.send_signal(signal.SIGKILL)
        await process.wait()
    async with bot_process(api, database_url, tmp_path, log):
        async with asyncio.timeout(30):
            while not [m for m in coordinator.chat if "Ankündigung versendet" in m.text]:
                await api.wait_change(0.5)
    async with db.session() as session:
        rows = (await session.scalars(select(Delivery))).all()
    sent = {r.user_id for r in rows if r.state == "sent"}
    doubtful = [r for r in rows if r.state != "sent"]
    assert all(r.state == "interrupted" for r in doubtful) and len(doubtful) <= 8
    assert max(copies()) == 1, "never the same announcement twice"
    assert all(c == 1 for u, c in zip(people, copies(), strict=True) if u.id in sent)
