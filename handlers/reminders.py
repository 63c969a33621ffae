"""What the bot sends on its own when a planned reminder comes due, and the nudge sweep.

`fire` claims the row, checks against the current state of the meeting or event whether the
message still makes sense (moved, cancelled, already answered, already over), renders it in the
recipient's language, and only then sends; the row records what happened, including a user who
blocked the bot, which never stops the reminders of anyone else.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.context import Services
from bot.i18n import Translator
from bot.outbox import finish_reminder
from core.address import Case
from core.events import EventStatus
from core.meetings import MeetingStatus
from core.programs import ParticipantStatus
from core.reminders import (
    PAUSABLE,
    Kind,
    Planned,
    Policy,
    State,
    at_risk,
    nudge_due,
    until,
    worth_sending,
)
from core.surveys import SurveyStatus
from core.tandems import TandemStatus
from handlers.keyboards import button, column
from handlers.views import events as event_views
from handlers.views import surveys as survey_views
from handlers.views.address import who
from handlers.views.feedback import took_place_keyboard
from handlers.views.meeting import Cancel, Move, NewMeeting, describe
from handlers.views.tandem_card import ShowTandem
from services import broadcasts
from services.access import partners
from storage import events, meetings, programs, surveys, tandems, users
from storage import reminders as store
from storage.db import retrying
from storage.models import Reminder

log = logging.getLogger(__name__)


@dataclass
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None


def relative(t: Translator, starts_at: dt.datetime, now: dt.datetime) -> str:
    amount, unit = until(starts_at, now)
    if amount == 1:
        return t.plain(f"rel.{unit}.one")
    return t.plain(f"rel.{unit}.other", n=amount)


async def fire(services: Services, reminder_id: int) -> None:
    """Send one due reminder; an unexpected error closes the row as failed, never resent."""
    try:
        await _fire(services, reminder_id)
    except Exception:
        log.exception("reminder %s failed", reminder_id)
        async with services.db.session() as session:
            await store.finish(session, reminder_id, State.FAILED, services.clock.now(), "error")


def recipient(reminder: Reminder) -> int:
    """Who a claimed row goes to. Only pending rows are claimed, and an erasure deletes the
    pending rows of the person it erases (it keeps only finished ones, without the id)."""
    assert reminder.user_id is not None, f"reminder {reminder.id} has no recipient"
    return reminder.user_id


@dataclass(frozen=True)
class _Claimed:
    """A claimed reminder: a message to send, or a scheduled broadcast to start."""

    kind: str
    user_id: int
    rendered: Rendered | None = None
    broadcast_id: int | None = None


async def _fire(services: Services, reminder_id: int) -> None:
    # Claiming and rendering is one transaction that does nothing outside the database, so a
    # database restart in the middle of it just runs it again.
    claimed = await retrying(lambda: _claim(services, reminder_id), f"reminder {reminder_id}")
    if claimed is None:
        return
    if claimed.kind == Kind.BROADCAST.value:
        if claimed.broadcast_id is not None:
            services.start_broadcast(claimed.broadcast_id)
        return
    assert claimed.rendered is not None
    rendered = claimed.rendered
    _, outcome = await services.messenger.deliver(claimed.user_id, rendered.text, rendered.markup)
    state = outcome.state
    if state is not State.SENT:
        log.warning("reminder %s (%s) to %s: %s", reminder_id, claimed.kind, claimed.user_id, state)
    await finish_reminder(services, reminder_id, state, outcome.value)


async def _claim(services: Services, reminder_id: int) -> _Claimed | None:
    """Claim the row and prepare what to do; None when there is nothing to send (already sent,
    cancelled, taken by another timer, or skipped as stale or paused)."""
    async with services.db.session() as session:
        now = services.clock.now()
        if not await store.claim(session, reminder_id, now):
            return None
        reminder = await store.get(session, reminder_id)
        assert reminder is not None
        if reminder.kind == Kind.BROADCAST.value:  # not a message: the time to start sending
            await store.finish(session, reminder_id, State.SENT, now)
            started = reminder.broadcast_id is not None and await broadcasts.start_scheduled(
                session, reminder.broadcast_id, now
            )
            return _Claimed(
                reminder.kind,
                recipient(reminder),
                broadcast_id=reminder.broadcast_id if started else None,
            )
        rendered = await _render(session, services, reminder, now)
        if rendered is None:
            await store.finish(session, reminder_id, State.SKIPPED, now)
            return None
        return _Claimed(reminder.kind, recipient(reminder), rendered=rendered)


async def _render(
    session: AsyncSession, services: Services, reminder: Reminder, now: dt.datetime
) -> Rendered | None:
    kind = Kind(reminder.kind)
    user = await users.get(session, recipient(reminder))
    if user is not None and user.paused_at is not None and kind in PAUSABLE:
        return None  # /pause: skipped, not postponed (it would be stale by /resume)
    t = services.translator_for(user)
    if kind in (Kind.MEETING_SOON, Kind.FEEDBACK, Kind.FEEDBACK_AGAIN):
        return await _about_meeting(session, services, reminder, kind, t, now)
    if kind is Kind.NUDGE:
        return await _nudge(session, services, reminder, t, now)
    if kind is Kind.AT_RISK:
        return await _at_risk(session, services, reminder, t, now)
    if kind in (Kind.EVENT_INVITE, Kind.EVENT_SOON):
        return await _about_event(session, services, reminder, kind, t, now)
    if kind in (Kind.SURVEY, Kind.SURVEY_AGAIN):
        return await _about_survey(session, reminder, kind, t)
    if kind is Kind.NOTICE:
        markup = reminder.payload.get("markup")
        return Rendered(
            str(reminder.payload.get("text", "")),
            InlineKeyboardMarkup.de_json(markup, None) if markup else None,
        )
    log.error("reminder %s has a kind this version cannot send: %s", reminder.id, kind)
    return None


async def _about_meeting(
    session: AsyncSession,
    services: Services,
    reminder: Reminder,
    kind: Kind,
    t: Translator,
    now: dt.datetime,
) -> Rendered | None:
    meeting = await meetings.get(session, reminder.meeting_id or 0)
    if meeting is None or meeting.status != MeetingStatus.CONFIRMED:
        return None
    if f".v{meeting.version}." not in reminder.key:
        return None  # planned for a time the meeting has since moved away from
    tandem = meeting.tandem
    if tandem.status != TandemStatus.ACTIVE:
        return None
    program = await programs.get(session, tandem.program_id)
    policy = Policy.from_settings(program.settings if program else None)
    if not worth_sending(
        kind, due_at=reminder.due_at, now=now, starts_at=meeting.starts_at, policy=policy
    ):
        return None
    if recipient(reminder) not in (tandem.mentor.user_id, tandem.mentee.user_id):
        return None
    me, partner = partners(tandem, recipient(reminder))
    zone = services.zone_of(program)
    info = describe(t, meeting, zone)
    if kind is Kind.MEETING_SOON:
        if await store.later_sibling_due(session, reminder, now):
            return None  # after downtime only the nearest reminder goes out
        return Rendered(
            t(
                "remind.meeting",
                partner=who(t, partner, Case.DATIVE),
                rel=relative(t, meeting.starts_at, now),
                **info,
            ),
            column(
                [
                    button(t.plain("meet.act.r"), Move(meeting.id, meeting.version)),
                    button(t.plain("meet.act.x"), Cancel(meeting.id, meeting.version)),
                ],
                per_row=2,
            ),
        )
    answered = await meetings.feedback_of(session, meeting.id, me.id)
    if answered is not None and answered.took_place is not None:
        return None
    key = "fb.ask" if kind is Kind.FEEDBACK else "fb.ask_again"
    return Rendered(
        t(key, partner=who(t, partner, Case.DATIVE), **info), took_place_keyboard(t, meeting.id)
    )


async def _nudge(
    session: AsyncSession, services: Services, reminder: Reminder, t: Translator, now: dt.datetime
) -> Rendered | None:
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
    weeks = max(1, (now - (tandem.introduced_at or now)).days // 7)
    last = await meetings.last_met(session, [tandem.id], now)
    key = "nudge.after_meeting" if tandem.id in last else "nudge.never_met"
    since = last.get(tandem.id)
    program = await programs.get(session, tandem.program_id)
    return Rendered(
        t(
            key,
            partner=who(t, partner, Case.DATIVE),
            weeks=max(1, (now - since).days // 7) if since else weeks,
            last=since.astimezone(services.zone_of(program)).strftime("%d.%m.%Y") if since else "",
        ),
        column([button(t.plain("meet.new_button"), NewMeeting(tandem.id))]),
    )


async def _at_risk(
    session: AsyncSession, services: Services, reminder: Reminder, t: Translator, now: dt.datetime
) -> Rendered | None:
    tandem = await tandems.get_tandem(session, reminder.tandem_id or 0)
    if tandem is None or tandem.status != TandemStatus.ACTIVE or tandem.at_risk_reported_at is None:
        return None  # they met in the meantime (which clears the flag)
    program = await programs.get(session, tandem.program_id)
    last = (await meetings.last_met(session, [tandem.id], now)).get(tandem.id)
    return Rendered(
        t(
            "risk.to_coordinators",
            mentor=who(t, tandem.mentor, Case.BARE),
            mentee=who(t, tandem.mentee, Case.BARE),
            program=program.name if program else "",
            nudges=tandem.nudges,
            last=last.astimezone(services.zone_of(program)).strftime("%d.%m.%Y")
            if last
            else t.plain("risk.never"),
        ),
        column([button(t.plain("td.open"), ShowTandem(tandem.id))]),
    )


async def _about_event(
    session: AsyncSession,
    services: Services,
    reminder: Reminder,
    kind: Kind,
    t: Translator,
    now: dt.datetime,
) -> Rendered | None:
    event = await events.get(session, reminder.event_id or 0)
    if event is None or event.status != EventStatus.PLANNED:
        return None
    program = await programs.get(session, event.program_id)
    policy = Policy.from_settings(program.settings if program else None)
    if not worth_sending(
        kind, due_at=reminder.due_at, now=now, starts_at=event.starts_at, policy=policy
    ):
        return None
    participant = await events.participant_for(session, event, recipient(reminder))
    if participant is None:
        return None  # left the program since
    answer = await events.answer_of(session, event.id, participant.id)
    if kind is Kind.EVENT_SOON and (
        answer == "no" or await store.later_sibling_due(session, reminder, now)
    ):
        return None
    zone = services.zone_of(program)
    info = event_views.describe(t, event, zone)
    key = "event.invite" if kind is Kind.EVENT_INVITE else "event.remind"
    return Rendered(
        t(
            key,
            program=program.name if program else "",
            rel=relative(t, event.starts_at, now),
            **info,
        ),
        event_views.rsvp_keyboard(t, event.id, answer),
    )


async def _about_survey(
    session: AsyncSession, reminder: Reminder, kind: Kind, t: Translator
) -> Rendered | None:
    """Skipped when the survey was closed or taken back, the participant left the program, or
    (for the reminder) has answered everything."""
    survey = await surveys.get(session, reminder.survey_id or 0)
    if survey is None or survey.status != SurveyStatus.SCHEDULED.value:
        return None
    participant = await surveys.participant_for(session, survey, recipient(reminder))
    if participant is None:
        return None
    answered = await surveys.response(session, survey.id, participant.id)
    if answered is not None and answered.completed_at is not None:
        return None
    program = await programs.get(session, survey.program_id)
    text, markup = survey_views.invitation(
        t, survey, program, answered, again=kind is Kind.SURVEY_AGAIN
    )
    return Rendered(text, markup)


# --- the nudge sweep --------------------------------------------------------------------------


async def sweep(services: Services) -> list[tuple[int, dt.datetime]]:
    """Nudge quiet tandems and tell the coordinators about those at risk. Idempotent: the
    nudge counter moves by conditional update, and planned rows are keyed by that count."""
    planned_rows: list[tuple[int, dt.datetime]] = []
    async with services.db.session() as session:
        now = services.clock.now()
        active = await tandems.introduced_active(session)
        ids = [t.id for t in active]
        last = await meetings.last_met(session, ids, now)
        upcoming = await meetings.with_upcoming(session, ids, now)
        policies: dict[int, Policy] = {}
        for tandem in active:
            if tandem.program_id not in policies:
                program = await programs.get(session, tandem.program_id)
                policies[tandem.program_id] = Policy.from_settings(
                    program.settings if program else None
                )
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
            planned_rows += await store.plan(session, nudges, now=now, tandem_id=tandem.id)
            if at_risk(count, policy) and await tandems.mark_at_risk(session, tandem.id, now):
                coordinators = sorted(await services.coordinator_ids(session, tandem.program_id))
                warn = [
                    Planned(Kind.AT_RISK, now, c, f"risk.t{tandem.id}.n{count}.u{c}")
                    for c in coordinators
                ]
                planned_rows += await store.plan(session, warn, now=now, tandem_id=tandem.id)
    if planned_rows:
        log.info("nudge sweep planned %d messages", len(planned_rows))
    return planned_rows
