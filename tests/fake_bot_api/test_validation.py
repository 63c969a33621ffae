"""Requests are checked against api.json, more strictly than Telegram on purpose."""

from __future__ import annotations

import json

import httpx

from fake_bot_api import FakeBotApi, FakeUser

from .conftest import RawBot

BUTTON = {"text": "Mentor", "callback_data": "rg:role:mentor"}


async def test_wrong_token_is_unauthorized(api: FakeBotApi, bot: RawBot) -> None:
    response = await bot.client.post(f"{api.base_url}123:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_get_me_via_get_and_case_insensitive_method(api: FakeBotApi, bot: RawBot) -> None:
    response = await bot.client.get(f"{api.base_url}{api.token}/GETME")
    me = response.json()["result"]
    assert me["is_bot"] is True and me["username"] == "TandemTestBot" and me["id"] == 123456
    assert me["can_join_groups"] is True


async def test_unknown_method(bot: RawBot) -> None:
    code, text = await bot.error("sendMessag", chat_id=1, text="x")
    assert code == 404 and "method not found" in text


async def test_unimplemented_method_is_reported(bot: RawBot, user: FakeUser) -> None:
    code, text = await bot.error("sendVideo", chat_id=user.id, video="abc")
    assert code == 501 and "does not implement sendVideo" in text


async def test_missing_required_parameters(bot: RawBot, user: FakeUser) -> None:
    assert await bot.error("sendMessage", chat_id=user.id) == (
        400,
        "Bad Request: message text is empty",
    )
    assert await bot.error("sendMessage", text="hi") == (400, "Bad Request: chat_id is empty")
    assert await bot.error("sendMessage", chat_id=user.id, text="   ") == (
        400,
        "Bad Request: message text is empty",
    )


async def test_unknown_parameter_is_rejected(bot: RawBot, user: FakeUser) -> None:
    code, text = await bot.error("sendMessage", chat_id=user.id, text="hi", parse_mod="HTML")
    assert (code, text) == (400, "Bad Request: unknown parameter parse_mod")


async def test_type_checks(bot: RawBot, user: FakeUser) -> None:
    code, text = await bot.error("sendMessage", chat_id=user.id, text="x", disable_notification=3)
    assert code == 400 and "disable_notification" in text
    code, text = await bot.error("deleteMessage", chat_id=user.id, message_id="abc")
    assert code == 400 and "message_id" in text


async def test_unknown_chat(bot: RawBot) -> None:
    assert await bot.error("sendMessage", chat_id=999, text="hi") == (
        400,
        "Bad Request: chat not found",
    )


async def test_keyboard_fields_are_checked(bot: RawBot, user: FakeUser) -> None:
    bad_field = {"inline_keyboard": [[{**BUTTON, "callback": "x"}]]}
    code, text = await bot.error("sendMessage", chat_id=user.id, text="x", reply_markup=bad_field)
    assert code == 400 and "unknown field 'callback'" in text
    no_text = {"inline_keyboard": [[{"callback_data": "x"}]]}
    code, text = await bot.error("sendMessage", chat_id=user.id, text="x", reply_markup=no_text)
    assert code == 400 and "'text'" in text
    two_actions = {"inline_keyboard": [[{**BUTTON, "url": "https://example.org"}]]}
    code, text = await bot.error("sendMessage", chat_id=user.id, text="x", reply_markup=two_actions)
    assert code == 400 and "exactly one" in text
    no_action = {"inline_keyboard": [[{"text": "plain"}]]}
    code, text = await bot.error("sendMessage", chat_id=user.id, text="x", reply_markup=no_action)
    assert code == 400


async def test_callback_data_length(bot: RawBot, user: FakeUser) -> None:
    for data in ("", "x" * 65, "ä" * 33):
        markup = {"inline_keyboard": [[{"text": "B", "callback_data": data}]]}
        assert await bot.error("sendMessage", chat_id=user.id, text="x", reply_markup=markup) == (
            400,
            "Bad Request: BUTTON_DATA_INVALID",
        )
    markup = {"inline_keyboard": [[{"text": "B", "callback_data": "x" * 64}]]}
    await bot.call("sendMessage", chat_id=user.id, text="x", reply_markup=markup)


async def test_form_encoding_with_json_values(api: FakeBotApi, bot: RawBot, user: FakeUser) -> None:
    markup = json.dumps({"inline_keyboard": [[BUTTON]]})
    response = await bot.client.post(
        f"{api.base_url}{api.token}/sendMessage",
        data={"chat_id": str(user.id), "text": "form", "reply_markup": markup},
    )
    assert response.json()["ok"], response.text
    assert user.chat[0].button_texts == ["Mentor"]
    assert api.calls[-1].params["reply_markup"] == {"inline_keyboard": [[BUTTON]]}
    response = await bot.client.get(
        f"{api.base_url}{api.token}/sendMessage",
        params={"chat_id": str(user.id), "text": "query", "reply_markup": "{not json"},
    )
    assert response.status_code == 400


async def test_commands_are_stored_per_scope_and_language(
    api: FakeBotApi, bot: RawBot, user: FakeUser
) -> None:
    default = [{"command": "start", "description": "Start"}]
    german = [{"command": "start", "description": "Los"}]
    personal = [{"command": "admin", "description": "Admin"}]
    await bot.call("setMyCommands", commands=default)
    await bot.call("setMyCommands", commands=german, language_code="de")
    await bot.call(
        "setMyCommands", commands=personal, scope={"type": "chat", "chat_id": str(user.id)}
    )
    assert api.commands() == default
    assert api.commands(language_code="de") == german
    assert api.commands({"type": "chat", "chat_id": user.id}) == personal
    assert api.commands({"type": "all_private_chats"}) == []
    assert await bot.call("getMyCommands", language_code="de") == german
    assert api.visible_commands(user.id) == personal
    await bot.call("deleteMyCommands", scope={"type": "chat", "chat_id": user.id})
    assert api.visible_commands(user.id) == german

    code, text = await bot.error(
        "setMyCommands", commands=[{"command": "Start!", "description": "x"}]
    )
    assert text == "Bad Request: BOT_COMMAND_INVALID"
    code, text = await bot.error("setMyCommands", commands=[{"command": "start"}])
    assert code == 400 and "description" in text
    code, text = await bot.error("setMyCommands", commands=default, scope={"type": "nope"})
    assert code == 400 and "scope" in text
    code, text = await bot.error("setMyCommands", commands=default, scope={"type": "chat"})
    assert code == 400 and "chat_id" in text


async def test_menu_button(api: FakeBotApi, bot: RawBot, user: FakeUser) -> None:
    assert await bot.call("getChatMenuButton") == {"type": "default"}
    await bot.call("setChatMenuButton", chat_id=user.id, menu_button={"type": "commands"})
    assert await bot.call("getChatMenuButton", chat_id=user.id) == {"type": "commands"}
    code, _ = await bot.error("setChatMenuButton", menu_button={"type": "commands", "x": 1})
    assert code == 400


async def test_fail_next_injects_telegram_errors(
    api: FakeBotApi, bot: RawBot, user: FakeUser
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=2, times=2)
    api.fail_next("sendMessage", status=502)
    for _ in range(2):
        response = await bot.raw("sendMessage", chat_id=user.id, text="hi")
        assert response.status_code == 429
        assert response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 2",
            "parameters": {"retry_after": 2},
        }
    assert await bot.error("sendMessage", chat_id=user.id, text="hi") == (502, "Bad Gateway")
    await bot.call("sendMessage", chat_id=user.id, text="hi")
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 429, 502, 200]
    assert len(user.chat) == 1


