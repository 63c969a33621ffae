"""Who may reach what: the checks every use case starts with.

A coordinator may hold the role for some programs only; every coordinator use case reaches a
program through `coordinated` (or `pressed_program`), so an id of another program finds
nothing, exactly like a forged one, and is audited. A participant reaches a tandem or a meeting
only through `own_tandem` / `own_meeting`, never another's, and answers an event's or a survey's
invitation only through `invited`, never one of a program they are not active in.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, TypeVar

from core.tandems import TandemStatus
from services.errors import Refused, Stale
from services.unit import UnitOfWork
from storage import meetings, participants, programs, tandems, users

if TYPE_CHECKING:
    from storage.models import Meeting, Participant, Program, Tandem, User

log = logging.getLogger(__name__)


class _Invitation(Protocol):
    """What a participant is invited to answer (a program event, a survey)."""

    @property
    def id(self) -> int: ...

    @property
    def program_id(self) -> int: ...


InvitationT = TypeVar("InvitationT", bound=_Invitation)


async def coordinator_ids(uow: UnitOfWork, program_id: int) -> set[int]:
    """Who hears about a program: its coordinators, those of all programs, and the ones named
    in the settings; a coordinator never reads about another program."""
    return set(uow.configured) | await users.coordinator_ids(uow.session, program_id)


async def coordinators(uow: UnitOfWork, program_id: int) -> list[tuple[int, User | None]]:
    """The same people in a stable order, with their user rows (for each one's language; None
    for someone on the settings' list who never wrote to the bot)."""
    ids = await coordinator_ids(uow, program_id)
    return [(user_id, await users.get(uow.session, user_id)) for user_id in sorted(ids)]


def require_coordinator(uow: UnitOfWork, what: str) -> None:
    if not uow.actor.is_coordinator:
        log.warning("user %s tried coordinator action %r", uow.user_id, what)
        raise Refused(what)


def require_all_programs(uow: UnitOfWork, what: str) -> None:
    """Creating programs, granting roles, purging, the company directory, announcing to all
    programs: only for a coordinator of all programs."""
    require_coordinator(uow, what)
    if not uow.actor.all_programs:
        raise Refused(what, all_programs=True)


async def visible_programs(uow: UnitOfWork, *, include_archived: bool = False) -> list[Program]:
    items = await programs.list_all(uow.session, include_archived=include_archived)
    return [p for p in items if uow.actor.coordinates(p.id)]


async def coordinated(uow: UnitOfWork, program_id: int | None) -> Program | None:
    """The program, if this coordinator coordinates it; None (audited when it exists)."""
    program = await programs.get(uow.session, program_id) if program_id is not None else None
    if program is None:
        return None
    if not uow.actor.coordinates(program.id):
        log.warning("coordinator %s reached for program %s", uow.user_id, program.id)
        uow.audit("refused", what=f"program:{program.id}")
        return None
    return program


async def pressed_program(uow: UnitOfWork, program_id: int) -> Program:
    """The program a coordinator's button names, if they coordinate it; else the press is stale."""
    program = await coordinated(uow, program_id)
    if program is None:
        raise Stale("program", alert=True)
    return program


async def own_tandem(uow: UnitOfWork, tandem_id: int | None) -> Tandem | None:
    """The tandem if the acting user belongs to it and it is active and introduced."""
    tandem = await tandems.get_tandem(uow.session, tandem_id) if tandem_id is not None else None
    if tandem is None or tandem.status != TandemStatus.ACTIVE or tandem.introduced_at is None:
        return None
    if uow.user_id not in (tandem.mentor.user_id, tandem.mentee.user_id):
        uow.audit("refused", what="tandem")
        return None
    return tandem


async def own_meeting(uow: UnitOfWork, meeting_id: int | None) -> Meeting | None:
    meeting = await meetings.get(uow.session, meeting_id) if meeting_id is not None else None
    if meeting is None or await own_tandem(uow, meeting.tandem_id) is None:
        return None
    return meeting


async def invited(
    uow: UnitOfWork,
    invitation: InvitationT | None,
    *,
    what: str,
    tag: str,
) -> tuple[InvitationT, Participant | None]:
    """The invitation a press answers, freshly read, and the acting user's active registration
    in its program: only they may answer. Gone: the press is stale. None for an outsider, whose
    (forged) press is audited as `tag:id`."""
    if invitation is None:
        raise Stale(what, alert=True)
    participant = await participants.active_in(uow.session, invitation.program_id, uow.user_id)
    if participant is None:
        uow.audit("refused", what=f"{tag}:{invitation.id}")
    return invitation, participant


def partners(tandem: Tandem, user_id: int | None) -> tuple[Participant, Participant]:
    """(me, partner) for a member of the tandem."""
    if tandem.mentor.user_id == user_id:
        return tandem.mentor, tandem.mentee
    return tandem.mentee, tandem.mentor
