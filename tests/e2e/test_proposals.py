"""Proposals that do not die silently, end to end: the partner who has not answered is reminded
(with the proposal's own buttons, which work), the proposer is told when its time passed
unanswered and can propose again, and the summary changes one piece at a time, by button or by
typing.

Time is a FrozenClock that `advance` moves; whatever came due in the skipped time fires.
"""

from __future__ import annotations

import datetime as dt

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from tests.e2e.harness import advance, answer_of, expect
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday, 10:00 in Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


async def summary_of(user: FakeUser, when: str, place: str = "Café Central") -> BotMessage:
    """Walks /meet up to the summary (two hours, in `place`)."""
    await user.send("/meet")
    expect(await user.next_message(), "Wann möchten Sie sich treffen")
    await user.send(when)
    await user.press("2 Std.", message=expect(await user.next_message(), "Wie lange"))
    expect(await user.next_message(), "Wo treffen Sie sich")
    await user.send(place)
    return expect(await user.next_message(), "Ihr Vorschlag an")


async def send(user: FakeUser, summary: BotMessage) -> None:
    await user.press("📨 Vorschlag senden", message=summary)
    expect(await user.next_message(), "Ihr Vorschlag ist an")


async def test_an_unanswered_proposal_is_reminded_with_working_buttons(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await send(pair.mentee, await summary_of(pair.mentee, "8.3. 17:30"))
    expect(await pair.mentor.next_message(), "schlägt ein Tandem-Treffen vor")

    # Nothing for almost two days; then the mentor is reminded, with the answer buttons.
    await advance(bot_at, clock, 2 * DAY - HOUR)
    assert await pair.mentor.collect(0.2) == []
    await advance(bot_at, clock, HOUR)
    reminder = expect(
        await pair.mentor.next_message(),
        "wartet noch auf Ihre Antwort",
        "in 5 Tagen",
        "Mo., 8. März 2027, 17:30–19:30 Uhr",
        "Café Central",
    )
    assert reminder.button_texts == ["✅ Passt", "❌ Passt nicht", "🔁 Anderer Termin"]
    assert await pair.mentee.collect(0.1) == []  # the proposer is not reminded
    await pair.mentor.press("✅ Passt", message=reminder)
    expect(await pair.mentor.next_message(), "bestätigt")
    await pair.mentor.next_message()  # .ics
    expect(await pair.mentee.next_message(), "bestätigt")
    await pair.mentee.next_message()  # .ics

    # Answered: the proposer hears the meeting's own reminder, and nothing at its time.
    await advance(bot_at, clock, dt.datetime(2027, 3, 8, 16, 20, tzinfo=dt.UTC) - clock.now())
    expect(await pair.mentee.next_message(), "Erinnerung")
    await advance(bot_at, clock, 20 * dt.timedelta(minutes=1))
    assert await pair.mentee.collect(0.3) == []


async def test_an_expired_proposal_tells_the_proposer_who_can_propose_again(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await send(pair.mentee, await summary_of(pair.mentee, "3.3. 17:30"))
    proposal = expect(await pair.mentor.next_message(), "schlägt ein Tandem-Treffen vor")
    # 55 and a half hours ahead: the reminder comes half-way, after 27 hours and 45 minutes.
    await advance(bot_at, clock, 27 * HOUR)
    assert await pair.mentor.collect(0.2) == []
    await advance(bot_at, clock, 45 * dt.timedelta(minutes=1))
    expect(await pair.mentor.next_message(), "wartet noch auf Ihre Antwort", "in 28 Stunden")

    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 16, 30, tzinfo=dt.UTC) - clock.now())
    told = expect(
        await pair.mentee.next_message(),
        "Ihr Vorschlag für Mi., 3. März 2027, 17:30–19:30 Uhr (Café Central)",
        "wurde nicht beantwortet",
        "Maria <b>Mentor</b> & Co",  # the partner's name, shown literally
    )
    assert told.button_texts == ["📅 Treffen vorschlagen"]
    assert await pair.mentor.collect(0.1) == []
    # Too late to accept now.
    query = await pair.mentor.press("✅ Passt", message=proposal)
    assert "vorbei" in (await answer_of(pair.mentor, query))["text"]
    await pair.mentee.press("📅 Treffen vorschlagen", message=told)
    expect(await pair.mentee.next_message(), "Wann möchten Sie sich treffen")
    await pair.mentee.send("Freitag 18 Uhr")
    expect(await pair.mentee.next_message(), "Wie lange")


async def test_the_summary_changes_one_piece_at_a_time(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentee = pair.mentee
    summary = await summary_of(mentee, "3.3. 17:30")
    assert summary.button_texts == [
        "📨 Vorschlag senden",
        "📆 Tag ändern",
        "🕐 Uhrzeit ändern",
        "⏱ Dauer ändern",
        "📍 Ort ändern",
        "✖️ Verwerfen",
    ]
    # The hour.
    await mentee.press("🕐 Uhrzeit ändern", message=summary)
    hours = expect(await mentee.next_message(), "Um wie viel Uhr am Mi., 3. März 2027")
    await mentee.press("18:00", message=hours)
    summary = expect(await mentee.next_message(), "Mi., 3. März 2027, 18:00–20:00 Uhr")
    # The day, keeping the hour.
    await mentee.press("📆 Tag ändern", message=summary)
    days = expect(await mentee.next_message(), "Wann möchten Sie sich treffen")
    await mentee.press(days.button_texts[3], message=days)  # Friday 5 March
    summary = expect(await mentee.next_message(), "Fr., 5. März 2027, 18:00–20:00 Uhr")
    # The duration.
    await mentee.press("⏱ Dauer ändern", message=summary)
    await mentee.press("1 Std.", message=expect(await mentee.next_message(), "Wie lange"))
    summary = expect(await mentee.next_message(), "18:00–19:00 Uhr", "Café Central")
    # The place: now online, with a link, which can then be changed on its own too.
    await mentee.press("📍 Ort ändern", message=summary)
    await mentee.press("💻 Online", message=expect(await mentee.next_message(), "Wo treffen"))
    expect(await mentee.next_message(), "Link")
    await mentee.send("https://meet.example.org/a")
    summary = expect(await mentee.next_message(), "18:00–19:00 Uhr", "https://meet.example.org/a")
    assert "🔗 Link ändern" in summary.button_texts

    # Typed at the summary: a day and time, a time alone, a link; anything else gets the hint.
    await mentee.send("Donnerstag 18 Uhr")
    expect(await mentee.next_message(), "Do., 4. März 2027, 18:00–19:00 Uhr")
    await mentee.send("17:30")
    expect(await mentee.next_message(), "Do., 4. März 2027, 17:30–18:30 Uhr")
    await mentee.send("https://meet.example.org/b")
    summary = expect(await mentee.next_message(), "https://meet.example.org/b")
    await mentee.send("bei mir im Büro")
    expect(await mentee.next_message(), "Um den Vorschlag zu ändern", "Donnerstag 18 Uhr")
    await send(mentee, summary)
    expect(
        await pair.mentor.next_message(),
        "Do., 4. März 2027, 17:30–18:30 Uhr",
        "https://meet.example.org/b",
    )