async def test_flood_control_is_opt_in() -> None:
    async with FakeBotApi(flood_control=True) as api, httpx.AsyncClient() as client:
        user = api.add_user(5, "Flo")
        url = f"{api.base_url}{api.token}/sendMessage"
        statuses = [
            (await client.post(url, json={"chat_id": 5, "text": "x"})).status_code for _ in range(6)
        ]
        assert statuses[:3] == [200, 200, 200]
        assert 429 in statuses
        assert len(user.chat) == statuses.count(200)


async def test_paid_broadcasts_have_the_higher_limit() -> None:
    """allow_paid_broadcast: 1,000 a second instead of 30, each counted at 0.1 Stars."""
    async with FakeBotApi(flood_control=True) as api, httpx.AsyncClient() as client:
        for chat in range(1, 71):
            api.add_user(chat, f"P{chat}")
        url = f"{api.base_url}{api.token}/sendMessage"

        async def send(chat: int, paid: bool) -> int:
            body = {"chat_id": chat, "text": "x", "allow_paid_broadcast": paid}
            return (await client.post(url, json=body)).status_code

        free = [await send(chat, False) for chat in range(1, 32)]
        assert free[:30] == [200] * 30 and free[30] == 429  # the 31st within a second
        paid = [await send(chat, True) for chat in range(32, 71)]
        assert paid == [200] * 39  # outside the free 30, far below 1,000
        assert api.paid_messages == 39


