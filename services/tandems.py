"""Tandems after approval: the introduction, a partner's own view and concerns, and the
coordinators' list, card, settling of meetings and dissolving.

A partner reaches a tandem only through `own_tandem` (active, introduced, their own); a
coordinator only through a program they coordinate, so another program's id finds nothing, like
a forged one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.profile import clean_text
from core.tandems import NoteKind, TandemStatus
from services import tandem_notes
from services.access import (
    coordinated,
    coordinators,
    own_tandem,
    partners,
    require_coordinator,
    visible_programs,
)
from services.errors import Stale
from services.unit import UnitOfWork
from storage import meetings, programs
from storage import tandems as store

if TYPE_CHECKING:
    from storage.models import Meeting, Participant, Program, Tandem, TandemNote, User

MAX_NOTE = 1000  # a concern, a reason to dissolve


@dataclass(frozen=True)
class Side:
    """A tandem from one partner's side."""

    tandem: Tandem
    me: Participant
    partner: Participant


def both_sides(tandem: Tandem) -> tuple[Side, Side]:
    return Side(tandem, tandem.mentor, tandem.mentee), Side(tandem, tandem.mentee, tandem.mentor)


# --- the introduction -----------------------------------------------------------------------


@dataclass(frozen=True)
class Introduction:
    tandem: Tandem
    program: Program | None
    coordinators: list[tuple[int, User | None]]  # told when a partner cannot be reached

    @property
    def sides(self) -> tuple[Side, Side]:
        return both_sides(self.tandem)


async def due_introductions(uow: UnitOfWork) -> list[int]:
    return await store.due_introductions(uow.session, uow.now)


async def claim_introduction(uow: UnitOfWork, tandem_id: int) -> Introduction | None:
    """Mark the tandem introduced, once: None when another process (or an earlier run) did."""
    if not await store.claim_introduction(uow.session, tandem_id, uow.now):
        return None
    tandem = await store.get_tandem(uow.session, tandem_id)
    assert tandem is not None
    program = await programs.get(uow.session, tandem.program_id)
    return Introduction(tandem, program, await coordinators(uow, tandem.program_id))


# --- a partner's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class Mine:
    """The acting user's introduced tandems; or, before any introduction, the first tandem whose
    introduction is planned (with its program, for the time zone)."""

    shown: list[Side]
    waiting: Tandem | None = None
    program: Program | None = None


async def mine(uow: UnitOfWork) -> Mine:
    tandems = await store.tandems_of_user(uow.session, uow.user_id)
    shown = [Side(t, *partners(t, uow.user_id)) for t in tandems if t.introduced_at is not None]
    if shown:
        return Mine(shown)
    waiting = [t for t in tandems if t.introduced_at is None and t.intro_due_at is not None]
    if not waiting:
        return Mine([])
    return Mine([], waiting[0], await programs.get(uow.session, waiting[0].program_id))


async def pressed_own(uow: UnitOfWork, tandem_id: int) -> Tandem:
    """The acting partner's tandem a button names; else the press is stale."""
    tandem = await own_tandem(uow, tandem_id)
    if tandem is None:
        raise Stale("tandem", alert=True)
    return tandem


@dataclass(frozen=True)
class Concern:
    """A partner's concern for the program team; `key` names what is wrong with the note (the
    message that says so) when it was not sent."""

    side: Side
    note: str
    key: str | None = None
    program: Program | None = None
    coordinators: tuple[tuple[int, User | None], ...] = ()


async def raise_concern(uow: UnitOfWork, tandem_id: int, text: str | None) -> Concern | None:
    """Pass the note on to the program's coordinators; None if the tandem is no longer the
    user's (dissolved meanwhile)."""
    tandem = await own_tandem(uow, tandem_id)
    if tandem is None:
        return None
    side = Side(tandem, *partners(tandem, uow.user_id))
    note = clean_text(text or "")
    if not note or note.startswith("/") or len(note) > MAX_NOTE:
        return Concern(side, note, "error.too_long" if len(note) > MAX_NOTE else "error.empty")
    program = await programs.get(uow.session, tandem.program_id)
    uow.audit("concern", tandem=tandem.id)
    await tandem_notes.from_partner(uow, tandem.id, side.me, NoteKind.CONCERN, note)
    told = await coordinators(uow, tandem.program_id)
    return Concern(side, note, None, program, tuple(told))


# --- coordinators -----------------------------------------------------------------------------


async def tandem_programs(uow: UnitOfWork) -> list[Program]:
    require_coordinator(uow, "tandems")
    return await visible_programs(uow)


