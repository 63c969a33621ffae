"""The mentoring agreement ("Tandemvereinbarung") as shown with the introduction and on /tandem."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from handlers.keyboards import button as key
from handlers.keyboards import column

if TYPE_CHECKING:
    from storage.models import Program, Tandem


@button("ag", "y")
class Agree(Button):
    tandem: int


def text_of(t: Translator, program: Program | None) -> str:
    custom = (program.settings or {}).get("agreement") if program else None
    if isinstance(custom, str) and custom.strip():
        return t("agreement.custom", text=custom)
    return t("agreement.default")


def message(
    t: Translator, program: Program | None, tandem: Tandem
) -> tuple[str, InlineKeyboardMarkup]:
    return (
        t("agreement.ask", text=Safe(text_of(t, program))),
        column([key(t.plain("agreement.confirm"), Agree(tandem.id))]),
    )
