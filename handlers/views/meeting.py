"""A meeting as the partners see it: its time and place, its calendar file, and the buttons a
partner may press on it. Shown by /meet, by the feedback flow and by the scheduled reminders, so
the wording and the buttons are the same wherever a meeting turns up.

The buttons on a meeting carry its version: a press from before a move is refused instead of
accepting a time nobody proposes any more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Translator
from core import ics
from core.meetings import DAY_BUTTONS, Act, allowed, is_fact
from core.reminders import Policy
from handlers.keyboards import button as key
from handlers.keyboards import column
from services.access import partners

if TYPE_CHECKING:
    from bot.context import Ctx
    from bot.settings import Settings
    from services.proposal_state import Problem
    from storage.models import Meeting, Participant, Program, Tandem

PREFIX = "me"


@button(PREFIX, "n")
class NewMeeting(Button):
    """Propose a (new) meeting to the tandem's partner."""

    tandem: int


class OnMeeting(Button, prefix=PREFIX):
    """A partner's answer to a meeting, at the version it was shown at."""

    meeting: int
    version: int


class Accept(OnMeeting, action=Act.ACCEPT.value): ...


class Decline(OnMeeting, action=Act.DECLINE.value): ...


class OtherTime(OnMeeting, action=Act.OTHER_TIME.value): ...


class Move(OnMeeting, action=Act.MOVE.value): ...


class Cancel(OnMeeting, action=Act.CANCEL.value):
    """Asks first: a cancellation reaches the partner at once."""


class CancelConfirmed(OnMeeting, action="X"): ...


@button(PREFIX, "day")
class PickDay(Button):
    """A day for the meeting being proposed (the dialog in handlers/meetings.py)."""

    day: dt.date


@button(PREFIX, "chg")
class ChangePart(Button):
    """A piece of the proposal changed from its summary (a step of services/proposal.py)."""

    part: str


def change_keys(t: Translator, online: bool) -> list[InlineKeyboardButton]:
    """The summary's buttons to change one piece (a step of the dialog); the link only for an
    online meeting."""
    keys = [
        key(t.plain("meet.change.day"), ChangePart("when")),
        key(t.plain("meet.change.time"), ChangePart("time")),
        key(t.plain("meet.change.duration"), ChangePart("duration")),
        key(t.plain("meet.change.place"), ChangePart("place")),
    ]
    if online:
        keys.append(key(t.plain("meet.change.link"), ChangePart("link")))
    return keys


