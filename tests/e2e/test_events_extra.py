"""Program events end to end, the coordinators' wishes of issue #13: "maybe", end time and
capacity, the reminder to those without an answer, the attendance list as a file, and editing.
The fixtures and helpers are those of tests/e2e/test_events.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from core.clock import FrozenClock
from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Participant, Reminder
from tests.calendars import read
from tests.e2e.harness import advance, answer_of, expect, refused_calls
from tests.e2e.test_events import (  # NOW: the clock fixture reads it
    EVENT_AT,
    MARIA,
    NOW,
    PLACE,
    calendar_file,
    create_event,
    event_id_of,
    invitations,
    invited,
    seed,
)


async def test_maybe_shows_on_both_cards_and_a_yes_turned_maybe_leaves_the_calendar(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort, card, invites = await invited(db, api, coordinator)
    maria, emil = cohort.active[MARIA], cohort.active["Emil Mentee"]
    assert "❔ Vielleicht" in invites[MARIA].button_texts

    query = await emil.press("❔ Vielleicht", message=invites["Emil Mentee"])
    assert (await answer_of(emil, query))["text"] == "Danke für Ihre Antwort."
    answered = expect(await emil.wait_edit(invites["Emil Mentee"]), "Ihre Antwort: vielleicht")
    assert "❔ Vielleicht (Ihre Antwort)" in answered.button_texts
    assert await emil.collect() == [], "no calendar file for a maybe"

    await maria.press("✅ Ich komme", message=invites[MARIA])
    expect(await maria.wait_edit(invites[MARIA]), "Sie kommen.")
    await calendar_file(maria, "PUBLISH")
    await maria.press("❔ Vielleicht", message=invites[MARIA])
    expect(await maria.wait_edit(invites[MARIA]), "vielleicht")
    await calendar_file(maria, "CANCEL")

    await coordinator.press("🔄 Aktualisieren", message=card)
    expect(
        await coordinator.wait_edit(card),
        "Zusagen (0)",
        f"Vielleicht (2): {MARIA}, Emil Mentee",
        "Ohne Antwort (1): Eva Mentee",
    )
    assert refused_calls(api) == []


async def test_an_end_and_a_capacity_that_refuses_a_yes_once_full(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort = await seed(db, api)
    shown = "So., 11. April 2027, 18:00–20:30 Uhr"
    card = await create_event(coordinator, shown=shown, end="20:30", capacity="1")
    expect(card, shown, "0 von 1 Platz belegt")
    invites = await invitations(cohort)
    expect(invites[MARIA], shown)
    maria, emil = cohort.active[MARIA], cohort.active["Emil Mentee"]

    await maria.press("✅ Ich komme", message=invites[MARIA])
    expect(await maria.wait_edit(invites[MARIA]), "Sie kommen.")
    message = await maria.next_message()
    assert message.document is not None
    _, entry = read(message.document.content)
    assert entry.decoded("DTEND") == EVENT_AT + dt.timedelta(hours=2, minutes=30)

    query = await emil.press("✅ Ich komme", message=invites["Emil Mentee"])
    refused = await answer_of(emil, query)
    assert refused["show_alert"] and "ausgebucht" in refused["text"], refused
    assert await emil.collect() == [], "no calendar file, the card stays as it was"
    await emil.press("❔ Vielleicht", message=invites["Emil Mentee"])
    expect(await emil.wait_edit(invites["Emil Mentee"]), "vielleicht")

    await coordinator.press("🔄 Aktualisieren", message=card)
    expect(await coordinator.wait_edit(card), "1 von 1 Platz belegt", "Vielleicht (1)")
    assert refused_calls(api) == []


async def test_a_week_before_only_those_without_an_answer_are_asked_again(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort, _, invites = await invited(db, api, coordinator)
    maria, emil, eva = cohort.active.values()
    await maria.press("✅ Ich komme", message=invites[MARIA])
    expect(await maria.wait_edit(invites[MARIA]), "Sie kommen.")
    await calendar_file(maria, "PUBLISH")
    await emil.press("❔ Vielleicht", message=invites["Emil Mentee"])
    expect(await emil.wait_edit(invites["Emil Mentee"]), "vielleicht")

    await advance(bot_at, clock, EVENT_AT - dt.timedelta(days=14) + dt.timedelta(minutes=1) - NOW)
    for user in (maria, emil, eva):
        expect(await user.next_message(), "Erinnerung", "in 14 Tagen")
    await advance(bot_at, clock, dt.timedelta(days=7))
    asked = expect(await eva.next_message(), "Noch ohne Ihre Antwort", PLACE, "in 7 Tagen")
    assert "❔ Vielleicht" in asked.button_texts
    assert await maria.collect() == [] and await emil.collect() == [], "they have answered"
    await eva.press("✅ Ich komme", message=asked)
    expect(await eva.wait_edit(asked), "Sie kommen.")
    entry = await eva.next_message()
    assert entry.document is not None and entry.document.filename.endswith(".ics")
    async with db.session() as session:
        rows = await session.scalars(select(Reminder).where(Reminder.kind == "event_unanswered"))
        states = {r.user_id: r.state for r in rows}
    assert states == {maria.id: "skipped", emil.id: "skipped", eva.id: "sent"}
    assert refused_calls(api) == []


async def test_the_attendance_list_as_a_file_for_catering_and_badges(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    """Ordered yes, maybe, no, open; a name that a spreadsheet would run as a formula stays
    text; only the program's coordinators get it."""
    cohort = await seed(db, api)
    async with db.session() as session:
        eva = (
            await session.scalars(select(Participant).where(Participant.name == "Eva Mentee"))
        ).one()
        eva.name = "=HYPERLINK(evil)"
        eva.company = "@Firma & Co"
    card = await create_event(coordinator)
    invites = await invitations(cohort)
    emil = cohort.active["Emil Mentee"]
    await emil.press("✅ Ich komme", message=invites["Emil Mentee"])
    expect(await emil.wait_edit(invites["Emil Mentee"]), "Sie kommen.")
    maria = cohort.active[MARIA]
    await maria.press("❌ Ich kann nicht", message=invites[MARIA])
    expect(await maria.wait_edit(invites[MARIA]), "Sie kommen nicht")

    await coordinator.press("📋 Teilnahmeliste (CSV)", message=card)
    sent = await coordinator.next_message()
    assert sent.document is not None, sent.describe()
    assert sent.document.filename == "teilnahmeliste-auftaktveranstaltung-2027-04-11.csv"
    assert "Teilnahmeliste" in (sent.text or "")
    text = sent.document.content.decode("utf-8-sig")
    assert text.splitlines() == [
        "Name;Rolle;Unternehmen;Antwort",
        f"Emil Mentee;Mentee;{_company(text, 1)};Zusage",
        f"{MARIA};Mentee;{_company(text, 2)};Absage",
        "'=HYPERLINK(evil);Mentee;'@Firma & Co;Ohne Antwort",
    ]

    event_id = await event_id_of(db)
    query = await maria.press_data(f"ek:f:{event_id}", message=invites[MARIA])
    assert (await answer_of(maria, query))["show_alert"]
    assert await maria.collect() == [], "no list for a participant"
    assert refused_calls(api) == []


