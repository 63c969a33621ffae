"""Proposing a meeting (/meet), another time for one, or a move: a dialog that asks when, how
long and where, kept in the database like every dialog, so a restart carries on.

Each answer (typed or a button) fills the dialog's state and the dialog moves to the next piece
still missing; another time for a meeting keeps its duration and place and asks only the time.
Nothing reaches the partner until the summary's button is pressed (`send`), and the time is
checked once more then: a dialog can sit until its time has passed. At the summary each piece
can be changed on its own (`change`: the dialog goes back to that step, and since everything
else is filled, the answer leads straight back to the summary), and typed text there is read
as a change: a day or time moves the start, a link makes it an online meeting with that link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.meetings import DURATION_CHOICES, MAX_PLACE, Act, check_start, clean_link
from core.profile import clean_text
from core.when import NonexistentTime, local_to_utc, parse_duration, parse_time, parse_when
from services import conversation
from services import meetings as meeting_cases
from services.access import own_tandem, partners
from services.errors import Stale
from services.meetings import NotMoved, Parties, Where
from services.proposal_state import TYPED, MeetState, Mode, Problem, Step
from services.unit import UnitOfWork

if TYPE_CHECKING:
    from storage.models import Meeting, Participant, Program, Tandem

FLOW = "meet"
ONLINE_WORDS = frozenset({"online", "video", "digital", "teams", "zoom"})


@dataclass(frozen=True)
class Draft:
    """Where the dialog stands: what to ask next (None: only the problem is said), with the
    tandem it is about."""

    ask: Step | None
    state: MeetState
    tandem: Tandem
    program: Program
    partner: Participant
    problem: Problem | None = None


@dataclass(frozen=True)
class Proposed:
    parties: Parties
    counter: bool  # another time for the partner's proposal


@dataclass(frozen=True)
class Moved:
    parties: Parties


def zone_of(program: Program) -> ZoneInfo:
    return ZoneInfo(program.timezone)


def _next(state: MeetState) -> Step:
    if state.start is None:
        return Step.TIME if state.day else Step.WHEN
    if state.duration is None:
        return Step.DURATION
    if state.online is None:
        return Step.PLACE
    if state.online and not state.link_asked:
        return Step.LINK
    return Step.CONFIRM


async def _draft(
    uow: UnitOfWork, state: MeetState, tandem: Tandem, ask: Step | None, problem: Problem | None
) -> Draft:
    program = await meeting_cases.program_of(uow, tandem)
    partner = partners(tandem, uow.user_id)[1]
    return Draft(ask, state, tandem, program, partner, problem)


async def _advance(
    uow: UnitOfWork, state: MeetState, tandem: Tandem, problem: Problem | None = None
) -> Draft:
    """Store the state at the next missing piece, which is asked next."""
    step = _next(state)
    await conversation.save(uow, FLOW, step.value, state)
    return await _draft(uow, state, tandem, step, problem)


async def begin(
    uow: UnitOfWork, tandem: Tandem, mode: Mode, meeting: Meeting | None = None
) -> Draft:
    if meeting is None:
        state = MeetState(tandem=tandem.id, mode=mode)
    else:  # another time for the same meeting: only the time is asked again
        state = MeetState(
            tandem=tandem.id,
            mode=mode,
            meeting=meeting.id,
            version=meeting.version,
            duration=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
            online=meeting.online,
            place=meeting.place,
            link=meeting.link,
        )
    await conversation.save(uow, FLOW, Step.WHEN.value, state)
    return await _draft(uow, state, tandem, Step.WHEN, None)


async def start_new(uow: UnitOfWork, tandem_id: int) -> Draft:
    """A new proposal for the user's own tandem, from a button."""
    return await begin(uow, await meeting_cases.pressed_tandem(uow, tandem_id), "new")


async def reconsider(uow: UnitOfWork, meeting_id: int, version: int, act: Act) -> Draft:
    """Another time for a proposal (`Act.OTHER_TIME`), or a confirmed meeting moved."""
    found = await meeting_cases.pressed(uow, meeting_id, version, act)
    mode: Mode = "move" if act is Act.MOVE else "counter"
    return await begin(uow, found.meeting.tandem, mode, found.meeting)


