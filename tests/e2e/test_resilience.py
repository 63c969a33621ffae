"""Telegram answering 429 and 5xx, users who blocked the bot, and webhook mode."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import services
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from core.reminders import Kind, Planned
from fake_bot_api import FakeBotApi, FakeUser
from storage import broadcasts, programs, reminders, users
from storage.db import Database
from storage.models import Delivery, Participant, Reminder, User
from tests.e2e.harness import TOKEN, Profile, bot_running, expect, make_settings, register
from tests.seeding import seed_broadcast, seed_participant, seed_program


async def test_flood_control_and_server_errors_are_retried(
    api: FakeBotApi, coordinator: FakeUser, bot: object
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=1)
    await coordinator.send("/help")
    expect(await coordinator.next_message(timeout=10), "/newprogram")
    api.fail_next("sendMessage", status=502, times=2)
    await coordinator.send("/help")
    expect(await coordinator.next_message(timeout=10), "/newprogram")
    failed = [c for c in api.calls_to("sendMessage") if not c.ok]
    assert [c.status for c in failed] == [429, 502, 502]


async def test_production_limits_keep_under_telegrams_flood_control(
    database_url: str, coordinator_id: int = 9001
) -> None:
    """40 people at once, against a stand-in that enforces Telegram's limits: nobody is refused."""
    async with FakeBotApi(token=TOKEN, flood_control=True) as flooded:
        flooded.add_user(coordinator_id, "Juliane")
        people = [flooded.add_user(2000 + i, f"U{i}") for i in range(40)]
        settings = make_settings(flooded, database_url)
        async with bot_running(settings, limiter=RateLimiter()):
            for person in people:
                await person.send("/help")
            for person in people:
                expect(await person.next_message(timeout=15), "Tandem")
            # Bursts within one chat are paced too: three quick commands, three answers.
            for _ in range(5):
                await people[0].send("/help")
            replies = [await people[0].next_message(timeout=15) for _ in range(5)]
            assert len(replies) == 5
        # Pacing keeps Telegram from refusing, bar the odd 429 that timing jitter between our
        # clock and the server's can cause; that one is waited out and resent, so every answer
        # above arrived all the same.
        refused = [c for c in flooded.calls if c.status == 429]
        assert len(refused) <= 1, refused


async def test_a_blocked_coordinator_does_not_break_a_registration(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    async with db.session() as session:  # a coordinator the bot knows, so it can mark them
        await users.upsert(
            session,
            user_id=coordinator.id,
            identity=users.Identity("Juliane"),
            now=__import__("datetime").datetime.now(__import__("datetime").UTC),
        )
    coordinator.block()
    anna = api.add_user(1001, "Anna")
    done = await register(anna, code, Profile())
    expect(done, "Vielen Dank")
    await api.wait_idle()
    async with db.session() as session:
        assert (await session.scalars(select(Participant))).one().status == "pending"
        row = await session.get(User, coordinator.id)
        assert row is not None and row.reachable is False
    coordinator.unblock()
    await coordinator.send("/help")  # writing again makes them reachable again
    await coordinator.next_message()
    async with db.session() as session:
        row = await session.get(User, coordinator.id)
        assert row is not None and row.reachable is True


async def test_user_blocking_the_bot_is_recorded(api: FakeBotApi, code: str, db: Database) -> None:
    anna = api.add_user(1001, "Anna")
    await register(anna, code, Profile())
    anna.block()
    await api.wait_idle()
    async with db.session() as session:
        row = await session.get(User, 1001)
        assert row is not None
        await session.refresh(row)
        assert row.reachable is False


async def test_webhook_mode_checks_the_secret_token(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, unused_tcp_port: int
) -> None:
    secret = "s3cr3t-webhook-token"
    settings: Settings = make_settings(
        api,
        database_url,
        webhook_url=f"http://127.0.0.1:{unused_tcp_port}/telegram",
        webhook_secret=secret,
        webhook_listen="127.0.0.1",
        webhook_port=unused_tcp_port,
    )
    async with bot_running(settings):
        info = api.calls_to("setWebhook")[-1].params
        assert info["url"] == f"http://127.0.0.1:{unused_tcp_port}/telegram"
        assert info["secret_token"] == secret
        await coordinator.send("/help")
        expect(await coordinator.next_message(), "/newprogram")
        assert api.webhook_deliveries and api.webhook_deliveries[-1].status == 200
        forged = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 9001, "type": "private"},
                "from": {"id": 9001, "is_bot": False, "first_name": "X"},
                "text": "/newprogram",
                "entities": [{"type": "bot_command", "offset": 0, "length": 11}],
            },
        }
        url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=forged) as response:
                assert response.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
        assert await coordinator.collect(timeout=0.3) == []

        # Telegram redelivers an update whose webhook call timed out: no second effect.
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with aiohttp.ClientSession() as http:
            for _ in range(2):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 200
        expect(await coordinator.next_message(), "Neuen Jahrgang")
        assert await coordinator.collect(timeout=0.5) == []


