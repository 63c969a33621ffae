"""Program events as participants and coordinators see them: the invitation with its answer
buttons (also sent on its own, handlers/scheduled_messages.py), the attendance card, and the
event's calendar file."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Translator
from core import ics
from core.events import ANSWERS, KINDS, Answer, EventStatus
from core.export_tables import Table, csv_bytes, slug
from core.fit import Part, escaped, fit_message
from core.reminders import Policy
from handlers.keyboards import button as key
from handlers.views.event_time import when_text
from handlers.views.meeting import organizer

if TYPE_CHECKING:
    from bot.context import Ctx
    from bot.settings import Settings
    from storage.events import Attendance
    from storage.models import Participant, Program, ProgramEvent


class OnEvents(Button, prefix="ek", coordinator=True):
    """Every button of the coordinators' event screens: `ek:<action>:...` (their flow is
    handlers/events.py, the edits handlers/event_edits.py)."""


class OnEvent(OnEvents, prefix="ek", coordinator=True):
    """A press on one event."""

    event: int


class ShowEvents(OnEvents, action="l"):
    """A program's events, for its coordinators (also from the program card)."""

    program: int


class ShowEvent(OnEvent, action="v"):
    """An event's card, for its coordinators (also after an edit, handlers/event_edits.py)."""


class EditEvent(OnEvent, action="e"):
    """The field chooser of an event's card (handlers/event_edits.py)."""


Code = Literal["y", "m", "n"]
_GIVEN: dict[Code, Answer] = {"y": Answer.YES, "m": Answer.MAYBE, "n": Answer.NO}


@button("ev", "r")
class Rsvp(Button):
    """A participant's answer to an invitation: `ev:r:<event>:y|m|n`."""

    event: int
    answer: Code

    @property
    def given(self) -> Answer:
        return _GIVEN[self.answer]


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
        "when": when_text(t, event.starts_at, zone, event.ends_at),
        "where": event.place or t.plain("event.no_place"),
    }


def rsvp_keyboard(t: Translator, event_id: int, answer: str | None) -> InlineKeyboardMarkup:
    """Yes and no side by side, maybe below; the given answer is marked."""
    keys = {
        given: key(
            t.plain("ev.chosen", label=label) if answer == given else label, Rsvp(event_id, c)
        )
        for c, given in _GIVEN.items()
        if (label := t.plain(f"ev.{given.value}"))
    }
    return InlineKeyboardMarkup([[keys[Answer.YES], keys[Answer.NO]], [keys[Answer.MAYBE]]])


def _answer_line(t: Translator, answer: str | None) -> str:
    return t(f"ev.answer.{answer}" if answer in ANSWERS else "ev.answer.none")


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


def places_line(t: Translator, capacity: int | None, taken: int) -> str:
    """ "12 von 20 Plätzen belegt", with a line break before it; empty without a capacity."""
    if capacity is None:
        return ""
    return "\n" + t("ek.places", count=capacity, taken=taken)


def card_text(
    t: Translator,
    program: Program,
    info: dict[str, str],
    present: Attendance,
    status: str,
    capacity: int | None = None,
) -> str:
    """The attendance card: every name that fits into one message, then how many more."""
    places = places_line(t, capacity, len(present.yes))
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
                maybe=len(present.maybe),
                no=len(present.no),
                open=len(present.open),
                yes_names=names[0],
                maybe_names=names[1],
                no_names=names[2],
                open_names=names[3],
            )
            + places
            + "\n\n"
            + status
        ),
        [_names(t, people) for _, people in present.by_answer()],
    )


# An event without an end: its calendar entry blocks the evening it is usually part of.
EVENT_LENGTH = dt.timedelta(hours=2)


def calendar_file(
    t: Translator,
    event: ProgramEvent,
    program: Program | None,
    zone: ZoneInfo,
    now: dt.datetime,
    settings: Settings,
    *,
    withdrawn: bool = False,
) -> tuple[str, bytes]:
    """The event for a participant's calendar; after its cancellation, or after the person
    withdrew their "yes", the file that takes it out again.

    One person may say yes, then no, then yes again: each file must outrank the one before, or
    calendar apps ignore it, and so must the file sent after an edit. So the SEQUENCE counts the
    seconds since the event was created, which only grow (doubled, plus one for a removal, so
    that a removal in the same second still outranks the entry it removes). A place typed as a
    link is the entry's URL as well (core.ics puts it into LOCATION and DESCRIPTION too); the
    alarms follow the program's event reminders."""
    cancelled = withdrawn or event.status == EventStatus.CANCELLED
    program_name = program.name if program else ""
    policy = Policy.from_settings(program.settings if program else None)
    entry = ics.CalendarEvent(
        uid=ics.uid("event", event.id, settings.bot_id),
        sequence=2 * max(0, int((now - event.created_at).total_seconds())) + int(cancelled),
        start=event.starts_at,
        end=event.ends_at or event.starts_at + EVENT_LENGTH,
        summary=event.title,
        stamp=now,
        location=event.place,
        description=t.plain(
            "ics.event_description",
            kind=default_title(t, event.kind) if event.kind in KINDS else event.kind,
            program=program_name,
        ),
        url=ics.usable_url(event.place),
        cancelled=cancelled,
        alarms_minutes=ics.alarms(policy.before_event),
        organizer=organizer(settings, program),
    )
    return ics.filename(event.title, event.starts_at.astimezone(zone)), ics.render(entry)


def send_calendar(
    ctx: Ctx,
    event: ProgramEvent,
    program: Program | None,
    chat_id: int | None,
    t: Translator,
    *,
    withdrawn: bool = False,
) -> None:
    """The event (or, once cancelled or declined after a yes, its cancellation) as a file, in
    the recipient's language."""
    cancelled = withdrawn or event.status == EventStatus.CANCELLED
    zone = ctx.services.zone_of(program)
    ctx.send_document(
        chat_id,
        *calendar_file(
            t, event, program, zone, ctx.now, ctx.services.settings, withdrawn=withdrawn
        ),
        caption=t("meet.ics_cancel_caption" if cancelled else "meet.ics_caption"),
    )


def attendance_file(t: Translator, event: ProgramEvent, present: Attendance) -> tuple[str, bytes]:
    """The attendance list for catering and name badges: name, role, company, answer; those who
    come first, then maybe, no and open, by name within each. Cells a spreadsheet would run as a
    formula are neutralised by `csv_bytes`."""
    answers = {a: t.plain(f"ek.csv.{a or 'open'}") for a, _ in present.by_answer()}
    rows = [
        [p.name, t.plain(f"choice.role.{p.role}"), p.company, answers[answer]]
        for answer, people in present.by_answer()
        for p in people
    ]
    header = [t.plain(f"ek.csv.{column}") for column in ("name", "role", "company", "answer")]
    table = Table("attendance", event.title[:31], header, rows)
    day = event.starts_at.date().isoformat()
    name = t.plain("ek.csv.file", title=slug(event.title, f"event-{event.id}"), date=day)
    return name, csv_bytes(table)