def _set_start(
    state: MeetState, day: dt.date, time: dt.time, zone: ZoneInfo, now: dt.datetime
) -> Problem | None:
    try:
        start = local_to_utc(day, time, zone)
    except NonexistentTime:
        return Problem("meet.time.nonexistent")
    problem = check_start(start, now)
    if problem is not None:
        return Problem(f"meet.time.{problem.value}")
    state.day = day
    state.start = start
    return None


async def answer(uow: UnitOfWork, step: str, state: MeetState, text: str | None) -> Draft:
    """A typed answer to the current step. If the tandem is gone the dialog ends and the user
    is told they have no tandem (Stale)."""
    tandem = await own_tandem(uow, state.tandem)
    if tandem is None:
        await conversation.clear(uow)
        raise Stale("tandem", key="tandem.none")
    raw = clean_text(text or "")
    if step == Step.CONFIRM:
        return await _change_typed(uow, state, tandem, raw)
    if step not in TYPED:
        return await _draft(uow, state, tandem, Step.CONFIRM, None)
    problem: Problem | None = None
    if step in (Step.WHEN, Step.TIME):
        zone = zone_of(await meeting_cases.program_of(uow, tandem))
        today = uow.now.astimezone(zone).date()
        if step == Step.TIME and state.day and (time := parse_time(raw)) is not None:
            day = state.day
        else:
            when = parse_when(raw[:200], today) if raw else None
            if when is None:
                return await _draft(uow, state, tandem, None, Problem("meet.time.unreadable"))
            day, time = when.day, when.time or _kept_time(state, zone)
        if time is None:
            state.day, state.start = day, None
        else:
            problem = _set_start(state, day, time, zone, uow.now)
    elif step == Step.DURATION:
        minutes = parse_duration(raw)
        if minutes is None:
            problem = Problem("meet.duration_bad")
        else:
            state.duration = minutes
    elif step == Step.PLACE:
        if not raw or raw.startswith("/") or len(raw) > MAX_PLACE:
            problem = Problem("meet.place_bad", limit=MAX_PLACE, length=len(raw))
        elif raw.lower() in ONLINE_WORDS:
            state.online, state.place = True, None
        else:
            state.online, state.place = False, raw
    else:
        link = clean_link(raw)
        if link is None:
            problem = Problem("meet.link_bad")
        else:
            state.link = link
    if problem is not None:
        return await _draft(uow, state, tandem, None, problem)
    return await _advance(uow, state, tandem)


def _kept_time(state: MeetState, zone: ZoneInfo) -> dt.time | None:
    """The hour a start already has: a new day picked from the summary keeps it."""
    return state.start.astimezone(zone).time() if state.start is not None else None


async def _change_typed(uow: UnitOfWork, state: MeetState, tandem: Tandem, raw: str) -> Draft:
    """Text typed at the summary: a link (an online meeting with it), a time ("18:30", kept on
    the proposed day) or a day with or without a time ("Donnerstag 18 Uhr", "25.3.": the hour
    kept); anything else gets the hint of what can be typed. A change shows the summary again."""
    link = clean_link(raw)
    if link is not None:
        state.online, state.place, state.link = True, None, link
        return await _advance(uow, state, tandem)
    zone = zone_of(await meeting_cases.program_of(uow, tandem))
    today = uow.now.astimezone(zone).date()
    day = state.day or (state.start.astimezone(zone).date() if state.start else None)
    time = parse_time(raw) if day is not None else None
    if time is None:
        when = parse_when(raw[:200], today) if raw else None
        if when is None or (when.time is None and state.start is None):
            return await _draft(uow, state, tandem, None, Problem("meet.summary_hint"))
        day, time = when.day, when.time or _kept_time(state, zone)
    assert day is not None and time is not None
    problem = _set_start(state, day, time, zone, uow.now)
    if problem is not None:
        return await _draft(uow, state, tandem, None, problem)
    return await _advance(uow, state, tandem)


# --- buttons in the dialog ------------------------------------------------------------------------


async def _pressed(uow: UnitOfWork, *steps: Step) -> tuple[MeetState, Tandem]:
    """The dialog a button of it was pressed in, at one of `steps`; otherwise a stale press.
    A dialog whose tandem is gone ends."""
    loaded = await conversation.load(uow, FLOW, MeetState)
    if loaded is None:
        raise Stale("no meet dialog")
    step, state = loaded
    tandem = await own_tandem(uow, state.tandem)
    if tandem is None:
        await conversation.clear(uow)
        raise Stale("tandem", alert=True)
    if step not in steps:
        raise Stale(f"step {step}")
    return state, tandem


