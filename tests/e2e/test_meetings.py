"""Meetings end to end: propose, answer, calendar files, reminders, feedback, nudges.

Time is a FrozenClock the tests move with `advance`, which re-arms the scheduler's timers from
the database exactly as a restart does; whatever came due in the skipped time fires at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from bot.settings import Settings
from core.clock import FrozenClock
from core.reminders import PROPOSAL_KINDS
from core.tandems import TandemStatus
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage.db import Database
from storage.models import AuditEntry, Dialog, Meeting, MeetingFeedback, Reminder, Tandem
from tests.calendars import alarm_minutes, organizer, read
from tests.e2e.harness import advance, answer_of, bot_running, expect
from tests.e2e.tandems import Pair, seed_pair

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # Monday, 10:00 in Berlin
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


async def propose(
    user: FakeUser, when: str, place: str = "Café <Müller> & Söhne", duration: str = "2 Std."
) -> BotMessage:
    """Walks /meet for a user with no upcoming meeting; returns the "sent" confirmation."""
    await user.send("/meet")
    ask = expect(await user.next_message(), "Wann möchten Sie sich treffen")
    assert len(ask.button_texts) == 7  # the next seven days
    await user.send(when)
    durations = expect(await user.next_message(), "Wie lange")
    await user.press(duration, message=durations)
    places = expect(await user.next_message(), "Wo treffen Sie sich")
    if place == "online":
        await user.press("💻 Online", message=places)
        expect(await user.next_message(), "Link")
        await user.send("https://meet.example.org/tandem?a=1&b=2")
    else:
        await user.send(place)
    summary = expect(await user.next_message(), "Ihr Vorschlag an")
    await user.press("📨 Vorschlag senden", message=summary)
    return expect(await user.next_message(), "Ihr Vorschlag ist an")


async def confirm(pair: Pair, when: str = "3.3. 17:30", **kw: str) -> tuple[BotMessage, ...]:
    """Mentee proposes, mentor accepts; returns (mentor confirmation, its ics, mentee's two)."""
    await propose(pair.mentee, when, **kw)
    proposal = expect(await pair.mentor.next_message(), "schlägt ein Tandem-Treffen vor")
    await pair.mentor.press("✅ Passt", message=proposal)
    mentor_ok = expect(await pair.mentor.next_message(), "bestätigt")
    mentor_ics = await pair.mentor.next_message()
    mentee_ok = expect(await pair.mentee.next_message(), "bestätigt")
    mentee_ics = await pair.mentee.next_message()
    return mentor_ok, mentor_ics, mentee_ok, mentee_ics


async def reminder_rows(db: Database) -> list[Reminder]:
    """The planned reminders about meetings (not the notices to the partner, which are sent at
    once, nor those about an open proposal, tested on their own)."""
    async with db.session() as session:
        query = (
            select(Reminder)
            .where(Reminder.kind.notin_(["notice", *PROPOSAL_KINDS]))
            .order_by(Reminder.id)
        )
        return list((await session.scalars(query)).all())


async def test_propose_accept_remind_and_feedback(
    api: FakeBotApi,
    db: Database,
    coordinator: FakeUser,
    clock: FrozenClock,
    bot_at: AnyApplication,
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentor_ok, mentor_ics, mentee_ok, mentee_ics = await confirm(pair)
    for ok in (mentor_ok, mentee_ok):  # reminders are planned, so they are promised
        expect(ok, "Ich erinnere Sie vorher daran")
    # 17:30 in Berlin in March (CET) is 16:30 UTC; both get the same calendar entry.
    expect(mentee_ok, "Mi., 3. März 2027, 17:30–19:30 Uhr", "Café <Müller> & Söhne")
    for doc in (mentor_ics, mentee_ics):
        assert doc.document is not None and doc.document.filename.endswith(".ics")
        calendar, event = read(doc.document.content)
        assert str(calendar["METHOD"]) == "PUBLISH" and str(event["STATUS"]) == "CONFIRMED"
        assert event.decoded("DTSTART") == dt.datetime(2027, 3, 3, 16, 30, tzinfo=dt.UTC)
        assert event.decoded("DTEND") == dt.datetime(2027, 3, 3, 18, 30, tzinfo=dt.UTC)
        # Unique to this bot (the stand-in's token starts with 123456789), never the token.
        assert str(event["UID"]) == "meeting-1@123456789.tandem.invalid"
        assert event["SEQUENCE"] == 0
        assert organizer(event)[0] == "noreply@123456789.tandem.invalid"
        assert b"SECRET" not in doc.document.content
        assert str(event["LOCATION"]) == "Café <Müller> & Söhne"
        assert alarm_minutes(event) == [24 * 60, 60]  # as the bot's own reminders
    assert "Maria <b>Mentor</b> & Co" in mentee_ok.text  # shown literally, never as markup
    rows = await reminder_rows(db)
    assert sorted(r.kind for r in rows) == sorted(
        ["meeting_soon"] * 4 + ["feedback"] * 2 + ["feedback_again"] * 2
    )

    # 24 hours before, then one hour before: one reminder each time, to both.
    await advance(bot_at, clock, dt.datetime(2027, 3, 2, 16, 30, tzinfo=dt.UTC) - NOW)
    for user in (pair.mentor, pair.mentee):
        expect(await user.next_message(), "Erinnerung", "in 24 Stunden", "17:30")
    await advance(bot_at, clock, 23 * HOUR)
    for user in (pair.mentor, pair.mentee):
        reminder = expect(await user.next_message(), "Erinnerung", "in einer Stunde")
        assert "🔁 Verschieben" in reminder.button_texts

    # An hour after the end both are asked; the mentee answers, the mentor does not.
    await advance(bot_at, clock, 4 * HOUR)
    ask_mentor = expect(await pair.mentor.next_message(), "Hat es stattgefunden?")
    ask_mentee = expect(await pair.mentee.next_message(), "Hat es stattgefunden?")
    assert "⏸ Verschoben" in ask_mentor.button_texts
    await pair.mentee.press("✅ Ja, hat stattgefunden", message=ask_mentee)
    rate = await pair.mentee.wait_edit(ask_mentee)
    expect(rate, "Wie hilfreich")
    await pair.mentee.press("5", message=rate)
    expect(await pair.mentee.next_message(), "Das liest nur die Programmleitung")
    await pair.mentee.send("Gute <Struktur> & viel Raum.")
    expect(await pair.mentee.next_message(), "Anmerkung ist bei der Programmleitung")
    fit = expect(await pair.mentee.next_message(), "Passt Ihr Tandem?")
    await pair.mentee.press("👎 Eher nicht", message=fit)
    rematch = await pair.mentee.wait_edit(fit)
    expect(coordinator_msg := await coordinator.next_message(), "nicht passt")
    assert "Tandem öffnen" in coordinator_msg.button_texts
    await pair.mentee.press("Ja, bitte neu zuordnen", message=rematch)
    expect(await coordinator.next_message(), "wünscht sich ein neues Tandem")
    assert pair.mentor.chat[-1] is ask_mentor  # the partner learns nothing of it

    # Two days later the mentor is asked once more, the mentee is not; then nothing more.
    await advance(bot_at, clock, 2 * DAY)
    expect(await pair.mentor.next_message(), "Kurze Nachfrage")
    await advance(bot_at, clock, 10 * DAY)
    assert await pair.mentee.collect(0.3) == []
    assert await pair.mentor.collect(0.1) == []

    async with db.session() as session:
        feedback = (await session.scalars(select(MeetingFeedback))).all()
        meeting = (await session.scalars(select(Meeting))).one()
    assert [(f.took_place, f.rating, f.comment, f.fits, f.rematch_requested) for f in feedback] == [
        ("held", 5, "Gute <Struktur> & viel Raum.", False, True)
    ]
    assert meeting.outcome == "held"

    # The coordinators' card shows how the tandem is doing.
    await coordinator.send("/tandems")
    choose = await coordinator.next_message()
    await coordinator.press(choose.button_texts[0], message=choose)
    listing = await coordinator.wait_edit(choose)
    await coordinator.press(listing.button_texts[0], message=listing)
    card = await coordinator.wait_edit(listing)
    expect(
        card,
        "Treffen: 1 · letztes: 03.03.2027 · nächstes: –",
        "Vereinbarung: Maria <b>Mentor</b> & Co ⏳ offen · Emil Mentee ⏳ offen",
    )
    states = sorted((r.kind, r.state) for r in await reminder_rows(db))
    assert states == sorted(
        [("meeting_soon", "sent")] * 4
        + [("feedback", "sent")] * 2
        + [("feedback_again", "sent"), ("feedback_again", "cancelled")]
    )


async def test_no_reminder_is_promised_that_will_not_come(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    """A person who paused
    reminders gets none at all: their confirmation does not say "Ich erinnere Sie"."""
    pair = await seed_pair(db, api, NOW)
    await pair.mentor.send("/pause")
    expect(await pair.mentor.next_message(), "pausiert")
    mentor_ok, _, mentee_ok, _ = await confirm(pair)
    expect(mentee_ok, "Ich erinnere Sie vorher daran")
    expect(mentor_ok, "Danach frage ich kurz nach")
    assert "erinnere" not in mentor_ok.text


async def test_no_reminder_is_promised_when_its_time_has_passed(
    api: FakeBotApi, db: Database, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentor_ok, _, mentee_ok, _ = await confirm(pair, "1.3. 10:45")  # 45 minutes from now
    for ok in (mentor_ok, mentee_ok):
        expect(ok, "Danach frage ich kurz nach")
        assert "erinnere" not in ok.text


async def test_an_online_meetings_link_is_where_every_calendar_app_shows_it(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    *_, mentee_ics = await confirm(pair, place="online")
    link = "https://meet.example.org/tandem?a=1&b=2"
    assert mentee_ics.document is not None
    _, event = read(mentee_ics.document.content)
    assert str(event["URL"]) == str(event["LOCATION"]) == link
    assert str(event["DESCRIPTION"]).endswith("\n\n" + link)


async def test_decline_then_other_time_online(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await propose(pair.mentee, "morgen 18 Uhr")
    proposal = expect(await pair.mentor.next_message(), "Di., 2. März 2027, 18:00–20:00 Uhr")
    await pair.mentor.press("❌ Passt nicht", message=proposal)
    expect(await pair.mentor.wait_edit(proposal), "Sie haben abgelehnt")
    declined = expect(await pair.mentee.next_message(), "kann zu diesem Termin leider nicht")
    assert "📅 Treffen vorschlagen" in declined.button_texts

    # The mentee tries again, online; the mentor answers with another time for it.
    await pair.mentee.send("/meet")
    await pair.mentee.next_message()
    await pair.mentee.send("Freitag 8:00")
    await pair.mentee.press("1,5 Std.", message=await pair.mentee.next_message())
    await pair.mentee.press("💻 Online", message=await pair.mentee.next_message())
    link = expect(await pair.mentee.next_message(), "Link")
    await pair.mentee.send("javascript:alert(1)")
    expect(await pair.mentee.next_message(), "kein Link")
    await pair.mentee.send("https://meet.example.org/t?a=1&b=<2>")
    expect(await pair.mentee.next_message(), "kein Link")
    await pair.mentee.press("Ohne Link", message=link)
    summary = expect(await pair.mentee.next_message(), "08:00–09:30", "Online")
    await pair.mentee.press("📨 Vorschlag senden", message=summary)
    await pair.mentee.next_message()
    proposal = expect(await pair.mentor.next_message(), "Fr., 5. März 2027, 08:00")
    old_accept = proposal.find_button("✅ Passt")
    assert old_accept is not None and old_accept.callback_data
    await pair.mentor.press("🔁 Anderer Termin", message=proposal)
    days = expect(await pair.mentor.next_message(), "Wann möchten Sie sich treffen")
    await pair.mentor.press(days.button_texts[3], message=days)  # Friday 5 March
    hours = expect(await pair.mentor.next_message(), "Um wie viel Uhr am Fr., 5. März 2027")
    await pair.mentor.press("17:00", message=hours)
    summary = expect(await pair.mentor.next_message(), "17:00–18:30", "Online")
    await pair.mentor.press("📨 Vorschlag senden", message=summary)
    counter = expect(await pair.mentee.next_message(), "schlägt einen anderen Termin vor")
    # The mentee's proposal was superseded: accepting it with an old button does nothing.
    query = await pair.mentor.press_data(old_accept.callback_data, message=proposal)
    assert "geändert" in (await answer_of(pair.mentor, query))["text"]
    await pair.mentee.press("✅ Passt", message=counter)
    expect(await pair.mentee.next_message(), "bestätigt", "Online")
    async with db.session() as session:
        statuses = [m.status for m in (await session.scalars(select(Meeting))).all()]
    assert statuses == ["declined", "superseded", "confirmed"]


async def test_move_and_cancel_follow_with_reminders(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    mentor_ok, *_ = await confirm(pair, "3.3. 17:30")
    # As if confirmed before UIDs named the installation (migration 0012 marks such rows):
    # its updates must keep the UID the partners' calendars already have.
    async with db.session() as session:
        (await session.scalars(select(Meeting))).one().calendar_uid = "meeting-1@tandem"
    await pair.mentor.press("🔁 Verschieben", message=mentor_ok)
    await pair.mentor.next_message()
    await pair.mentor.send("4.3. 18:00")
    summary = expect(await pair.mentor.next_message(), "Do., 4. März 2027, 18:00–20:00 Uhr")
    await pair.mentor.press("📨 Treffen verschieben", message=summary)
    expect(await pair.mentor.next_message(), "Verschoben")
    ics = (await pair.mentor.next_message()).document
    assert ics is not None
    _, event = read(ics.content)
    assert str(event["UID"]) == "meeting-1@tandem" and event["SEQUENCE"] == 1
    moved = expect(await pair.mentee.next_message(), "hat Ihr Treffen verschoben", "18:00")
    await pair.mentee.next_message()  # the updated calendar file

    # The old time's reminders are gone: nothing at 24h before 3 March 17:30.
    await advance(bot_at, clock, dt.datetime(2027, 3, 2, 16, 45, tzinfo=dt.UTC) - NOW)
    assert await pair.mentee.collect(0.3) == []
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 17, 0, tzinfo=dt.UTC) - clock.now())
    expect(await pair.mentee.next_message(), "Erinnerung", "Do., 4. März 2027, 18:00")
    await pair.mentor.next_message()

    # The mentee cancels from the moved message: both told, calendar entry withdrawn.
    await pair.mentee.press("🗑 Absagen", message=moved)
    ask = expect(await pair.mentee.next_message(), "wirklich absagen")
    await pair.mentee.press("Ja, absagen", message=ask)
    expect(await pair.mentee.wait_edit(ask), "Abgesagt")
    expect(await pair.mentor.next_message(), "hat das Treffen abgesagt")
    withdrawal = (await pair.mentor.next_message()).document
    assert withdrawal is not None
    calendar, event = read(withdrawal.content)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "meeting-1@tandem" and event["SEQUENCE"] == 2
    assert "ORGANIZER" in event and alarm_minutes(event) == []
    await advance(bot_at, clock, 3 * DAY)
    assert await pair.mentor.collect(0.3) == []
    pending = [r for r in await reminder_rows(db) if r.state == "pending"]
    assert pending == []


async def test_bad_times_get_a_clear_answer(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    user = pair.mentee
    await user.send("/meet")
    await user.next_message()
    for text, answer in [
        ("irgendwann", "verstehe ich nicht"),
        ("1.2.2027 10:00", "Vergangenheit"),
        ("1.3.2027 09:00", "Vergangenheit"),  # today, but already past
        ("1.3.2029 10:00", "mehr als ein Jahr"),
        ("28.3. 02:30", "Zeitumstellung"),  # the spring-forward gap in Berlin
        ("x" * 5000, "verstehe ich nicht"),
        ("<b>morgen</b> & so", "verstehe ich nicht"),
    ]:
        await user.send(text)
        expect(await user.next_message(), answer)
    await user.send("28.3.")  # a day without a time: the hour buttons follow
    hours = expect(await user.next_message(), "Um wie viel Uhr am So., 28. März 2027")
    await user.press("10:00", message=hours)
    expect(await user.next_message(), "Wie lange")
    await user.send("zwei Stunden oder so")
    expect(await user.next_message(), "Bitte geben Sie eine Dauer")
    await user.send("90 min")
    await user.send("y" * 300)
    expect(await user.next_message(), "Wo treffen Sie sich")
    expect(await user.next_message(), "höchstens 200 Zeichen")
    await user.send("Rathaus")
    summary = expect(await user.next_message(), "So., 28. März 2027, 10:00–11:30 Uhr")
    await user.press("📨 Vorschlag senden", message=summary)
    await user.next_message()
    async with db.session() as session:
        meeting = (await session.scalars(select(Meeting))).one()
    # 10:00 on the day clocks go forward is summer time already: UTC+2.
    assert meeting.starts_at == dt.datetime(2027, 3, 28, 8, 0, tzinfo=dt.UTC)


async def test_reminders_across_the_daylight_saving_switch(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await confirm(pair, "28.3. 10:00")
    # "24 hours before" is 24 real hours: Saturday 10:00 UTC = 11:00 CET, the day before.
    await advance(bot_at, clock, dt.datetime(2027, 3, 27, 7, 59, tzinfo=dt.UTC) - NOW)
    assert await pair.mentee.collect(0.3) == []
    await advance(bot_at, clock, dt.timedelta(minutes=2))
    expect(await pair.mentee.next_message(), "in 24 Stunden", "So., 28. März 2027, 10:00")
    await advance(bot_at, clock, dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC) - clock.now())
    expect(await pair.mentee.next_message(), "in einer Stunde", "10:00")


async def test_restart_sends_a_missed_reminder_once_and_skips_stale_ones(
    api: FakeBotApi, db: Database, settings: Settings, coordinator: FakeUser
) -> None:
    clock = FrozenClock(NOW)
    pair = await seed_pair(db, api, NOW)
    async with bot_running(settings, clock=clock):
        await confirm(pair, "3.3. 17:30")
    # Down for two days: both the 24 h and the 1 h reminder came due meanwhile.
    clock.advance(dt.datetime(2027, 3, 3, 16, 0, tzinfo=dt.UTC) - NOW)
    for _ in range(2):  # a second restart sends nothing again
        async with bot_running(settings, clock=clock):
            await api.wait_idle(timeout=5.0, quiet=0.3)
    for user in (pair.mentor, pair.mentee):
        expect(await user.next_message(), "Erinnerung", "in 30 Minuten")
        assert sum("Erinnerung" in m.text for m in user.chat) == 1, user.dump()
    states = sorted(r.state for r in await reminder_rows(db) if r.kind == "meeting_soon")
    assert states == ["sent", "sent", "skipped", "skipped"]

    # Down again until after the meeting: no "soon" message, but the feedback question.
    clock.advance(dt.timedelta(hours=4))
    async with bot_running(settings, clock=clock):
        expect(await pair.mentor.next_message(), "Hat es stattgefunden?")


async def test_a_blocked_partner_does_not_stop_other_reminders(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    first = await seed_pair(db, api, NOW)
    second = await seed_pair(
        db, api, NOW, program_id=first.program_id, base=3000, mentee_name="Eva Mentee"
    )
    for pair in (first, second):
        await confirm(pair, "3.3. 17:30")
    first.mentor.block()
    await advance(bot_at, clock, dt.datetime(2027, 3, 3, 15, 30, tzinfo=dt.UTC) - NOW)
    for user in (first.mentee, second.mentor, second.mentee):
        expect(await user.next_message(), "in einer Stunde")
    await api.wait_idle()
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(Reminder).where(
                    Reminder.kind == "meeting_soon", Reminder.due_at <= clock.now()
                )
            )
        ).all()
    by_user = {(r.user_id, r.state) for r in rows if r.state != "skipped"}
    assert (first.mentor.id, "unreachable") in by_user
    assert {(u.id, "sent") for u in (first.mentee, second.mentor, second.mentee)} <= by_user


async def test_quiet_tandems_are_nudged_then_reported(
    api: FakeBotApi, db: Database, coordinator: FakeUser, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await advance(bot_at, clock, 34 * DAY)
    assert await pair.mentee.collect(0.3) == []
    await advance(bot_at, clock, DAY)
    nudge = expect(await pair.mentee.next_message(), "noch kein Treffen", "5 Wochen")
    expect(await pair.mentor.next_message(), "noch kein Treffen")
    await advance(bot_at, clock, 13 * DAY)
    assert await pair.mentee.collect(0.3) == []
    await advance(bot_at, clock, DAY)
    expect(await pair.mentee.next_message(), "noch kein Treffen", "7 Wochen")
    expect(await pair.mentor.next_message(), "noch kein Treffen")
    report = expect(await coordinator.next_message(), "Tandem gefährdet", "2 Erinnerungen")
    assert "Maria <b>Mentor</b> & Co" in report.text
    await coordinator.press("Tandem öffnen", message=report)  # the card, to write to them
    card = expect(await coordinator.wait_edit(report), "Erinnerungen ohne Treffen: 2")
    assert "✉️ Nachricht an dieses Tandem" in card.button_texts
    await advance(bot_at, clock, DAY)
    assert await coordinator.collect(0.3) == []

    # They met outside the bot and say so: the count starts again, no nudge for five weeks.
    await pair.mentee.send("/feedback")
    offer = expect(await pair.mentee.next_message(), "nachtragen")
    await pair.mentee.press("📝 Treffen nachtragen", message=offer)
    await pair.mentee.next_message()
    await pair.mentee.send("morgen")
    expect(await pair.mentee.next_message(), "in der Zukunft")
    await pair.mentee.send(clock.now().strftime("%d.%m."))
    summary = expect(await pair.mentee.next_message(), "nachtragen?")
    await pair.mentee.press("✅ Eintragen", message=summary)
    logged = expect(await pair.mentee.next_message(), "Eingetragen")
    await pair.mentee.press("4", message=logged)
    # It counts (and quiets the nudges) once the partner confirms it.
    ask = expect(await pair.mentor.next_message(), "Stimmt das?")
    await pair.mentor.press("✅ Ja, stimmt", message=ask)
    await pair.mentor.wait_edit(ask)
    async with db.session() as session:
        tandem = (await session.scalars(select(Tandem))).one()
    assert tandem.nudges == 0 and tandem.at_risk_reported_at is None
    await advance(bot_at, clock, 20 * DAY)
    assert [m for m in await pair.mentor.collect(0.3) if "Treffen" in m.text] == []
    assert "📅 Treffen vorschlagen" in nudge.button_texts


async def test_an_answer_after_the_tandem_ended_says_so_and_ends_the_dialog(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await pair.mentee.send("/meet")
    expect(await pair.mentee.next_message(), "Wann möchten Sie sich treffen")
    async with db.session() as session:  # a coordinator dissolves the tandem meanwhile
        tandem = await session.get(Tandem, pair.tandem_id)
        assert tandem is not None
        tandem.status = TandemStatus.DISSOLVED
    await pair.mentee.send("morgen 10:00")
    expect(await pair.mentee.next_message(), "noch kein Tandem")
    async with db.session() as session:
        assert await session.get(Dialog, pair.mentee.id) is None
        audited = (await session.scalars(select(AuditEntry.action))).all()
        assert "bad_callback" in audited
        assert (await session.scalars(select(Meeting))).all() == []
    await pair.mentee.send("übermorgen")  # the dialog is over: nothing is being asked
    expect(await pair.mentee.next_message(), "nicht sicher, was Sie meinen")


async def test_strangers_cannot_touch_a_meeting(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    pair = await seed_pair(db, api, NOW)
    await propose(pair.mentee, "3.3. 17:30")
    await pair.mentor.next_message()
    stranger = (await seed_pair(db, api, NOW, base=4000)).mentee
    await stranger.send("/tandem")
    await stranger.next_message()
    async with db.session() as session:
        meeting = (await session.scalars(select(Meeting))).one()
    for data in (f"me:a:{meeting.id}:0", f"me:x:{meeting.id}:0", f"fb:t:{meeting.id}:held"):
        query = await stranger.press_data(data)
        assert "nicht mehr aktuell" in (await answer_of(stranger, query))["text"]
    # The proposer cannot accept their own proposal with a forged button either.
    query = await pair.mentee.press_data(f"me:a:{meeting.id}:0")
    assert "geändert" in (await answer_of(pair.mentee, query))["text"]
    async with db.session() as session:
        assert (await session.get(Meeting, meeting.id)).status == "proposed"  # type: ignore[union-attr]
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
    assert {e.user_id for e in refused} == {stranger.id}


async def test_a_mentor_with_two_mentees_chooses_the_tandem(
    api: FakeBotApi, db: Database, clock: FrozenClock, bot_at: AnyApplication
) -> None:
    first = await seed_pair(db, api, NOW)
    second = await seed_pair(
        db, api, NOW, program_id=first.program_id, base=5000, mentee_name="Eva Mentee"
    )
    async with db.session() as session:  # Eva becomes the same mentor's second mentee
        tandem = await session.get(Tandem, second.tandem_id)
        assert tandem is not None
        tandem.mentor_id = first.mentor_participant
    for command, question in (("/meet", "Für welches Tandem?"), ("/feedback", "Zu welchem")):
        await first.mentor.send(command)
        choose = expect(await first.mentor.next_message(), question)
        assert sorted(choose.button_texts) == ["Emil Mentee", "Eva Mentee"]
    await first.mentor.press(choose.button_texts[0], message=choose)
    expect(await first.mentor.next_message(), "Treffen außerhalb des Bots")
