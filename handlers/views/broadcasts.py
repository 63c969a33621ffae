"""How an announcement looks to the coordinator who writes it and watches it go out: the
program and audience choices, the confirmation with its count, a scheduled one's card, and the
progress message and final report that bot/broadcaster.py sends (given to it by bot/app.py, so
the sender itself knows nothing of wording or buttons).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import SEPARATOR, Button, button
from bot.i18n import Safe, Translator
from core.broadcasts import (
    DEFAULT_QUIET_DAYS,
    MAX_CAPTION,
    QUIET_DAY_CHOICES,
    Attachment,
    Audience,
    DeliveryState,
    caption_fits,
)
from core.fit import Part, escaped, fit_message, visible_length
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from services.broadcasts import ALL_PROGRAMS, Confirmation, WhenProblem

if TYPE_CHECKING:
    from storage.models import Program


class _Buttons(Button, prefix="bc", coordinator=True):
    """The broadcast buttons: `bc:<action>:...`, the coordinators' alone."""


class _OnBroadcast(_Buttons, prefix="bc", coordinator=True):
    """A press on one broadcast already written: `bc:<action>:<broadcast>`."""

    broadcast: int


class ChooseProgram(_Buttons, action="p"):
    program: int  # ALL_PROGRAMS: all


@button("bc", "a", coordinator=True)
class ChooseAudience(Button):
    """`bc:a:all`, or with the days for the quiet audience `bc:a:quiet:30`: the days are left
    out, not left empty, as keyboards in chats have them."""

    audience: Audience
    days: int | None = None

    def pack(self) -> str:
        data = super().pack()
        return data.removesuffix(SEPARATOR) if self.days is None else data

    @classmethod
    def unpack(cls, args: list[str]) -> Button:
        return super().unpack([*args, ""] if len(args) == 1 else args)


class SendNow(_Buttons, action="go"): ...


class SendPaid(_Buttons, action="paid"):
    """Now, as a paid broadcast: up to 1,000 messages a second for 0.1 Stars each."""


class Back(_Buttons, action="back"):
    """Back to the choice of audience; the text and the file stay."""


class SendLater(_Buttons, action="later"): ...


class Discard(_Buttons, action="stop"): ...


class CancelScheduled(_OnBroadcast, action="x"): ...


class Retry(_OnBroadcast, action="r"): ...


class ResendInterrupted(_OnBroadcast, action="ri"): ...


# --- writing ------------------------------------------------------------------------------------


def programs_keyboard(
    t: Translator, programs: Sequence[Program], all_programs: bool
) -> InlineKeyboardMarkup:
    buttons = [key(p.name, ChooseProgram(p.id)) for p in programs]
    if all_programs:
        buttons.append(key(t.plain("bc.all_programs"), ChooseProgram(ALL_PROGRAMS)))
    return column(buttons)


def scheduled_card(
    t: Translator, zone: ZoneInfo, broadcast_id: int, when: dt.datetime | None
) -> tuple[str, InlineKeyboardMarkup]:
    shown = t.moment(when.astimezone(zone)) if when else "–"
    return (
        t("bc.scheduled_item", when=shown),
        column([key(t.plain("bc.cancel_scheduled"), CancelScheduled(broadcast_id))]),
    )


def audience_keyboard(t: Translator) -> InlineKeyboardMarkup:
    buttons = [
        key(t.plain(f"bc.audience.{a.value}"), ChooseAudience(a))
        for a in (Audience.ALL, Audience.MENTORS, Audience.MENTEES, Audience.UNMATCHED)
    ]
    buttons.append(key(t.plain("bc.audience.unmet"), ChooseAudience(Audience.UNMET)))
    buttons += [
        key(t.plain("bc.audience.quiet", count=days), ChooseAudience(Audience.QUIET, days))
        for days in (DEFAULT_QUIET_DAYS, *QUIET_DAY_CHOICES)
    ]
    return column(buttons)


def audience_label(t: Translator, audience: Audience, days: int | None) -> str:
    if audience is Audience.QUIET:
        return t.plain("bc.audience.quiet", count=days or DEFAULT_QUIET_DAYS)
    return t.plain(f"bc.audience.{audience.value}")


