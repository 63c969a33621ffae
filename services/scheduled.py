"""What the bot sends on its own: deciding, when a planned message comes due, whether it still
makes sense and what it is about; and the sweep that plans nudges for quiet tandems.

`claim` takes the row (so that two timers or two processes never send it twice), checks it
against the state of today (a meeting moved or cancelled, an event answered with "no", a survey
completed, a tandem that met in the meantime, a paused participant) and returns what is due as
data; the caller renders it in the recipient's language and sends it after the commit
(handlers/scheduled_messages.py). A row that no longer makes sense is finished as skipped here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.events import EventStatus
from core.meetings import MeetingStatus
from core.programs import ParticipantStatus
from core.reminders import PAUSABLE, Kind, Planned, Policy, State, at_risk, nudge_due, worth_sending
from core.surveys import SurveyStatus
from core.tandems import TandemStatus
from services import broadcasts
from services.access import coordinator_ids, partners
from services.unit import UnitOfWork
from storage import (
    events,
    meeting_feedback,
    meetings,
    participants,
    programs,
    surveys,
    tandems,
    users,
)
from storage import reminders as store

if TYPE_CHECKING:
    from storage.models import (
        Meeting,
        Participant,
        Program,
        ProgramEvent,
        Reminder,
        Survey,
        SurveyResponse,
        Tandem,
        User,
    )

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeetingSoon:
    meeting: Meeting
    partner: Participant
    program: Program | None


@dataclass(frozen=True)
class FeedbackDue:
    meeting: Meeting
    partner: Participant
    program: Program | None
    again: bool


@dataclass(frozen=True)
class ProposalDue:
    """An open proposal: unanswered by the recipient (`expired` False: a reminder with the
    answer buttons), or its time came unanswered (to the proposer). `partner` is the other one
    than the recipient, `user_id`."""

    meeting: Meeting
    user_id: int
    partner: Participant
    program: Program | None
    expired: bool


@dataclass(frozen=True)
class NudgeDue:
    tandem: Tandem
    partner: Participant
    program: Program | None
    weeks: int  # since the last meeting, or since the introduction
    last_met: dt.datetime | None


@dataclass(frozen=True)
class AtRiskDue:
    tandem: Tandem
    program: Program | None
    last_met: dt.datetime | None


@dataclass(frozen=True)
class EventDue:
    event: ProgramEvent
    program: Program | None
    answer: str | None
    invitation: bool  # the invitation, else a reminder
    unanswered: bool = False  # the reminder to answer the invitation at last


@dataclass(frozen=True)
class SurveyDue:
    survey: Survey
    program: Program | None
    answered: SurveyResponse | None
    again: bool


@dataclass(frozen=True)
class NoticeDue:
    """A message to another person, rendered when it was planned (Ctx.send_to)."""

    text: str
    markup: dict[str, Any] | None


Due = (
    MeetingSoon
    | FeedbackDue
    | ProposalDue
    | NudgeDue
    | AtRiskDue
    | EventDue
    | SurveyDue
    | NoticeDue
)


@dataclass(frozen=True)
class Claimed:
    """A claimed row: a message `due` to `user_id`, or (`broadcast_id`) a broadcast to start."""

    reminder_id: int
    kind: Kind
    user_id: int
    user: User | None = None
    due: Due | None = None
    broadcast_id: int | None = None


def recipient(reminder: Reminder) -> int:
    """Only pending rows are claimed, and an erasure deletes the pending rows of the person it
    erases (it keeps only finished ones, without the id)."""
    assert reminder.user_id is not None, f"reminder {reminder.id} has no recipient"
    return reminder.user_id


async def claim(uow: UnitOfWork, reminder_id: int) -> Claimed | None:
    """Claim the row and say what is due; None when there is nothing to send (already sent,
    cancelled, taken by another timer, or skipped as stale or paused). A scheduled broadcast's
    row moves its audience into the outbox here, in the same transaction."""
    session, now = uow.session, uow.now
    if not await store.claim(session, reminder_id, now):
        return None
    reminder = await store.get(session, reminder_id)
    assert reminder is not None
    kind = Kind(reminder.kind)
    if kind is Kind.BROADCAST:  # not a message: the time to start sending
        await store.finish(session, reminder_id, State.SENT, now)
        started = reminder.broadcast_id is not None and await broadcasts.start_scheduled(
            session, reminder.broadcast_id, now
        )
        return Claimed(
            reminder_id,
            kind,
            recipient(reminder),
            broadcast_id=reminder.broadcast_id if started else None,
        )
    user = await users.get(session, recipient(reminder))
    due = await _due(uow, reminder, kind, user)
    if due is None:
        await store.finish(session, reminder_id, State.SKIPPED, now)
        return None
    return Claimed(reminder_id, kind, recipient(reminder), user, due)


async def _due(uow: UnitOfWork, reminder: Reminder, kind: Kind, user: User | None) -> Due | None:
    if user is not None and user.paused_at is not None and kind in PAUSABLE:
        return None  # /pause: skipped, not postponed (it would be stale by /resume)
    if kind in (Kind.MEETING_SOON, Kind.FEEDBACK, Kind.FEEDBACK_AGAIN):
        return await _about_meeting(uow, reminder, kind)
    if kind in (Kind.PROPOSAL_UNANSWERED, Kind.PROPOSAL_EXPIRED):
        return await _about_proposal(uow, reminder, kind)
    if kind is Kind.NUDGE:
        return await _nudge(uow, reminder)
    if kind is Kind.AT_RISK:
        return await _at_risk(uow, reminder)
    if kind in (Kind.EVENT_INVITE, Kind.EVENT_SOON, Kind.EVENT_UNANSWERED):
        return await _about_event(uow, reminder, kind)
    if kind in (Kind.SURVEY, Kind.SURVEY_AGAIN):
        return await _about_survey(uow, reminder, kind)
    if kind is Kind.NOTICE:
        markup = reminder.payload.get("markup")
        return NoticeDue(str(reminder.payload.get("text", "")), markup or None)
    log.error("reminder %s has a kind this version cannot send: %s", reminder.id, kind)
    return None


async def _policy(uow: UnitOfWork, program_id: int) -> tuple[Program | None, Policy]:
    program = await programs.get(uow.session, program_id)
    return program, Policy.from_settings(program.settings if program else None)


async def _in_live_tandem(
    uow: UnitOfWork, reminder: Reminder, kind: Kind, meeting: Meeting
) -> tuple[Tandem, Program | None] | None:
    """The meeting's tandem and program while the reminder still has a reader: the tandem is
    active, the reminder is not too late to be worth sending, and it goes to one of the two."""
    tandem = meeting.tandem
    if tandem.status != TandemStatus.ACTIVE:
        return None
    program, policy = await _policy(uow, tandem.program_id)
    if not worth_sending(
        kind, due_at=reminder.due_at, now=uow.now, starts_at=meeting.starts_at, policy=policy
    ):
        return None
    if recipient(reminder) not in (tandem.mentor.user_id, tandem.mentee.user_id):
        return None
    return tandem, program


async def _about_meeting(
    uow: UnitOfWork, reminder: Reminder, kind: Kind
) -> MeetingSoon | FeedbackDue | None:
    session, now = uow.session, uow.now
    meeting = await meetings.get(session, reminder.meeting_id or 0)
    if meeting is None or meeting.status != MeetingStatus.CONFIRMED:
        return None
    if f".v{meeting.version}." not in reminder.key:
        return None  # planned for a time the meeting has since moved away from
    if (live := await _in_live_tandem(uow, reminder, kind, meeting)) is None:
        return None
    tandem, program = live
    me, partner = partners(tandem, recipient(reminder))
    if kind is Kind.MEETING_SOON:
        if await store.later_sibling_due(session, reminder, now):
            return None  # after downtime only the nearest reminder goes out
        return MeetingSoon(meeting, partner, program)
    answered = await meeting_feedback.feedback_of(session, meeting.id, me.id)
    if answered is not None and answered.took_place is not None:
        return None
    return FeedbackDue(meeting, partner, program, again=kind is Kind.FEEDBACK_AGAIN)


async def _about_proposal(uow: UnitOfWork, reminder: Reminder, kind: Kind) -> ProposalDue | None:
    """Only a proposal still open at the version it was planned for, in an active tandem: one
    answered, withdrawn or replaced by another proposal (`SUPERSEDED`) sends nothing. The
    reminder goes to the partner who has to answer, the expiry to the proposer."""
    session = uow.session
    meeting = await meetings.get(session, reminder.meeting_id or 0)
    if meeting is None or meeting.status != MeetingStatus.PROPOSED:
        return None
    if f"m{meeting.id}.v{meeting.version}." not in reminder.key:
        return None
    to_proposer = recipient(reminder) == meeting.proposed_by
    if to_proposer != (kind is Kind.PROPOSAL_EXPIRED):
        return None
    if (live := await _in_live_tandem(uow, reminder, kind, meeting)) is None:
        return None
    tandem, program = live
    _, partner = partners(tandem, recipient(reminder))
    expired = kind is Kind.PROPOSAL_EXPIRED
    return ProposalDue(meeting, recipient(reminder), partner, program, expired=expired)


async def _nudge(uow: UnitOfWork, reminder: Reminder) -> NudgeDue | None:
    session, now = uow.session, uow.now
    tandem = await tandems.get_tandem(session, reminder.tandem_id or 0)
    if tandem is None or tandem.status != TandemStatus.ACTIVE:
        return None
    if tandem.id in await meetings.with_upcoming(session, [tandem.id], now):
        return None  # they planned a meeting since
    if not worth_sending(
        Kind.NUDGE, due_at=reminder.due_at, now=now, starts_at=None, policy=Policy()
    ):
        return None
    _, partner = partners(tandem, recipient(reminder))
    since = (await meetings.last_met(session, [tandem.id], now)).get(tandem.id)
    weeks = max(1, (now - (since or tandem.introduced_at or now)).days // 7)
    program = await programs.get(session, tandem.program_id)
    return NudgeDue(tandem, partner, program, weeks, since)


async def _at_risk(uow: UnitOfWork, reminder: Reminder) -> AtRiskDue | None:
    tandem = await tandems.get_tandem(uow.session, reminder.tandem_id or 0)
    if tandem is None or tandem.status != TandemStatus.ACTIVE or tandem.at_risk_reported_at is None:
        return None  # they met in the meantime (which clears the flag)
    program = await programs.get(uow.session, tandem.program_id)
    last = (await meetings.last_met(uow.session, [tandem.id], uow.now)).get(tandem.id)
    return AtRiskDue(tandem, program, last)


async def _about_event(uow: UnitOfWork, reminder: Reminder, kind: Kind) -> EventDue | None:
    session, now = uow.session, uow.now
    event = await events.get(session, reminder.event_id or 0)
    if event is None or event.status != EventStatus.PLANNED:
        return None
    program, policy = await _policy(uow, event.program_id)
    if not worth_sending(
        kind, due_at=reminder.due_at, now=now, starts_at=event.starts_at, policy=policy
    ):
        return None
    participant = await participants.active_in(session, event.program_id, recipient(reminder))
    if participant is None:
        return None  # left the program since
    answer = await events.answer_of(session, event.id, participant.id)
    if kind is Kind.EVENT_SOON and (
        answer == "no" or await store.later_sibling_due(session, reminder, now)
    ):
        return None
    if kind is Kind.EVENT_UNANSWERED and answer is not None:
        return None  # answered since the invitation (maybe counts: they will say once they know)
    return EventDue(
        event,
        program,
        answer,
        invitation=kind is Kind.EVENT_INVITE,
        unanswered=kind is Kind.EVENT_UNANSWERED,
    )


async def _about_survey(uow: UnitOfWork, reminder: Reminder, kind: Kind) -> SurveyDue | None:
    """Skipped when the survey was closed or taken back, the participant left the program, or
    (for the reminder) has answered everything."""
    session = uow.session
    survey = await surveys.get(session, reminder.survey_id or 0)
    if survey is None or survey.status != SurveyStatus.SCHEDULED.value:
        return None
    participant = await participants.active_in(session, survey.program_id, recipient(reminder))
    if participant is None:
        return None
    answered = await surveys.response(session, survey.id, participant.id)
    if answered is not None and answered.completed_at is not None:
        return None
    program = await programs.get(session, survey.program_id)
    return SurveyDue(survey, program, answered, again=kind is Kind.SURVEY_AGAIN)


async def finish_failed(uow: UnitOfWork, reminder_id: int) -> None:
    """An unexpected error while preparing or sending: closed as failed, never sent again."""
    await store.finish(uow.session, reminder_id, State.FAILED, uow.now, "error")


# --- the nudge sweep --------------------------------------------------------------------------


async def sweep(uow: UnitOfWork) -> None:
    """Nudge quiet tandems and tell the coordinators about those at risk; the rows planned are
    in `uow.planned`. Idempotent: the nudge counter moves by conditional update, and planned
    rows are keyed by that count. A tandem at risk is reported to the coordinators of its
    program (services.access.coordinator_ids)."""
    session, now = uow.session, uow.now
    active = await tandems.introduced_active(session)
    ids = [t.id for t in active]
    # A meeting recorded but not yet confirmed by the partner counts here (not for the
    # certificate): whoever just said they met is not told they have not; if it is never
    # confirmed, the nudges resume `nudge_after_days` after it.
    last = await meetings.last_met(session, ids, now, pending=True)
    upcoming = await meetings.with_upcoming(session, ids, now)
    policies: dict[int, Policy] = {}
    for tandem in active:
        if tandem.program_id not in policies:
            policies[tandem.program_id] = (await _policy(uow, tandem.program_id))[1]
        policy = policies[tandem.program_id]
        assert tandem.introduced_at is not None
        if not nudge_due(
            introduced_at=tandem.introduced_at,
            last_meeting_at=last.get(tandem.id),
            has_upcoming=tandem.id in upcoming,
            nudges=tandem.nudges,
            last_nudged_at=tandem.last_nudged_at,
            now=now,
            policy=policy,
        ):
            continue
        if not await tandems.count_nudge(session, tandem, now):
            continue
        count = tandem.nudges + 1
        nudges = [
            Planned(Kind.NUDGE, now, p.user_id, f"nudge.t{tandem.id}.n{count}.u{p.user_id}")
            for p in (tandem.mentor, tandem.mentee)
            if p.status == ParticipantStatus.ACTIVE and p.user_id is not None
        ]
        uow.schedule(await store.plan(session, nudges, now=now, tandem_id=tandem.id))
        if at_risk(count, policy) and await tandems.mark_at_risk(session, tandem.id, now):
            coordinators = sorted(await coordinator_ids(uow, tandem.program_id))
            warn = [
                Planned(Kind.AT_RISK, now, c, f"risk.t{tandem.id}.n{count}.u{c}")
                for c in coordinators
            ]
            uow.schedule(await store.plan(session, warn, now=now, tandem_id=tandem.id))
