"""Fixtures for end-to-end tests: the Bot API stand-in, settings, the running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import AnyApplication
from bot.settings import Settings
from core.clock import FrozenClock
from fake_bot_api import FakeBotApi, FakeUser
from tests.e2e.harness import COORDINATOR_ID, TOKEN, bot_running, make_settings


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="TandemTestBot") as server:
        yield server


@pytest.fixture
def settings(api: FakeBotApi, database_url: str) -> Settings:
    return make_settings(api, database_url)


@pytest.fixture
async def bot(settings: Settings, coordinator: FakeUser) -> AsyncIterator[AnyApplication]:
    async with bot_running(settings) as app:
        yield app


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> FrozenClock:
    """The bot's clock, stopped at the test module's `NOW` (tests move it with `advance`)."""
    return FrozenClock(request.module.NOW)


@pytest.fixture
async def bot_at(
    settings: Settings, coordinator: FakeUser, clock: FrozenClock
) -> AsyncIterator[AnyApplication]:
    """The bot on the `clock` fixture's time."""
    async with bot_running(settings, clock=clock) as app:
        yield app


@pytest.fixture
def coordinator(api: FakeBotApi) -> FakeUser:
    return api.add_user(COORDINATOR_ID, "Juliane", "Stockhammer", username="jstockhammer")


@pytest.fixture
async def code(bot: AnyApplication, coordinator: FakeUser) -> str:
    from tests.e2e.harness import create_program

    return await create_program(coordinator)