def confirmation(t: Translator, confirm: Confirmation) -> tuple[str, InlineKeyboardMarkup]:
    """How many it reaches; "send now" (also paid, with its cost) only when that is anybody."""
    program = confirm.program
    text = t(
        "bc.confirm",
        audience=audience_label(t, confirm.audience, confirm.days),
        program=program.name if program else t.plain("bc.all_programs"),
        count=confirm.count,
    )
    stars = t.plain("bc.paid.stars", count=confirm.stars)
    if confirm.count:
        cost = t.plain("bc.paid.cost", count=confirm.messages, stars=stars)
        text += "\n\n" + t("bc.paid.offer", cost=cost)
    return text, rows(
        [key(t.plain("bc.send_now"), SendNow())] if confirm.count else [],
        [key(t.plain("bc.send_paid", stars=stars), SendPaid())] if confirm.count else [],
        [key(t.plain("bc.send_later"), SendLater())],
        [key(t.plain("bc.back"), Back())],
        [key(t.plain("bc.discard"), Discard())],
    )


def back_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return column([key(t.plain("bc.back"), Back())])


def ask_audience(t: Translator, text: str, attachment: Attachment | None) -> str:
    """Under the preview; with a note when the text is too long to go under the file (it
    follows the file as a message of its own)."""
    if attachment is None or caption_fits(visible_length(text)):
        return t("bc.ask_audience")
    return t("bc.caption_separate", limit=MAX_CAPTION) + "\n\n" + t("bc.ask_audience")


def when_problem(t: Translator, problem: WhenProblem) -> str:
    if problem is WhenProblem.UNREADABLE:
        return t("bc.when_bad")
    if problem is WhenProblem.NONEXISTENT:
        return t("meet.time.nonexistent")
    return t("meet.time.past" if problem is WhenProblem.PAST else "meet.time.too_far")


# --- sending (bot/broadcaster.py) -------------------------------------------------------------


def progress(t: Translator, counts: dict[str, int] | None) -> str:
    """The message the coordinator watches; None: nothing counted yet."""
    if counts is None:
        return t("bc.progress", done=0, total="…", sent=0, unreachable=0)
    total = sum(counts.values())
    done = total - counts.get(DeliveryState.PENDING.value, 0)
    done -= counts.get(DeliveryState.SENDING.value, 0)
    return t(
        "bc.progress",
        done=done,
        total=total,
        sent=counts.get(DeliveryState.SENT.value, 0),
        unreachable=counts.get(DeliveryState.UNREACHABLE.value, 0),
    )


def report(
    t: Translator,
    broadcast_id: int,
    counts: dict[str, int],
    unreachable: list[str],
    failed: list[str],
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The final report with its buttons: try again those not reached; send again, with a note,
    those whose message was in flight when a sender died (they may have it already)."""
    text = report_text(t, counts, unreachable, failed)
    interrupted = counts.get(DeliveryState.INTERRUPTED.value, 0)
    if interrupted:
        text += "\n\n" + t("bc.report_interrupted", count=interrupted)
    buttons = []
    if counts.get(DeliveryState.FAILED.value) or counts.get(DeliveryState.UNREACHABLE.value):
        buttons.append(key(t.plain("bc.retry"), Retry(broadcast_id)))
    if interrupted:
        buttons.append(key(t.plain("bc.resend"), ResendInterrupted(broadcast_id)))
    return text, column(buttons) if buttons else None


def report_text(
    t: Translator, counts: dict[str, int], unreachable: list[str], failed: list[str]
) -> str:
    """Both lists of names share one message (`core.fit`); a count of nought has no list."""
    unreachable_count = counts.get(DeliveryState.UNREACHABLE.value, 0)
    failed_count = counts.get(DeliveryState.FAILED.value, 0) + counts.get(
        DeliveryState.INTERRUPTED.value, 0
    )

    def listed(count: int, names: Safe) -> Safe:
        return Safe(f" – {names}") if count else Safe("")

    return fit_message(
        lambda names: t(
            "bc.report",
            sent=counts.get(DeliveryState.SENT.value, 0),
            unreachable=unreachable_count,
            failed=failed_count,
            unreachable_names=listed(unreachable_count, names[0]),
            failed_names=listed(failed_count, names[1]),
        ),
        [
            Part(escaped(names), lambda rest: t("bc.more", count=rest))
            for names in (unreachable, failed)
        ],
    )


def resent(t: Translator, text: str) -> str:
    """A copy sent again after an interruption says that they may have it already."""
    return text + "\n\n" + t("bc.resent_note")
