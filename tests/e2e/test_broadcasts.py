"""Broadcasts end to end: audiences, preview, the outbox at Telegram's limit, blocked users,
429 storms, a restart in the middle, scheduling, and refusal for non-coordinators."""

from __future__ import annotations

import asyncio
import datetime as dt
import html

import pytest
from sqlalchemy import select

from bot.app import AnyApplication
from bot.context import services
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from core.broadcasts import DeliveryState
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import AuditEntry, Broadcast, Delivery, Meeting
from tests.e2e.harness import advance, answer_of, bot_running, expect
from tests.e2e.tandems import Pair, seed_pair
from tests.seeding import seed_broadcast, seed_participant, seed_program

NOW = dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.UTC)
ANNOUNCEMENT = "Stammtisch am Freitag <b> & Co"
BOLD = [{"type": "bold", "offset": 0, "length": 10}]  # "Stammtisch" in bold


class Cohort:
    def __init__(self, met: Pair, quiet: Pair, alone: FakeUser, pending: FakeUser, other: FakeUser):
        self.met, self.quiet, self.alone, self.pending, self.other = (
            met,
            quiet,
            alone,
            pending,
            other,
        )

    @property
    def everyone(self) -> list[FakeUser]:
        return [self.met.mentor, self.met.mentee, self.quiet.mentor, self.quiet.mentee, self.alone]


async def seed(db: Database, api: FakeBotApi) -> Cohort:
    program = await seed_program(db, NOW - dt.timedelta(days=90))
    introduced = NOW - dt.timedelta(days=80)
    met = await seed_pair(db, api, introduced, program_id=program, base=2000)
    quiet = await seed_pair(
        db, api, introduced, program_id=program, base=2100, mentor_name="Quentin <Quiet> & Co"
    )
    async with db.session() as session:  # the first tandem met ten days ago
        session.add(
            Meeting(
                tandem_id=met.tandem_id,
                status="confirmed",
                starts_at=NOW - dt.timedelta(days=10),
                ends_at=NOW - dt.timedelta(days=10, hours=-2),
                online=True,
                proposed_by=met.mentee.id,
                version=0,
                created_at=introduced,
                updated_at=introduced,
            )
        )
    await seed_participant(db, program, 2200, "Alma Alone", NOW)
    await seed_participant(db, program, 2201, "Paul Pending", NOW, status="pending")
    other_program = await seed_program(db, NOW, "Anderes Programm")
    await seed_participant(db, other_program, 2300, "Otto Other", NOW)
    return Cohort(
        met,
        quiet,
        api.add_user(2200, "Alma"),
        api.add_user(2201, "Paul"),
        api.add_user(2300, "Otto"),
    )


async def compose(
    coordinator: FakeUser, audience: str, program: str = "Salzgitter 2027"
) -> BotMessage:
    """Walks /broadcast up to the confirmation; returns the message with the send buttons."""
    await coordinator.send("/broadcast")
    choose = expect(await coordinator.next_message(), "an welches Programm")
    await coordinator.press(program, message=choose)
    expect(await coordinator.next_message(), "Schreiben Sie die Ankündigung")
    await coordinator.send(ANNOUNCEMENT, entities=BOLD)
    expect(await coordinator.next_message(), "Vorschau")
    preview = await coordinator.next_message()
    assert preview.text == ANNOUNCEMENT and preview.entities[0]["type"] == "bold"
    ask = expect(await coordinator.next_message(), "An wen")
    await coordinator.press(audience, message=ask)
    return await coordinator.wait_edit(ask)


async def received(user: FakeUser) -> list[BotMessage]:
    return [m for m in user.chat if m.text == ANNOUNCEMENT]


async def wait_report(api: FakeBotApi, coordinator: FakeUser, timeout: float = 15.0) -> BotMessage:
    """The coordinator's final report: the last thing a broadcast sends."""
    async with asyncio.timeout(timeout):
        while not (found := [m for m in coordinator.chat if "Ankündigung versendet" in m.text]):
            await api.wait_change(0.5)
    return found[-1]


