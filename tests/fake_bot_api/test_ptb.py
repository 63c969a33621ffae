"""The real python-telegram-bot client against the stand-in: proves PTB's encoding is understood."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from fake_bot_api import FakeBotApi, FakeUser


@pytest.fixture
async def ptb_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        yield bot


async def test_ptb_bot_round_trip(api: FakeBotApi, ptb_bot: Bot, user: FakeUser) -> None:
    assert ptb_bot.username == "TandemTestBot"
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Mentor", callback_data="rg:role:mentor")],
         [InlineKeyboardButton("Docs", url="https://example.org")]]
    )  # fmt: skip
    sent = await ptb_bot.send_message(
        user.id, "<b>Welcome</b>, Anna!", parse_mode=ParseMode.HTML, reply_markup=markup
    )
    assert sent.text == "Welcome, Anna!" and sent.reply_markup == markup
    message = await user.next_message()
    assert message.button_texts == ["Mentor", "Docs"]

    query_id = await user.press("Mentor")
    assert await ptb_bot.answer_callback_query(query_id, text="Noted")
    assert user.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Noted"}

    edited = await ptb_bot.edit_message_text("Chosen: mentor", user.id, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.text == "Chosen: mentor"
    assert message.text == "Chosen: mentor" and message.buttons == []

    await ptb_bot.set_my_commands(
        [BotCommand("start", "Starten"), BotCommand("help", "Hilfe")],
        scope=BotCommandScopeChat(user.id),
        language_code="de",
    )
    assert [c["command"] for c in api.commands({"type": "chat", "chat_id": user.id}, "de")] == [
        "start",
        "help",
    ]
    got = await ptb_bot.get_my_commands(scope=BotCommandScopeChat(user.id), language_code="de")
    assert [c.description for c in got] == ["Starten", "Hilfe"]

    doc_message = await ptb_bot.send_document(
        user.id, b"name;role\nAnna;mentor\n", filename="export.csv", caption="Export"
    )
    assert doc_message.document is not None and doc_message.document.file_name == "export.csv"
    assert api.documents[-1].content == b"name;role\nAnna;mentor\n"
    file = await ptb_bot.get_file(doc_message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"name;role\nAnna;mentor\n"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_sees_telegram_errors(api: FakeBotApi, ptb_bot: Bot, user: FakeUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await ptb_bot.send_message(user.id, "<b>oops", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Chat not found"):  # PTB capitalises the description
        await ptb_bot.send_message(4242, "hi")
    sent = await ptb_bot.send_message(user.id, "same")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await ptb_bot.edit_message_text("same", user.id, sent.message_id)

    api.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await ptb_bot.send_message(user.id, "hi")
    assert info.value._retry_after == dtm.timedelta(seconds=3)
    api.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError):
        await ptb_bot.send_message(user.id, "hi")

    user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb_bot.send_message(user.id, "hi")

    with pytest.raises(NetworkError, match="does not implement"):
        await ptb_bot.send_dice(user.id)
    bad = Bot("999:wrong", base_url=api.base_url)
    with pytest.raises(InvalidToken):
        await bad.initialize()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    payload = " ".join(context.args or [])
    await context.bot.send_message(
        update.effective_chat.id,
        f"Hello! payload={payload}",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Mentor", callback_data="role:mentor")]]
        ),
    )


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Saved")
    await query.edit_message_text(f"You chose {query.data}")


async def test_ptb_application_polling(api: FakeBotApi, user: FakeUser) -> None:
    app = Application.builder().token(api.token).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(choose))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await user.send("/start abc")
            message = await user.next_message(timeout=5)
            assert message.text == "Hello! payload=abc"
            query_id = await user.press("Mentor", message=message)
            edited = await user.wait_edit(message, timeout=5)
            assert edited.text == "You chose role:mentor" and edited.buttons == []
            assert user.callback_answer(query_id) == {
                "callback_query_id": query_id,
                "text": "Saved",
            }
            await api.wait_idle(timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    await asyncio.sleep(0)
    assert api.pending_updates == []
