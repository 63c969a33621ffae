"""Recording a meeting held outside the bot (/feedback, "it took place without the bot").

The day (and maybe the time) is a dialog; nothing is stored until the summary's button is
pressed. A recorded meeting lies within the tandem's lifetime, not in the future, one per
tandem and day, and counts only once the partner confirms it (services/feedback.py `verify`):
the partner is asked at once.

"We have already met" (on a nudge and the home) records one of the last few days with a single
press, by the same rules; "another day" is the typed dialog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.meetings import (
    DEFAULT_DURATION,
    Outcome,
    RecordProblem,
    check_logged,
    check_recorded_day,
    parse_logged,
)
from core.profile import clean_text
from core.when import NonexistentTime, local_to_utc
from services import conversation
from services import meetings as meeting_cases
from services.access import own_tandem, partners
from services.conversation import State
from services.errors import Stale
from services.meetings import Parties
from services.proposal import zone_of
from services.proposal_state import Problem
from services.unit import UnitOfWork
from storage import meeting_feedback, meetings

if TYPE_CHECKING:
    from storage.models import Participant, Program, Tandem

LOG_FLOW = "fblog"
LOGGED_DEFAULT_TIME = dt.time(12, 0)  # a reported meeting without a time
QUICK_DAYS = 3  # "already met" offers today, yesterday and the day before


class LogState(State):
    tandem: int
    start: dt.datetime | None = None  # set at the summary (step "confirm")
    timed: bool | None = None  # whether a time was given, or only the day


@dataclass(frozen=True)
class Recording:
    """The summary to confirm, or (`problem`) why the day cannot be recorded."""

    state: LogState
    tandem: Tandem
    program: Program
    partner: Participant
    problem: Problem | None = None


async def begin(uow: UnitOfWork, tandem_id: int) -> None:
    tandem = await meeting_cases.pressed_tandem(uow, tandem_id)
    await conversation.save(uow, LOG_FLOW, "when", LogState(tandem=tandem.id))


async def _recordable(
    uow: UnitOfWork, tandem: Tandem, start: dt.datetime, zone: ZoneInfo, *, typed: bool = True
) -> Problem | None:
    """Within the tandem's lifetime, not in the future, one per day (`typed`: the dialog's
    wording, which asks for another day; else a pressed day's)."""
    day = start.astimezone(zone).date()
    formed_on = tandem.created_at.astimezone(zone).date()
    record = check_recorded_day(
        day,
        formed_on=formed_on,
        today=uow.now.astimezone(zone).date(),
        taken=await meetings.days_taken(uow.session, tandem.id, zone),
    )
    if record is RecordProblem.BEFORE_TANDEM:
        return Problem("fb.log_before_tandem" if typed else "fb.met_before_tandem", since=formed_on)
    if record is RecordProblem.TAKEN:
        return Problem("fb.log_taken" if typed else "fb.met_taken", date=day)
    if record is RecordProblem.NOT_YET:
        return Problem("fb.log_not_yet")
    problem = check_logged(start, uow.now)
    return Problem(f"fb.log_{problem.value}") if problem is not None else None


