"""getUpdates long polling and webhook delivery behave like Telegram's."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from fake_bot_api import FakeBotApi, FakeUser

from .conftest import RawBot


async def test_long_poll_wakes_up_when_an_update_arrives(bot: RawBot, user: FakeUser) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.call("getUpdates", timeout=10))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user.send("hello")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert [u["message"]["text"] for u in updates] == ["hello"]
    assert updates[0]["message"]["from"]["id"] == user.id


async def test_long_poll_times_out_empty(bot: RawBot) -> None:
    started = time.monotonic()
    assert await bot.call("getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_offset_confirms_and_limit(api: FakeBotApi, bot: RawBot, user: FakeUser) -> None:
    for text in ("a", "b", "c"):
        await user.send(text)
    first = await bot.call("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first] == ["a", "b"]
    # not confirmed yet: fetched again
    again = await bot.call("getUpdates")
    assert [u["update_id"] for u in again] == [u["update_id"] for u in first] + [
        first[-1]["update_id"] + 1
    ]
    rest = await bot.call("getUpdates", offset=first[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["c"]
    assert await bot.call("getUpdates", offset=rest[-1]["update_id"] + 1) == []
    assert api.pending_updates == []


async def test_negative_offset_and_allowed_updates(bot: RawBot, user: FakeUser) -> None:
    for text in ("a", "b", "c"):
        await user.send(text)
    assert [u["message"]["text"] for u in await bot.call("getUpdates", offset=-1)] == ["c"]
    await bot.call("getUpdates", offset=-1, allowed_updates=["callback_query"])
    message = await bot.call("sendMessage", chat_id=user.id, text="x")
    assert message["text"] == "x"
    await user.send("ignored")
    await user.press_data("cb")
    updates = await bot.call("getUpdates", timeout=0)
    assert [next(k for k in u if k != "update_id") for u in updates] == ["callback_query"]


async def test_command_entities_on_user_messages(bot: RawBot, user: FakeUser) -> None:
    await user.send("/start@TandemTestBot abc")
    await user.send("no command")
    await user.send_sticker()
    await user.send_photo(caption="look")
    updates = await bot.call("getUpdates")
    first = updates[0]["message"]
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 20}]
    assert first["chat"] == {
        "id": 1001,
        "type": "private",
        "first_name": "Anna",
        "username": "anna",
    }
    assert "entities" not in updates[1]["message"]
    assert updates[2]["message"]["sticker"]["emoji"]
    assert updates[3]["message"]["photo"] and updates[3]["message"]["caption"] == "look"
    ids = [u["message"]["message_id"] for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == 4


async def test_second_poller_terminates_the_first(bot: RawBot) -> None:
    first = asyncio.create_task(bot.raw("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert await bot.call("getUpdates", timeout=0) == []
    response = await asyncio.wait_for(first, 2)
    assert response.status_code == 409
    assert "terminated by other getUpdates request" in response.json()["description"]


async def test_webhook_delivery_with_secret_and_retries(
    api: FakeBotApi, bot: RawBot, user: FakeUser
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    statuses = [500, 200, 200]

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=statuses.pop(0))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.call("setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cr3t")
        info = await bot.call("getWebhookInfo")
        assert info["url"].endswith("/hook") and info["pending_update_count"] == 0
        code, text = await bot.error("getUpdates")
        assert code == 409 and "webhook is active" in text

        await user.send("one")
        await user.send("two")
        for _ in range(100):
            if len(received) == 3:
                break
            await asyncio.sleep(0.02)
        assert [(s, u["message"]["text"]) for s, u in received] == [
            ("s3cr3t", "one"),
            ("s3cr3t", "one"),
            ("s3cr3t", "two"),
        ]
        assert [(d.attempt, d.status) for d in api.webhook_deliveries] == [
            (1, 500),
            (2, 200),
            (1, 200),
        ]
        info = await bot.call("getWebhookInfo")
        assert info["pending_update_count"] == 0 and "500" in info["last_error_message"]

        await bot.call("deleteWebhook", drop_pending_updates=True)
        assert (await bot.call("getWebhookInfo"))["url"] == ""
        await user.send("three")
        assert [u["message"]["text"] for u in await bot.call("getUpdates")] == ["three"]
    finally:
        await runner.cleanup()
