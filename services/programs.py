"""Programs as coordinators run them: created step by step, listed, opened and closed, and
their participants reviewed (approved, rejected, paused, given a capacity or the role).

Creating a program is for coordinators of all programs only; everything else reaches a program
through `access.coordinated`, so a coordinator of one program never sees or changes another.
Two coordinators deciding on the same registration at once decide once (the status change is
conditional on the status both of them saw).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from core.programs import (
    MAX_PROGRAM_NAME,
    TRANSITIONS,
    ParticipantStatus,
    ProgramStatus,
    can_transition,
    default_end,
)
from core.reminders import Policy, plan_event, plan_survey
from core.surveys import SurveyStatus
from services import conversation, coordinators
from services.access import (
    coordinated,
    pressed_program,
    require_all_programs,
    require_coordinator,
    visible_programs,
)
from services.conversation import State
from services.coordinators import RoleChange
from services.errors import Refused, Stale
from services.unit import UnitOfWork
from storage import events, participants, programs, reminders, surveys, users

if TYPE_CHECKING:
    from storage.models import Participant, Program, User

FLOW = "newprogram"
DURATIONS = (12, 9, 6)  # months offered for the end date
MAX_CAPACITY = 3  # mentees per mentor; the button cycles 1 → 2 → 3 → 1
PAGE_SIZE = 10


# --- creating a program ------------------------------------------------------------------------


class NewProgram(State):
    """The /newprogram dialog: steps "name", "start", "end"; the keys are those stored before the
    state was typed (`starts_on` as an ISO date)."""

    name: str = ""
    starts_on: dt.date | None = None


async def _may_create(uow: UnitOfWork) -> None:
    """Checked at every step: a coordinator of all programs may have become one of some
    programs only, mid-dialog; the dialog then ends."""
    try:
        require_all_programs(uow, "newprogram")
    except Refused:
        await conversation.clear(uow)
        raise


async def begin(uow: UnitOfWork) -> None:
    require_all_programs(uow, "newprogram")
    await conversation.save(uow, FLOW, "name", NewProgram())


async def name(uow: UnitOfWork, state: NewProgram, name: str) -> bool:
    """The name (whitespace already collapsed); False when it is empty, a command or too long."""
    await _may_create(uow)
    if not name or name.startswith("/") or len(name) > MAX_PROGRAM_NAME:
        return False
    state.name = name
    await conversation.save(uow, FLOW, "start", state)
    return True


async def start(uow: UnitOfWork, state: NewProgram, day: dt.date | None) -> bool:
    """The start date typed (None: it did not read as a date, and False is returned)."""
    await _may_create(uow)
    if day is None:
        return False
    state.starts_on = day
    await conversation.save(uow, FLOW, "end", state)
    return True


@dataclass(frozen=True)
class ProgramCard:
    """A program with its participants counted by status."""

    program: Program
    counts: dict[str, int]

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


async def end(
    uow: UnitOfWork, state: NewProgram, day: dt.date | None, timezone: str
) -> ProgramCard | None:
    """The end date typed: the program is created (in the bot's time zone); None when it did not
    read as a date or is not after the start."""
    await _may_create(uow)
    if state.starts_on is None:
        raise Stale("newprogram: no start")
    if day is None or day <= state.starts_on:
        return None
    return await _create(uow, state, day, timezone)


async def _create(uow: UnitOfWork, state: NewProgram, day: dt.date, timezone: str) -> ProgramCard:
    assert state.starts_on is not None
    program = await programs.create(
        uow.session,
        name=state.name,
        starts_on=state.starts_on,
        ends_on=day,
        timezone=timezone,
        created_by=uow.user_id,
        now=uow.now,
    )
    await conversation.clear(uow)
    uow.audit("program_created", program=program.id)
    return await _card(uow, program)


async def _pressed(uow: UnitOfWork, step: str) -> NewProgram:
    """The dialog a date button belongs to; an old keyboard of a finished dialog is stale."""
    require_all_programs(uow, "newprogram")
    loaded = await conversation.load(uow, FLOW, NewProgram)
    if loaded is None:
        raise Stale("newprogram: no dialog", edit=True)
    if loaded[0] != step:
        raise Stale(f"newprogram: not at {step}")
    return loaded[1]


async def pick_start(uow: UnitOfWork, day: str) -> dt.date:
    """The start date pressed (today's button, as an ISO date)."""
    state = await _pressed(uow, "start")
    try:
        picked = dt.date.fromisoformat(day)
    except ValueError:
        raise Stale("newprogram: start") from None
    await start(uow, state, picked)
    return picked


async def pick_duration(uow: UnitOfWork, months: int, timezone: str) -> ProgramCard:
    """One of the offered durations pressed: the program ends that many months after its start."""
    state = await _pressed(uow, "end")
    if months not in DURATIONS or state.starts_on is None:
        raise Stale("newprogram: duration")
    return await _create(uow, state, default_end(state.starts_on, months), timezone)


# --- programs and their participants ------------------------------------------------------------


async def _card(uow: UnitOfWork, program: Program) -> ProgramCard:
    return ProgramCard(program, await programs.participant_counts(uow.session, program.id))


async def overview(uow: UnitOfWork) -> list[ProgramCard]:
    """/programs: the programs this coordinator coordinates."""
    require_coordinator(uow, "programs")
    return [await _card(uow, program) for program in await visible_programs(uow)]


async def coordinated_names(uow: UnitOfWork) -> list[str]:
    """A coordinator's /start: the programs they run. None yet means a new coordinator, who is
    welcomed and shown the first step instead of being greeted as if they had been here before."""
    require_coordinator(uow, "programs")
    return [program.name for program in await visible_programs(uow)]


async def card(uow: UnitOfWork, program_id: int) -> ProgramCard:
    require_coordinator(uow, "programs")
    return await _card(uow, await pressed_program(uow, program_id))


async def set_status(uow: UnitOfWork, program_id: int, status: ProgramStatus) -> ProgramCard:
    """Open or close registration (archiving is not done from here)."""
    require_coordinator(uow, "programs")
    program = await pressed_program(uow, program_id)
    if status not in (ProgramStatus.OPEN, ProgramStatus.CLOSED):
        raise Stale(f"program status {status}")
    program.status = status
    uow.audit("program_status", program=program.id, status=status.value)
    return await _card(uow, program)


@dataclass(frozen=True)
class ParticipantPage:
    program: Program
    status: ParticipantStatus
    people: list[Participant]  # this page's
    total: int
    page: int  # from 0, within the pages there are
    pages: int


async def participant_page(
    uow: UnitOfWork, program_id: int, status: ParticipantStatus, page: int
) -> ParticipantPage:
    require_coordinator(uow, "programs")
    program = await pressed_program(uow, program_id)
    people = await participants.list_in_program(uow.session, program.id, status)
    pages = max(1, (len(people) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    shown = people[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    return ParticipantPage(program, status, shown, len(people), page, pages)


# --- a participant's card and the decisions on it ---------------------------------------------


@dataclass(frozen=True)
class ParticipantCard:
    participant: Participant
    program: Program
    contact: User | None  # their user row: username, language, whether they can be reached
    is_coordinator: bool

    @property
    def transitions(self) -> list[ParticipantStatus]:
        """The statuses a coordinator may move the participant to, in a stable order."""
        return sorted(TRANSITIONS[ParticipantStatus(self.participant.status)])


async def _reach(uow: UnitOfWork, participant_id: int) -> tuple[Participant, Program]:
    """The participant a coordinator's button names, in a program they coordinate."""
    require_coordinator(uow, f"participant:{participant_id}")
    participant = await participants.get(uow.session, participant_id)
    program = await coordinated(uow, participant.program_id) if participant else None
    if participant is None or program is None:
        raise Stale("participant", alert=True)
    if participant.user_id is None:  # erased their data: nothing to decide or show
        raise Stale("participant erased", key="pp.erased", alert=True)
    return participant, program


async def _participant_card(
    uow: UnitOfWork, participant: Participant, program: Program
) -> ParticipantCard:
    assert participant.user_id is not None
    contact = await users.get(uow.session, participant.user_id)
    coordinator = await coordinators.is_coordinator(uow, participant.user_id)
    return ParticipantCard(participant, program, contact, coordinator)


async def participant_card(uow: UnitOfWork, participant_id: int) -> ParticipantCard:
    participant, program = await _reach(uow, participant_id)
    return await _participant_card(uow, participant, program)


class Verdict(StrEnum):
    DONE = "done"
    ALREADY = "already"  # the participant had that status already
    CANNOT = "cannot"  # not allowed from their status: another coordinator decided first


@dataclass(frozen=True)
class Decision:
    """A status change, or why there was none (the card shows the status as it is now). `tell`
    is the participant when they are to be told (they can be reached)."""

    verdict: Verdict
    card: ParticipantCard
    tell: User | None = None


async def decide(
    uow: UnitOfWork, participant_id: int, target: ParticipantStatus, *, with_reason: bool = False
) -> Decision:
    """Approve, reject, pause, ... a participant. Someone approved is invited to the program's
    upcoming events and surveys like everyone else."""
    participant, program = await _reach(uow, participant_id)
    return await apply(uow, participant, program, target, with_reason=with_reason)


async def apply(
    uow: UnitOfWork,
    participant: Participant,
    program: Program,
    target: ParticipantStatus,
    *,
    with_reason: bool = False,
) -> Decision:
    """The decision on a participant the caller has reached (role and program checked): the same
    rules for one press and for "approve all" (services/registrations.py). `with_reason` marks
    the audit row of a rejection that told a reason; the reason itself is not stored."""
    assert participant.user_id is not None
    seen = participant.status
    if target == seen:
        verdict = Verdict.ALREADY
    elif not can_transition(seen, target) or not await participants.set_status(
        uow.session, participant, target, expected=seen, decided_by=uow.user_id, now=uow.now
    ):
        verdict = Verdict.CANNOT
    else:
        verdict = Verdict.DONE
    card = await _participant_card(uow, participant, program)
    if verdict != Verdict.DONE:
        return Decision(verdict, card)
    detail = {"with_reason": True} if with_reason else {}
    uow.audit("participant_status", participant=participant.id, status=target.value, **detail)
    if target == ParticipantStatus.ACTIVE:
        await _invite_to_upcoming(uow, program, participant.user_id)
    contact = card.contact
    tell = contact if contact is not None and contact.reachable else None
    return Decision(verdict, card, tell)


async def _invite_to_upcoming(uow: UnitOfWork, program: Program, user_id: int) -> None:
    """Someone approved after an event was announced gets its invitation and reminders too
    (planning is keyed per user, so re-approval plans nothing twice); likewise a survey that is
    out or about to go out."""
    policy = Policy.from_settings(program.settings)
    for event in await events.upcoming(uow.session, program.id, uow.now):
        planned = plan_event(
            event_id=event.id,
            starts_at=event.starts_at,
            user_ids=[user_id],
            policy=policy,
            now=uow.now,
        )
        uow.schedule(await reminders.plan(uow.session, planned, now=uow.now, event_id=event.id))
    for survey in await surveys.for_program(uow.session, program.id):
        if survey.status != SurveyStatus.SCHEDULED.value or survey.send_at is None:
            continue
        planned = plan_survey(
            survey_id=survey.id, send_at=max(survey.send_at, uow.now), user_ids=[user_id]
        )
        uow.schedule(await reminders.plan(uow.session, planned, now=uow.now, survey_id=survey.id))


async def cycle_capacity(uow: UnitOfWork, participant_id: int) -> ParticipantCard:
    """How many mentees a mentor takes: 1 → 2 → 3 → 1."""
    participant, program = await _reach(uow, participant_id)
    if participant.role != "mentor":
        raise Stale("capacity of a mentee")
    participant.capacity = participant.capacity % MAX_CAPACITY + 1
    uow.audit("capacity", participant=participant.id, capacity=participant.capacity)
    return await _participant_card(uow, participant, program)


@dataclass(frozen=True)
class Granted:
    change: RoleChange
    card: ParticipantCard


async def grant_program_role(uow: UnitOfWork, participant_id: int) -> Granted:
    """From a participant's card: the role for this program only (any coordinator of it)."""
    participant, program = await _reach(uow, participant_id)
    assert participant.user_id is not None
    change = await coordinators.grant(uow, participant.user_id, participant.name, program)
    return Granted(change, await _participant_card(uow, participant, program))