@dataclass(frozen=True)
class Listing:
    program: Program
    tandems: list[Tandem]

    @property
    def unconfirmed(self) -> list[Tandem]:
        """Introduced pairs whose mentoring agreement is still open."""
        return [
            t
            for t in self.tandems
            if t.introduced_at and not (t.mentor_agreed_at and t.mentee_agreed_at)
        ]


async def listing(uow: UnitOfWork, program_id: int) -> Listing:
    require_coordinator(uow, "td:l")
    program = await coordinated(uow, program_id)
    if program is None:
        raise Stale("program", alert=True)
    return Listing(program, await store.tandems_in_program(uow.session, program.id))


async def _coordinated_tandem(uow: UnitOfWork, tandem_id: int) -> Tandem | None:
    tandem = await store.get_tandem(uow.session, tandem_id)
    if tandem is None or await coordinated(uow, tandem.program_id) is None:
        return None
    return tandem


@dataclass(frozen=True)
class Card:
    """A tandem for the program team: meetings held, the last and next, and the recorded
    meetings that do not count until someone settles them."""

    tandem: Tandem
    held: int
    last: dt.datetime | None
    upcoming: dt.datetime | None
    pending: list[Meeting]  # recorded by one partner, not confirmed by the other
    disputed: list[Meeting]
    notes: list[TandemNote] = field(default_factory=list)  # the newest concerns and messages


async def _card(uow: UnitOfWork, tandem: Tandem) -> Card:
    held, last, upcoming = await meetings.summary(uow.session, tandem.id, uow.now)
    pending, disputed = await meetings.needing_attention(uow.session, tandem.id, uow.now)
    notes = await tandem_notes.on_card(uow, tandem.id)
    return Card(tandem, held, last, upcoming, pending, disputed, notes)


async def card(uow: UnitOfWork, tandem_id: int) -> Card:
    require_coordinator(uow, "td:v")
    tandem = await _coordinated_tandem(uow, tandem_id)
    if tandem is None:
        raise Stale("tandem", alert=True)
    return await _card(uow, tandem)


@dataclass(frozen=True)
class Settled:
    counted: bool  # False: someone had decided it already
    card: Card | None


async def settle_meeting(uow: UnitOfWork, meeting_id: int) -> Settled:
    """A coordinator counts a recorded meeting the partner has not confirmed, or a disputed one,
    as held (it then counts for the nudges like any other)."""
    require_coordinator(uow, "td:c")
    meeting = await meetings.get(uow.session, meeting_id)
    if meeting is None or await coordinated(uow, meeting.tandem.program_id) is None:
        raise Stale("meeting", alert=True)
    if meetings.awaiting_verification(meeting):
        counted = await meetings.verify_logged(uow.session, meeting, uow.now)
    else:
        counted = await meetings.settle_held(uow.session, meeting, uow.now)
    if counted:
        await store.reset_nudges(uow.session, meeting.tandem_id)
        uow.audit("meeting_settled", meeting=meeting.id)
    tandem = await store.get_tandem(uow.session, meeting.tandem_id)
    return Settled(counted, await _card(uow, tandem) if tandem is not None else None)


async def to_dissolve(uow: UnitOfWork, tandem_id: int) -> Tandem:
    """The active tandem a coordinator is about to dissolve (the reason is asked next)."""
    require_coordinator(uow, "td:x")
    tandem = await _coordinated_tandem(uow, tandem_id)
    if tandem is None:
        raise Stale("tandem", alert=True)
    if tandem.status != TandemStatus.ACTIVE:
        raise Stale("dissolved")
    return tandem


@dataclass(frozen=True)
class Dissolved:
    tandem: Tandem

    @property
    def told(self) -> list[Side]:
        """Both partners, if they ever learned of each other; else nobody."""
        return [] if self.tandem.introduced_at is None else list(both_sides(self.tandem))


def reason_ok(text: str | None) -> str | None:
    """The reason to dissolve, cleaned; None when it is empty, a command or too long."""
    reason = clean_text(text or "")
    if not reason or reason.startswith("/") or len(reason) > MAX_NOTE:
        return None
    return reason


async def dissolve(uow: UnitOfWork, tandem_id: int, reason: str) -> Dissolved | None:
    """End the tandem with the reason; None if it is gone, dissolved or no longer coordinated."""
    require_coordinator(uow, "dissolve")
    tandem = await _coordinated_tandem(uow, tandem_id)
    if tandem is None or not await store.dissolve(
        uow.session, tandem, by=uow.user_id, reason=reason, now=uow.now
    ):
        return None
    uow.audit("tandem_dissolved", tandem=tandem.id)
    return Dissolved(tandem)
