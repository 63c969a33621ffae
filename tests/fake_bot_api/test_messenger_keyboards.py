"""The messenger against the stand-in: a message whose button list came out empty still arrives."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup

from bot.messenger import Messenger, Outcome
from fake_bot_api import FakeBotApi


async def test_an_empty_keyboard_does_not_cost_the_message() -> None:
    async with FakeBotApi(bot_username="TandemTestBot") as api:
        user = api.add_user(4242, "Rita")
        async with Bot(api.token, base_url=api.base_url) as bot:
            messenger = Messenger(bot)
            message, outcome = await messenger.deliver(
                user.id, "Nichts zu wählen", InlineKeyboardMarkup([])
            )
            assert outcome is Outcome.SENT and message is not None
            await messenger.edit(
                user.id, message.message_id, "Immer noch nichts", InlineKeyboardMarkup([[]])
            )
        received = await user.next_message()  # sent, then edited: both went through
        assert (received.text, received.buttons) == ("Immer noch nichts", [])
