"""Certificates of participation at the end of a program.

Who qualifies is the program's minimum of held meetings (default 6, 1-50, changeable by its
coordinators). Issuing writes one row per participant (idempotent: a double press or two
coordinators issue once) and is allowed after the program's last day, before it only once the
coordinator has answered the question that names the end date. The PDFs are rendered and sent
after the commit; each row records its delivery, so a certificate that did not arrive can be
delivered again without ever issuing a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.certificates import eligible, ended, min_meetings, parse_min_meetings
from services import conversation
from services.access import coordinated, pressed_program, require_coordinator, visible_programs
from services.conversation import State
from services.unit import UnitOfWork
from storage import certificates as store
from storage import programs, users

if TYPE_CHECKING:
    from storage.models import Certificate, Participant, Program, User

FLOW = "certificates"


@dataclass(frozen=True)
class Overview:
    minimum: int
    due: list[tuple[Participant, int]]  # qualified, no certificate yet
    issued: list[tuple[Participant, Certificate]]
    short: list[tuple[Participant, int]]  # not (yet) qualified

    @property
    def undelivered(self) -> list[Participant]:
        return [p for p, c in self.issued if c.delivered_at is None]


@dataclass(frozen=True)
class Screen:
    """A program's certificates as its coordinators see them."""

    program: Program
    view: Overview
    ended: bool  # after the program's last day: issuing needs no question about the end


async def _screen(uow: UnitOfWork, program: Program) -> Screen:
    minimum = min_meetings(program.settings)
    held = await store.meetings_held(uow.session, program.id, uow.now)
    given = await store.issued(uow.session, program.id)
    view = Overview(minimum, [], [], [])
    for person in await store.candidates(uow.session, program.id):
        if person.id in given:
            view.issued.append((person, given[person.id]))
        elif eligible(held[person.id], minimum):
            view.due.append((person, held[person.id]))
        else:
            view.short.append((person, held[person.id]))
    today = uow.now.astimezone(ZoneInfo(program.timezone)).date()
    return Screen(program, view, ended(program.ends_on, today))


async def opening(uow: UnitOfWork) -> list[Program] | Screen:
    """What /certificates opens on: the programs to choose from, or the only one's screen."""
    require_coordinator(uow, "certificates")
    items = await visible_programs(uow)
    return await _screen(uow, items[0]) if len(items) == 1 else items


async def choosable(uow: UnitOfWork) -> list[Program]:
    """The programs to choose from, when a coordinator goes back from one program's screen."""
    require_coordinator(uow, "certificates")
    return await visible_programs(uow)


async def screen(uow: UnitOfWork, program_id: int) -> Screen:
    return await _screen(uow, await pressed_program(uow, program_id))


class Issue(StrEnum):
    ISSUED = "issued"
    NOTHING = "nothing"  # nobody due: a double press, or another coordinator was quicker
    ASK = "ask"  # before the end without the question answered: ask it


@dataclass(frozen=True)
class Issued:
    outcome: Issue
    screen: Screen  # as it was before issuing (ISSUED, ASK) or is now (NOTHING)
    new: list[int] = field(default_factory=list)  # participant ids: the certificates to send


async def issue(uow: UnitOfWork, program_id: int, *, early_confirmed: bool) -> Issued:
    """Issue a certificate to everyone due. Before the program's end only with
    `early_confirmed`, the answer to the question naming the end date: an old screen's or a
    forged plain "yes" gets that question instead."""
    before = await screen(uow, program_id)
    program = before.program
    if not before.ended and not early_confirmed and before.view.due:
        return Issued(Issue.ASK, before)
    new: list[int] = []
    for person, held in before.view.due:
        if await store.issue(
            uow.session,
            program_id=program.id,
            participant_id=person.id,
            meetings=held,
            issued_by=uow.user_id,
            now=uow.now,
        ):
            new.append(person.id)
    if not new:
        return Issued(Issue.NOTHING, await _screen(uow, program))
    uow.audit("certificates_issued", program=program.id, count=len(new))
    return Issued(Issue.ISSUED, before, new)


# --- the minimum -------------------------------------------------------------------------------


class MinimumState(State):
    program_id: int


async def ask_minimum(uow: UnitOfWork, program_id: int) -> Screen:
    shown = await screen(uow, program_id)
    await conversation.save(uow, FLOW, "minimum", MinimumState(program_id=shown.program.id))
    return shown


@dataclass(frozen=True)
class MinimumSet:
    value: int | None  # None: not a whole number from 1 to 50; asked again
    screen: Screen | None = None  # with the new minimum


async def set_minimum(uow: UnitOfWork, state: MinimumState, raw: str) -> MinimumSet | None:
    """The typed minimum; None (and the dialog ended) once the program is gone or no longer
    this coordinator's."""
    program = await coordinated(uow, state.program_id)
    if program is None:
        await conversation.clear(uow)
        return None
    value = parse_min_meetings(raw)
    if value is None:
        return MinimumSet(None)
    locked = await programs.get_for_update(uow.session, program.id)
    assert locked is not None
    await programs.update_settings(
        uow.session, program.id, {**locked.settings, "min_meetings": value}
    )
    await conversation.clear(uow)
    uow.audit("min_meetings_set", program=program.id, value=value)
    return MinimumSet(value, await _screen(uow, locked))


# --- delivery, after the commit that issued -----------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What the certificates to send are made of, read once before the (slow) rendering."""

    program: Program
    people: dict[int, Participant]
    given: dict[int, Certificate]
    partners: dict[int, list[str]]  # participant id -> partners' names in tandems that met
    coordinator: User | None  # who asked, for the report

    def items(self, participant_ids: list[int]) -> list[ToSend]:
        """The issued certificates of these participants, skipping anyone who left since."""
        found = []
        for participant_id in participant_ids:
            person, certificate = self.people.get(participant_id), self.given.get(participant_id)
            if person is not None and certificate is not None and person.user_id is not None:
                partners = self.partners.get(person.id, [])
                found.append(ToSend(person, certificate, person.user_id, partners))
        return found


@dataclass(frozen=True)
class ToSend:
    person: Participant
    certificate: Certificate
    user_id: int
    partners: list[str]


async def delivery(uow: UnitOfWork, program_id: int) -> Delivery | None:
    """The data for sending a program's certificates. No permission check: it runs only after
    the coordinator's own issue (or redelivery) was checked and committed."""
    program = await programs.get(uow.session, program_id)
    if program is None:
        return None
    return Delivery(
        program,
        {p.id: p for p in await store.candidates(uow.session, program_id)},
        await store.issued(uow.session, program_id),
        await store.partners(uow.session, program_id, uow.now),
        await users.get(uow.session, uow.user_id),
    )


async def delivered(uow: UnitOfWork, certificate_id: int) -> None:
    await store.mark_delivered(uow.session, certificate_id, uow.now)
