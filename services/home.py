"""A partner's home: the state of each of their tandems at a glance, shown by /tandem and by
/start once they are matched.

What it holds: the partner, the next agreed meeting, the proposals waiting for an answer, the
meetings held against the program's minimum for the certificate (counted by the certificates'
own rule, `storage.certificates.meetings_held`), the agreement, and the program's next events
with the partner's own answer. Only the acting user's tandems (`access.partners` on their own,
`access.own_tandem` for a pressed id), never another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.certificates import min_meetings
from core.meetings import MeetingStatus
from services import tandems
from services.access import partners
from services.tandems import Side
from services.unit import UnitOfWork
from storage import certificates, events, meetings, programs

if TYPE_CHECKING:
    from storage.models import Meeting, Participant, Program, ProgramEvent, Tandem

EVENTS_SHOWN = 3


@dataclass(frozen=True)
class Proposal:
    """A meeting proposed and not answered yet; `mine`: I proposed it, the partner answers."""

    meeting: Meeting
    mine: bool


@dataclass(frozen=True)
class Invitation:
    """An upcoming program event with my answer (None: not answered)."""

    event: ProgramEvent
    answer: str | None


@dataclass(frozen=True)
class Home:
    tandem: Tandem
    me: Participant
    partner: Participant
    program: Program | None
    next_meeting: Meeting | None  # the next confirmed meeting not over yet
    proposals: tuple[Proposal, ...]
    held: int  # meetings held, as the certificate counts them (all my tandems of the program)
    minimum: int  # the program's minimum for the certificate
    i_agreed: bool
    partner_agreed: bool
    events: tuple[Invitation, ...]

    @property
    def theirs(self) -> tuple[Proposal, ...]:
        """Proposals by the partner, waiting for my answer."""
        return tuple(p for p in self.proposals if not p.mine)

    @property
    def ours(self) -> tuple[Proposal, ...]:
        """My proposals, waiting for the partner's answer."""
        return tuple(p for p in self.proposals if p.mine)


@dataclass(frozen=True)
class Homes:
    """The acting user's homes, one per introduced tandem; or, before any introduction, the
    tandem whose introduction is planned (with its program, for the time zone)."""

    homes: tuple[Home, ...]
    waiting: Tandem | None = None
    program: Program | None = None


async def _home(uow: UnitOfWork, side: Side) -> Home:
    tandem, me = side.tandem, side.me
    program = await programs.get(uow.session, tandem.program_id)
    upcoming = await meetings.upcoming(uow.session, tandem.id, uow.now)
    confirmed = [m for m in upcoming if m.status == MeetingStatus.CONFIRMED]
    proposals = tuple(
        Proposal(m, m.proposed_by == uow.user_id)
        for m in upcoming
        if m.status == MeetingStatus.PROPOSED
    )
    held = await certificates.meetings_held(uow.session, tandem.program_id, uow.now)
    planned = await events.upcoming(uow.session, tandem.program_id, uow.now, limit=EVENTS_SHOWN)
    invitations = tuple(
        [Invitation(e, await events.answer_of(uow.session, e.id, me.id)) for e in planned]
    )
    mine_mentor = me.id == tandem.mentor_id
    mentor_agreed, mentee_agreed = tandem.mentor_agreed_at, tandem.mentee_agreed_at
    return Home(
        tandem=tandem,
        me=me,
        partner=side.partner,
        program=program,
        next_meeting=confirmed[0] if confirmed else None,
        proposals=proposals,
        held=held[me.id],
        minimum=min_meetings(program.settings if program else None),
        i_agreed=(mentor_agreed if mine_mentor else mentee_agreed) is not None,
        partner_agreed=(mentee_agreed if mine_mentor else mentor_agreed) is not None,
        events=invitations,
    )


async def mine(uow: UnitOfWork) -> Homes:
    """The home of each of the acting user's introduced, active tandems."""
    found = await tandems.mine(uow)
    if not found.shown:
        return Homes((), found.waiting, found.program)
    return Homes(tuple([await _home(uow, side) for side in found.shown]))


async def introduction(uow: UnitOfWork, tandem_id: int) -> Side:
    """The introduction again, from the home's button: only of the user's own tandem."""
    tandem = await tandems.pressed_own(uow, tandem_id)
    return Side(tandem, *partners(tandem, uow.user_id))