def _company(text: str, line: int) -> str:
    """The company the seed gave (not what this test is about)."""
    return text.splitlines()[line].split(";")[2]


async def test_an_edit_tells_everyone_invited_and_sends_the_accepted_a_new_entry(
    api: FakeBotApi,
    coordinator: FakeUser,
    db: Database,
    bot_at: AnyApplication,
    clock: FrozenClock,
) -> None:
    cohort, card, invites = await invited(db, api, coordinator)
    maria, emil, eva = cohort.active.values()
    await maria.press("✅ Ich komme", message=invites[MARIA])
    expect(await maria.wait_edit(invites[MARIA]), "Sie kommen.")
    await calendar_file(maria, "PUBLISH")
    await emil.press("❌ Ich kann nicht", message=invites["Emil Mentee"])
    expect(await emil.wait_edit(invites["Emil Mentee"]), "Sie kommen nicht")
    await advance(bot_at, clock, dt.timedelta(hours=1))

    # A participant cannot edit with forged data.
    event_id = await event_id_of(db)
    for data in (f"ek:e:{event_id}", f"ek:ef:{event_id}:place"):
        query = await eva.press_data(data, message=invites["Eva Mentee"])
        assert (await answer_of(eva, query))["show_alert"], data

    new_place = "Stadthalle <Gebhardshagen> & Saal"
    await coordinator.press("✏️ Bearbeiten", message=card)
    chooser = expect(await coordinator.wait_edit(card), "Was möchten Sie", "ändern")
    await coordinator.press("Ort", message=chooser)
    expect(await coordinator.next_message(), "Wo findet sie statt?")
    await coordinator.send(new_place)
    for user in (maria, emil, eva):
        expect(await user.next_message(), "Geändert", f"Ort: {PLACE} → {new_place}")
    entry = await maria.next_message()
    assert entry.document is not None
    _, event = read(entry.document.content)
    assert str(event["LOCATION"]) == new_place and int(str(event["SEQUENCE"])) > 0
    assert await emil.collect() == [] and await eva.collect() == [], "no file without a yes"
    done = expect(await coordinator.next_message(), "3 Eingeladene wurden benachrichtigt")
    await coordinator.press("📅 Zur Veranstaltung", message=done)
    card = expect(await coordinator.wait_edit(done), new_place, "Zusagen (1)")

    # A new start moves the reminders with it.
    await coordinator.press("✏️ Bearbeiten", message=card)
    chooser = await coordinator.wait_edit(card)
    await coordinator.press("Beginn", message=chooser)
    expect(await coordinator.next_message(), "Wann beginnt sie?")
    await coordinator.send("18.04.2027 18:00")
    expect(
        await emil.next_message(),
        "Beginn: So., 11. April 2027, 18:00 Uhr → So., 18. April 2027, 18:00 Uhr",
    )
    async with db.session() as session:
        rows = await session.scalars(
            select(Reminder).where(Reminder.kind == "event_soon", Reminder.state == "pending")
        )
        due = {r.due_at for r in rows}
    later = EVENT_AT + dt.timedelta(days=7)
    assert due == {later - dt.timedelta(days=14), later - dt.timedelta(days=2)}
    assert refused_calls(api) == []