def _start(day: dt.date, time: dt.time | None, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """When a recorded meeting began: at noon if only the day is known, or (today, before
    noon) now."""
    start = local_to_utc(day, time or LOGGED_DEFAULT_TIME, zone)
    if time is None and day == now.astimezone(zone).date() and start > now:  # earlier today
        start = now.replace(second=0, microsecond=0)
    return start


async def answer(uow: UnitOfWork, state: LogState, text: str | None) -> Recording:
    """The day (and time) typed. If the tandem is gone the dialog ends and the user is told
    they have no tandem (Stale)."""
    tandem = await own_tandem(uow, state.tandem)
    if tandem is None:
        await conversation.clear(uow)
        raise Stale("tandem", key="tandem.none")
    program = await meeting_cases.program_of(uow, tandem)
    partner = partners(tandem, uow.user_id)[1]
    if state.start is not None:  # at the summary only the buttons act
        return Recording(state, tandem, program, partner)
    zone = zone_of(program)
    raw = clean_text(text or "")[:200]
    today = uow.now.astimezone(zone).date()
    when = parse_logged(raw, today) if raw else None
    if when is None:
        return Recording(state, tandem, program, partner, Problem("fb.log_bad"))
    try:
        start = _start(when.day, when.time, zone, uow.now)
    except NonexistentTime:
        return Recording(state, tandem, program, partner, Problem("meet.time.nonexistent"))
    problem = await _recordable(uow, tandem, start, zone)
    if problem is not None:
        return Recording(state, tandem, program, partner, problem)
    state.start, state.timed = start, when.time is not None
    await conversation.save(uow, LOG_FLOW, "confirm", state)
    return Recording(state, tandem, program, partner)


@dataclass(frozen=True)
class Logged:
    parties: Parties  # partner: asked to confirm it
    day: dt.date


async def confirm(uow: UnitOfWork, save: bool) -> Logged | Problem | None:
    """The summary's buttons: record it (Logged, or a Problem if the day is no longer free or
    the time has passed) or discard it (None)."""
    loaded = await conversation.load(uow, LOG_FLOW, LogState)
    if loaded is None or loaded[0] != "confirm" or loaded[1].start is None:
        raise Stale("no log summary", edit=True)
    state, start = loaded[1], loaded[1].start
    await conversation.clear(uow)
    if not save:
        return None
    tandem = await own_tandem(uow, state.tandem)
    if tandem is None:
        raise Stale("tandem", alert=True, edit=True)
    zone = zone_of(await meeting_cases.program_of(uow, tandem))
    problem = await _recordable(uow, tandem, start, zone)  # the partner was quicker, or time passed
    if problem is not None:
        return problem
    return await _log(uow, tandem, start, zone)


async def _log(
    uow: UnitOfWork, tandem: Tandem, start: dt.datetime, zone: ZoneInfo
) -> Logged | Problem:
    """Store it, held as far as the recorder is concerned; the partner is to confirm it."""
    day = start.astimezone(zone).date()
    meeting = await meetings.log_past(
        uow.session,
        tandem_id=tandem.id,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=DEFAULT_DURATION),
        day=day,
        by=uow.user_id,
        now=uow.now,
    )
    if meeting is None:  # a simultaneous press for the same day won
        return Problem("fb.log_taken", date=day)
    found = await meeting_cases.parties(uow, meeting)
    row = await meeting_feedback.feedback_row(uow.session, meeting.id, found.me.id, uow.now)
    row.took_place = Outcome.HELD
    row.answered_at = uow.now
    uow.audit("meeting_logged", meeting=meeting.id)
    return Logged(found, day)


# --- "we have already met": a day pressed ------------------------------------------------------


@dataclass(frozen=True)
class QuickDays:
    """The days offered for one press: the last `QUICK_DAYS` within the tandem's lifetime that
    have no meeting yet (newest first), in the program's zone."""

    tandem: Tandem
    partner: Participant
    today: dt.date
    days: tuple[dt.date, ...]


async def quick_days(uow: UnitOfWork, tandem_id: int) -> QuickDays:
    tandem = await meeting_cases.pressed_tandem(uow, tandem_id)
    zone = zone_of(await meeting_cases.program_of(uow, tandem))
    today = uow.now.astimezone(zone).date()
    formed_on = tandem.created_at.astimezone(zone).date()
    taken = await meetings.days_taken(uow.session, tandem.id, zone)
    recent = (today - dt.timedelta(days=n) for n in range(QUICK_DAYS))
    days = tuple(
        d
        for d in recent
        if check_recorded_day(d, formed_on=formed_on, today=today, taken=taken) is None
    )
    return QuickDays(tandem, partners(tandem, uow.user_id)[1], today, days)


async def record_day(uow: UnitOfWork, tandem_id: int, day: dt.date) -> Logged | Problem:
    """A pressed day: recorded (at noon, or now if that is later today) by the dialog's rules,
    and any open dialog for a day ends; or why not. A tandem that is gone is a stale press."""
    tandem = await meeting_cases.pressed_tandem(uow, tandem_id)
    zone = zone_of(await meeting_cases.program_of(uow, tandem))
    try:
        start = _start(day, None, zone, uow.now)
    except NonexistentTime:  # noon always exists; a forged far date is refused below anyway
        return Problem("meet.time.nonexistent")
    problem = await _recordable(uow, tandem, start, zone, typed=False)
    if problem is not None:
        return problem
    if await conversation.load(uow, LOG_FLOW, LogState) is not None:
        await conversation.clear(uow)
    return await _log(uow, tandem, start, zone)
