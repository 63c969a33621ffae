"""Smaller holes of issue 11: the webhook reads nothing before the secret is checked and caps
the body, the log shows no secret and no line forged by user text, an update the bot cannot
parse is skipped once instead of blocking every update behind it."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import aiohttp
import pytest

from bot.settings import Settings
from fake_bot_api import FakeBotApi, FakeUser
from tests.e2e.harness import answer_of, bot_running, expect, make_settings
from tests.e2e.test_leader import bot_process

SECRET = "holes-webhook-secret_42"
FORGED_LINE = "2027-01-01 00:00:00,000 CRITICAL tandem: FORGED"


def webhook_settings(api: FakeBotApi, database_url: str, port: int) -> Settings:
    return make_settings(
        api,
        database_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret=SECRET,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )


async def post_headers_only(port: int, headers: dict[str, str], length: int) -> bytes:
    """A POST that announces `length` bytes and sends only the first kilobyte of them; returns
    whatever the server answers before it closes the connection (b"" if it waits for more)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(
        (
            f"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n{head}\r\n"
        ).encode()
        + b"{" * 1024
    )
    await writer.drain()
    try:
        async with asyncio.timeout(5):
            answer = await reader.read()  # until the server closes the connection
    except TimeoutError:
        answer = b""  # still waiting for the body
    writer.close()
    return answer


async def test_webhook_refuses_before_reading_the_body(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, unused_tcp_port: int
) -> None:
    port = unused_tcp_port
    async with bot_running(webhook_settings(api, database_url, port)):
        # 95 MB announced with a wrong secret: refused on the headers, 94.99 MB never sent.
        wrong = await post_headers_only(
            port, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}, 95 * 1024 * 1024
        )
        assert wrong.startswith(b"HTTP/1.1 403"), wrong[:200]
        missing = await post_headers_only(port, {}, 95 * 1024 * 1024)
        assert missing.startswith(b"HTTP/1.1 403"), missing[:200]
        # The right secret but more than an update can be: 413, again without reading it.
        large = await post_headers_only(
            port, {"X-Telegram-Bot-Api-Secret-Token": SECRET}, 2 * 1024 * 1024
        )
        assert large.startswith(b"HTTP/1.1 413"), large[:200]
        # And sent in full (2 MB with the right secret): 413 as well.
        url = f"http://127.0.0.1:{port}/telegram"
        body = json.dumps({"update_id": 5, "pad": "x" * (2 * 1024 * 1024)})
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as http:
            try:
                async with http.post(url, data=body, headers=headers) as response:
                    status = response.status
            except aiohttp.ClientError:
                status = 413  # closed while we were still writing: not read either
        assert status == 413
        # An update PTB cannot read, with the right secret: taken (200, or Telegram would
        # deliver it again and again) and skipped.
        async with aiohttp.ClientSession() as http:
            broken = {"update_id": 77, "message": {"message_id": 1}}
            async with http.post(url, json=broken, headers=headers) as response:
                assert response.status == 200
        # A normal update still works, delivered by Telegram with the secret.
        await coordinator.send("/help")
        expect(await coordinator.next_message(), "/newprogram")
        assert api.webhook_deliveries[-1].status == 200


async def test_the_webhook_secret_never_reaches_the_log(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, tmp_path: Path
) -> None:
    """The real process at DEBUG: PTB logs the setWebhook parameters, the secret is redacted."""
    log = tmp_path / "bot.log"
    env = {"TANDEM_LOG_LEVEL": "DEBUG", "TANDEM_WEBHOOK_SECRET": SECRET}
    async with bot_process(api, database_url, tmp_path, log, extra_env=env):
        await coordinator.send("/help")
        expect(await coordinator.next_message(timeout=10), "/newprogram")
        # The secret went to Telegram (the stand-in), and the log shows the call at DEBUG.
        assert api.calls_to("setWebhook")[-1].params["secret_token"] == SECRET
    text = log.read_text()
    assert "setWebhook" in text
    assert SECRET not in text
    assert api.token not in text


async def test_user_text_cannot_forge_a_log_line(
    api: FakeBotApi, coordinator: FakeUser, database_url: str, tmp_path: Path
) -> None:
    """The real process: a forged button and a text with a line break and a fake log prefix."""
    log = tmp_path / "bot.log"
    participant = api.add_user(4242, "Mallory")
    async with bot_process(api, database_url, tmp_path, log):
        await participant.send("/language")
        await participant.next_message(timeout=10)  # a message with buttons to press on
        query = await participant.press_data(f"bc:p:1\n{FORGED_LINE}")
        assert (await answer_of(participant, query, timeout=10))["show_alert"]
        await participant.send(f"hallo\n{FORGED_LINE}")
        await participant.collect(timeout=1.0)
    lines = log.read_text().splitlines()
    assert any("coordinator action" in line for line in lines), lines
    assert not any(line.startswith(FORGED_LINE[:20]) for line in lines), lines


async def test_an_unreadable_update_is_skipped_once(
    api: FakeBotApi, bot: object, coordinator: FakeUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # A message without chat and date: PTB cannot build a Message from it.
    bad = await api.inject_update({"message": {"message_id": 1, "text": "kaputt"}})
    await coordinator.send("/help")
    expect(await coordinator.next_message(timeout=10), "/newprogram")
    await asyncio.sleep(1.5)  # several more polls: the bad update is not fetched again
    about_it = [r for r in caplog.records if f"update {bad!r}" in r.getMessage()]
    assert len(about_it) == 1, [r.getMessage() for r in caplog.records]
    assert "kaputt" not in caplog.text  # user content stays out of the log
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
    assert bad not in [u["update_id"] for u in api.pending_updates]
