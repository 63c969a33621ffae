"""Pure parts of issue 11's smaller holes: log lines, unreadable updates, command menus."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from telegram import Bot

from bot import logs
from bot.commands import (
    ALL_PROGRAMS_COMMANDS,
    COORDINATOR_COMMANDS,
    PARTICIPANT_COMMANDS,
    PROGRAM_COORDINATOR_COMMANDS,
    commands_for,
)
from bot.updates import readable, skipped
from handlers.views.home import joinable

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
SERVICES = HANDLERS.parent / "services"


def emit(secrets: list[str], message: str, *args: object) -> str:
    buffer = io.StringIO()
    logger = logging.getLogger("tests.unit.holes")
    handler = logs.make_handler(secrets, buffer)
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.DEBUG
    try:
        logger.debug(message, *args)
    finally:
        logger.removeHandler(handler)
    return buffer.getvalue()


def test_a_line_break_in_a_value_stays_on_its_line() -> None:
    out = emit([], "user %s tried %s", 7, "x\n2027-01-01 INFO tandem: forged\rmore")
    assert out.count("\n") == 1 and out.endswith("\n")
    assert "x\\n2027-01-01 INFO tandem: forged\\rmore" in out


def test_every_secret_is_redacted() -> None:
    out = emit(["TOKEN:123", "hook-secret"], "setWebhook %s", {"secret_token": "hook-secret"})
    assert "hook-secret" not in out and "<token>" in out


def test_an_unreadable_update_becomes_an_empty_one_with_its_id() -> None:
    bot = Bot("123:abc")
    update = readable({"update_id": 41, "message": {"message_id": 1}}, bot)
    assert update is not None and update.update_id == 41 and update.message is None
    assert readable({"message": {"message_id": 1}}, bot) is None  # no id: nothing to confirm
    assert skipped({"update_id": True}, ValueError()) is None
    good = readable({"update_id": 42}, bot)
    assert good is not None and good.update_id == 42


def test_menus_by_role() -> None:
    assert commands_for(False, False) == PARTICIPANT_COMMANDS
    assert commands_for(True, True) == COORDINATOR_COMMANDS
    assert commands_for(True, False) == PROGRAM_COORDINATOR_COMMANDS
    assert set(COORDINATOR_COMMANDS) >= ALL_PROGRAMS_COMMANDS
    assert not ALL_PROGRAMS_COMMANDS & set(PROGRAM_COORDINATOR_COMMANDS)


def test_the_tandem_home_is_near_the_top_of_every_menu() -> None:
    """The way back to the tandem's home from anywhere: the chat's menu button opens the command
    menu, where /tandem is among the first three for everyone."""
    for names in (PARTICIPANT_COMMANDS, COORDINATOR_COMMANDS, PROGRAM_COORDINATOR_COMMANDS):
        assert names.index("tandem") < 3


def test_the_menu_hides_exactly_the_commands_the_guard_reserves() -> None:
    """Every command a handler or a use case reserves for coordinators of all programs is left
    out of a program coordinator's menu, and nothing else is."""
    guarded = set()
    for source in [*HANDLERS.glob("*.py"), *SERVICES.glob("*.py")]:
        found = re.findall(r'require_all_programs\(\s*(?:ctx|uow),\s*"(\w+)"', source.read_text())
        guarded |= set(found)
    assert guarded == ALL_PROGRAMS_COMMANDS


@pytest.mark.parametrize(
    ("link", "button"),
    [
        ("https://meet.example.org/tandem-7", True),
        ("http://teams.microsoft.com/l/meetup-join/19%3a", True),
        ("http://localhost:8080/room", False),
        ("https://intranet/room", False),
        ("https://exämple.org/room", False),
        ("javascript:alert(1)", False),
        (None, False),
    ],
)
def test_only_links_telegram_accepts_become_join_buttons(link: str | None, button: bool) -> None:
    """A URL button Telegram refuses costs the whole home message: such links stay text."""
    assert joinable(link) is button
