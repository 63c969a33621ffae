"""The try-it-out terminal mode and server shutdown behaviour."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx
import pytest

from fake_bot_api import FakeBotApi, FakeUser
from fake_bot_api.cli import _handle_line, _printer, parse_args

from .conftest import RawBot


async def test_cli_session(
    api: FakeBotApi, bot: RawBot, user: FakeUser, capsys: pytest.CaptureFixture[str]
) -> None:
    printer = asyncio.create_task(_printer(api, user))
    try:
        assert await _handle_line("/start", user)
        update = (await bot.call("getUpdates"))[-1]
        assert update["message"]["text"] == "/start"
        markup = {"inline_keyboard": [[{"text": "Mentor", "callback_data": "m"}]]}
        sent = await bot.call("sendMessage", chat_id=user.id, text="Role?", reply_markup=markup)
        await asyncio.sleep(0.05)
        assert await _handle_line("/press Mentor", user)
        await _handle_line("/press Missing", user)
        query = (await bot.call("getUpdates", offset=update["update_id"] + 1))[-1]
        await bot.call("answerCallbackQuery", callback_query_id=query["callback_query"]["id"],
                       text="Saved")  # fmt: skip
        await bot.call("editMessageText", chat_id=user.id, message_id=sent["message_id"],
                       text="Mentor it is")  # fmt: skip
        await asyncio.sleep(0.05)
        assert not await _handle_line("/quit", user)
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
    out = capsys.readouterr().out
    assert "bot> Role?" in out and "[Mentor]" in out
    assert "no button 'Missing'" in out
    assert "bot (popup)> Saved" in out
    assert "(edited #2)> Mentor it is" in out


def test_cli_arguments() -> None:
    args = parse_args(["--port", "9000", "--token", "1:x", "--user-id", "7"])
    assert (args.port, args.token, args.user_id, args.host) == (9000, "1:x", 7, "127.0.0.1")


async def test_stop_releases_pending_long_poll() -> None:
    api = FakeBotApi()
    await api.start()
    async with httpx.AsyncClient() as client:
        poll = asyncio.create_task(
            client.post(f"{api.base_url}{api.token}/getUpdates", json={"timeout": 30})
        )
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await api.stop()
        response = await asyncio.wait_for(poll, 5)
    assert response.json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 2