async def test_send_document_multipart_and_attach(
    api: FakeBotApi, bot: RawBot, user: FakeUser
) -> None:
    url = f"{api.base_url}{api.token}/sendDocument"
    response = await bot.client.post(
        url,
        data={"chat_id": str(user.id), "caption": "<b>Report</b>", "parse_mode": "HTML"},
        files={"document": ("report.csv", b"a,b\n1,2\n", "text/csv")},
    )
    result = response.json()["result"]
    assert result["document"]["file_name"] == "report.csv" and result["caption"] == "Report"
    response = await bot.client.post(
        url,
        data={"chat_id": str(user.id), "document": "attach://file0"},
        files={"file0": ("second.txt", b"2", "text/plain")},
    )
    assert response.json()["ok"], response.text
    assert [(d.chat_id, d.filename, d.content, d.caption) for d in api.documents] == [
        (user.id, "report.csv", b"a,b\n1,2\n", "Report"),
        (user.id, "second.txt", b"2", None),
    ]
    message = user.chat[0]
    assert message.document is api.documents[0] and message.text == "Report"
    # a file_id we issued can be re-sent; made-up ids cannot
    await bot.call("sendDocument", chat_id=user.id, document=result["document"]["file_id"])
    code, _ = await bot.error("sendDocument", chat_id=user.id, document="made-up")
    assert code == 400
    response = await bot.client.post(
        url, data={"chat_id": str(user.id), "document": "attach://missing"}
    )
    assert response.status_code == 400


async def test_replies_need_an_existing_message(bot: RawBot, user: FakeUser) -> None:
    mine = await user.send("question")
    sent = await bot.call(
        "sendMessage", chat_id=user.id, text="answer",
        reply_parameters={"message_id": mine["message_id"]},
    )  # fmt: skip
    assert sent["reply_to_message"]["message_id"] == mine["message_id"]
    assert user.chat[-1].reply_to == mine["message_id"]
    code, text = await bot.error(
        "sendMessage", chat_id=user.id, text="x", reply_parameters={"message_id": 999}
    )
    assert (code, text) == (400, "Bad Request: message to be replied not found")
    await bot.call(
        "sendMessage", chat_id=user.id, text="x",
        reply_parameters={"message_id": 999, "allow_sending_without_reply": True},
    )  # fmt: skip


async def test_files_from_users_can_be_sent_on_by_file_id(
    api: FakeBotApi, bot: RawBot, user: FakeUser
) -> None:
    """A document or photo a user sends reaches the bot as Telegram's Message (checked against
    the API description), and the bot can send it on by its file_id with sendDocument or
    sendPhoto, to anyone, with an HTML caption up to 1024 characters; not as the other kind."""
    other = api.add_user(1002, "Ben")
    bold = [{"type": "bold", "offset": 0, "length": 3}]
    await user.send_document(
        "Agenda.pdf", b"%PDF agenda", caption="Die Agenda", caption_entities=bold
    )
    await user.send_photo(caption="Bild")
    updates = await bot.call("getUpdates")
    for update in updates:
        api.spec._check_object(update["message"], "Message")
    document = updates[0]["message"]["document"]
    assert document["file_name"] == "Agenda.pdf" and document["mime_type"] == "application/pdf"
    assert updates[0]["message"]["caption_entities"] == bold
    photo = updates[1]["message"]["photo"][-1]["file_id"]

    sent = await bot.call(
        "sendDocument",
        chat_id=other.id,
        document=document["file_id"],
        caption="<b>Handbuch</b>",
        parse_mode="HTML",
    )
    api.spec._check_object(sent, "Message")
    assert sent["document"]["file_name"] == "Agenda.pdf" and sent["caption"] == "Handbuch"
    shown = await bot.call("sendPhoto", chat_id=other.id, photo=photo, caption="Hallo")
    api.spec._check_object(shown, "Message")
    assert shown["photo"] and shown["caption"] == "Hallo" and "document" not in shown
    assert [m.document.kind for m in other.chat if m.document] == ["document", "photo"]
    assert other.chat[0].document.content == b"%PDF agenda"  # type: ignore[union-attr]
    assert [p.chat_id for p in api.photos] == [other.id]

    code, description = await bot.error("sendPhoto", chat_id=other.id, photo=document["file_id"])
    assert code == 400 and "can't use file of type Document as Photo" in description
    code, description = await bot.error(
        "sendDocument", chat_id=other.id, document=photo, caption="x" * 1025
    )
    assert code == 400
    code, description = await bot.error(
        "sendDocument", chat_id=other.id, document=document["file_id"], caption="x" * 1025
    )
    assert "caption is too long" in description
