"""Program events and program settings in the chat, end to end through the real Application.

Participants are put straight into the database (registration has its own tests); the clock is
a FrozenClock that `advance` moves, so reminders two weeks and two days ahead really fire.
Names and texts carry `<b>` and `&` throughout: the stand-in rejects broken HTML with 400, and
every test ends by checking that Telegram refused nothing but the blocked user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, EventRsvp, Participant, Program, ProgramEvent, Reminder
from tests.calendars import alarm_minutes, organizer, read
from tests.e2e.harness import advance, answer_of, expect, refused_calls
from tests.seeding import seed_participant, seed_program

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Berlin
PROGRAM = "Salzgitter <b>2027</b> & mehr"
OTHER_PROGRAM = "Braunschweig 2027"
# 11 April 2027, 18:00 in Berlin (summer time) is 16:00 UTC.
EVENT_TEXT = "11.04.2027 18:00"
EVENT_AT = dt.datetime(2027, 4, 11, 16, 0, tzinfo=dt.UTC)
PLACE = "Rathaus <Salzgitter> & Foyer"
INVITE = "Einladung"
MARIA = "<b>Maria</b> & Co"


@dataclass
class Cohort:
    program_id: int
    other_program_id: int
    active: dict[str, FakeUser]  # name -> user, active in PROGRAM
    pending: FakeUser
    left: FakeUser
    outsider: FakeUser  # active in OTHER_PROGRAM only


async def _program(db: Database, name: str) -> int:
    return await seed_program(db, NOW, name)


async def _person(
    db: Database, api: FakeBotApi, program_id: int, user_id: int, name: str, status: str
) -> FakeUser:
    await seed_participant(
        db, program_id, user_id, name, NOW, status=status, username=f"user{user_id}"
    )
    return api.add_user(user_id, name.split()[0], username=f"user{user_id}")


async def seed(db: Database, api: FakeBotApi) -> Cohort:
    program_id = await _program(db, PROGRAM)
    other = await _program(db, OTHER_PROGRAM)
    active = {
        name: await _person(db, api, program_id, 3000 + i, name, "active")
        for i, name in enumerate((MARIA, "Emil Mentee", "Eva Mentee"))
    }
    return Cohort(
        program_id=program_id,
        other_program_id=other,
        active=active,
        pending=await _person(db, api, program_id, 3100, "Paula Pending", "pending"),
        left=await _person(db, api, program_id, 3101, "Lena Left", "left"),
        outsider=await _person(db, api, other, 3200, "Otto Outsider", "active"),
    )


async def open_program_events(coordinator: FakeUser) -> BotMessage:
    """/events with two programs: choose, then the program's list (the chooser is edited)."""
    await coordinator.send("/events")
    chooser = expect(await coordinator.next_message(), "Für welchen Jahrgang?")
    await coordinator.press(PROGRAM, message=chooser)
    return expect(await coordinator.wait_edit(chooser), "Veranstaltungen:", PROGRAM)


