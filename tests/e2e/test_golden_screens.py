"""Golden files of the main screens a person meets first, in both languages.

The first walk (`test_golden_messages.py`) keeps what the bot sends on its own during a program
year and the screens of a running program (/help, the tandem's home, /programs, /match,
/tandems, /stats, /certificates). This walk keeps the screens before and around them: the
welcome of someone who has no invitation yet, the invitation's privacy notice and the first
question of the registration, what /start and /tandem say to someone registered and not matched
yet, the profile, the coordinators' start, review list, settings, events, surveys, announcement
and company directory, and the answers to an unknown command and to text when nothing was asked:
every one of them must lead somewhere (a button, a command), so a translator reads them here
with the rest.
"""

from __future__ import annotations

import pytest

from fake_bot_api import FakeBotApi
from storage.db import Database
from tests.e2e import golden
from tests.e2e.golden import (
    CLARA,
    LANGUAGES,
    PETRA,
    Year,
    assert_golden,
    press,
    quiet,
    year_running,
)
from tests.e2e.harness import register

database_url = golden.database_url  # SQLite only (see tests/e2e/golden.py)

# In the order the walk meets them.
MESSAGES = (
    "start_welcome",
    "free_text_newcomer",
    "start_with_code",
    "registration_welcome",
    "registration_first_question",
    "start_pending",
    "home_waiting",
    "tandem_waiting",
    "profile",
    "free_text",
    "unknown_command",
    "start_coordinator",
    "registrations_review",
    "registration_review_card",
    "program_settings",
    "events_list",
    "surveys_list",
    "broadcast_start",
    "companies",
)

NEWCOMER = 5010  # Max Neumann: opens the bot, then the invitation, and stops at the first question
APPLICANT = 5011  # Clara Becker: registers and waits for the review


async def main_screens(year: Year) -> None:
    coordinator, petra, program_id = year.coordinator, year.user(PETRA), year.program_id

    # Someone opens the bot without an invitation, writes, then follows the invitation link.
    max_ = year.api.add_user(NEWCOMER, "Max", "Neumann", language_code=year.language)
    await max_.send("/start")
    year.keep("start_welcome", await max_.next_message())
    await max_.send("Hallo")
    year.keep("free_text_newcomer", await max_.next_message())
    await max_.send(f"/start {year.invite_code}")
    notice = year.keep("start_with_code", await max_.next_message())
    await press(max_, notice, "rg:c:")
    year.keep("registration_welcome", await max_.next_message())
    year.keep("registration_first_question", await max_.next_message())

    # Clara registers; while the program team reviews it, /start says where it stands.
    clara = year.api.add_user(APPLICANT, "Clara", "Becker", language_code=year.language)
    await register(clara, year.invite_code, CLARA, year.language)
    await coordinator.next_message()  # registration_to_coordinators (the first walk's)
    await clara.send("/start")
    year.keep("start_pending", await clara.next_message())

    # Petra takes part and has no tandem yet: /start and /tandem, her profile, a stray text and
    # a mistyped command.
    await petra.send("/start")
    year.keep("home_waiting", await petra.next_message())
    await petra.send("/tandem")
    year.keep("tandem_waiting", await petra.next_message())
    await petra.send("/profile")
    year.keep("profile", await petra.next_message())
    await petra.send("Hallo")
    year.keep("free_text", await petra.next_message())
    await petra.send("/treffen")
    year.keep("unknown_command", await petra.next_message())

    # The program team: its start, the registration to review, the program's settings.
    await coordinator.send("/start")
    year.keep("start_coordinator", await coordinator.next_message())
    await coordinator.send("/programs")
    listing = await coordinator.next_message()
    await press(coordinator, listing, f"pg:v:{program_id}")
    card = await coordinator.wait_edit(listing)
    await press(coordinator, card, f"pg:l:{program_id}:pending:")
    pending = year.keep("registrations_review", await coordinator.wait_edit(card))
    await press(coordinator, pending, "pp:v:")
    person = year.keep("registration_review_card", await coordinator.wait_edit(pending))
    await press(coordinator, person, f"pg:l:{program_id}:pending:")  # back to the list
    pending = await coordinator.wait_edit(person)
    await press(coordinator, pending, f"pg:v:{program_id}")  # back to the program
    card = await coordinator.wait_edit(pending)
    await press(coordinator, card, f"ps:v:{program_id}")
    year.keep("program_settings", await coordinator.wait_edit(card))

    # Its other commands, each opening on its list.
    await coordinator.send("/events")
    year.keep("events_list", await coordinator.next_message())
    await coordinator.send("/survey")
    year.keep("surveys_list", await coordinator.next_message())
    await coordinator.send("/broadcast")
    year.keep("broadcast_start", await coordinator.next_message())
    await coordinator.send("/companies")
    year.keep("companies", await coordinator.next_message())
    await quiet(max_, clara, petra, coordinator)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_golden_main_screens(
    api: FakeBotApi, db: Database, database_url: str, language: str
) -> None:
    async with year_running(api, db, database_url, language, MESSAGES) as year:
        await main_screens(year)
    assert_golden(language, year.captured, MESSAGES)
