"""Fixtures: a running stand-in, one user, and a raw HTTP client to talk to it like a bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fake_bot_api import FakeBotApi, FakeUser

TOKEN = "123456:TEST-token_for_the_stand_in"


class RawBot:
    """Calls the API without PTB so tests control the exact encoding and see raw bodies."""

    def __init__(self, api: FakeBotApi, client: httpx.AsyncClient) -> None:
        self.api = api
        self.client = client

    async def raw(self, method: str, **params: Any) -> httpx.Response:
        return await self.client.post(f"{self.api.base_url}{self.api.token}/{method}", json=params)

    async def call(self, method: str, **params: Any) -> Any:
        response = await self.raw(method, **params)
        body = response.json()
        assert response.status_code == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        response = await self.raw(method, **params)
        body = response.json()
        assert not body["ok"], body
        assert response.status_code == body["error_code"]
        return body["error_code"], body["description"]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN, bot_username="TandemTestBot") as server:
        yield server


@pytest.fixture
def user(api: FakeBotApi) -> FakeUser:
    return api.add_user(user_id=1001, first_name="Anna", username="anna", language_code="de")


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[RawBot]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield RawBot(api, client)