async def test_database_connections_dropped_by_the_server_are_replaced(
    api: FakeBotApi, coordinator: FakeUser, settings: Settings, db: Database, database_url: str
) -> None:
    """What a PostgreSQL restart does to a running bot: every pooled connection dies. The pool's
    pre-ping notices on checkout and reconnects; the user never sees it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates server connections: PostgreSQL only")
    async with bot_running(settings):
        await coordinator.send("/programs")
        expect(await coordinator.next_message(), "Programm")
        async with db.session() as session:
            killed = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert killed and killed >= 1  # the bot's pooled connections
        for _ in range(3):
            await coordinator.send("/programs")
            expect(await coordinator.next_message(), "Programm")
    assert [c for c in api.calls if c.status >= 400 and c.method != "getUpdates"] == []


async def test_idle_connections_dropped_between_units_of_work_are_replaced(
    api: FakeBotApi,
    coordinator: FakeUser,
    settings: Settings,
    db: Database,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server drops the bot's idle pooled connections (a restart, an idle timeout) just
    before a due reminder fires, before a broadcast starts and before an update: each of them
    still does its work once, with no error (the pool's pre-ping replaces a dead connection on
    checkout; without it the units of work not run under storage.db.retrying would fail)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates server connections: PostgreSQL only")
    program = await seed_program(db, dt.datetime.now(dt.UTC))
    people = [api.add_user(7200 + i, f"P{i}") for i in range(5)]
    for user in people:
        await seed_participant(db, program, user.id, f"Person {user.id}", dt.datetime.now(dt.UTC))
    async with bot_running(settings) as app:
        svc = services(app)
        assert svc.scheduler is not None
        await coordinator.send("/programs")  # the pool holds connections now
        expect(await coordinator.next_message(), "Programm")

        now = dt.datetime.now(dt.UTC)
        planned = [
            Planned(
                Kind.NOTICE,
                now + dt.timedelta(seconds=1),
                people[0].id,
                "notice.test.1",
                {"text": "Hallo"},
            )
        ]
        async with db.session() as session:
            await reminders.plan(session, planned, now=now)
        await svc.scheduler.reload()  # armed; its timer fires on a dead connection
        await cut_pooled_connections(db)
        async with asyncio.timeout(15):
            while True:
                async with db.session() as session:
                    states = [r.state for r in await session.scalars(select(Reminder))]
                if states == ["sent"]:
                    break
                await asyncio.sleep(0.2)

        broadcast_id = await seed_broadcast(db, program, "Kick-off", dt.datetime.now(dt.UTC))
        await cut_pooled_connections(db)
        svc.start_broadcast(broadcast_id)
        async with asyncio.timeout(15):
            while not [m for m in coordinator.chat if "Ankündigung versendet" in m.text]:
                await api.wait_change(0.5)
        await coordinator.collect()  # the broadcast's progress and report

        await cut_pooled_connections(db)
        await coordinator.send("/programs")
        expect(await coordinator.next_message(), "Programm")
    assert [sum(m.text == "Kick-off" for m in u.chat) for u in people] == [1] * 5
    async with db.session() as session:
        assert [r.state for r in await session.scalars(select(Delivery))] == ["sent"] * 5
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


async def cut_pooled_connections(db: Database) -> None:
    """What a database restart does to the bot's pooled connections, from the test's own engine
    (a connection apart). The leader's lock connection is spared: losing it is a change of
    leader, tested in test_leader.py."""
    async with db.session() as session:
        await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')"
            )
        )


def cut_after(
    monkeypatch: pytest.MonkeyPatch, db: Database, module: object, name: str, at: int = 1
) -> None:
    """Wrap the storage function `module.name` so that its `at`-th call cuts the pooled
    connections right after its statement, before the commit: that transaction is lost."""
    original: Callable[..., Awaitable[Any]] = getattr(module, name)
    calls = 0

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = await original(*args, **kwargs)
        calls += 1
        if calls == at:
            await cut_pooled_connections(db)
        return result

    monkeypatch.setattr(module, name, wrapper)


async def test_a_connection_cut_in_the_middle_of_an_update_is_retried(
    api: FakeBotApi,
    coordinator: FakeUser,
    settings: Settings,
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A PostgreSQL restart while an update is in its transaction: the server terminates the
    bot's connection between two queries. The update runs again from the start on a new
    connection; the coordinator gets the list, not "something went wrong"."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates server connections: PostgreSQL only")
    await seed_program(db, dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    counted = programs.participant_counts
    cuts = 0

    async def cut_once_then_count(session: AsyncSession, program_id: int) -> dict[str, int]:
        nonlocal cuts
        if cuts == 0:
            cuts += 1
            await cut_pooled_connections(db)
        return await counted(session, program_id)

    monkeypatch.setattr(programs, "participant_counts", cut_once_then_count)
    async with bot_running(settings):
        await coordinator.send("/programs")
        listing = expect(await coordinator.next_message(), "Programme")
        assert any("Salzgitter 2027" in b.text for row in listing.buttons for b in row)
        assert await coordinator.collect(timeout=0.3) == []
    assert cuts == 1
    retried = [r for r in caplog.records if "the database failed" in r.getMessage()]
    assert len(retried) == 1
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


async def test_a_broadcast_rides_out_cut_connections(
    api: FakeBotApi,
    coordinator: FakeUser,
    settings: Settings,
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The database drops the sender's connections twice mid-broadcast: once in the transaction
    of a worker claiming its next recipient, once in one recording a delivery. Everybody gets
    the announcement once, every row ends 'sent' (none 'interrupted'), and the report comes."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates server connections: PostgreSQL only")
    now = dt.datetime.now(dt.UTC)
    program = await seed_program(db, now)
    people = [api.add_user(7000 + i, f"P{i}") for i in range(20)]
    for user in people:
        await seed_participant(db, program, user.id, f"Person {user.id}", now)
    await seed_broadcast(db, program, "Kick-off am <b>Freitag</b>", now)
    cut_after(monkeypatch, db, broadcasts, "claim", at=6)
    cut_after(monkeypatch, db, broadcasts, "finish", at=12)
    async with bot_running(settings):  # the leader resumes the broadcast
        async with asyncio.timeout(30):
            while not [m for m in coordinator.chat if "Ankündigung versendet" in m.text]:
                await api.wait_change(0.5)
    assert [sum(m.text == "Kick-off am Freitag" for m in u.chat) for u in people] == [1] * 20
    async with db.session() as session:
        states = [r.state for r in await session.scalars(select(Delivery))]
    assert states == ["sent"] * 20
    # The two cut transactions were run again (and any other worker's that was in flight).
    assert len([r for r in caplog.records if "the database failed" in r.getMessage()]) >= 2
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


async def test_a_reminder_rides_out_cut_connections(
    api: FakeBotApi,
    coordinator: FakeUser,
    settings: Settings,
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The database drops the connections in the middle of the transaction that claims a due
    reminder, and again in the one that records its delivery: it arrives once and its row ends
    'sent', not 'failed' (never sent) or 'interrupted' (sent, but reported as in doubt)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates server connections: PostgreSQL only")
    now = dt.datetime.now(dt.UTC)
    user = api.add_user(7100, "Clara")
    due = now + dt.timedelta(seconds=1.5)  # after the start: the leader is settled by then
    async with db.session() as session:
        await reminders.plan(
            session,
            [Planned(Kind.NOTICE, due, user.id, "notice.test.0", {"text": "Hallo <b>Clara</b>"})],
            now=now,
        )
    cut_after(monkeypatch, db, reminders, "claim")  # the claim is rolled back
    cut_after(monkeypatch, db, reminders, "finish")
    async with bot_running(settings):
        expect(await user.next_message(), "Hallo Clara")
        await api.wait_idle(quiet=0.3)
    assert sum("Hallo Clara" in m.text for m in user.chat) == 1
    async with db.session() as session:
        assert [r.state for r in await session.scalars(select(Reminder))] == ["sent"]
    assert len([r for r in caplog.records if "the database failed" in r.getMessage()]) == 2
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


async def test_command_menus_are_retried_at_start(
    api: FakeBotApi, coordinator: FakeUser, settings: Settings
) -> None:
    """Telegram answering 502 and 429 to setMyCommands at start-up: retried, not a crash."""
    api.fail_next("setMyCommands", status=502, times=2)
    api.fail_next("setMyCommands", status=429, retry_after=1)
    async with bot_running(settings):
        await coordinator.send("/help")
        expect(await coordinator.next_message(), "/newprogram")
    statuses = [c.status for c in api.calls if c.method == "setMyCommands"]
    assert statuses[:4] == [502, 502, 429, 200]
    assert [c["command"] for c in api.visible_commands(coordinator.id)][:2] == ["start", "profile"]
