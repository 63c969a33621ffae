"""Dates and times as each reader writes them (wording guide: Babel, the reader's locale).

In one tandem the mentor reads English and the mentee German: the same meeting is "Wed 3 March
2027, 5:00 pm–7:00 pm" for one and "Mi., 3. März 2027, 17:00–19:00 Uhr" for the other, in the
day picker, the proposal, the confirmation and the reminder.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import User
from tests.e2e.harness import advance, expect
from tests.e2e.tandems import seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday, 10:00 in Berlin

GERMAN = "Mi., 3. März 2027, 17:00–19:00 Uhr"
ENGLISH = "Wed 3 March 2027, 5:00 pm–7:00 pm"


def english_only(message: BotMessage) -> None:
    """No German date or clock left in an English message."""
    for german in ("Uhr", "03.03.", "17:00", "Mi."):
        assert german not in message.text, message.text


async def pick_day(user: FakeUser, start: str, day: str) -> BotMessage:
    """/meet, then a day button; returns the question for the hour."""
    await user.send("/meet")
    ask = expect(await user.next_message(), start)
    await user.press(day, message=ask)
    return await user.next_message()


async def test_each_partner_reads_the_meeting_time_in_their_language(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW, mentor_name="Petra Schulz", mentee_name="Jonas Weber")
    async with db.session() as session:
        await session.execute(update(User).where(User.id == pair.mentor.id).values(language="en"))

    # The English mentor's pickers: short English days, a 12-hour clock.
    await pair.mentor.send("/meet")
    ask = expect(await pair.mentor.next_message(), "When would you like to meet")
    assert ask.button_texts[:2] == ["Tue 2 Mar", "Wed 3 Mar"]
    await pair.mentor.press("Wed 3 Mar", message=ask)
    hours = expect(await pair.mentor.next_message(), "What time on Wed 3 March 2027?")
    assert "5:00 pm" in hours.button_texts and "8:00 am" in hours.button_texts
    await pair.mentor.send("/cancel")
    await pair.mentor.next_message()

    # The German mentee's: "Mi. 03.03.", a 24-hour clock.
    await pair.mentee.send("/meet")
    ask = expect(await pair.mentee.next_message(), "Wann möchten Sie sich treffen")
    assert ask.button_texts[:2] == ["Di. 02.03.", "Mi. 03.03."]
    await pair.mentee.press("Mi. 03.03.", message=ask)
    hours = expect(await pair.mentee.next_message(), "Um wie viel Uhr am Mi., 3. März 2027?")
    await pair.mentee.press("17:00", message=hours)
    durations = expect(await pair.mentee.next_message(), "Wie lange")
    await pair.mentee.press("2 Std.", message=durations)
    expect(await pair.mentee.next_message(), "Wo treffen Sie sich")
    await pair.mentee.send("Café Central")
    summary = expect(await pair.mentee.next_message(), "Ihr Vorschlag an", GERMAN)
    await pair.mentee.press("📨 Vorschlag senden", message=summary)
    expect(await pair.mentee.next_message(), "Ihr Vorschlag ist an")

    proposal = expect(await pair.mentor.next_message(), "proposes a tandem meeting", ENGLISH)
    english_only(proposal)
    await pair.mentor.press("✅ Works for me", message=proposal)
    english_only(expect(await pair.mentor.next_message(), "confirmed", ENGLISH))
    await pair.mentor.next_message()  # the calendar file
    expect(await pair.mentee.next_message(), "bestätigt", GERMAN)
    await pair.mentee.next_message()

    # 17:00 in Berlin is 16:00 UTC; the reminders 24 hours before, each in its reader's words.
    await advance(bot_at, clock, dt.datetime(2027, 3, 2, 16, 0, tzinfo=dt.UTC) - NOW)
    english_only(expect(await pair.mentor.next_message(), "Reminder", "in 24 hours", ENGLISH))
    expect(await pair.mentee.next_message(), "Erinnerung", "in 24 Stunden", GERMAN)
