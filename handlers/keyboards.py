"""Small helpers to build inline keyboards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button


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