async def create_event(
    coordinator: FakeUser,
    when: str = EVENT_TEXT,
    shown: str = "So., 11. April 2027, 18:00 Uhr",
    *,
    bad_inputs: bool = False,
    end: str = "-",
    capacity: str = "-",
) -> BotMessage:
    """Walks the "new event" dialog ("-": no end, no capacity unless given); returns the
    coordinator's event card."""
    listing = await open_program_events(coordinator)
    await coordinator.press("➕ Neue Veranstaltung", message=listing)
    kinds = expect(await coordinator.next_message(), "Welche Art von Veranstaltung?", PROGRAM)
    await coordinator.press("🚀 Auftaktveranstaltung", message=kinds)
    title = expect(await coordinator.next_message(), "Wie soll die Veranstaltung heißen?")
    await coordinator.press("Übernehmen: Auftaktveranstaltung", message=title)
    expect(await coordinator.next_message(), "Wann beginnt sie?", "Europe/Berlin")
    if bad_inputs:
        await coordinator.send("32.13.2027 18:00")
        expect(await coordinator.next_message(), "verstehe ich nicht")
        await coordinator.send("11.04.2027")
        expect(await coordinator.next_message(), "mit Uhrzeit")
        await coordinator.send("1.2.2027 18:00")
        expect(await coordinator.next_message(), "Vergangenheit")
        await coordinator.send("1.2.2029 18:00")
        expect(await coordinator.next_message(), "mehr als ein Jahr")
        await coordinator.send("28.3.2027 02:30")  # skipped: summer time starts at 02:00
        expect(await coordinator.next_message(), "Sommerzeit")
    await coordinator.send(when)
    expect(await coordinator.next_message(), "Wann endet sie?")
    if bad_inputs:
        await coordinator.send("17:00")
        expect(await coordinator.next_message(), "nach dem Beginn (So., 11. April 2027, 18:00")
        await coordinator.send("irgendwann")
        expect(await coordinator.next_message(), "Diese Endzeit verstehe ich nicht")
    await coordinator.send(end)
    expect(await coordinator.next_message(), "Wo findet sie statt?")
    await coordinator.send(PLACE)
    expect(await coordinator.next_message(), "Wie viele Plätze")
    if bad_inputs:
        await coordinator.send("0")
        expect(await coordinator.next_message(), "Bitte eine Zahl von 1 bis 10000")
    await coordinator.send(capacity)
    summary = expect(
        await coordinator.next_message(),
        "bitte prüfen",
        "Auftaktveranstaltung",
        PLACE,
        PROGRAM,
        shown,
    )
    await coordinator.press("✅ Anlegen und einladen", message=summary)
    expect(await coordinator.wait_edit(summary), "ist angelegt", "3 aktive Teilnehmende")
    return expect(await coordinator.next_message(), "Auftaktveranstaltung", "Ohne Antwort (3)")


async def invitation(user: FakeUser) -> BotMessage:
    message = expect(await user.next_message(), INVITE, "Auftaktveranstaltung", PLACE, PROGRAM)
    assert "✅ Ich komme" in message.button_texts, message.describe()
    return message


async def invitations(cohort: Cohort) -> dict[str, BotMessage]:
    """Each active participant's invitation, by name (exactly one each)."""
    return {name: await invitation(user) for name, user in cohort.active.items()}


async def invited(
    db: Database, api: FakeBotApi, coordinator: FakeUser
) -> tuple[Cohort, BotMessage, dict[str, BotMessage]]:
    """A seeded cohort invited to the kickoff: the cohort, the coordinator's event card and each
    participant's invitation."""
    cohort = await seed(db, api)
    card = await create_event(coordinator)
    return cohort, card, await invitations(cohort)


async def calendar_file(user: FakeUser, method: str) -> None:
    """The event's calendar file, as sent to `user`: METHOD `method` (PUBLISH or CANCEL)."""
    message = await user.next_message()
    assert message.document is not None, message.describe()
    assert message.document.filename == "auftaktveranstaltung-2027-04-11.ics"
    calendar, event = read(message.document.content)
    assert str(calendar["METHOD"]) == method
    assert str(event["UID"]) == "event-1@123456789.tandem.invalid"
    assert organizer(event) == ("noreply@123456789.tandem.invalid", PROGRAM)
    assert str(event["SUMMARY"]) == "Auftaktveranstaltung"
    assert str(event["LOCATION"]) == PLACE
    assert event.decoded("DTSTART") == EVENT_AT
    if method == "CANCEL":
        assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
        assert alarm_minutes(event) == []
    else:
        assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 0
        assert alarm_minutes(event) == [2 * 24 * 60]


async def event_id_of(db: Database) -> int:
    async with db.session() as session:
        return (await session.scalars(select(ProgramEvent.id))).one()


