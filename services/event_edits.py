"""Editing a program event from its card (title, start, end, place, capacity), one field at a
time: everyone invited is told what changed, and those who said yes get the calendar entry
again (the handler sends both, in each person's language, from `Edited`).

A new start moves the end with it (the length stays) and re-plans the reminders before the
event for the new time; the invitations are not sent again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from core.events import EventStatus
from core.reminders import Kind, Policy, plan_event
from services import conversation
from services.conversation import State
from services.errors import Stale
from services.events import (
    MAX_PLACE,
    MAX_TITLE,
    NO_PLACE,
    Card,
    cancellable,
    coordinated_event,
    event_card,
    one_line,
    read_capacity,
)
from services.unit import UnitOfWork
from storage import events, reminders

if TYPE_CHECKING:
    from storage.models import Participant, Program

FLOW = "event_edit"
Field = Literal["title", "when", "end", "place", "capacity"]
FIELDS: tuple[Field, ...] = ("title", "when", "end", "place", "capacity")
REPLANNED = (Kind.EVENT_SOON, Kind.EVENT_UNANSWERED)


class Editing(State):
    """Which event's field the coordinator is typing a new value for (the step is the field)."""

    event_id: int


async def _editable(uow: UnitOfWork, event_id: int) -> Card:
    event, program = await coordinated_event(uow, event_id)
    if not cancellable(event, uow.now):
        raise Stale("event no longer editable", alert=True)
    return await event_card(uow, event, program)


async def begin(uow: UnitOfWork, event_id: int, field: str | None = None) -> Card:
    """The card of an event that can still change; with `field`, the dialog for its new value."""
    card = await _editable(uow, event_id)
    if field is not None:
        if field not in FIELDS:
            raise Stale("event field", alert=True)
        await conversation.save(uow, FLOW, field, Editing(event_id=card.event.id))
    return card


async def editing(uow: UnitOfWork, state: Editing) -> Card | None:
    """The event the open dialog edits; None (and the dialog ended) once it cannot change any
    more or is no longer this coordinator's."""
    try:
        return await _editable(uow, state.event_id)
    except Stale:
        await conversation.clear(uow)
        return None


@dataclass(frozen=True)
class Snapshot:
    """What the invited were told before the edit (shown as "old → new")."""

    title: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str | None
    capacity: int | None


@dataclass(frozen=True)
class Edited:
    card: Card
    before: Snapshot
    told: list[Participant]  # invited and reachable
    accepted: list[Participant]  # of `told`, those who said yes: the calendar entry again
    changed: bool  # False: the same value as before, nobody is told


def read(field: str, raw: str) -> tuple[bool, object]:
    """The typed text as the field's value (times are read by the handler): (valid, value)."""
    if field == "title":
        title = one_line(raw, MAX_TITLE)
        return title is not None, title
    if field == "place":
        place = one_line(raw, MAX_PLACE)
        return place is not None, None if place == NO_PLACE else place
    if field == "capacity":
        return read_capacity(raw)
    return False, None


async def apply(uow: UnitOfWork, field: str, value: object, program: Program) -> Edited:
    """Store the new value of the dialog's field for its event and end the dialog."""
    loaded = await conversation.load(uow, FLOW, Editing)
    if loaded is None or loaded[0] != field:
        raise Stale("event edit step")
    card = await _editable(uow, loaded[1].event_id)
    event = await events.get_for_update(uow.session, card.event.id) or card.event
    before = Snapshot(
        event.title, event.kind, event.starts_at, event.ends_at, event.place, event.capacity
    )
    if field == "title":
        event.title = str(value)
    elif field == "when":
        assert isinstance(value, dt.datetime)
        if event.ends_at is not None:
            event.ends_at = value + (event.ends_at - event.starts_at)
        event.starts_at = value
    elif field == "end":
        event.ends_at = value if isinstance(value, dt.datetime) else None
    elif field == "place":
        event.place = None if value is None else str(value)
    elif field == "capacity":
        event.capacity = value if isinstance(value, int) else None
    await conversation.clear(uow)
    after = Snapshot(
        event.title, event.kind, event.starts_at, event.ends_at, event.place, event.capacity
    )
    await uow.session.flush()
    shown = await event_card(uow, event, card.program)
    if after == before or event.status != EventStatus.PLANNED:
        return Edited(shown, before, [], [], False)
    if event.starts_at != before.starts_at:
        await _replan(uow, event.id, event.starts_at, program)
    uow.audit("event_edited", event=event.id, field=field)
    told = [p for p in shown.present.invited if p.user is not None and p.user.reachable]
    yes = {p.id for p in shown.present.yes}
    return Edited(shown, before, told, [p for p in told if p.id in yes], True)


async def _replan(uow: UnitOfWork, event_id: int, starts_at: dt.datetime, program: Program) -> None:
    """The reminders before the event for its new start (keys carry the start: the old rows
    keep theirs, cancelled); the invitation is not sent again."""
    await reminders.cancel(uow.session, event_id=event_id, now=uow.now, kinds=list(REPLANNED))
    people = await events.active_participants(uow.session, program.id)
    planned = plan_event(
        event_id=event_id,
        starts_at=starts_at,
        user_ids=[p.user_id for p in people if p.user_id is not None],
        policy=Policy.from_settings(program.settings),
        now=uow.now,
        version=f"@{int(starts_at.timestamp())}",
    )
    again = [p for p in planned if p.kind in REPLANNED]
    uow.schedule(await reminders.plan(uow.session, again, now=uow.now, event_id=event_id))
