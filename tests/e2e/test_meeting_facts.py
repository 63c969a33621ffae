"""Meetings are facts (issue 11, part 2), end to end through the Bot API stand-in.

A meeting that began cannot be cancelled or moved by any button; a meeting recorded afterwards
lies within the tandem's lifetime, once per day, and counts only when the partner (or a
coordinator) confirms it; contradicting feedback makes a meeting disputed, not held; the private
"does the tandem fit?" question comes once per partner and tandem.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import certificates
from storage.db import Database
from storage.models import AuditEntry, Meeting, MeetingFeedback, Reminder
from tests.e2e.harness import advance, answer_of, expect
from tests.e2e.tandems import Pair, seed_pair
from tests.e2e.test_meetings import confirm

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday, 10:00 in Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
ALREADY = "bereits stattgefunden"


async def held_counts(db: Database, pair: Pair, now: dt.datetime) -> tuple[int, int]:
    """(mentor, mentee) meetings held, by the one rule certificates, stats and nudges use."""
    async with db.session() as session:
        held = await certificates.meetings_held(session, pair.program_id, now)
    return held[pair.mentor_participant], held[pair.mentee_participant]


async def all_meetings(db: Database) -> list[Meeting]:
    async with db.session() as session:
        return list((await session.scalars(select(Meeting).order_by(Meeting.id))).all())


async def alert_of(user: FakeUser, query: str) -> str:
    return str((await answer_of(user, query)).get("text", ""))


async def start_logging(user: FakeUser) -> None:
    await user.send("/feedback")
    offer = expect(await user.next_message(), "nachtragen")
    await user.press("📝 Treffen nachtragen", message=offer)
    expect(await user.next_message(), "Wann haben Sie sich getroffen")


async def log_meeting(user: FakeUser, when: str) -> BotMessage:
    """Records a meeting held outside the bot up to the summary; returns the summary."""
    await start_logging(user)
    await user.send(when)
    return expect(await user.next_message(), "nachtragen?")


async def test_a_meeting_that_began_cannot_be_cancelled_or_moved(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await confirm(pair, "3.3. 17:30")  # 16:30 UTC
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 15, 30, tzinfo=dt.UTC) - NOW)
    mentor_reminder = expect(await pair.mentor.next_message(), "in einer Stunde")
    mentee_reminder = expect(await pair.mentee.next_message(), "in einer Stunde")
    meeting = (await all_meetings(db))[0]

    # A quarter of an hour into the meeting: the reminder's buttons no longer move or cancel it.
    await advance(bot_at, clock, 75 * dt.timedelta(minutes=1))
    query = await pair.mentor.press("🔁 Verschieben", message=mentor_reminder)
    assert ALREADY in await alert_of(pair.mentor, query)

    # Afterwards the mentee says it took place; the old reminder's "Absagen" changes nothing.
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 19, 30, tzinfo=dt.UTC) - clock.now())
    ask = expect(await pair.mentee.next_message(), "Hat es stattgefunden?")
    expect(await pair.mentor.next_message(), "Hat es stattgefunden?")
    await pair.mentee.press("✅ Ja, hat stattgefunden", message=ask)
    expect(await pair.mentee.wait_edit(ask), "Wie hilfreich")
    query = await pair.mentee.press("🗑 Absagen", message=mentee_reminder)
    assert ALREADY in await alert_of(pair.mentee, query)
    # Nor does the confirmation step of a cancel, pressed from an old or forged message.
    query = await pair.mentee.press_data(f"me:X:{meeting.id}:0", message=mentee_reminder)
    assert ALREADY in await alert_of(pair.mentee, query)

    await api.wait_idle()
    assert await pair.mentor.collect(0.3) == []  # no "cancelled", no calendar withdrawal
    (meeting,) = await all_meetings(db)
    assert (meeting.status, meeting.outcome, meeting.version) == ("confirmed", "held", 0)
    assert await held_counts(db, pair, clock.now()) == (1, 1)
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
        notices = (await session.scalars(select(Reminder).where(Reminder.kind == "notice"))).all()
    assert "meeting_cancelled" not in actions
    assert not [n for n in notices if n.created_at > NOW + DAY]


async def test_a_move_sent_after_the_meeting_began_is_refused(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentor_ok, *_ = await confirm(pair, "3.3. 17:30")
    await pair.mentor.press("🔁 Verschieben", message=mentor_ok)
    await pair.mentor.next_message()
    await pair.mentor.send("5.3. 18:00")
    summary = expect(await pair.mentor.next_message(), "Fr., 5. März 2027, 18:00")
    # The summary sits in the chat until the meeting has begun; then it is pressed.
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 17, 0, tzinfo=dt.UTC) - NOW)
    await pair.mentor.collect(0.3)
    await pair.mentee.collect(0.1)
    await pair.mentor.press("📨 Treffen verschieben", message=summary)
    expect(await pair.mentor.next_message(), ALREADY)
    await api.wait_idle()
    assert [m for m in await pair.mentee.collect(0.3) if "verschoben" in m.text] == []
    (meeting,) = await all_meetings(db)
    assert meeting.starts_at == dt.datetime(2027, 3, 3, 16, 30, tzinfo=dt.UTC)
    assert (meeting.status, meeting.version) == ("confirmed", 0)


async def test_a_recorded_meeting_is_checked_and_counts_once_the_partner_confirms(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await advance(bot_at, clock, 9 * DAY)  # Wednesday, 10 March
    await start_logging(pair.mentee)
    for text in ("1.1.2026", "28.2."):  # before the tandem was formed on 1 March
        await pair.mentee.send(text)
        expect(await pair.mentee.next_message(), "seit dem 01.03.2027")
    await pair.mentee.send("morgen")
    expect(await pair.mentee.next_message(), "in der Zukunft")
    await pair.mentee.send("gestern")
    summary = expect(await pair.mentee.next_message(), "Di., 9. März 2027", "nachtragen?")
    assert await all_meetings(db) == []  # nothing stored before the dialog is complete
    await pair.mentee.press("✅ Eintragen", message=summary)
    expect(await pair.mentee.wait_edit(summary), "Maria <b>Mentor</b> & Co", "bestätigt")
    rate = expect(await pair.mentee.next_message(), "Eingetragen", "Wie hilfreich")
    ask = expect(await pair.mentor.next_message(), "Emil Mentee", "09.03.2027", "Stimmt das?")
    assert ask.button_texts == ["✅ Ja, stimmt", "❌ Nein"]
    assert await held_counts(db, pair, clock.now()) == (0, 0)  # not before the partner says so

    # The same day again, however it is written: refused, before and at the summary.
    for text in ("gestern", "9.3."):
        await start_logging(pair.mentee)
        await pair.mentee.send(text)
        expect(await pair.mentee.next_message(), "schon ein Treffen")
        await pair.mentee.send("/cancel")
        await pair.mentee.next_message()
    await pair.mentee.press("4", message=rate)
    await pair.mentee.next_message()  # the note, asked as for any meeting

    stale_no = ask.buttons[0][1].callback_data
    assert stale_no is not None
    await pair.mentor.press("✅ Ja, stimmt", message=ask)
    expect(await pair.mentor.wait_edit(ask), "zählt")
    expect(await pair.mentee.next_message(), "bestätigt", "09.03.2027")
    assert await held_counts(db, pair, clock.now()) == (1, 1)
    query = await pair.mentor.press_data(stale_no, message=ask)
    assert "schon" in await alert_of(pair.mentor, query)

    # A "no" from the partner: it does not count, and the day is free again.
    await pair.mentee.send("/cancel")
    await pair.mentee.collect(0.2)
    summary = await log_meeting(pair.mentee, "8.3.")
    await pair.mentee.press("✅ Eintragen", message=summary)
    expect(await pair.mentee.next_message(), "📝 Eingetragen")  # before the partner's answer
    ask = expect(await pair.mentor.next_message(), "08.03.2027", "Stimmt das?")
    await pair.mentor.press("❌ Nein", message=ask)
    expect(await pair.mentor.wait_edit(ask), "nicht gezählt")
    expect(await pair.mentee.next_message(), "nicht bestätigt", "08.03.2027")
    assert await held_counts(db, pair, clock.now()) == (1, 1)

    # A coordinator may confirm instead, on the tandem card.
    summary = await log_meeting(pair.mentee, "7.3.")
    await pair.mentee.press("✅ Eintragen", message=summary)
    expect(await pair.mentee.next_message(), "📝 Eingetragen")  # before the partner's answer
    late_ask = expect(await pair.mentor.next_message(), "07.03.2027")
    await coordinator.send("/tandems")
    choose = await coordinator.next_message()
    await coordinator.press(choose.button_texts[0], message=choose)
    listing = await coordinator.wait_edit(choose)
    await coordinator.press(listing.button_texts[0], message=listing)
    card = await coordinator.wait_edit(listing)
    expect(card, "Treffen: 1", "noch nicht bestätigt: 07.03.2027")
    await coordinator.press("✅ Treffen am 07.03.2027 bestätigen", message=card)
    card = await coordinator.wait_edit(card)
    expect(card, "Treffen: 2")
    assert "noch nicht bestätigt" not in card.text
    assert await held_counts(db, pair, clock.now()) == (2, 2)
    query = await pair.mentor.press("❌ Nein", message=late_ask)
    assert "schon" in await alert_of(pair.mentor, query)
    assert await held_counts(db, pair, clock.now()) == (2, 2)
    statuses = [(m.status, m.confirmed_at is not None) for m in await all_meetings(db)]
    assert statuses == [("logged", True), ("declined", False), ("logged", True)]


async def test_both_partners_recording_the_same_day_at_once_store_one_meeting(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await advance(bot_at, clock, 3 * DAY)
    summaries = [await log_meeting(user, "gestern") for user in (pair.mentor, pair.mentee)]
    await asyncio.gather(
        *(
            user.press("✅ Eintragen", message=summary)
            for user, summary in zip((pair.mentor, pair.mentee), summaries, strict=True)
        )
    )
    await api.wait_idle(quiet=0.3)
    texts = [m.text for user in (pair.mentor, pair.mentee) for m in await user.collect(1.0)]
    assert sum("schon ein Treffen" in text for text in texts) == 1, "\n---\n".join(texts)
    assert sum("Eingetragen" in text for text in texts) == 1, "\n---\n".join(texts)
    (meeting,) = await all_meetings(db)
    assert meeting.status == "logged" and meeting.confirmed_at is None


async def test_contradicting_feedback_makes_a_meeting_disputed(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await confirm(pair, "3.3. 17:30")
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 20, 0, tzinfo=dt.UTC) - NOW)
    mentee_ask = expect(await pair.mentee.next_message(), "Hat es stattgefunden?")
    mentor_ask = expect(await pair.mentor.next_message(), "Hat es stattgefunden?")
    await pair.mentee.press("✅ Ja, hat stattgefunden", message=mentee_ask)
    await pair.mentee.wait_edit(mentee_ask)
    await pair.mentor.press("⏸ Verschoben", message=mentor_ask)
    await pair.mentor.wait_edit(mentor_ask)
    (meeting,) = await all_meetings(db)
    assert meeting.outcome == "disputed"
    assert await held_counts(db, pair, clock.now()) == (0, 0)

    await coordinator.send("/tandems")
    choose = await coordinator.next_message()
    await coordinator.press(choose.button_texts[0], message=choose)
    listing = await coordinator.wait_edit(choose)
    await coordinator.press(listing.button_texts[0], message=listing)
    card = expect(await coordinator.wait_edit(listing), "Treffen: 0", "Strittig", "03.03.2027")
    await coordinator.send("/stats")
    expect(await coordinator.next_message(), "0 stattgefunden", "Treffen: 1 strittig")

    # A coordinator who knows better settles it on the card.
    await coordinator.press("✅ Treffen am 03.03.2027 bestätigen", message=card)
    expect(await coordinator.wait_edit(card), "Treffen: 1")
    assert await held_counts(db, pair, clock.now()) == (1, 1)


async def test_the_fit_question_comes_once_per_partner_and_tandem(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await confirm(pair, "3.3. 17:30")
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 20, 0, tzinfo=dt.UTC) - NOW)
    ask = expect(await pair.mentee.next_message(), "Hat es stattgefunden?")
    await pair.mentor.next_message()
    await pair.mentee.press("✅ Ja, hat stattgefunden", message=ask)
    await pair.mentee.press("5", message=await pair.mentee.wait_edit(ask))
    note = expect(await pair.mentee.next_message(), "zum Programm sagen")
    await pair.mentee.press("Überspringen", message=note)
    fit = expect(await pair.mentee.next_message(), "Passt Ihr Tandem?")
    await pair.mentee.press("👍 Ja, passt", message=fit)
    await pair.mentee.wait_edit(fit)

    # A meeting recorded for the day before that first one: no second fit question.
    await advance(bot_at, clock, DAY)
    summary = await log_meeting(pair.mentee, "2.3.")
    await pair.mentee.press("✅ Eintragen", message=summary)
    rate = expect(await pair.mentee.next_message(), "Wie hilfreich")
    await pair.mentee.press("4", message=rate)
    note = expect(await pair.mentee.next_message(), "zum Programm sagen")
    await pair.mentee.press("Überspringen", message=note)
    expect(await pair.mentee.next_message(), "Danke für Ihre Rückmeldung")
    await api.wait_idle()
    assert not [m for m in await pair.mentee.collect(0.3) if "Passt Ihr Tandem" in m.text]
    async with db.session() as session:
        answers = (await session.scalars(select(MeetingFeedback.fits))).all()
    assert sorted(answers, key=str) == [None, True]
