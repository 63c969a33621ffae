"""The user-side helpers: reading the chat, pressing buttons, blocking, edits."""

from __future__ import annotations

import asyncio

import pytest

from fake_bot_api import FakeBotApi, FakeUser, NoMessageError

from .conftest import RawBot


def keyboard(*labels: str) -> dict[str, object]:
    return {"inline_keyboard": [[{"text": t, "callback_data": f"cb:{t.lower()}"} for t in labels]]}


async def test_next_message_cursor_and_collect(bot: RawBot, user: FakeUser) -> None:
    await bot.call("sendMessage", chat_id=user.id, text="one")
    await bot.call("sendMessage", chat_id=user.id, text="two", reply_markup=keyboard("A", "B"))
    first = await user.next_message()
    assert (first.text, first.chat_id, first.message_id) == ("one", user.id, 1)
    second = await user.next_message()
    assert second.button_texts == ["A", "B"]
    assert second.buttons[0][1].callback_data == "cb:b"
    assert await user.collect(timeout=0.05) == []
    with pytest.raises(NoMessageError) as info:
        await user.next_message(timeout=0.05)
    assert isinstance(info.value, asyncio.TimeoutError) and isinstance(info.value, AssertionError)
    assert "'two'" in str(info.value) and "[A]" in str(info.value)


async def test_next_message_waits_for_the_bot(bot: RawBot, user: FakeUser) -> None:
    waiter = asyncio.create_task(user.next_message(timeout=2))
    await asyncio.sleep(0.05)
    await bot.call("sendMessage", chat_id=user.id, text="late")
    assert (await waiter).text == "late"


async def test_edits_update_the_same_message(bot: RawBot, user: FakeUser) -> None:
    sent = await bot.call("sendMessage", chat_id=user.id, text="v1", reply_markup=keyboard("A"))
    message = await user.next_message()
    mid = sent["message_id"]
    edited = await bot.call(
        "editMessageText", chat_id=user.id, message_id=mid, text="<i>v2</i>", parse_mode="HTML",
        reply_markup=keyboard("A"),
    )  # fmt: skip
    assert edited["text"] == "v2" and "edit_date" in edited
    assert message.text == "v2" and message.edited and message.edits == 1
    assert message.history == ["v1"]
    assert message.button_texts == ["A"]
    # editing the text without reply_markup drops the keyboard, like Telegram
    await bot.call("editMessageText", chat_id=user.id, message_id=mid, text="v3")
    assert message.reply_markup is None and message.edits == 2
    await bot.call(
        "editMessageReplyMarkup", chat_id=user.id, message_id=mid, reply_markup=keyboard("Z")
    )
    assert message.button_texts == ["Z"] and message.text == "v3"
    assert await user.collect(timeout=0.05) == []  # edits are not new messages

    code, text = await bot.error("editMessageText", chat_id=user.id, message_id=mid, text="v3",
                                 reply_markup=keyboard("Z"))  # fmt: skip
    assert code == 400 and text.startswith("Bad Request: message is not modified")
    code, text = await bot.error("editMessageText", chat_id=user.id, message_id=99, text="x")
    assert (code, text) == (400, "Bad Request: message to edit not found")


async def test_wait_edit(bot: RawBot, user: FakeUser) -> None:
    sent = await bot.call("sendMessage", chat_id=user.id, text="v1")
    message = await user.next_message()
    with pytest.raises(NoMessageError):
        await user.wait_edit(message, timeout=0.05)

    async def edit_later() -> None:
        await asyncio.sleep(0.05)
        await bot.call("editMessageText", chat_id=user.id, message_id=sent["message_id"], text="v2")

    task = asyncio.create_task(edit_later())
    assert (await user.wait_edit(message, timeout=2)).text == "v2"
    await task