async def wait_done(db: Database, timeout: float = 15.0) -> Broadcast:
    async with asyncio.timeout(timeout):
        while True:
            async with db.session() as session:
                row = (
                    await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()))
                ).first()
            if row is not None and row.status == "done":
                return row
            await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("audience", "who"),
    [
        ("Alle Teilnehmenden", "everyone"),
        ("Mentorinnen und Mentoren", "mentors"),
        ("Mentees", "mentees"),
        ("Teilnehmende ohne Tandem", "alone"),
        ("Tandems ohne Treffen seit 30 Tagen", "quiet"),
    ],
)
async def test_audiences_get_it_once_with_a_report(
    api: FakeBotApi,
    db: Database,
    coordinator: FakeUser,
    bot_at: AnyApplication,
    audience: str,
    who: str,
) -> None:
    cohort = await seed(db, api)
    expected = {
        "everyone": cohort.everyone,
        "mentors": [cohort.met.mentor, cohort.quiet.mentor],
        "mentees": [cohort.met.mentee, cohort.quiet.mentee, cohort.alone],
        "alone": [cohort.alone],
        "quiet": [cohort.quiet.mentor, cohort.quiet.mentee],
    }[who]
    confirm = await compose(coordinator, audience)
    people = "Das ist 1 Person." if len(expected) == 1 else f"Das sind {len(expected)} Personen."
    expect(confirm, people)
    await coordinator.press("📨 Jetzt senden", message=confirm)
    await wait_report(api, coordinator)
    started = f"geht an {len(expected)} Person" + ("en." if len(expected) > 1 else ".")
    expect(await coordinator.wait_edit(confirm), started)
    everyone = [*cohort.everyone, cohort.pending, cohort.other]
    got = {u.id for u in everyone if [m for m in u.chat if m.text == ANNOUNCEMENT]}
    assert got == {u.id for u in expected}
    for user in expected:
        assert len([m for m in user.chat if m.text == ANNOUNCEMENT]) == 1
    final = [m for m in coordinator.chat if "Ankündigung versendet" in m.text]
    assert len(final) == 1
    expect(final[0], f"Zugestellt: {len(expected)}", "Nicht erreichbar (Bot blockiert): 0")


