"""The question whether a meeting took place: asked by /feedback and by the scheduled feedback
reminders, answered by the feedback flow; and the buttons that record a meeting held outside
the bot (under /feedback; "we have already met" on a nudge and the tandem's home)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Translator
from core.meetings import Outcome
from handlers.keyboards import button as key
from handlers.keyboards import column, rows

if TYPE_CHECKING:
    from services.meeting_log import QuickDays

PREFIX = "fb"


@button(PREFIX, "t")
class TookPlace(Button):
    meeting: int
    outcome: Outcome


@button(PREFIX, "l")
class LogMeeting(Button):
    """Record a meeting held outside the bot (the feedback flow's dialog)."""

    tandem: int


@button(PREFIX, "am")
class AlreadyMet(Button):
    """The button "We have already met": the last few days (`MetOn`) and another (`LogMeeting`)."""

    tandem: int


@button(PREFIX, "ad")
class MetOn(Button):
    tandem: int
    day: dt.date


def _day_label(t: Translator, today: dt.date, day: dt.date) -> str:
    ago = (today - day).days
    if ago == 0:
        return t.plain("fb.met_today", day=t.short_day(day))
    if ago == 1:
        return t.plain("fb.met_yesterday", day=t.short_day(day))
    return t.plain("fb.met_day_before", day=t.short_day(day))


def met_days_keyboard(t: Translator, offer: QuickDays) -> InlineKeyboardMarkup:
    """Today, yesterday, the day before (those still free) with their dates, then another day."""
    days = [key(_day_label(t, offer.today, d), MetOn(offer.tandem.id, d)) for d in offer.days]
    return column([*days, key(t.plain("fb.met_other"), LogMeeting(offer.tandem.id))])


def took_place_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return rows(
        [key(t.plain("fb.took.held"), TookPlace(meeting_id, Outcome.HELD))],
        [
            key(t.plain("fb.took.postponed"), TookPlace(meeting_id, Outcome.POSTPONED)),
            key(t.plain("fb.took.cancelled"), TookPlace(meeting_id, Outcome.CANCELLED)),
        ],
    )
