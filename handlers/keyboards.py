"""Small helpers to build inline keyboards, and to take a spent one off its message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button

if TYPE_CHECKING:
    from bot.context import Ctx


def button(text: str, data: str | Button) -> InlineKeyboardButton:
    """A button with its text and what a press sends (a typed button is packed here)."""
    return InlineKeyboardButton(
        text=text, callback_data=data.pack() if isinstance(data, Button) else data
    )


def rows(*rows: Sequence[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])


def column(buttons: Iterable[InlineKeyboardButton], per_row: int = 1) -> InlineKeyboardMarkup:
    items = list(buttons)
    return InlineKeyboardMarkup([items[i : i + per_row] for i in range(0, len(items), per_row)])


def reply_below(ctx: Ctx, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A press whose keyboard is spent: the buttons go from the pressed message, and the answer
    (mostly the next question) comes as a new message below it, where the chat goes on."""
    ctx.edit(None)
    ctx.reply(text, markup)