def pairs(keys: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Buttons two to a row, for a keyboard with other rows around them."""
    return [keys[i : i + 2] for i in range(0, len(keys), 2)]


ACTS: dict[Act, type[OnMeeting]] = {
    Act.ACCEPT: Accept,
    Act.DECLINE: Decline,
    Act.OTHER_TIME: OtherTime,
    Act.MOVE: Move,
    Act.CANCEL: Cancel,
}


def when_text(t: Translator, starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo) -> str:
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return t.plain("meet.when", day=t.day(start), start=t.time(start), end=t.time(end))


def where_text(t: Translator, online: bool, place: str | None, link: str | None) -> str:
    if online:
        return t.plain("meet.online_link", link=link) if link else t.plain("meet.online")
    return place or "–"


def describe(t: Translator, meeting: Meeting, zone: ZoneInfo) -> dict[str, str]:
    return {
        "when": when_text(t, meeting.starts_at, meeting.ends_at, zone),
        "where": where_text(t, meeting.online, meeting.place, meeting.link),
    }


def calendar_uid(meeting: Meeting, installation: int) -> str:
    """The meeting's UID in every file about it: the one stored for meetings whose files may
    have gone out before UIDs named the installation (migration 0012), else derived."""
    return meeting.calendar_uid or ics.uid("meeting", meeting.id, installation)


def organizer(settings: Settings, program: Program | None) -> ics.Organizer:
    """The bot as the organizer, under the program's name (what the partners know it by)."""
    return ics.Organizer(program.name if program else "Tandem", settings.calendar_organizer_address)


def calendar_file(
    t: Translator,
    meeting: Meeting,
    partner: Participant,
    program: Program | None,
    zone: ZoneInfo,
    now: dt.datetime,
    settings: Settings,
    *,
    cancelled: bool = False,
) -> tuple[str, bytes]:
    """The alarms are the program's reminders before a meeting (`Policy.before_meeting`), so
    the calendar rings when the bot would have written. An online meeting's link is the URL
    (and, by core.ics, its LOCATION and part of its DESCRIPTION)."""
    summary = t.plain("ics.summary", partner=partner.name)
    link = meeting.link if meeting.online else None
    policy = Policy.from_settings(program.settings if program else None)
    event = ics.CalendarEvent(
        uid=calendar_uid(meeting, settings.bot_id),
        sequence=meeting.version + (1 if cancelled else 0),
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=summary,
        stamp=now,
        location=(link if link else t.plain("meet.online")) if meeting.online else meeting.place,
        description=t.plain("ics.description", program=program.name if program else ""),
        url=ics.usable_url(link),
        cancelled=cancelled,
        alarms_minutes=ics.alarms(policy.before_meeting),
        organizer=organizer(settings, program),
    )
    return ics.filename(summary, meeting.starts_at.astimezone(zone)), ics.render(event)


def send_calendar(
    ctx: Ctx,
    meeting: Meeting,
    program: Program | None,
    zone: ZoneInfo,
    person: Participant,
    other: Participant,
    *,
    cancelled: bool = False,
) -> None:
    """The meeting (or its cancellation) as a calendar file, in the recipient's language."""
    t = ctx.for_user(person.user)
    caption = "meet.ics_cancel_caption" if cancelled else "meet.ics_caption"
    ctx.send_document(
        person.user_id,
        *calendar_file(
            t, meeting, other, program, zone, ctx.now, ctx.services.settings, cancelled=cancelled
        ),
        caption=t(caption),
    )


def meeting_buttons(
    t: Translator, meeting: Meeting, user_id: int | None, now: dt.datetime
) -> InlineKeyboardMarkup | None:
    """What this partner may do with the meeting now (`core.meetings.allowed`); None if nothing."""
    keys = meeting_keys(t, meeting, user_id, now)
    return column(keys, per_row=2) if keys else None


def meeting_keys(
    t: Translator, meeting: Meeting, user_id: int | None, now: dt.datetime
) -> list[InlineKeyboardButton]:
    """The buttons of `meeting_buttons`, for a keyboard that holds more (the tandem's home)."""
    if user_id is None:
        return []
    fact = is_fact(meeting.starts_at, meeting.outcome, now)
    return [
        key(t.plain(f"meet.act.{act.value}"), ACTS[act](meeting.id, meeting.version))
        for act in ACTS
        if allowed(
            act, status=meeting.status, proposed_by=meeting.proposed_by, user_id=user_id, fact=fact
        )
    ]


def new_meeting_keyboard(t: Translator, tandem_id: int) -> InlineKeyboardMarkup:
    return column([key(t.plain("meet.new_button"), NewMeeting(tandem_id))])


def tandem_chooser(
    tandems: Sequence[Tandem], user_id: int, pick: Callable[[int], Button]
) -> InlineKeyboardMarkup:
    """A mentor with two mentees picks the tandem first: one button per partner's name."""
    return column([key(partners(t, user_id)[1].name, pick(t.id)) for t in tandems])


def one_tandem(
    ctx: Ctx, mine: Sequence[Tandem], question: str, pick: Callable[[int], Button]
) -> Tandem | None:
    """The user's one introduced tandem; with several (a mentor with two mentees) the user is
    asked to pick one with `pick` buttons and None is returned, as with none."""
    if not mine:
        ctx.reply(ctx.t("tandem.none"))
        return None
    if len(mine) > 1:
        ctx.reply(question, tandem_chooser(mine, ctx.user_id, pick))
        return None
    return mine[0]


def say(t: Translator, problem: Problem) -> str:
    """Why an answer could not be taken, with its dates written as the partners read them."""
    values = {
        name: t.date(value) if isinstance(value, dt.date) else value
        for name, value in problem.values.items()
    }
    return t(problem.key, **values)


def ask_when(t: Translator, now: dt.datetime, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    """The first question of a proposal, wherever one starts (/meet, a button under the
    introduction): the next days as buttons, or a day and time typed."""
    today = now.astimezone(zone).date()
    days = [today + dt.timedelta(days=i) for i in range(1, DAY_BUTTONS + 1)]
    return t("meet.ask_when"), column(
        [key(t.short_day(d), PickDay(d)) for d in days],
        per_row=4,
    )