async def test_delete_message(bot: RawBot, user: FakeUser) -> None:
    sent = await bot.call("sendMessage", chat_id=user.id, text="bye")
    user_message = await user.send("mine")
    assert await bot.call("deleteMessage", chat_id=user.id, message_id=sent["message_id"])
    assert user.chat == []
    assert await bot.call("deleteMessage", chat_id=user.id, message_id=user_message["message_id"])
    code, text = await bot.error("deleteMessage", chat_id=user.id, message_id=sent["message_id"])
    assert (code, text) == (400, "Bad Request: message to delete not found")


async def test_press_uses_current_markup(api: FakeBotApi, bot: RawBot, user: FakeUser) -> None:
    sent = await bot.call("sendMessage", chat_id=user.id, text="Role?", reply_markup=keyboard(
        "Mentor", "Mentee"))  # fmt: skip
    message = await user.next_message()
    await bot.call("editMessageReplyMarkup", chat_id=user.id, message_id=sent["message_id"],
                   reply_markup=keyboard("Confirm"))  # fmt: skip
    with pytest.raises(AssertionError, match=r"no button 'Mentor'.*\['Confirm'\]"):
        await user.press("Mentor", message=message)
    query_id = await user.press("cb:confirm")  # by callback data, newest keyboard message
    updates = await bot.call("getUpdates")
    query = updates[-1]["callback_query"]
    assert query["id"] == query_id and query["data"] == "cb:confirm"
    assert query["from"]["id"] == user.id and query["chat_instance"]
    assert query["message"]["reply_markup"] == keyboard("Confirm")
    assert query["message"]["text"] == "Role?"

    assert user.callback_answer(query_id) is None
    assert await bot.call("answerCallbackQuery", callback_query_id=query_id, text="Saved")
    assert user.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Saved"}
    code, text = await bot.error("answerCallbackQuery", callback_query_id=query_id)
    assert code == 400 and text.startswith("Bad Request: query is too old")
    code, _ = await bot.error("answerCallbackQuery", callback_query_id="nope")
    assert code == 400
    other = await user.press_data("forged:" + "x" * 100)
    code, _ = await bot.error("answerCallbackQuery", callback_query_id=other, text="x" * 201)
    assert code == 400


async def test_press_without_keyboard(bot: RawBot, user: FakeUser) -> None:
    await bot.call("sendMessage", chat_id=user.id, text="plain")
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await user.press("Anything")
    url_markup = {"inline_keyboard": [[{"text": "Site", "url": "https://example.org"}]]}
    await bot.call("sendMessage", chat_id=user.id, text="link", reply_markup=url_markup)
    with pytest.raises(AssertionError, match="no callback_data"):
        await user.press("Site")


async def test_blocked_user(api: FakeBotApi, bot: RawBot, user: FakeUser) -> None:
    sent = await bot.call("sendMessage", chat_id=user.id, text="hi")
    user.block()
    forbidden = (403, "Forbidden: bot was blocked by the user")
    assert await bot.error("sendMessage", chat_id=user.id, text="hi") == forbidden
    code, _ = await bot.error(
        "editMessageText", chat_id=user.id, message_id=sent["message_id"], text="x"
    )
    assert code == 403
    updates = await bot.call("getUpdates")
    member = updates[-1]["my_chat_member"]
    assert member["old_chat_member"]["status"] == "member"
    assert member["new_chat_member"]["status"] == "kicked"
    assert member["new_chat_member"]["user"]["is_bot"] is True
    with pytest.raises(AssertionError):
        await user.send("hi")
    user.unblock()
    await bot.call("sendMessage", chat_id=user.id, text="welcome back")
    updates = await bot.call("getUpdates", offset=updates[-1]["update_id"] + 1)
    assert updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "member"


async def test_chat_action_and_get_chat(bot: RawBot, user: FakeUser) -> None:
    assert await bot.call("sendChatAction", chat_id=user.id, action="typing")
    code, _ = await bot.error("sendChatAction", chat_id=user.id, action="dancing")
    assert code == 400
    chat = await bot.call("getChat", chat_id=user.id)
    assert chat["type"] == "private" and chat["id"] == user.id
    assert await bot.call("logOut") is True and await bot.call("close") is True