async def test_blocked_users_are_reported_and_a_429_storm_is_ridden_out(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    cohort = await seed(db, api)
    cohort.quiet.mentor.block()
    api.fail_next("sendMessage", status=429, retry_after=1, times=3)
    api.fail_next("sendMessage", status=502, times=2)
    confirm = await compose(coordinator, "Alle Teilnehmenden")
    await coordinator.press("📨 Jetzt senden", message=confirm)
    await wait_report(api, coordinator)
    for user in cohort.everyone:
        if user is not cohort.quiet.mentor:
            assert len([m for m in user.chat if m.text == ANNOUNCEMENT]) == 1, user.dump()
    report = next(m for m in coordinator.chat if "Ankündigung versendet" in m.text)
    expect(report, "Zugestellt: 4", "Nicht erreichbar (Bot blockiert): 1 – Quentin <Quiet> & Co")
    progress = next(m for m in coordinator.chat if m.text.startswith("📣 Ankündigung:"))
    expect(progress, "5 von 5 bearbeitet", "4 zugestellt, 1 nicht erreichbar")
    async with db.session() as session:
        states = sorted((await session.scalars(select(Delivery.state))).all())
    assert states == ["sent"] * 4 + ["unreachable"]

    # Quentin unblocks; the coordinator retries those not reached: only he gets it now.
    cohort.quiet.mentor.unblock()
    await coordinator.collect(0.1)  # progress and report, read above
    await coordinator.press("🔁 Nicht zugestellte erneut senden", message=report)
    expect(await coordinator.next_message(), "Erneuter Versuch für 1 Person.")
    async with asyncio.timeout(10):
        while not await received(cohort.quiet.mentor):
            await api.wait_change(0.5)
    await api.wait_idle()
    for user in cohort.everyone:
        assert len(await received(user)) == 1, user.dump()


async def test_a_restart_mid_broadcast_delivers_each_at_most_once(
    api: FakeBotApi, db: Database, settings: Settings, coordinator: FakeUser
) -> None:
    clock = FrozenClock(NOW)
    program = await seed_program(db, NOW)
    people = [api.add_user(6000 + i, f"P{i}") for i in range(60)]
    for user in people:
        await seed_participant(db, program, user.id, f"Person {user.id}", NOW)
    # Production pacing (one message per chat per second, 30/s overall) makes it take a while.
    async with bot_running(settings, clock=clock, limiter=RateLimiter()) as app:
        confirm = await compose(coordinator, "Alle Teilnehmenden")
        await coordinator.press("📨 Jetzt senden", message=confirm)
        async with asyncio.timeout(10):
            while sum(1 for u in people for m in u.chat if m.text == ANNOUNCEMENT) < 15:
                await api.wait_change(0.5)
        assert services(app).broadcaster is not None
    # Down in the middle: part sent, some in flight, the rest pending.
    async with db.session() as session:
        states = (await session.scalars(select(Delivery.state))).all()
    assert "pending" in states and "sent" in states
    async with bot_running(settings, clock=clock, limiter=RateLimiter()):
        await wait_report(api, coordinator, timeout=20)
    copies = [sum(1 for m in u.chat if m.text == ANNOUNCEMENT) for u in people]
    assert max(copies) == 1, "never the same announcement twice"
    async with db.session() as session:
        rows = (await session.scalars(select(Delivery))).all()
    lost = [r for r in rows if r.state != "sent"]
    assert all(r.state == "interrupted" for r in lost) and len(lost) <= 8  # in flight only
    # In doubt only what really went out: a row is claimed when its slot has come, so every
    # interrupted row's message was requested from Telegram (not just waiting for its turn).
    assert not [r.user_id for r in lost if r.user_id not in requested(api)]
    # Every row recorded as sent arrived; an interrupted one may or may not have.
    sent = len(rows) - len(lost)
    assert sent <= sum(copies) <= len(rows)
    assert all(
        sum(1 for m in u.chat if m.text == ANNOUNCEMENT) == 1
        for u in people
        if u.id in {r.user_id for r in rows if r.state == "sent"}
    )
    report = [m for m in coordinator.chat if "Ankündigung versendet" in m.text]
    assert len(report) == 1


async def test_a_paid_broadcast_shows_its_cost_and_goes_out_paid(
    api: FakeBotApi, db: Database, settings: Settings, coordinator: FakeUser
) -> None:
    """Urgent: the coordinator sees the cost in Stars, chooses the paid broadcast, and every copy
    goes out with allow_paid_broadcast under the stand-in's flood control, none refused; what
    the coordinator is told about it is no paid message."""
    cohort = await seed(db, api)
    # The overall limits as in production; one chat's pace only slows the writing down.
    fast_chats = RateLimiter(chat_per_second=1000.0, chat_burst=1000.0)
    async with bot_running(settings, clock=FrozenClock(NOW), limiter=fast_chats):
        confirm = await compose(coordinator, "Alle Teilnehmenden")
        expect(confirm, "Das sind 5 Personen.", "Telegram berechnet dafür: 5 Nachrichten · 1 Star.")
        api.flood_control = True
        await coordinator.press("⚡ Eilig: bezahlt senden (1 Star)", message=confirm)
        await wait_report(api, coordinator)
    expect(await coordinator.wait_edit(confirm), "geht an 5 Personen.")
    for user in cohort.everyone:
        assert len(await received(user)) == 1, user.dump()
    sent = api.calls_to("sendMessage")
    to_coordinator = [c for c in sent if int(c.params["chat_id"]) == coordinator.id]
    copies = [c for c in sent if "Stammtisch" in c.params["text"] and c not in to_coordinator]
    assert [c.status for c in copies] == [200] * 5
    assert all(c.params.get("allow_paid_broadcast") for c in copies)
    assert not any(c.params.get("allow_paid_broadcast") for c in to_coordinator)
    assert api.paid_messages == 5
    async with db.session() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
    assert broadcast.paid and broadcast.status == "done"


def requested(api: FakeBotApi) -> set[int]:
    """Chats a sendMessage was asked for, whatever became of it."""
    return {int(c.params["chat_id"]) for c in api.calls_to("sendMessage")}


async def test_interrupted_messages_can_be_resent_with_a_note(
    api: FakeBotApi, db: Database, settings: Settings, coordinator: FakeUser
) -> None:
    """A sender died with three messages in flight: the report says so and offers to send them
    again, with a note that they may have it already; the retry button leaves them out."""
    program = await seed_program(db, NOW)
    people = [api.add_user(6100 + i, f"P{i}") for i in range(5)]
    for user in people:
        await seed_participant(db, program, user.id, f"Person {user.id}", NOW)
    await seed_broadcast(db, program, html.escape(ANNOUNCEMENT, quote=False), NOW)
    doubtful = {people[0].id, people[1].id, people[2].id}
    async with db.session() as session:  # what a killed sender leaves behind
        for row in (await session.scalars(select(Delivery))).all():
            if row.user_id in doubtful:
                row.state, row.claimed_by, row.attempts = DeliveryState.SENDING, "dead-process", 1
    async with bot_running(settings, clock=FrozenClock(NOW)):
        report = await wait_report(api, coordinator)
        expect(report, "Unterwegs, als der Versand unterbrochen wurde: 3")
        assert "📨 Mit Hinweis erneut senden" in report.button_texts
        for user in people[3:]:
            assert [m.text for m in user.chat] == [ANNOUNCEMENT]
        query = await coordinator.press("📨 Mit Hinweis erneut senden", message=report)
        await answer_of(coordinator, query)
        async with asyncio.timeout(5):
            while not any("noch einmal hinaus (Empfänger: 3)" in m.text for m in coordinator.chat):
                await api.wait_change(0.5)
        async with asyncio.timeout(10):
            while sum(len(u.chat) for u in people[:3]) < 3:
                await api.wait_change(0.5)
        await api.wait_idle()
    for user in people[:3]:
        [message] = user.chat
        assert message.text.startswith(ANNOUNCEMENT)
        assert "erneut gesendet – vielleicht haben Sie diese Nachricht schon erhalten" in (
            message.text
        )
    for user in people[3:]:
        assert [m.text for m in user.chat] == [ANNOUNCEMENT]  # nobody else got it twice
    async with db.session() as session:
        rows = (await session.scalars(select(Delivery))).all()
    assert {r.state for r in rows} == {"sent"}
    assert {r.user_id for r in rows if r.resent} == doubtful


async def test_scheduled_broadcast_goes_out_at_its_time_or_not_at_all(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    cohort = await seed(db, api)
    confirm = await compose(coordinator, "Teilnehmende ohne Tandem")
    await coordinator.press("🕒 Zeitpunkt wählen", message=confirm)
    expect(await coordinator.next_message(), "Wann soll")
    await coordinator.send("heute 9 Uhr")  # 10:00 in Berlin already
    expect(await coordinator.next_message(), "Vergangenheit")
    await coordinator.send("morgen 9 Uhr")
    scheduled = expect(await coordinator.next_message(), "Geplant", "02.06.2027, 09:00 Uhr")
    await seed_participant(db, (await _program_id(db)), 2400, "Lena Late", NOW)  # joins later
    late = api.add_user(2400, "Lena")
    await advance(bot_at, clock, dt.timedelta(hours=23))
    await wait_report(api, coordinator)
    await coordinator.collect(0.2)  # the progress message and the report
    assert [len(await received(u)) for u in (cohort.alone, late)] == [1, 1]
    assert await received(cohort.met.mentor) == []
    query = await coordinator.press("Geplante Ankündigung abbrechen", message=scheduled)
    assert "schon unterwegs" in (await answer_of(coordinator, query))["text"]

    # A second one is cancelled before its time: nobody gets it.
    confirm = await compose(coordinator, "Mentees")
    await coordinator.press("🕒 Zeitpunkt wählen", message=confirm)
    await coordinator.next_message()
    await coordinator.send("übermorgen 10:00")
    scheduled = expect(await coordinator.next_message(), "Geplant")
    await coordinator.press("Geplante Ankündigung abbrechen", message=scheduled)
    expect(await coordinator.wait_edit(scheduled), "abgebrochen")
    await advance(bot_at, clock, dt.timedelta(days=3))
    await api.wait_idle()
    assert len(await received(cohort.met.mentee)) == 0


async def _program_id(db: Database) -> int:
    from storage.models import Program

    async with db.session() as session:
        return (await session.scalars(select(Program.id).order_by(Program.id))).first() or 0


async def test_participants_cannot_broadcast(
    api: FakeBotApi, db: Database, coordinator: FakeUser, bot_at: AnyApplication
) -> None:
    cohort = await seed(db, api)
    intruder = cohort.alone
    await intruder.send("/broadcast")
    expect(await intruder.next_message(), "Das darf nur")
    for data in ("bc:p:1", "bc:a:all", "bc:go", "bc:later", "bc:x:1", "bc:r:1", "bc:stop"):
        query = await intruder.press_data(data)
        assert (await answer_of(intruder, query))["show_alert"]
    async with db.session() as session:
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
        assert len(refused) == 8
        assert (await session.scalars(select(Broadcast))).all() == []
