"""Program events as participants and coordinators see them: the invitation with its answer
buttons (also sent on its own, handlers/scheduled_messages.py), and the attendance card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Translator
from core.events import KINDS, Answer
from core.fit import Part, escaped, fit_message
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views.event_time import when_text

if TYPE_CHECKING:
    from storage.events import Attendance
    from storage.models import Participant, Program, ProgramEvent


@button("ek", "l", coordinator=True)
class ShowEvents(Button):
    """A program's events, for its coordinators (also from the program card)."""

    program: int


@button("ev", "r")
class Rsvp(Button):
    """A participant's answer to an invitation: `ev:r:<event>:y|n`."""

    event: int
    answer: Literal["y", "n"]

    @property
    def given(self) -> Answer:
        return Answer.YES if self.answer == "y" else Answer.NO


def kind_label(t: Translator, kind: str) -> str:
    if kind not in KINDS:  # a row from a newer version of the bot
        return kind
    return t.plain(f"event.kind.{kind}")


def default_title(t: Translator, kind: str) -> str:
    return t.plain(f"event.default_title.{kind}")


def describe(t: Translator, event: ProgramEvent, zone: ZoneInfo) -> dict[str, str]:
    """Plain strings for catalog templates, which escape them."""
    return {
        "title": event.title,
        "kind": kind_label(t, event.kind),
        "when": when_text(t, event.starts_at, zone),
        "where": event.place or t.plain("event.no_place"),
    }


def rsvp_keyboard(t: Translator, event_id: int, answer: str | None) -> InlineKeyboardMarkup:
    yes, no = t.plain("ev.yes"), t.plain("ev.no")
    if answer == Answer.YES:
        yes = t.plain("ev.chosen", label=yes)
    elif answer == Answer.NO:
        no = t.plain("ev.chosen", label=no)
    return column([key(yes, Rsvp(event_id, "y")), key(no, Rsvp(event_id, "n"))], per_row=2)


def _answer_line(t: Translator, answer: str | None) -> str:
    if answer == Answer.YES:
        return t("ev.answer.yes")
    if answer == Answer.NO:
        return t("ev.answer.no")
    return t("ev.answer.none")


def invitation_card(
    t: Translator, event: ProgramEvent, program: Program | None, zone: ZoneInfo, answer: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The event as a participant sees it on /events and after answering."""
    info = describe(t, event, zone)
    text = t(
        "ev.card",
        program=program.name if program else "",
        title=info["title"],
        kind=info["kind"],
        when=info["when"],
        where=info["where"],
    )
    return text + "\n\n" + _answer_line(t, answer), rsvp_keyboard(t, event.id, answer)


def _names(t: Translator, people: list[Participant]) -> Part:
    return Part(escaped([p.name for p in people]), lambda rest: t("ek.more", count=rest))


def card_text(
    t: Translator, program: Program, info: dict[str, str], present: Attendance, status: str
) -> str:
    """The attendance card: every name that fits into one message, then how many more."""
    return fit_message(
        lambda names: (
            t(
                "ek.card",
                program=program.name,
                title=info["title"],
                kind=info["kind"],
                when=info["when"],
                where=info["where"],
                yes=len(present.yes),
                no=len(present.no),
                open=len(present.open),
                yes_names=names[0],
                no_names=names[1],
                open_names=names[2],
            )
            + "\n\n"
            + status
        ),
        [_names(t, present.yes), _names(t, present.no), _names(t, present.open)],
    )
