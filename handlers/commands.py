"""The command menus Telegram shows: per language, and per scope (participants, coordinators)."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import translator
from bot.runtime import Services
from bot.settings import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)

PARTICIPANT_COMMANDS = (
    "start",
    "profile",
    "tandem",
    "meet",
    "feedback",
    "events",
    "language",
    "help",
    "cancel",
)
COORDINATOR_COMMANDS = (
    *PARTICIPANT_COMMANDS[:-2],
    "newprogram",
    "programs",
    "match",
    "tandems",
    "broadcast",
    "stats",
    "export",
    "makecoordinator",
    "revokecoordinator",
    "help",
    "cancel",
)


def menu(language: str, names: tuple[str, ...]) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(name, t.plain(f"cmd.{name}")) for name in names]


async def set_default_commands(services: Services) -> None:
    bot = services.messenger.bot
    scope = BotCommandScopeAllPrivateChats()
    default = services.settings.default_language
    await bot.set_my_commands(menu(default, PARTICIPANT_COMMANDS), scope=scope)
    for language in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(
            menu(language, PARTICIPANT_COMMANDS), scope=scope, language_code=language
        )


async def set_coordinator_commands(services: Services, user_id: int) -> None:
    """A chat scope per coordinator; fails softly for one who never opened the bot."""
    bot = services.messenger.bot
    scope = BotCommandScopeChat(user_id)
    try:
        await bot.set_my_commands(
            menu(services.settings.default_language, COORDINATOR_COMMANDS), scope=scope
        )
        for language in SUPPORTED_LANGUAGES:
            await bot.set_my_commands(
                menu(language, COORDINATOR_COMMANDS), scope=scope, language_code=language
            )
    except TelegramError as exc:
        log.warning("could not set the coordinator menu for %s: %s", user_id, exc)


async def clear_coordinator_commands(services: Services, user_id: int) -> None:
    """Back to the participants' menu: drop the chat scope in every language."""
    bot = services.messenger.bot
    scope = BotCommandScopeChat(user_id)
    try:
        await bot.delete_my_commands(scope=scope)
        for language in SUPPORTED_LANGUAGES:
            await bot.delete_my_commands(scope=scope, language_code=language)
    except TelegramError as exc:
        log.warning("could not reset the menu for %s: %s", user_id, exc)
