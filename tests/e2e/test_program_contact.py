"""The program team's contact, end to end: a coordinator sets it on the settings card, and
wherever a participant is sent to the program team (privacy notice, rejection, /start after
it, /help, closed registration) it is named; nobody else can set it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import dialogs
from storage.db import Database
from storage.models import AuditEntry, Program
from tests.e2e.harness import Profile, answer_of, expect, fill_registration, refused_calls

CONTACT = "Programmleitung: Anna Berg &amp; Co · anna.berg@wf-salzgitter.de · 05341 123456"


async def program_card(coordinator: FakeUser) -> BotMessage:
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await coordinator.press(listing.button_texts[0], message=listing)
    return await coordinator.wait_edit(listing)


async def set_contact(coordinator: FakeUser) -> BotMessage:
    """Through the settings card: name, a wrong e-mail (explained, asked again), e-mail, phone."""
    card = await program_card(coordinator)
    await coordinator.press("⚙️ Einstellungen", message=card)
    card = expect(await coordinator.wait_edit(card), "Kontakt der Programmleitung: nicht angegeben")
    await coordinator.press("📇 Kontakt der Programmleitung", message=card)
    expect(await coordinator.next_message(), "Name", "Aktuell: nicht angegeben")
    await coordinator.send("Anna Berg & Co")
    expect(await coordinator.next_message(), "E-Mail")
    await coordinator.send("anna.berg at wf-salzgitter")
    expect(await coordinator.next_message(), "keine E-Mail-Adresse")
    expect(await coordinator.next_message(), "E-Mail")  # asked again
    await coordinator.send("anna.berg@wf-salzgitter.de")
    expect(await coordinator.next_message(), "Telefon")
    await coordinator.send("05341-123456")
    expect(await coordinator.next_message(), "nur Ziffern, Leerzeichen")
    await coordinator.next_message()
    await coordinator.send("05341 123456")
    expect(await coordinator.next_message(), "Gespeichert")
    card = await coordinator.next_message()
    assert f"Kontakt der Programmleitung: <b>{CONTACT.split(': ', 1)[1]}</b>" in card.raw_text
    return card


async def test_a_coordinator_sets_the_contact_and_participants_see_it(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    before = api.add_user(1000, "Frieda")
    await before.send("/help")
    assert "📇" not in (await before.next_message()).text  # no contact yet: no line at all

    await set_contact(coordinator)
    async with db.session() as session:
        program = (await session.scalars(select(Program))).one()
        assert (program.contact_name, program.contact_email, program.contact_phone) == (
            "Anna Berg & Co",
            "anna.berg@wf-salzgitter.de",
            "05341 123456",
        )

    # The privacy notice names whom to ask.
    anna = api.add_user(1001, "Anna", username="anna_s")
    await anna.send(f"/start {code}")
    notice = await anna.next_message()
    assert f"Fragen an die Programmleitung:</b> {CONTACT.split(': ', 1)[1]}" in notice.raw_text
    await anna.send("/cancel")
    await anna.collect()
    summary = await fill_registration(anna, code, Profile())
    await anna.press("rg:ok", message=summary)
    await anna.next_message()
    await coordinator.collect()

    # Rejected: the message, /start afterwards and /help name the contact.
    note = await _participant_card(coordinator)
    await coordinator.press("❌ Ablehnen", message=note)
    await coordinator.press("❌ Ablehnen", message=await coordinator.wait_edit(note))
    rejected = expect(await anna.next_message(), "nicht berücksichtigt")
    assert CONTACT in rejected.raw_text
    await anna.send(f"/start {code}")
    assert CONTACT in expect(await anna.next_message(), "nicht angenommen").raw_text
    await anna.send("/help")
    assert CONTACT in (await anna.next_message()).raw_text
    assert refused_calls(api) == []


async def _participant_card(coordinator: FakeUser) -> BotMessage:
    card = await program_card(coordinator)
    await coordinator.press("Offen (1)", message=card)
    people = await coordinator.wait_edit(card)
    await coordinator.press(people.button_texts[0], message=people)
    return await coordinator.wait_edit(people)


async def test_closed_registration_names_the_contact(
    api: FakeBotApi, coordinator: FakeUser, code: str
) -> None:
    late = api.add_user(3001, "Late")
    await late.send("/start NOSUCHCODE")
    expect(await late.next_message(), "ungültig")  # no program known: no contact named

    await set_contact(coordinator)
    card = await program_card(coordinator)
    await coordinator.press("Anmeldung schließen", message=card)
    expect(await coordinator.wait_edit(card), "Anmeldung geschlossen")
    await late.send(f"/start {code}")
    closed = expect(await late.next_message(), "geschlossen")
    assert CONTACT in closed.raw_text
    assert refused_calls(api) == []


async def test_a_participant_cannot_set_the_contact(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    mallory = api.add_user(666, "Mallory")
    await mallory.send("/help")
    message = await mallory.next_message()
    async with db.session() as session:
        program_id = (await session.scalars(select(Program.id))).one()
    forged = [f"ps:c:{program_id}:n", f"ps:cs:{program_id}:e", f"ps:c:{program_id}:p"]
    for data in forged:
        query = await mallory.press_data(data, message=message)
        assert (await answer_of(mallory, query))["show_alert"], data
    assert await mallory.collect() == []

    # A contact dialog (left over from a revoked role, or forged) does not take text either.
    async with db.session() as session:
        await dialogs.save(
            session,
            mallory.id,
            flow="contact",
            step="n",
            data={"program_id": program_id},
            now=dt.datetime.now(dt.UTC),
        )
    await mallory.send("Mallory")
    expect(await mallory.next_message(), "Das darf nur")
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None and program.contact_name is None
        refused = (
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.user_id == mallory.id, AuditEntry.action == "refused"
                )
            )
        ).all()
        assert len(refused) >= len(forged) + 1
    assert refused_calls(api) == []
