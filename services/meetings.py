"""Meetings from the partners' side: accept, decline, another time, move, cancel, and sending a
proposal or a move once its dialog is complete (services/proposal.py).

The partner answers with buttons that carry the meeting's version, so a press from before a move
is refused instead of accepting a time nobody proposed any more. A meeting that began or was
said to be held is a fact: no button, however old, moves or cancels it, and the partner is not
told of a change that did not happen. A confirmed meeting gets its reminders planned in the same
transaction (armed by the caller after the commit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.meetings import Act, MeetingStatus, allowed, is_fact
from core.reminders import PROPOSAL_KINDS, Kind, Policy, plan_meeting, plan_proposal
from services.access import own_meeting, own_tandem, partners
from services.errors import Stale
from services.unit import UnitOfWork
from storage import meetings, programs, reminders, tandems

if TYPE_CHECKING:
    from storage.models import Meeting, Participant, Program, Tandem


@dataclass(frozen=True)
class Parties:
    """A meeting and who it concerns: the acting partner (`me`) and the other one."""

    meeting: Meeting
    program: Program
    me: Participant
    partner: Participant
    # Who will be reminded before the meeting (user ids): a reminder whose time has passed is not
    # planned, and a person who paused reminders gets none, so neither is promised one.
    reminded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Overview:
    tandem: Tandem
    program: Program
    partner: Participant
    upcoming: list[Meeting]  # open and not over yet, soonest first


async def program_of(uow: UnitOfWork, tandem: Tandem) -> Program:
    """The tandem's program (a tandem always has one: its program's removal removes it)."""
    program = await programs.get(uow.session, tandem.program_id)
    if program is None:
        raise Stale("program")
    return program


async def introduced_tandems(uow: UnitOfWork) -> list[Tandem]:
    """The acting user's active tandems that were introduced: the ones meetings are about."""
    found = await tandems.tandems_of_user(uow.session, uow.user_id)
    return [t for t in found if t.introduced_at]


async def pressed_tandem(uow: UnitOfWork, tandem_id: int) -> Tandem:
    """The user's own tandem a button names; any other is a stale press."""
    tandem = await own_tandem(uow, tandem_id)
    if tandem is None:
        raise Stale("tandem", alert=True)
    return tandem


async def overview(uow: UnitOfWork, tandem: Tandem) -> Overview:
    upcoming = await meetings.upcoming(uow.session, tandem.id, uow.now)
    program = await program_of(uow, tandem)
    return Overview(tandem, program, partners(tandem, uow.user_id)[1], upcoming)


async def parties(uow: UnitOfWork, meeting: Meeting) -> Parties:
    me, partner = partners(meeting.tandem, uow.user_id)
    return Parties(meeting, await program_of(uow, meeting.tandem), me, partner)


def _no_longer_changeable(meeting: Meeting, now: dt.datetime) -> Stale | None:
    """A meeting that began or was held is a fact: the user is told why (an agreed meeting was
    held, a proposal came too late) and the keyboard goes."""
    if not is_fact(meeting.starts_at, meeting.outcome, now):
        return None
    agreed = meeting.status in (MeetingStatus.CONFIRMED, MeetingStatus.LOGGED)
    key = "meet.already_held" if agreed else "meet.too_late"
    return Stale("fact", key=key, alert=True, edit=True)


async def pressed(uow: UnitOfWork, meeting_id: int, version: int, act: Act) -> Parties:
    """The meeting a partner's button acts on, if that act is still what the button offered:
    their own tandem's meeting, at the version the button was made for, the act allowed."""
    meeting = await own_meeting(uow, meeting_id)
    if meeting is None:
        raise Stale("meeting", alert=True)
    if act in (Act.MOVE, Act.CANCEL) and (fact := _no_longer_changeable(meeting, uow.now)):
        raise fact
    if meeting.version != version or not allowed(
        act, status=meeting.status, proposed_by=meeting.proposed_by, user_id=uow.user_id
    ):
        raise Stale("changed", key="meet.changed_alert", alert=True, edit=True)
    return await parties(uow, meeting)


async def plan_reminders(
    uow: UnitOfWork, meeting: Meeting, program: Program | None
) -> frozenset[int]:
    """The reminders of a confirmed (or moved) meeting, in this transaction; returns who will
    be reminded before it."""
    tandem = meeting.tandem
    planned = plan_meeting(
        meeting_id=meeting.id,
        version=meeting.version,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        user_ids=tuple(p.user_id for p in (tandem.mentor, tandem.mentee) if p.user_id is not None),
        policy=Policy.from_settings(program.settings if program else None),
        now=uow.now,
    )
    rows = await reminders.plan(
        uow.session, planned, now=uow.now, tandem_id=tandem.id, meeting_id=meeting.id
    )
    uow.schedule(rows)
    awake = {
        p.user_id for p in (tandem.mentor, tandem.mentee) if p.user and p.user.paused_at is None
    }
    return frozenset(p.user_id for p in planned if p.kind is Kind.MEETING_SOON) & awake


