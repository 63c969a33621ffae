"""The question whether a meeting took place: asked by /feedback and by the scheduled feedback
reminders, answered by the feedback flow; and the button that records a meeting held outside
the bot (under /feedback and on the tandem's home)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Translator
from core.meetings import Outcome
from handlers.keyboards import button as key
from handlers.keyboards import rows

PREFIX = "fb"


@button(PREFIX, "t")
class TookPlace(Button):
    meeting: int
    outcome: Outcome


@button(PREFIX, "l")
class LogMeeting(Button):
    """Record a meeting held outside the bot (the feedback flow's dialog)."""

    tandem: int


def took_place_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return rows(
        [key(t.plain("fb.took.held"), TookPlace(meeting_id, Outcome.HELD))],
        [
            key(t.plain("fb.took.postponed"), TookPlace(meeting_id, Outcome.POSTPONED)),
            key(t.plain("fb.took.cancelled"), TookPlace(meeting_id, Outcome.CANCELLED)),
        ],
    )
