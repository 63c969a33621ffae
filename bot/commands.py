"""The command menus Telegram shows: per language, and per scope (participants, coordinators)."""

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
    services: Services, names: tuple[str, ...], scope: BotCommandScope, language: str | None
) -> None:
    """One menu, with the messenger's retries (429, 5xx); a failure costs a menu, not the
    start-up (a coordinator who never opened the bot has no chat to scope a menu to)."""
    bot = services.messenger.bot
    _, outcome = await services.messenger.request(
        "setMyCommands",
        lambda: bot.set_my_commands(
            menu(language or services.settings.default_language, names),
            scope=scope,
            language_code=language,
        ),
    )
    if outcome is not Outcome.SENT:
        log.warning("could not set a command menu (%s): %s", scope.type, outcome.value)


async def set_default_commands(services: Services) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await _set(services, PARTICIPANT_COMMANDS, scope, None)
    for language in SUPPORTED_LANGUAGES:
        await _set(services, PARTICIPANT_COMMANDS, scope, language)


async def set_coordinator_commands(
    services: Services, user_id: int, all_programs: bool | None = None
) -> None:
    """A chat scope per coordinator, with the commands of their grants (`all_programs` None:
    looked up)."""
    if all_programs is None:
        async with services.db.session() as session:
            all_programs = await services.scope_of(session, user_id) is None
    names = commands_for(True, all_programs)
    scope = BotCommandScopeChat(user_id)
    await _set(services, names, scope, None)
    for language in SUPPORTED_LANGUAGES:
        await _set(services, names, scope, language)


async def clear_coordinator_commands(services: Services, user_id: int) -> None:
    """Back to the participants' menu: drop the chat scope in every language."""
    bot = services.messenger.bot
    scope = BotCommandScopeChat(user_id)
    for language in (None, *SUPPORTED_LANGUAGES):

        async def drop(language: str | None = language) -> bool:
            return await bot.delete_my_commands(scope=scope, language_code=language)

        _, outcome = await services.messenger.request("deleteMyCommands", drop)
        if outcome is not Outcome.SENT:
            log.warning("could not reset the menu for %s: %s", user_id, outcome.value)