async def accept(uow: UnitOfWork, meeting_id: int, version: int) -> Parties:
    """The partner accepts a proposal: confirmed, the nudges start over, reminders planned."""
    found = await pressed(uow, meeting_id, version, Act.ACCEPT)
    meeting = found.meeting
    if meeting.starts_at <= uow.now:
        raise Stale("too late", key="meet.too_late", alert=True)
    if not await meetings.confirm(uow.session, meeting, uow.now):
        raise Stale("changed", key="meet.changed_alert", alert=True)
    await tandems.reset_nudges(uow.session, meeting.tandem_id)
    await _answered(uow, meeting)
    return replace(found, reminded=await plan_reminders(uow, meeting, found.program))


async def decline(uow: UnitOfWork, meeting_id: int, version: int) -> Parties:
    found = await pressed(uow, meeting_id, version, Act.DECLINE)
    if not await meetings.decline(uow.session, found.meeting, uow.now):
        raise Stale("changed", key="meet.changed_alert", alert=True)
    await _answered(uow, found.meeting)
    return found


async def _answered(uow: UnitOfWork, meeting: Meeting) -> None:
    """A proposal answered: its reminder to the partner and its expiry notice go."""
    await reminders.cancel(uow.session, meeting_id=meeting.id, now=uow.now, kinds=PROPOSAL_KINDS)


@dataclass(frozen=True)
class Cancelled:
    parties: Parties
    was_confirmed: bool  # then both calendars get the withdrawal


async def cancel(uow: UnitOfWork, meeting_id: int, version: int) -> Cancelled:
    """A partner cancels (after confirming the question): the reminders go, the partner is told.
    A meeting that became a fact in the meantime stays as it is."""
    found = await pressed(uow, meeting_id, version, Act.CANCEL)
    meeting = found.meeting
    was_confirmed = meeting.status == MeetingStatus.CONFIRMED
    if not await meetings.cancel(uow.session, meeting, uow.user_id, uow.now):
        raise _no_longer_changeable(meeting, uow.now) or Stale(
            "changed", key="meet.changed_alert", alert=True
        )
    await reminders.cancel(uow.session, meeting_id=meeting.id, now=uow.now)
    uow.audit("meeting_cancelled", meeting=meeting.id)
    return Cancelled(found, was_confirmed)


@dataclass(frozen=True)
class NotMoved:
    """The meeting changed while the move was being entered, or it has become a fact."""

    held: bool


async def move(
    uow: UnitOfWork, meeting_id: int, version: int | None, start: dt.datetime, end: dt.datetime
) -> Parties | NotMoved:
    """A confirmed meeting at a new time: a new version, its reminders planned anew."""
    meeting = await meetings.get(uow.session, meeting_id)
    if meeting is None or meeting.version != version:
        return NotMoved(held=False)
    if not await meetings.move(uow.session, meeting, starts_at=start, ends_at=end, now=uow.now):
        return NotMoved(held=is_fact(meeting.starts_at, meeting.outcome, uow.now))
    found = await parties(uow, meeting)
    await reminders.cancel(uow.session, meeting_id=meeting.id, now=uow.now)
    await plan_reminders(uow, meeting, found.program)
    uow.audit("meeting_moved", meeting=meeting.id)
    return found


@dataclass(frozen=True)
class Where:
    online: bool
    place: str | None
    link: str | None


async def propose(
    uow: UnitOfWork,
    tandem: Tandem,
    start: dt.datetime,
    end: dt.datetime,
    where: Where,
    replaces: int | None,
) -> Parties:
    """A new proposal (or a counter-proposal replacing `replaces`) for the partner to answer.
    It replaces the tandem's open proposals, whose reminders go; its own are planned: the
    partner is reminded if it stays unanswered, the proposer told when its time passes."""
    await reminders.cancel(uow.session, tandem_id=tandem.id, now=uow.now, kinds=PROPOSAL_KINDS)
    meeting = await meetings.propose(
        uow.session,
        tandem_id=tandem.id,
        starts_at=start,
        ends_at=end,
        online=where.online,
        place=where.place,
        link=where.link,
        proposed_by=uow.user_id,
        now=uow.now,
        replaces=replaces,
    )
    await uow.session.refresh(meeting, ["tandem"])
    found = await parties(uow, meeting)
    planned = plan_proposal(
        meeting_id=meeting.id,
        version=meeting.version,
        starts_at=meeting.starts_at,
        proposer_id=uow.user_id,
        partner_id=found.partner.user_id,
        now=uow.now,
    )
    rows = await reminders.plan(
        uow.session, planned, now=uow.now, tandem_id=tandem.id, meeting_id=meeting.id
    )
    uow.schedule(rows)
    return found
