"""The command menus Telegram shows: per language, and per scope (participants, coordinators).

The start sets them while the bot already answers (`set_at_start`, a task of bot/app.py): a menu
is Telegram's to show, not needed to answer, and a flood wait on one must not hold the start up.
Every change of a menu holds `Services.menus_lock`, so a /language or a new coordinator during
the start is applied after the start's menus, not overwritten by them.
"""

from __future__ import annotations

import logging

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from bot.context import Services
from bot.i18n import translator
from bot.messenger import Outcome
from bot.settings import SUPPORTED_LANGUAGES
from storage import users

log = logging.getLogger(__name__)

PARTICIPANT_COMMANDS = (
    "start",
    "profile",
    "tandem",
    "meet",
    "feedback",
    "events",
    "survey",
    "pause",
    "resume",
    "mydata",
    "deleteme",
    "language",
    "help",
    "cancel",
)
COORDINATOR_COMMANDS = (
    *PARTICIPANT_COMMANDS[:-2],
    "newprogram",
    "programs",
    "match",
    "companies",
    "tandems",
    "broadcast",
    "stats",
    "export",
    "certificates",
    "purge",
    "makecoordinator",
    "revokecoordinator",
    "help",
    "cancel",
)

# Only a coordinator of all programs may use these (services.access.require_all_programs); a
# coordinator of some programs neither sees them in /help nor in the command menu.
ALL_PROGRAMS_COMMANDS = frozenset({"newprogram", "purge", "makecoordinator", "revokecoordinator"})
PROGRAM_COORDINATOR_COMMANDS = tuple(
    name for name in COORDINATOR_COMMANDS if name not in ALL_PROGRAMS_COMMANDS
)


def commands_for(is_coordinator: bool, all_programs: bool) -> tuple[str, ...]:
    """The commands a person may use: a participant's, a coordinator's of some programs, or
    all of them for a coordinator of all programs."""
    if not is_coordinator:
        return PARTICIPANT_COMMANDS
    return COORDINATOR_COMMANDS if all_programs else PROGRAM_COORDINATOR_COMMANDS


def menu(language: str, names: tuple[str, ...]) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(name, t.plain(f"cmd.{name}")) for name in names]


async def _set(
    services: Services,
    names: tuple[str, ...],
    scope: BotCommandScope,
    language: str | None,
    shown: str | None = None,
) -> None:
    """One menu, with the messenger's retries (429, 5xx); a failure costs a menu, not the
    start-up (a coordinator who never opened the bot has no chat to scope a menu to). `shown`
    is the language the labels are in, where it differs from the client language `language`
    the menu is for."""
    bot = services.messenger.bot
    _, outcome = await services.messenger.request(
        "setMyCommands",
        lambda: bot.set_my_commands(
            menu(shown or language or services.settings.default_language, names),
            scope=scope,
            language_code=language,
        ),
    )
    if outcome is not Outcome.SENT:
        log.warning("could not set a command menu (%s): %s", scope.type, outcome.value)


async def _chosen_language(services: Services, user_id: int) -> str | None:
    async with services.db.session() as session:
        user = await users.get(session, user_id)
    return user.language if user is not None else None


async def _set_chat(
    services: Services, user_id: int, names: tuple[str, ...], chosen: str | None
) -> None:
    """A menu for one chat. Telegram picks a menu by the app's language, so the language the
    person's messages are in (stored at registration or chosen with /language) is written for
    every client language (and for none): the menu then reads as the bot's messages do,
    whatever the phone is set to."""
    scope = BotCommandScopeChat(user_id)
    for language in (None, *SUPPORTED_LANGUAGES):
        await _set(services, names, scope, language, shown=chosen)


async def set_at_start(services: Services) -> None:
    """The participants' menu in every language, and each coordinator's."""
    async with services.menus_lock:
        scope = BotCommandScopeAllPrivateChats()
        await _set(services, PARTICIPANT_COMMANDS, scope, None)
        for language in SUPPORTED_LANGUAGES:
            await _set(services, PARTICIPANT_COMMANDS, scope, language)
        async with services.db.session() as session:
            coordinator_ids = await services.coordinator_ids(session)
        for user_id in sorted(coordinator_ids):
            await _coordinator_menu(services, user_id, None)


async def set_coordinator_commands(
    services: Services, user_id: int, all_programs: bool | None = None
) -> None:
    """A chat scope per coordinator, with the commands of their grants (`all_programs` None:
    looked up), in the language they chose if they chose one."""
    async with services.menus_lock:
        await _coordinator_menu(services, user_id, all_programs)


async def _coordinator_menu(services: Services, user_id: int, all_programs: bool | None) -> None:
    async with services.db.session() as session:  # one session for both (start-up: each one)
        if all_programs is None:
            all_programs = await services.scope_of(session, user_id) is None
        user = await users.get(session, user_id)
    chosen = user.language if user is not None else None
    await _set_chat(services, user_id, commands_for(True, all_programs), chosen)


async def follow_language(services: Services, user_id: int, language: str) -> None:
    """After /language: this person's menu in the language they chose (a participant's or a
    coordinator's commands, whichever they have)."""
    async with services.menus_lock:
        async with services.db.session() as session:
            coordinator = await services.is_coordinator(session, user_id)
            all_programs = coordinator and await services.scope_of(session, user_id) is None
        await _set_chat(services, user_id, commands_for(coordinator, all_programs), language)


async def clear_coordinator_commands(services: Services, user_id: int) -> None:
    """Back to the participants' menu: drop the chat scope in every language, or, for someone
    who chose a language, the participants' commands in that language."""
    async with services.menus_lock:
        await _clear_coordinator_menu(services, user_id)


async def _clear_coordinator_menu(services: Services, user_id: int) -> None:
    chosen = await _chosen_language(services, user_id)
    if chosen is not None:
        await _set_chat(services, user_id, PARTICIPANT_COMMANDS, chosen)
        return
    bot = services.messenger.bot
    scope = BotCommandScopeChat(user_id)
    for language in (None, *SUPPORTED_LANGUAGES):

        async def drop(language: str | None = language) -> bool:
            return await bot.delete_my_commands(scope=scope, language_code=language)

        _, outcome = await services.messenger.request("deleteMyCommands", drop)
        if outcome is not Outcome.SENT:
            log.warning("could not reset the menu for %s: %s", user_id, outcome.value)
