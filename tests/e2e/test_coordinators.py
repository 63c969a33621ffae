"""Coordinators: programs, review of registrations, role grants; and that nobody else can."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.commands import PARTICIPANT_COMMANDS
from fake_bot_api import FakeBotApi, FakeUser
from storage import users
from storage.db import Database
from storage.models import AuditEntry, Coordinator, Participant, Program
from tests.e2e.harness import Profile, answer_of, expect, register
from tests.seeding import seed_program


async def test_new_program_with_typed_dates_and_validation(
    api: FakeBotApi, bot: object, coordinator: FakeUser, db: Database
) -> None:
    await coordinator.send("/newprogram")
    await coordinator.next_message()
    await coordinator.send("x" * 121)
    expect(await coordinator.next_message(), "höchstens 120")
    await coordinator.send("Jahrgang <2027> & mehr")
    await coordinator.next_message()
    await coordinator.send("31.02.2027")
    expect(await coordinator.next_message(), "verstehe ich nicht")
    await coordinator.next_message()
    await coordinator.send("11.03.2027")
    expect(await coordinator.next_message(), "Wie lange")
    await coordinator.send("01.01.2027")
    expect(await coordinator.next_message(), "nach dem Start (11.03.2027)")
    await coordinator.next_message()
    await coordinator.send("10.03.2028")
    expect(await coordinator.next_message(), "Jahrgang <2027> & mehr", "angelegt")
    card = expect(
        await coordinator.next_message(),
        "11.03.2027 – 10.03.2028",
        "Europe/Berlin",
        "https://t.me/TandemTestBot?start=",
    )
    assert "Jahrgang &lt;2027&gt; &amp; mehr" in card.raw_text
    async with db.session() as session:
        program = (await session.scalars(select(Program))).one()
        assert program.name == "Jahrgang <2027> & mehr"
        assert program.status == "open"
        assert program.settings["topics"][0] == "Führung und Führungsrolle"


async def test_review_participants_and_decide(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    anna = api.add_user(1001, "Anna", username="anna_s")
    await register(anna, code, Profile())
    await coordinator.collect()
    await coordinator.send("/programs")
    listing = expect(await coordinator.next_message(), "Programme")
    await coordinator.press(listing.button_texts[0], message=listing)
    card = await coordinator.wait_edit(listing)
    expect(card, "Teilnehmende: 1 offen")
    await coordinator.press("Offen (1)", message=card)
    people = await coordinator.wait_edit(
        card,
    )
    await coordinator.press("Anna Schmidt · Führungskraft im Mentoring · Alstom", message=people)
    person = await coordinator.wait_edit(people)
    expect(person, "@anna_s", "wartet auf Freigabe", "Bahntechnik", "Kommunikation, Feedback")
    await coordinator.press("❌ Ablehnen", message=person)
    confirm = expect(await coordinator.wait_edit(person), "Anmeldung von Anna Schmidt", "ablehnen?")
    await coordinator.press("❌ Ablehnen", message=confirm)
    expect(await anna.next_message(), "nicht berücksichtigt")
    async with db.session() as session:
        row = (await session.scalars(select(Participant))).one()
        assert row.status == "rejected"
    # Anna's /start now says so, and /profile has nothing to show.
    await anna.send(f"/start {code}")
    expect(await anna.next_message(), "nicht angenommen")


async def test_two_coordinators_deciding_at_once_decide_once(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    second = api.add_user(9002, "Linda", username="linda")
    async with db.session() as session:
        now = dt.datetime.now(dt.UTC)
        await users.upsert(
            session, user_id=9002, identity=users.Identity("Linda", username="linda"), now=now
        )
        await users.grant_coordinator(session, 9002, granted_by=coordinator.id, now=now)
    anna = api.add_user(1001, "Anna", username="anna_s")
    await register(anna, code, Profile())
    notes = []
    for person in (coordinator, second):
        notes.append(next(m for m in await person.collect() if "Neue Anmeldung" in m.text))
    await second.press("❌ Ablehnen", message=notes[1])  # asks first
    confirm = await second.wait_edit(notes[1])
    first, other = await asyncio.gather(
        coordinator.press("✅ Freigeben", message=notes[0]),
        second.press("❌ Ablehnen", message=confirm),
    )
    answers = [await answer_of(coordinator, first), await answer_of(second, other)]
    async with db.session() as session:
        row = (await session.scalars(select(Participant))).one()
    winner = 0 if row.status == "active" else 1
    assert row.status in ("active", "rejected")
    assert "inzwischen" in answers[1 - winner].get("text", "")
    decisions = [m for m in await anna.collect() if "Anmeldung" in m.text]
    assert len(decisions) == 1


async def test_participants_cannot_use_coordinator_commands(
    api: FakeBotApi, code: str, db: Database
) -> None:
    mallory = api.add_user(666, "Mallory")
    for command in ("/newprogram", "/programs", "/makecoordinator 666"):
        await mallory.send(command)
        expect(await mallory.next_message(), "Das darf nur")
    await mallory.send("/help")
    help_text = await mallory.next_message()
    assert "/newprogram" not in help_text.text
    async with db.session() as session:
        refused = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "refused"))
        ).all()
        assert len(refused) == 3
        assert (await session.scalars(select(Coordinator))).all() == []


async def test_make_coordinator_by_username_and_by_button(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    gisela = api.add_user(2001, "Gisela", username="GiselaRB")
    await register(gisela, code, Profile(name="Gisela Rose-Bart"))
    await coordinator.collect()
    await coordinator.send("/makecoordinator @giselarb")
    expect(await coordinator.next_message(), "gehört jetzt zur Programmleitung")
    expect(await gisela.next_message(), "Programmleitung")
    scope = {"type": "chat", "chat_id": 2001}
    async with asyncio.timeout(5):  # the menu is set after the grant is committed
        while not api.commands(scope, "de"):
            await api.wait_change(0.5)
    names = [c["command"] for c in api.commands(scope, "de")]
    assert "newprogram" in names and "programs" in names
    await gisela.send("/programs")
    expect(await gisela.next_message(), "Programme")
    await coordinator.send("/makecoordinator @giselarb")
    expect(await coordinator.next_message(), "bereits")
    await coordinator.send("/makecoordinator @nobody")
    expect(await coordinator.next_message(), "kenne ich nicht")
    async with db.session() as session:
        grants = (await session.scalars(select(Coordinator))).all()
        assert [(g.user_id, g.granted_by) for g in grants] == [(2001, coordinator.id)]

    # And back: the role and the coordinator menu go; the configured coordinator stays.
    await gisela.send("/revokecoordinator 9001")
    expect(await gisela.next_message(), "TANDEM_COORDINATORS")
    await coordinator.send("/revokecoordinator @GiselaRB")
    expect(await coordinator.next_message(), "nicht mehr zur Programmleitung")
    await api.wait_idle()
    # Her menu is the participants' again, in the language her messages are in.
    names = [c["command"] for c in api.commands(scope, "de")]
    assert names == list(PARTICIPANT_COMMANDS)
    assert [c["command"] for c in api.visible_commands(gisela.id)] == list(PARTICIPANT_COMMANDS)
    await gisela.send("/programs")
    expect(await gisela.next_message(), "Das darf nur")
    await coordinator.send("/revokecoordinator @GiselaRB")
    expect(await coordinator.next_message(), "gehört nicht zur Programmleitung")
    async with db.session() as session:
        assert (await session.scalars(select(Coordinator))).all() == []
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert "coordinator_revoked" in actions


async def test_close_registration(api: FakeBotApi, coordinator: FakeUser, code: str) -> None:
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await coordinator.press(listing.button_texts[0], message=listing)
    card = await coordinator.wait_edit(listing)
    await coordinator.press("Anmeldung schließen", message=card)
    card = await coordinator.wait_edit(card)
    expect(card, "Anmeldung geschlossen")
    late = api.add_user(3001, "Late")
    await late.send(f"/start {code}")
    expect(await late.next_message(), "geschlossen")
    await asyncio.sleep(0)


ALL_PROGRAM_COMMANDS = {"newprogram", "purge", "makecoordinator", "revokecoordinator"}


async def test_a_grant_from_the_card_says_it_is_for_one_program_and_the_menu_fits(
    api: FakeBotApi, coordinator: FakeUser, code: str, db: Database
) -> None:
    """The card's grant is for the card's program: the question names it, and the new
    coordinator's /help and command menu show only what a coordinator of one program may use."""
    gisela = api.add_user(2002, "Gisela", username="gisela")
    await register(gisela, code, Profile(name="Gisela Rose"))
    note = next(m for m in await coordinator.collect() if "Neue Anmeldung" in m.text)
    async with db.session() as session:
        participant = (await session.scalars(select(Participant))).one()
    await coordinator.press("Details", message=note)
    card = expect(await coordinator.wait_edit(note), "Gisela Rose")
    await coordinator.press("🔑 Zur Programmleitung machen", message=card)
    question = expect(
        await coordinator.wait_edit(card), "Gisela Rose", "Cross-Mentoring Salzgitter 2027"
    )
    assert "alle Programme" not in question.text
    await coordinator.press("Ja", message=question)
    expect(
        await coordinator.next_message(),
        "gehört jetzt zur Programmleitung",
        "Cross-Mentoring Salzgitter 2027",
    )
    expect(await gisela.next_message(), "Programmleitung", "Cross-Mentoring Salzgitter 2027")
    async with asyncio.timeout(5):  # the menu is set after the grant is committed
        while not api.commands({"type": "chat", "chat_id": gisela.id}, "de"):
            await api.wait_change(0.5)
    menu = {c["command"] for c in api.visible_commands(gisela.id)}
    assert {"programs", "match", "broadcast", "help"} <= menu
    assert not menu & ALL_PROGRAM_COMMANDS
    await gisela.send("/help")
    shown = (await gisela.next_message()).text
    assert "/match" in shown and "/programs" in shown
    assert not [name for name in ALL_PROGRAM_COMMANDS if f"/{name} " in shown]
    # A coordinator of all programs still sees everything.
    await coordinator.send("/help")
    everything = (await coordinator.next_message()).text
    assert all(f"/{name} " in everything for name in ALL_PROGRAM_COMMANDS)
    async with db.session() as session:
        [grant] = (await session.scalars(select(Coordinator))).all()
        assert grant.program_id == participant.program_id


async def test_start_welcomes_a_new_coordinator_and_names_the_programs_of_a_known_one(
    api: FakeBotApi, bot: object, coordinator: FakeUser, db: Database
) -> None:
    """A coordinator's first /start is a welcome with the first step, not "Willkommen zurück";
    once they run a program, /start names it (escaped, as every name typed by a person)."""
    await coordinator.send("/start")
    first = expect(await coordinator.next_message(), "Willkommen bei Tandem", "/newprogram")
    assert "zurück" not in first.text
    await seed_program(db, dt.datetime.now(dt.UTC), name="Jahrgang <2027> & mehr")
    await coordinator.send("/start")
    known = expect(await coordinator.next_message(), "Programmleitung von Jahrgang <2027> & mehr")
    assert "Jahrgang &lt;2027&gt; &amp; mehr" in known.raw_text
    assert "Willkommen" not in known.text