async def stop(uow: UnitOfWork) -> None:
    if await conversation.load(uow, FLOW, MeetState) is None:
        raise Stale("no meet dialog")
    await conversation.clear(uow)


async def pick_day(uow: UnitOfWork, day: dt.date) -> Draft:
    """A day can be picked again while the hour is asked. A day changed from the summary keeps
    the proposed hour."""
    state, tandem = await _pressed(uow, Step.WHEN, Step.TIME)
    if state.start is not None:
        zone = zone_of(await meeting_cases.program_of(uow, tandem))
        kept = _kept_time(state, zone)
        assert kept is not None
        problem = _set_start(state, day, kept, zone, uow.now)
        if problem is not None:
            return await _draft(uow, state, tandem, None, problem)
        return await _advance(uow, state, tandem)
    state.day, state.start = day, None
    return await _advance(uow, state, tandem)


CHANGEABLE = frozenset({Step.WHEN, Step.TIME, Step.DURATION, Step.PLACE, Step.LINK})


async def change(uow: UnitOfWork, part: str) -> Draft:
    """A button of the summary: that piece is asked again (the day as `Step.WHEN`, keeping the
    hour); everything else stays, so its answer leads back to the summary. The link is a piece
    of an online meeting only."""
    state, tandem = await _pressed(uow, Step.CONFIRM)
    try:
        step = Step(part)
    except ValueError:
        raise Stale(f"part {part[:16]}") from None
    if step not in CHANGEABLE or (step is Step.LINK and not state.online):
        raise Stale(f"part {part}")
    if step is Step.TIME and state.day is None and state.start is not None:
        state.day = state.start.astimezone(
            zone_of(await meeting_cases.program_of(uow, tandem))
        ).date()
    await conversation.save(uow, FLOW, step.value, state)
    return await _draft(uow, state, tandem, step, None)


async def pick_hour(uow: UnitOfWork, time: dt.time) -> Draft:
    state, tandem = await _pressed(uow, Step.TIME)
    if state.day is None:
        raise Stale("no day")
    zone = zone_of(await meeting_cases.program_of(uow, tandem))
    problem = _set_start(state, state.day, time, zone, uow.now)
    if problem is not None:
        return await _draft(uow, state, tandem, None, problem)
    return await _advance(uow, state, tandem)


async def pick_duration(uow: UnitOfWork, minutes: int) -> Draft:
    state, tandem = await _pressed(uow, Step.DURATION)
    if minutes not in DURATION_CHOICES:
        raise Stale("duration")
    state.duration = minutes
    return await _advance(uow, state, tandem)


async def pick_online(uow: UnitOfWork) -> Draft:
    state, tandem = await _pressed(uow, Step.PLACE)
    state.online, state.place = True, None
    return await _advance(uow, state, tandem)


async def skip_link(uow: UnitOfWork) -> Draft:
    state, tandem = await _pressed(uow, Step.LINK)
    state.link = None
    return await _advance(uow, state, tandem)


async def send(uow: UnitOfWork) -> Draft | Proposed | Moved | NotMoved:
    """The summary's button: the proposal goes to the partner (or the move is made). A time
    that passed while the dialog sat is asked again (a Draft with the problem)."""
    state, tandem = await _pressed(uow, Step.CONFIRM)
    if state.start is None or state.duration is None:
        raise Stale("incomplete")
    start = state.start
    problem = check_start(start, uow.now)
    if problem is not None:
        state.start = None
        return await _advance(uow, state, tandem, Problem(f"meet.time.{problem.value}"))
    end = start + dt.timedelta(minutes=state.duration)
    await conversation.clear(uow)
    if state.mode == "move":
        if state.meeting is None:
            return NotMoved(held=False)
        moved = await meeting_cases.move(uow, state.meeting, state.version, start, end)
        return moved if isinstance(moved, NotMoved) else Moved(moved)
    # A link entered for an online meeting that became one in a place later does not go along.
    where = Where(bool(state.online), state.place, state.link if state.online else None)
    proposed = await meeting_cases.propose(uow, tandem, start, end, where, state.meeting)
    return Proposed(proposed, counter=state.mode == "counter")
