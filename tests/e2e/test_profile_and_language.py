"""/profile edits, /language, /help and the command menus per language and scope."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import AnyApplication
from bot.commands import PARTICIPANT_COMMANDS
from bot.i18n import translator
from core.programs import ParticipantStatus
from fake_bot_api import FakeBotApi, FakeUser
from storage.db import Database
from storage.models import Participant, Program, User
from tests.e2e.harness import COORDINATOR_ID, Profile, answer_of, expect, register
from tests.seeding import seed_program


async def test_profile_shows_and_edits_fields(api: FakeBotApi, code: str, db: Database) -> None:
    anna = api.add_user(1001, "Anna")
    await anna.send("/profile")
    expect(await anna.next_message(), "noch in keinem Programm")
    await register(anna, code, Profile())
    await anna.send("/profile")
    shown = expect(await anna.next_message(), "Ihr Profil", "wartet auf Freigabe", "Alstom")
    await anna.press("✏️ Unternehmen", message=shown)
    expect(await anna.next_message(), "Unternehmen", "Bisher: Alstom")
    await anna.send("A" * 121)
    expect(await anna.next_message(), "höchstens 120")
    await anna.next_message()
    await anna.send("Alstom Transport <Deutschland> & Co")
    # "Alstom" (her own registration's company) is known: the name probably means it
    question = expect(await anna.next_message(), "Meinten Sie", "Alstom Transport <Deutschland>")
    await anna.press("pf:cn", message=question)  # no: her own spelling
    expect(await anna.next_message(), "Gespeichert")
    again = expect(await anna.next_message(), "Alstom Transport <Deutschland> & Co")
    await anna.press("✏️ Treffen", message=again)
    fmt = await anna.next_message()
    await anna.press("Online", message=fmt)
    expect(await anna.next_message(), "Gespeichert")
    again = await anna.next_message()
    await anna.press("✏️ Themen", message=again)
    topics = await anna.next_message()
    await anna.press("✅ Feedback", message=topics)  # deselect
    await anna.wait_edit(topics)
    await anna.press("pf:td", message=topics)
    expect(await anna.next_message(), "Gespeichert")
    async with db.session() as session:
        row = (await session.scalars(select(Participant))).one()
        assert row.company == "Alstom Transport <Deutschland> & Co"
        assert row.meeting_format == "online"
        assert row.topics == ["Kommunikation"]


async def test_profile_edit_cancel_changes_nothing(
    api: FakeBotApi, code: str, db: Database
) -> None:
    anna = api.add_user(1001, "Anna")
    await register(anna, code, Profile())
    await anna.send("/profile")
    await anna.press("✏️ Name", message=await anna.next_message())
    await anna.next_message()
    await anna.send("/cancel")
    expect(await anna.next_message(), "nichts geändert")
    async with db.session() as session:
        assert (await session.scalars(select(Participant))).one().name == "Anna Schmidt"


async def test_language_switch_and_telegram_language(
    api: FakeBotApi, bot: object, db: Database
) -> None:
    ben = api.add_user(1002, "Ben", language_code="en-US")
    await ben.send("/help")
    expect(await ben.next_message(), "guides you")
    await ben.send("/language")
    choice = await ben.next_message()
    await ben.press("🇩🇪 Deutsch", message=choice)
    expect(await ben.wait_edit(choice), "Deutsch")
    await ben.send("/help")
    expect(await ben.next_message(), "begleitet Sie")
    async with db.session() as session:
        user = await session.get(User, 1002)
        assert user is not None and user.language == "de"


async def test_help_and_menus_per_scope_and_language(
    api: FakeBotApi, coordinator: FakeUser, bot: object
) -> None:
    await coordinator.send("/help")
    text = (await coordinator.next_message()).text
    assert "/newprogram" in text and "/programs" in text and "/makecoordinator" in text
    anna = api.add_user(1001, "Anna", language_code="de")
    ben = api.add_user(1002, "Ben", language_code="en")
    await api.wait_idle()
    private = {"type": "all_private_chats"}
    de = {c["command"]: c["description"] for c in api.commands(private, "de")}
    en = {c["command"]: c["description"] for c in api.commands(private, "en")}
    assert set(de) == set(en) == set(PARTICIPANT_COMMANDS)
    assert {"meet", "feedback", "events"} <= set(de)
    assert de["profile"] != en["profile"]
    assert api.commands(private, "") == api.commands(private, "de")  # default language
    assert "newprogram" not in {c["command"] for c in api.visible_commands(anna.id)}
    assert "newprogram" not in {c["command"] for c in api.visible_commands(ben.id)}
    coordinator_menu = {c["command"] for c in api.visible_commands(coordinator.id)}
    assert {"newprogram", "programs", "makecoordinator", "help"} <= coordinator_menu


async def test_the_role_is_fixed_once_approved(
    api: FakeBotApi, code: str, db: Database, coordinator: FakeUser
) -> None:
    """Found by the fuzz test: a mentor in a tandem could make themselves a mentee."""
    user = api.add_user(1201, "Rolf")
    await register(user, code, Profile(role="mentor", name="Rolf Rolle"))
    await user.send("/profile")
    pending = await user.next_message()
    assert "✏️ Rolle" in " ".join(pending.button_texts)  # still pending: may change
    async with db.session() as session:
        row = (await session.scalars(select(Participant))).one()
        row.status = ParticipantStatus.ACTIVE
        participant_id = row.id
    await user.send("/profile")
    card = await user.next_message()
    assert not any("Rolle" in label for label in card.button_texts)
    query = await user.press_data("pf:e:role", message=card)
    refused = await answer_of(user, query)
    assert refused["show_alert"] and "Programmleitung" in refused["text"]
    async with db.session() as session:
        stored = await session.get(Participant, participant_id)
        assert stored is not None and stored.role == "mentor"


async def test_the_command_menu_follows_the_chosen_language(
    api: FakeBotApi, bot: object, coordinator: FakeUser, db: Database
) -> None:
    """Telegram picks a menu by the phone's language; someone who chose German with /language
    on an English phone gets the German menu, as their messages are German. A coordinator's
    menu follows too, and keeps doing so when a later grant rewrites it."""
    de_profile = translator("de").plain("cmd.profile")
    en_profile = translator("en").plain("cmd.profile")
    ben = api.add_user(1002, "Ben", language_code="en")
    await api.wait_idle()
    labels = {c["command"]: c["description"] for c in api.visible_commands(ben.id)}
    assert labels["profile"] == en_profile
    await ben.send("/language")
    choice = await ben.next_message()
    await ben.press("🇩🇪 Deutsch", message=choice)
    await ben.wait_edit(choice)
    await api.wait_idle()
    labels = {c["command"]: c["description"] for c in api.visible_commands(ben.id)}
    assert labels["profile"] == de_profile
    assert "newprogram" not in labels

    await coordinator.send("/language")
    choice = await coordinator.next_message()
    await coordinator.press("🇬🇧 English", message=choice)
    await coordinator.wait_edit(choice)
    await api.wait_idle()
    menu = {c["command"]: c["description"] for c in api.visible_commands(coordinator.id)}
    assert "newprogram" in menu and menu["profile"] == en_profile


async def test_a_coordinator_is_told_in_the_language_the_bot_answers_them_in(
    api: FakeBotApi, bot: AnyApplication, coordinator: FakeUser, db: Database
) -> None:
    """A coordinator who never chose a language with /language gets the notices sent to them
    (here: a new registration) in their Telegram's language, as the bot answers them. Before,
    only a choice was stored, so every notice came in the default language."""
    coordinator.language_code = "en"  # before the bot has seen them
    program_id = await seed_program(db, dt.datetime.now(dt.UTC))
    async with db.session() as session:
        program = await session.get(Program, program_id)
        assert program is not None
        code = program.invite_code
    await coordinator.send("/help")
    expect(await coordinator.next_message(), "/programs")
    await register(api.add_user(1001, "Anna"), code, Profile())
    expect(await coordinator.next_message(), "New registration")
    async with db.session() as session:
        row = await session.get(User, COORDINATOR_ID)
        assert row is not None and row.language == "en"
    await coordinator.send("/language")  # a choice later still wins
    choice = await coordinator.next_message()
    await coordinator.press("lg:de", message=choice)
    expect(await coordinator.wait_edit(choice), "Deutsch")
    async with db.session() as session:
        row = await session.get(User, COORDINATOR_ID)
        assert row is not None and row.language == "de"
