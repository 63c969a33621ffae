"""Program events: the dates the whole cohort meets (kickoff, workshops, "Stammtisch", mid-term
review, closing event with the certificates).

Creating an event plans its invitations and reminders in the same transaction, so an event never
exists without its invitations or the other way round; the timers are armed after the commit.
Only active participants of the event's program may answer; cancelling decides once (two
coordinators, or a cancel racing the start) and tells everyone who can still be reached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from core.events import Answer, EventKind, EventStatus
from core.reminders import Policy, plan_event
from services import conversation
from services.access import coordinated, invited, pressed_program, visible_programs
from services.conversation import State
from services.errors import Stale
from services.unit import UnitOfWork
from storage import events, programs, reminders

if TYPE_CHECKING:
    from storage.events import Attendance
    from storage.models import Participant, Program, ProgramEvent

FLOW = "event"
MAX_TITLE = 120
MAX_PLACE = 200
NO_PLACE = "-"  # typed for "no place" (and for no end, no capacity)
MAX_CAPACITY = 10_000
LIST_GRACE = dt.timedelta(days=30)  # started events stay listed for their attendance
SHOWN_TO_PARTICIPANT = 10


def cancellable(event: ProgramEvent, now: dt.datetime) -> bool:
    """Only a planned event that has not begun: afterwards the cohort has met (or not)."""
    return event.status == EventStatus.PLANNED and event.starts_at > now


# --- participants -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    event: ProgramEvent
    program: Program | None
    answer: str | None


async def my_invitations(uow: UnitOfWork) -> list[Invitation]:
    """The next events of every program the user is active in, with their own answer."""
    found = await events.upcoming_for_user(
        uow.session, uow.user_id, uow.now, limit=SHOWN_TO_PARTICIPANT
    )
    return [
        Invitation(
            event,
            await programs.get(uow.session, event.program_id),
            await events.answer_of(uow.session, event.id, participant.id),
        )
        for event, participant in found
    ]


class Reply(StrEnum):
    """What became of an answer."""

    RECORDED = "recorded"
    NOT_INVITED = "not_invited"  # not an active participant of the event's program
    OVER = "over"  # the event has begun
    CANCELLED = "cancelled"
    FULL = "full"  # a "yes" when every place is taken; maybe and no are still possible


@dataclass(frozen=True)
class Answered:
    reply: Reply
    invitation: Invitation
    # "yes" now and not before: the moment the event goes into the participant's calendar
    # (pressing "yes" again sends no second file).
    accepted: bool = False
    # "yes" before and not now: the entry must leave the participant's calendar again.
    withdrawn: bool = False


async def answer(uow: UnitOfWork, event_id: int, given: Answer) -> Answered:
    """An invitation's answer. Never trusted: the event is re-read and the user must be an active
    participant of its program (an outsider's forged press is audited)."""
    found = await events.get(uow.session, event_id)
    event, participant = await invited(uow, found, what="event", tag="event")
    if participant is None:
        return Answered(Reply.NOT_INVITED, Invitation(event, None, None))
    if not cancellable(event, uow.now):
        reply = Reply.OVER if event.status == EventStatus.PLANNED else Reply.CANCELLED
        return Answered(reply, Invitation(event, None, None))
    before = await events.answer_of(uow.session, event.id, participant.id)
    if given == Answer.YES and before != Answer.YES and event.capacity is not None:
        event = await events.get_for_update(uow.session, event.id) or event
        if await events.places_taken(uow.session, event) >= (event.capacity or 0):
            program = await programs.get(uow.session, event.program_id)
            return Answered(Reply.FULL, Invitation(event, program, before))
    await events.set_answer(uow.session, event.id, participant.id, given, uow.now)
    program = await programs.get(uow.session, event.program_id)
    accepted = given == Answer.YES and before != Answer.YES
    withdrawn = before == Answer.YES and given != Answer.YES
    return Answered(Reply.RECORDED, Invitation(event, program, given), accepted, withdrawn)


# --- coordinators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    program: Program
    events: list[ProgramEvent]


async def listing(uow: UnitOfWork, program: Program) -> Listing:
    """A program's coming events, and those begun within the grace (for their attendance)."""
    found = await events.upcoming(uow.session, program.id, uow.now, grace=LIST_GRACE)
    return Listing(program, found)


async def programs_listed(uow: UnitOfWork, *, open_single: bool) -> list[Program] | Listing:
    """What /events opens on for a coordinator: the programs to choose from or, with
    `open_single` and only one program, that program's listing right away."""
    items = await visible_programs(uow)
    return await listing(uow, items[0]) if open_single and len(items) == 1 else items


async def program_listing(uow: UnitOfWork, program_id: int) -> Listing:
    return await listing(uow, await pressed_program(uow, program_id))


@dataclass(frozen=True)
class Card:
    """An event as its coordinators see it: who comes, who does not, who has not answered."""

    event: ProgramEvent
    program: Program
    present: Attendance
    cancellable: bool


async def event_card(uow: UnitOfWork, event: ProgramEvent, program: Program) -> Card:
    present = await events.attendance(uow.session, event)
    return Card(event, program, present, cancellable(event, uow.now))


async def coordinated_event(uow: UnitOfWork, event_id: int) -> tuple[ProgramEvent, Program]:
    event = await events.get(uow.session, event_id)
    program = await coordinated(uow, event.program_id) if event is not None else None
    if event is None or program is None:
        raise Stale("event", alert=True)
    return event, program


async def card(uow: UnitOfWork, event_id: int) -> Card:
    return await event_card(uow, *await coordinated_event(uow, event_id))


@dataclass(frozen=True)
class Cancelled:
    card: Card
    done: bool  # False: cancelled by another coordinator meanwhile, or it has begun
    told: list[Participant]  # invited and reachable: each gets the cancellation
    # Those of `told` who had said yes, and so may have the event in their calendar.
    accepted: list[Participant] = field(default_factory=list)


async def cancel(uow: UnitOfWork, event_id: int) -> Cancelled:
    """Cancel the event and the reminders still pending; everyone invited is told at once."""
    event, program = await coordinated_event(uow, event_id)
    if not await events.cancel(uow.session, event, uow.now):
        return Cancelled(await event_card(uow, event, program), False, [])
    await reminders.cancel(uow.session, event_id=event.id, now=uow.now)
    uow.audit("event_cancelled", event=event.id)
    shown = await event_card(uow, event, program)
    # Someone who blocked the bot would only have the message come back refused.
    told = [p for p in shown.present.invited if p.user is not None and p.user.reachable]
    yes = {p.id for p in shown.present.yes}
    return Cancelled(shown, True, told, [p for p in told if p.id in yes])


# --- the "new event" dialog ---------------------------------------------------------------------


class Draft(State):
    """The event being set up, step by step (kind, title, when, place, confirm); stored under
    the same keys as before the typed dialogs."""

    program_id: int
    kind: EventKind | None = None
    title: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = None
    capacity: int | None = None

    def fits(self, step: str) -> bool:
        """Whether the answers before `step` are there (a row written by hand may lack them)."""
        return all(getattr(self, answer) is not None for answer in _BEFORE.get(step, ()))

    def settled(self) -> tuple[EventKind, str, dt.datetime]:
        """Kind, title and start of a draft at its last steps."""
        if self.kind is None or self.title is None or self.starts_at is None:
            raise Stale("incomplete event draft", edit=True)
        return self.kind, self.title, self.starts_at


_BEFORE = {
    "title": ("kind",),
    "when": ("kind", "title"),
    "end": ("kind", "title", "starts_at"),
    "place": ("kind", "title"),
    "capacity": ("kind", "title"),
    "confirm": ("kind", "title", "starts_at"),
}


@dataclass(frozen=True)
class Open:
    """A draft a coordinator's button or text continues, with its program."""

    step: str
    draft: Draft
    program: Program


async def begin(uow: UnitOfWork, program_id: int) -> Program:
    program = await pressed_program(uow, program_id)
    await conversation.save(uow, FLOW, "kind", Draft(program_id=program.id))
    return program


async def draft_program(uow: UnitOfWork, step: str, draft: Draft) -> Program | None:
    """The program an open draft is about; None (and the dialog ended) once it is gone or no
    longer this coordinator's, or when the draft lacks an answer its step needs."""
    program = await coordinated(uow, draft.program_id) if draft.fits(step) else None
    if program is None:
        await conversation.clear(uow)
    return program


async def pressed_draft(uow: UnitOfWork, step: str | None = None) -> Open:
    """The draft a dialog button belongs to, at `step` when given; anything else is an old
    keyboard, whose buttons go."""
    loaded = await conversation.load(uow, FLOW, Draft)
    program = await coordinated(uow, loaded[1].program_id) if loaded is not None else None
    if loaded is None or program is None:
        raise Stale("event draft", edit=True)
    at, draft = loaded
    if (step is not None and at != step) or not draft.fits(at):
        raise Stale("event draft step", edit=True)
    return Open(at, draft, program)


async def discard(uow: UnitOfWork) -> None:
    await pressed_draft(uow)
    await conversation.clear(uow)


async def choose_kind(uow: UnitOfWork, kind: EventKind) -> EventKind:
    opened = await pressed_draft(uow, "kind")
    opened.draft.kind = kind
    await conversation.save(uow, FLOW, "title", opened.draft)
    return kind


def one_line(raw: str, limit: int) -> str | None:
    text = " ".join(raw.split())
    return text if text and len(text) <= limit else None


async def name(uow: UnitOfWork, draft: Draft, raw: str) -> str | None:
    """The title as typed (one line, at most MAX_TITLE); None if it is not one."""
    title = one_line(raw, MAX_TITLE)
    if title is not None:
        draft.title = title
        await conversation.save(uow, FLOW, "when", draft)
    return title


async def take_default_title(uow: UnitOfWork, title_of: Callable[[EventKind], str]) -> Program:
    """The kind's usual title (in the coordinator's language, hence `title_of`)."""
    opened = await pressed_draft(uow, "title")
    assert opened.draft.kind is not None  # the draft fits its step
    await name(uow, opened.draft, title_of(opened.draft.kind))
    return opened.program


async def set_start(uow: UnitOfWork, draft: Draft, starts_at: dt.datetime) -> None:
    draft.starts_at = starts_at
    draft.ends_at = None
    await conversation.save(uow, FLOW, "end", draft)


async def set_end(uow: UnitOfWork, draft: Draft, ends_at: dt.datetime | None) -> None:
    """The end (checked by the handler to come after the start), or None for none given."""
    draft.ends_at = ends_at
    await conversation.save(uow, FLOW, "place", draft)


async def locate(uow: UnitOfWork, draft: Draft, raw: str) -> bool:
    """The place, or NO_PLACE for none; False if it is not one line of at most MAX_PLACE."""
    place = one_line(raw, MAX_PLACE)
    if place is None:
        return False
    draft.place = None if place == NO_PLACE else place
    await conversation.save(uow, FLOW, "capacity", draft)
    return True


def read_capacity(raw: str) -> tuple[bool, int | None]:
    """(True, places) for 1 to MAX_CAPACITY, (True, None) for NO_PLACE ("no limit"), (False,
    None) for anything else."""
    text = raw.strip()
    if text == NO_PLACE:
        return True, None
    if not text.isdecimal() or not 1 <= int(text) <= MAX_CAPACITY:
        return False, None
    return True, int(text)


async def limit(uow: UnitOfWork, draft: Draft, raw: str) -> bool:
    """The capacity as typed, or NO_PLACE for none; False if it is not one."""
    valid, capacity = read_capacity(raw)
    if valid:
        draft.capacity = capacity
        await conversation.save(uow, FLOW, "confirm", draft)
    return valid


@dataclass(frozen=True)
class Created:
    card: Card | None  # None: the summary waited past the start, the time is asked again
    invited: int
    program: Program


async def create(uow: UnitOfWork) -> Created:
    """The event, its invitations and reminders in one transaction; the scheduler sends them
    once it is committed."""
    opened = await pressed_draft(uow, "confirm")
    draft, program = opened.draft, opened.program
    kind, title, starts_at = draft.settled()
    if starts_at <= uow.now:
        await conversation.save(uow, FLOW, "when", draft)
        return Created(None, 0, program)
    event = await events.create(
        uow.session,
        program_id=program.id,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=draft.ends_at if draft.ends_at and draft.ends_at > starts_at else None,
        place=draft.place,
        capacity=draft.capacity,
        created_by=uow.user_id,
        now=uow.now,
    )
    people = await events.active_participants(uow.session, program.id)
    planned = plan_event(
        event_id=event.id,
        starts_at=event.starts_at,
        user_ids=[p.user_id for p in people if p.user_id is not None],
        policy=Policy.from_settings(program.settings),
        now=uow.now,
    )
    uow.schedule(await reminders.plan(uow.session, planned, now=uow.now, event_id=event.id))
    await conversation.clear(uow)
    uow.audit("event_created", event=event.id)
    return Created(await event_card(uow, event, program), len(people), program)