async def test_create_invite_answer_and_remind(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    app = bot_at
    cohort = await seed(db, api)
    card = await create_event(coordinator, bad_inputs=True)
    maria, emil, eva = cohort.active.values()

    invites = await invitations(cohort)
    expect(invites[MARIA], "So., 11. April 2027, 18:00 Uhr", "in 41 Tagen")
    for user in (*cohort.active.values(), cohort.pending, cohort.left, cohort.outsider):
        assert await user.collect() == [], "exactly one invitation, to active participants only"

    # Answers, shown on the invitation itself and on the coordinator's card.
    query = await maria.press("✅ Ich komme", message=invites[MARIA])
    assert (await answer_of(maria, query))["text"] == "Danke für Ihre Antwort."
    answered = expect(await maria.wait_edit(invites[MARIA]), "Ihre Antwort: Sie kommen.")
    assert "✅ Ich komme (Ihre Antwort)" in answered.button_texts
    await calendar_file(maria, "PUBLISH")  # a "yes" puts it into her calendar
    await maria.press("✅ Ich komme (Ihre Antwort)", message=invites[MARIA])
    assert await maria.collect() == [], "a second 'yes' sends no second file"
    await emil.press("❌ Ich kann nicht", message=invites["Emil Mentee"])
    expect(await emil.wait_edit(invites["Emil Mentee"]), "Sie kommen nicht")
    assert await emil.collect() == [], "no calendar file after a 'no'"
    await coordinator.press("🔄 Aktualisieren", message=card)
    expect(
        await coordinator.wait_edit(card),
        f"Zusagen (1): {MARIA}",
        "Absagen (1): Emil Mentee",
        "Ohne Antwort (1): Eva Mentee",
    )

    # Someone of another program, or not yet approved, cannot answer with forged data.
    event_id = await event_id_of(db)
    for stranger in (cohort.outsider, cohort.pending):
        await stranger.send("/events")
        expect(await stranger.next_message(), "keine Veranstaltungen")
        query = await stranger.press_data(f"ev:r:{event_id}:y")
        refused = await answer_of(stranger, query)
        assert refused["show_alert"] and "nicht aktiv" in refused["text"]
    async with db.session() as session:
        assert len((await session.scalars(select(EventRsvp))).all()) == 2

    # Approved after the announcement: Paula gets the invitation now, and only once.
    async with db.session() as session:
        paula = (
            await session.scalars(
                select(Participant).where(Participant.user_id == cohort.pending.id)
            )
        ).one()
    await coordinator.press_data(f"pp:s:{paula.id}:active")
    expect(await cohort.pending.next_message(), "wurde freigegeben")
    await invitation(cohort.pending)
    assert await cohort.pending.collect() == []

    # A participant sees the event under /events with the answer given.
    await maria.send("/events")
    expect(await maria.next_message(), "Ihre nächsten Veranstaltungen")
    expect(await maria.next_message(), "Auftaktveranstaltung", "Ihre Antwort: Sie kommen.")

    # Eva blocks the bot: her reminders fail, nobody else's do.
    eva.block()
    await advance(app, clock, EVENT_AT - dt.timedelta(days=14) + dt.timedelta(minutes=1) - NOW)
    expect(await maria.next_message(), "Erinnerung", "findet in 14 Tagen statt", PLACE)
    await advance(app, clock, dt.timedelta(days=12))
    expect(await maria.next_message(), "Erinnerung", "findet in 2 Tagen statt")
    assert await maria.collect() == []
    assert await emil.collect() == [], "no reminders after a 'no'"
    async with db.session() as session:
        rows = (await session.scalars(select(Reminder).where(Reminder.kind == "event_soon"))).all()
        states = {(r.user_id, r.payload["minutes"]): r.state for r in rows}
    day = 24 * 60
    assert states[(maria.id, 14 * day)] == states[(maria.id, 2 * day)] == "sent"
    assert states[(emil.id, 14 * day)] == states[(emil.id, 2 * day)] == "skipped"
    assert states[(eva.id, 2 * day)] in ("unreachable", "failed")
    assert refused_calls(api) == []


async def test_cancelling_tells_the_invited_and_stops_reminders(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    app = bot_at
    cohort, card, invites = await invited(db, api, coordinator)
    maria, emil = cohort.active[MARIA], cohort.active["Emil Mentee"]
    await maria.press("✅ Ich komme", message=invites[MARIA])
    await calendar_file(maria, "PUBLISH")
    await emil.press("❌ Ich kann nicht", message=invites["Emil Mentee"])
    await emil.wait_edit(invites["Emil Mentee"])

    await coordinator.press("🚫 Veranstaltung absagen", message=card)
    confirm = expect(await coordinator.wait_edit(card), "wirklich absagen", "Alle 3 eingeladenen")
    await coordinator.press("Ja, absagen und alle benachrichtigen", message=confirm)
    expect(await coordinator.wait_edit(confirm), "Abgesagt.")
    assert "🚫 Veranstaltung absagen" not in confirm.button_texts
    expect(await coordinator.next_message(), "ist abgesagt", "3 Teilnehmende")
    for user in cohort.active.values():
        expect(await user.next_message(), "Abgesagt:", "Auftaktveranstaltung", PROGRAM)
    # Only who said yes has the entry: the file that takes it out goes to her alone.
    await calendar_file(maria, "CANCEL")
    for user in (*cohort.active.values(), cohort.pending, cohort.left, cohort.outsider):
        assert await user.collect() == []

    # A second confirmation (another coordinator's old screen) decides nothing.
    query = await coordinator.press_data(f"ek:xy:{await event_id_of(db)}", message=confirm)
    assert "schon abgesagt" in (await answer_of(coordinator, query))["text"]
    assert await coordinator.collect() == []

    # The old invitation no longer takes answers, and no reminder goes out.
    eva = cohort.active["Eva Mentee"]
    query = await eva.press("✅ Ich komme", message=invites["Eva Mentee"])
    assert "abgesagt" in (await answer_of(eva, query))["text"]
    await advance(app, clock, EVENT_AT - dt.timedelta(days=14) + dt.timedelta(minutes=1) - NOW)
    await advance(app, clock, dt.timedelta(days=12))
    for user in cohort.active.values():
        assert await user.collect() == []
    async with db.session() as session:
        states = {r.state for r in (await session.scalars(select(Reminder))).all()}
    assert states <= {"sent", "cancelled"}
    assert refused_calls(api) == []


async def test_an_event_that_started_cannot_be_cancelled(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    app = bot_at
    cohort = await seed(db, api)
    card = await create_event(coordinator, "morgen 18:00", "Di., 2. März 2027, 18:00 Uhr")
    for user in cohort.active.values():
        await invitation(user)
    await advance(app, clock, dt.timedelta(days=2))
    await coordinator.press("🚫 Veranstaltung absagen", message=card)
    refused = expect(await coordinator.wait_edit(card), "hat begonnen oder ist vorbei")
    assert "🚫 Veranstaltung absagen" not in refused.button_texts
    query = await coordinator.press_data(f"ek:xy:{await event_id_of(db)}", message=card)
    assert "begonnen" in (await answer_of(coordinator, query))["text"]
    for user in cohort.active.values():
        assert await user.collect() == [], "nobody is told of a cancellation that did not happen"
    async with db.session() as session:
        event = (await session.scalars(select(ProgramEvent))).one()
        assert event.status == "planned"
    assert refused_calls(api) == []


async def test_coordinator_actions_are_refused_to_participants(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort = await seed(db, api)
    await create_event(coordinator)
    maria = cohort.active[MARIA]
    await invitation(maria)
    event_id = await event_id_of(db)
    program_id = cohort.program_id

    # /events shows a participant their invitations, never the management view.
    await maria.send("/events")
    expect(await maria.next_message(), "Ihre nächsten Veranstaltungen")
    own = expect(await maria.next_message(), "Auftaktveranstaltung")
    assert not any(data.startswith("ek:") for data in _callback_data(own))

    forged = [
        "ek:p",
        f"ek:l:{program_id}",
        f"ek:n:{program_id}",
        f"ek:v:{event_id}",
        f"ek:x:{event_id}",
        f"ek:xy:{event_id}",
        "ek:k:kickoff",
        "ek:t",
        "ek:c",
        "ek:q",
        f"ps:v:{program_id}",
        f"ps:e:{program_id}:bm",
        f"ps:e:{program_id}:ag",
        f"ps:d:{program_id}:bm",
    ]
    for data in forged:
        query = await maria.press_data(data, message=own)
        answer = await answer_of(maria, query)
        assert answer["show_alert"], data
    assert await maria.collect() == []

    # A dialog left over from a revoked role does not take text either.
    async with db.session() as session:
        await dialogs.save(
            session,
            maria.id,
            flow="settings",
            step="ag",
            data={"program_id": program_id},
            now=NOW,
        )
    await maria.send("Alles egal")
    expect(await maria.next_message(), "Das darf nur")
    async with db.session() as session:
        await dialogs.save(
            session, maria.id, flow="event", step="when", data={"program_id": program_id}, now=NOW
        )
    await maria.send("11.04.2027 18:00")
    expect(await maria.next_message(), "Das darf nur")

    async with db.session() as session:
        event = (await session.scalars(select(ProgramEvent))).one()
        assert event.status == "planned"
        program = await session.get(Program, program_id)
        assert program is not None and "agreement" not in program.settings
        assert "reminders" not in program.settings
        refused = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.user_id == maria.id, AuditEntry.action == "refused"
                )
            )
        ).all()
        assert len(refused) >= len(forged) + 2
    assert refused_calls(api) == []


def _callback_data(message: BotMessage) -> list[str]:
    return [b.callback_data or "" for row in message.buttons for b in row]


async def open_settings(coordinator: FakeUser) -> BotMessage:
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    button = next(text for text in listing.button_texts if text.startswith(PROGRAM))
    await coordinator.press(button, message=listing)
    card = await coordinator.wait_edit(listing)
    assert "📅 Veranstaltungen" in card.button_texts
    await coordinator.press("⚙️ Einstellungen", message=card)
    return expect(await coordinator.wait_edit(card), "Einstellungen:", PROGRAM)


async def change(coordinator: FakeUser, card: BotMessage, label: str, *values: str) -> BotMessage:
    """Press a setting's button and type values; returns the last reply to the last value."""
    await coordinator.press(label, message=card)
    await coordinator.next_message()  # the prompt
    reply = None
    for value in values:
        await coordinator.send(value)
        reply = await coordinator.next_message()
    assert reply is not None
    return reply


async def settings_of(db: Database, program_id: int) -> dict[str, object]:
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        return dict(program.settings)


async def test_settings_are_edited_stored_and_shown(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort = await seed(db, api)
    card = await open_settings(coordinator)
    expect(card, "24 h, 1 h", "Rückmeldung: 1 h", "5 Wochen", "14 Tage, 2 Tage", "Standardtext")

    # Reminder offsets before meetings: nonsense is explained, "2h" is stored in minutes.
    await coordinator.press("⏰ Erinnerungen vor Treffen", message=card)
    expect(await coordinator.next_message(), "Aktuell: 24 h, 1 h", "danach bestätigt")
    await coordinator.send("bald mal")
    expect(await coordinator.next_message(), "verstehe ich nicht")
    expect(await coordinator.next_message(), "Erinnerungen vor Treffen")  # asked again
    await coordinator.send("10 Tage")
    expect(await coordinator.next_message(), "höchstens 7 Tage")
    await coordinator.next_message()
    await coordinator.send("2h")
    expect(await coordinator.next_message(), "Gespeichert")
    card = expect(await coordinator.next_message(), "Erinnerungen vor Treffen: 2 h")
    reminders = (await settings_of(db, cohort.program_id))["reminders"]
    assert isinstance(reminders, dict)
    assert reminders["before_meeting"] == [120]
    assert reminders["before_event"] == [14 * 24 * 60, 2 * 24 * 60]

    # Weeks without a meeting before a nudge: 1 to 26, stored in days.
    await coordinator.press("💤 Wochen ohne Treffen", message=card)
    await coordinator.next_message()
    for bad in ("0", "27", "drei"):
        await coordinator.send(bad)
        expect(await coordinator.next_message(), "ganze Zahl von 1 bis 26")
        await coordinator.next_message()
    await coordinator.send("3")
    expect(await coordinator.next_message(), "Gespeichert")
    card = expect(await coordinator.next_message(), "nach: 3 Wochen", "2 h")
    reminders = (await settings_of(db, cohort.program_id))["reminders"]
    assert isinstance(reminders, dict)
    assert reminders["nudge_after_days"] == 21
    assert reminders["before_meeting"] == [120]

    # Feedback delay and event reminders.
    expect(await change(coordinator, card, "📝 Rückmeldung nach Treffen", "2h"), "Gespeichert")
    card = expect(await coordinator.next_message(), "Rückmeldung: 2 h")
    reply = await change(coordinator, card, "📅 Erinnerungen vor Veranstaltungen", "7 Tage, 1 Tag")
    expect(reply, "Gespeichert")
    card = expect(await coordinator.next_message(), "Veranstaltungen: 7 Tage, 1 Tag")
    reminders = (await settings_of(db, cohort.program_id))["reminders"]
    assert isinstance(reminders, dict)
    assert reminders["feedback_delay"] == 120
    assert reminders["before_event"] == [7 * 24 * 60, 24 * 60]

    # The agreement: stored verbatim, shown escaped, "-" goes back to the default text.
    agreement = "<b>Vertraulich</b> & ohne Abwerbung\nZiele: Führung <3"
    await coordinator.press("🤝 Tandemvereinbarung", message=card)
    expect(await coordinator.next_message(), "Die Ziele bestimmt")  # the default text
    await coordinator.send(agreement)
    expect(await coordinator.next_message(), "Gespeichert")
    card = expect(await coordinator.next_message(), agreement)
    assert (await settings_of(db, cohort.program_id))["agreement"] == agreement
    await coordinator.press("🤝 Tandemvereinbarung", message=card)
    expect(await coordinator.next_message(), agreement)
    await coordinator.send("x" * 2001)
    expect(await coordinator.next_message(), "2000")
    await coordinator.next_message()
    await coordinator.send("-")
    expect(await coordinator.next_message(), "Gespeichert")
    card = expect(await coordinator.next_message(), "Tandemvereinbarung: Standardtext")
    assert "agreement" not in await settings_of(db, cohort.program_id)

    # The reset button on a prompt restores a default, and ends the dialog.
    await coordinator.press("⏰ Erinnerungen vor Treffen", message=card)
    prompt = await coordinator.next_message()
    await coordinator.press("↩️ Standard wiederherstellen", message=prompt)
    expect(await coordinator.wait_edit(prompt), "Erinnerungen vor Treffen: 24 h, 1 h")
    reminders = (await settings_of(db, cohort.program_id))["reminders"]
    assert isinstance(reminders, dict)
    assert reminders["before_meeting"] == [24 * 60, 60]
    assert reminders["nudge_after_days"] == 21  # the other settings stay
    await coordinator.send("2h")
    expect(await coordinator.next_message(), "nicht sicher, was Sie meinen")  # no dialog
    assert refused_calls(api) == []


async def test_new_event_reminders_follow_the_program_settings(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort = await seed(db, api)
    card = await open_settings(coordinator)
    expect(
        await change(coordinator, card, "📅 Erinnerungen vor Veranstaltungen", "3 Tage"),
        "Gespeichert",
    )
    await coordinator.next_message()
    await create_event(coordinator)
    for user in cohort.active.values():
        await invitation(user)
    async with db.session() as session:
        rows = (await session.scalars(select(Reminder).where(Reminder.kind == "event_soon"))).all()
    assert {r.due_at for r in rows} == {EVENT_AT - dt.timedelta(days=3)}
    assert len(rows) == 3
    assert refused_calls(api) == []


async def test_a_yes_taken_back_takes_the_event_out_of_the_calendar(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    """Yes, then no: the second file cancels the entry the first one made (same UID); a "no"
    without a "yes" before sends nothing."""
    cohort, _, invites = await invited(db, api, coordinator)
    eva = cohort.active["Eva Mentee"]
    await eva.press("✅ Ich komme", message=invites["Eva Mentee"])
    expect(await eva.wait_edit(invites["Eva Mentee"]), "Sie kommen.")
    await calendar_file(eva, "PUBLISH")
    await eva.press("❌ Ich kann nicht", message=invites["Eva Mentee"])
    expect(await eva.wait_edit(invites["Eva Mentee"]), "Sie kommen nicht")
    await calendar_file(eva, "CANCEL")
    await eva.press("❌ Ich kann nicht (Ihre Antwort)", message=invites["Eva Mentee"])
    assert await eva.collect() == [], "a second 'no' sends no second file"
