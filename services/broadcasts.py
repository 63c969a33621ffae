"""Announcements from coordinators: writing one (program, text, audience), sending it now or at
a set time, cancelling a scheduled one, and trying again those a sending did not reach.

Recipients become outbox rows when sending starts (for a scheduled one: at its time, so the
audience is the one of that moment); bot/broadcaster.py sends them once the transaction has
committed (`uow.start_broadcast`). Whether the coordinator may send to the program is checked
again at every step: a role may be narrowed in the middle of writing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

from core.broadcasts import (
    Attachment,
    AttachmentKind,
    Audience,
    BroadcastStatus,
    messages_each,
    paid_stars,
)
from core.fit import visible_length
from core.meetings import TimeProblem, check_start
from core.reminders import Kind, Planned
from core.when import NonexistentTime, local_to_utc, parse_when
from services import conversation
from services.access import coordinated, require_coordinator, visible_programs
from services.conversation import State
from services.errors import Stale
from services.unit import UnitOfWork
from storage import broadcasts as store
from storage import reminders

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Broadcast, Program

FLOW = "broadcast"
ALL_PROGRAMS = 0  # in the program button: every program
QUIET_DAYS = range(1, 366)


class BroadcastState(State):
    """The announcement being written; keys as stored since the first version."""

    program: int | None = None  # None: all programs
    text: str | None = None  # Telegram's HTML of the coordinator's message ("": a file alone)
    audience: Audience | None = None
    days: int | None = None  # for the quiet audience
    file_kind: AttachmentKind | None = None  # a file or picture sent with it
    file_id: str | None = None
    file_name: str | None = None

    @property
    def attachment(self) -> Attachment | None:
        if self.file_kind is None or self.file_id is None:
            return None
        return Attachment(self.file_kind, self.file_id, self.file_name)


@dataclass(frozen=True)
class Choice:
    """What /broadcast offers: the programs to write to, and the scheduled announcements that
    can still be cancelled."""

    programs: list[Program]
    all_programs: bool  # "all programs" is offered too
    scheduled: list[Broadcast]


@dataclass(frozen=True)
class Confirmation:
    audience: Audience
    days: int | None
    program: Program | None  # None: all programs
    count: int  # how many it reaches now
    messages: int = 0  # how many messages that is (a file and a long text: two each)

    @property
    def stars(self) -> int:
        """What it costs as a paid broadcast (allow_paid_broadcast), in Telegram Stars."""
        return paid_stars(self.messages)


class WhenProblem(StrEnum):
    UNREADABLE = "unreadable"
    NONEXISTENT = "nonexistent"  # a local time skipped by the clock change
    PAST = "past"
    TOO_FAR = "too_far"


@dataclass(frozen=True)
class Scheduled:
    broadcast_id: int
    at: dt.datetime


async def choice(uow: UnitOfWork) -> Choice:
    require_coordinator(uow, "broadcast")
    items = await visible_programs(uow)
    planned = [b for b in await store.scheduled(uow.session) if uow.actor.coordinates(b.program_id)]
    return Choice(items, len(items) > 1 and uow.actor.all_programs, planned)


async def choose_program(uow: UnitOfWork, program_id: int) -> None:
    """Start writing to one program (or, with ALL_PROGRAMS, to all)."""
    target = program_id or None
    if not await _may_send(uow, target):
        raise Stale("broadcast program", alert=True)
    await conversation.save(uow, FLOW, "text", BroadcastState(program=target))


async def write(
    uow: UnitOfWork,
    state: BroadcastState,
    html: str,
    raw: str,
    attachment: Attachment | None = None,
) -> bool:
    """The announcement's text, a file or picture with or without a caption, or (once the text
    is there) a file or picture to go with it, whose caption, if any, replaces the text. False
    (asked again) for an empty text or a command."""
    if raw.startswith("/") or (attachment is None and not html.strip()):
        return False
    if attachment is not None:
        state.file_kind, state.file_id = attachment.kind, attachment.file_id
        state.file_name = attachment.name[:255] if attachment.name else None
    if html.strip() or state.text is None:
        state.text = html
    await conversation.save(uow, FLOW, "audience", state)
    return True


async def back(uow: UnitOfWork) -> BroadcastState:
    """Back from the confirmation (or the question for the time) to the choice of audience;
    the text and the file stay."""
    loaded = await _loaded(uow)
    if loaded is None or loaded[0] not in ("confirm", "when"):
        raise Stale("broadcast dialog not at confirm")
    state = loaded[1]
    await conversation.save(uow, FLOW, "audience", state)
    return state


async def choose_audience(uow: UnitOfWork, audience: Audience, days: int | None) -> Confirmation:
    """How many the announcement reaches with this audience, before it is sent."""
    state = await _at(uow, "audience")
    if audience is Audience.QUIET and (days is None or days not in QUIET_DAYS):
        raise Stale("quiet days")
    state.audience, state.days = audience, days
    people = await _recipients(uow, state)
    await conversation.save(uow, FLOW, "confirm", state)
    program = await coordinated(uow, state.program) if state.program else None
    each = messages_each(state.attachment is not None, visible_length(state.text or ""))
    return Confirmation(audience, days, program, len(people), len(people) * each)


async def discard(uow: UnitOfWork) -> None:
    if await _loaded(uow) is None:
        raise Stale("no broadcast dialog")
    await conversation.clear(uow)


async def send_now(uow: UnitOfWork, paid: bool = False) -> int:
    """Into the outbox with everyone it reaches now; the sender starts after the commit.
    `paid`: as a paid broadcast, up to 1,000 messages a second for 0.1 Stars each (the
    coordinator has seen the cost). Returns how many."""
    state = await _at(uow, "confirm")
    if not await _may_send(uow, state.program):
        await conversation.clear(uow)
        raise Stale("broadcast program", alert=True)
    await _complete(uow, state)
    broadcast = await _create(uow, state, BroadcastStatus.SENDING, None)
    broadcast.started_at = uow.now
    broadcast.paid = paid
    people = await _recipients(uow, state)
    await store.enqueue(uow.session, broadcast.id, people)
    await conversation.clear(uow)
    uow.audit("broadcast", broadcast=broadcast.id, recipients=len(people), paid=paid)
    uow.start_broadcast(broadcast.id)
    return len(people)


async def later(uow: UnitOfWork) -> None:
    """Ask for the time to send it at."""
    state = await _at(uow, "confirm")
    await conversation.save(uow, FLOW, "when", state)


async def schedule(
    uow: UnitOfWork, state: BroadcastState, raw: str, default_zone: ZoneInfo
) -> Scheduled | WhenProblem | None:
    """Plan the announcement for the typed time, read in the program's zone (`default_zone` for
    all programs). None: the coordinator may no longer send to the program; the dialog ends."""
    if not await _may_send(uow, state.program):
        await conversation.clear(uow)
        return None
    await _complete(uow, state)
    program = await coordinated(uow, state.program) if state.program else None
    zone = ZoneInfo(program.timezone) if program else default_zone
    when = parse_when(raw.strip()[:200], uow.now.astimezone(zone).date()) if raw.strip() else None
    if when is None or when.time is None:
        return WhenProblem.UNREADABLE
    try:
        at = local_to_utc(when.day, when.time, zone)
    except NonexistentTime:
        return WhenProblem.NONEXISTENT
    problem = check_start(at, uow.now)
    if problem is not None:
        return WhenProblem.PAST if problem is TimeProblem.PAST else WhenProblem.TOO_FAR
    broadcast = await _create(uow, state, BroadcastStatus.SCHEDULED, at)
    planned = [Planned(Kind.BROADCAST, at, uow.user_id, f"bc{broadcast.id}")]
    uow.schedule(await reminders.plan(uow.session, planned, now=uow.now, broadcast_id=broadcast.id))
    await conversation.clear(uow)
    uow.audit("broadcast_scheduled", id=broadcast.id)
    return Scheduled(broadcast.id, at)


async def cancel_scheduled(uow: UnitOfWork, broadcast_id: int) -> bool:
    """A scheduled announcement is called off; False for one already on its way (or not this
    coordinator's)."""
    if not await _own_broadcast(uow, broadcast_id) or not await store.cancel(
        uow.session, broadcast_id
    ):
        return False
    await reminders.cancel(uow.session, now=uow.now, broadcast_id=broadcast_id)
    uow.audit("broadcast_cancelled", id=broadcast_id)
    return True


async def retry(uow: UnitOfWork, broadcast_id: int) -> int:
    """Those not reached (failed, or blocked the bot) are tried again; how many."""
    return await _again(uow, broadcast_id, store.retry_failed)


async def resend_interrupted(uow: UnitOfWork, broadcast_id: int) -> int:
    """Those whose message was in flight when a sender died get it again, with a note that
    they may have it already (`retry` leaves them out: they may have it); how many."""
    return await _again(uow, broadcast_id, store.resend_interrupted)


async def _again(
    uow: UnitOfWork, broadcast_id: int, reopen: Callable[[AsyncSession, int], Awaitable[int]]
) -> int:
    count = (
        await reopen(uow.session, broadcast_id) if await _own_broadcast(uow, broadcast_id) else 0
    )
    if count:
        uow.start_broadcast(broadcast_id)
    return count


async def start_scheduled(session: AsyncSession, broadcast_id: int, now: dt.datetime) -> bool:
    """A scheduled broadcast's time has come: the audience of now goes into the outbox, in the
    caller's transaction (with the timer's row, so a crash cannot leave it half started). False
    if it was cancelled or already started; the caller starts the sender after the commit."""
    if not await store.start(session, broadcast_id, now):
        return False
    broadcast = await store.get(session, broadcast_id)
    assert broadcast is not None
    people = await store.recipients(
        session,
        program_id=broadcast.program_id,
        audience=Audience(broadcast.audience),
        quiet_days=broadcast.quiet_days,
        now=now,
    )
    await store.enqueue(session, broadcast_id, people)
    return True


# --- checks -------------------------------------------------------------------------------------


async def _may_send(uow: UnitOfWork, program_id: int | None) -> bool:
    """This coordinator coordinates the program (or, for all programs, all of them)."""
    if program_id:
        return await coordinated(uow, program_id) is not None
    return uow.actor.all_programs


async def _own_broadcast(uow: UnitOfWork, broadcast_id: int) -> bool:
    broadcast = await store.get(uow.session, broadcast_id)
    return broadcast is not None and await _may_send(uow, broadcast.program_id)


async def _loaded(uow: UnitOfWork) -> tuple[str, BroadcastState] | None:
    return await conversation.load(uow, FLOW, BroadcastState)


async def _at(uow: UnitOfWork, step: str) -> BroadcastState:
    """The dialog's state if it is at `step`; a button of another step is stale."""
    loaded = await _loaded(uow)
    if loaded is None or loaded[0] != step:
        raise Stale(f"broadcast dialog not at {step}")
    return loaded[1]


async def _complete(uow: UnitOfWork, state: BroadcastState) -> None:
    """A dialog row without its text or audience (written by hand) leads nowhere: closed."""
    if state.text is None or state.audience is None:
        await conversation.clear(uow)
        raise Stale("broadcast dialog incomplete")


class _Reach(TypedDict):
    """Whom an announcement is for, in the words storage's `recipients` and `create` take."""

    program_id: int | None
    audience: Audience
    quiet_days: int | None


def _reach(state: BroadcastState) -> _Reach:
    assert state.audience is not None
    return _Reach(program_id=state.program, audience=state.audience, quiet_days=state.days)


async def _recipients(uow: UnitOfWork, state: BroadcastState) -> list[tuple[int, str]]:
    return await store.recipients(uow.session, **_reach(state), now=uow.now)


async def _create(
    uow: UnitOfWork, state: BroadcastState, status: BroadcastStatus, at: dt.datetime | None
) -> Broadcast:
    assert state.text is not None
    file = state.attachment
    return await store.create(
        uow.session,
        **_reach(state),
        text=state.text,
        status=status,
        scheduled_at=at,
        created_by=uow.user_id,
        now=uow.now,
        file=(file.kind, file.file_id, file.name) if file else None,
    )
