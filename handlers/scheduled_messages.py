"""What the bot sends on its own, rendered: a planned message that has come due (a meeting
reminder, a feedback question, a nudge, an at-risk report, an event invitation or reminder, a
survey invitation, a notice to another person), in the recipient's language.

Whether it is still worth sending and what it is about is decided by the use case
(services/scheduled.py); claiming, sending and recording the outcome is bot/due.py, which is
given `render` by the wiring (bot/app.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.context import Services
from bot.i18n import Translator
from core.address import Case
from core.reminders import until
from handlers.keyboards import button, column
from handlers.views import events as event_views
from handlers.views import surveys as survey_views
from handlers.views.address import who
from handlers.views.feedback import AlreadyMet, took_place_keyboard
from handlers.views.meeting import (
    Cancel,
    Move,
    NewMeeting,
    describe,
    meeting_buttons,
    new_meeting_keyboard,
)
from handlers.views.tandem_card import ShowTandem
from services.scheduled import (
    AtRiskDue,
    Due,
    EventDue,
    FeedbackDue,
    MeetingSoon,
    NoticeDue,
    NudgeDue,
    ProposalDue,
    SurveyDue,
)


@dataclass
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | None = None


def relative(t: Translator, starts_at: dt.datetime, now: dt.datetime) -> str:
    amount, unit = until(starts_at, now)
    return t.plain(f"rel.{unit}", count=amount)


def _date(t: Translator, moment: dt.datetime, zone: ZoneInfo) -> str:
    return t.date(moment.astimezone(zone))


def render(t: Translator, services: Services, due: Due, now: dt.datetime) -> Rendered:
    """The message for what is due, in the recipient's language (`t`)."""
    if isinstance(due, NoticeDue):
        markup = InlineKeyboardMarkup.de_json(due.markup, None) if due.markup else None
        return Rendered(due.text, markup)
    if isinstance(due, MeetingSoon | FeedbackDue):
        info = describe(t, due.meeting, services.zone_of(due.program))
        partner = who(t, due.partner, Case.DATIVE)
        if isinstance(due, FeedbackDue):
            key = "fb.ask_again" if due.again else "fb.ask"
            return Rendered(t(key, partner=partner, **info), took_place_keyboard(t, due.meeting.id))
        meeting = due.meeting
        return Rendered(
            t("remind.meeting", partner=partner, rel=relative(t, meeting.starts_at, now), **info),
            column(
                [
                    button(t.plain("meet.act.r"), Move(meeting.id, meeting.version)),
                    button(t.plain("meet.act.x"), Cancel(meeting.id, meeting.version)),
                ],
                per_row=2,
            ),
        )
    if isinstance(due, ProposalDue):
        return _proposal(t, services, due, now)
    if isinstance(due, NudgeDue):
        zone = services.zone_of(due.program)
        return Rendered(
            t(
                "nudge.after_meeting" if due.last_met else "nudge.never_met",
                partner=who(t, due.partner, Case.DATIVE),
                count=due.weeks,
                last=_date(t, due.last_met, zone) if due.last_met else "",
            ),
            column(
                [
                    button(t.plain("meet.new_button"), NewMeeting(due.tandem.id)),
                    button(t.plain("fb.met_button"), AlreadyMet(due.tandem.id)),
                ]
            ),
        )
    if isinstance(due, AtRiskDue):
        tandem, program = due.tandem, due.program
        return Rendered(
            t(
                "risk.to_coordinators",
                mentor=who(t, tandem.mentor, Case.BARE),
                mentee=who(t, tandem.mentee, Case.BARE),
                program=program.name if program else "",
                nudges=tandem.nudges,
                last=_date(t, due.last_met, services.zone_of(program))
                if due.last_met
                else t.plain("risk.never"),
            ),
            column([button(t.plain("td.open"), ShowTandem(tandem.id))]),
        )
    if isinstance(due, EventDue):
        event, program = due.event, due.program
        key = "event.invite" if due.invitation else "event.remind"
        return Rendered(
            t(
                "event.unanswered" if due.unanswered else key,
                program=program.name if program else "",
                rel=relative(t, event.starts_at, now),
                **event_views.describe(t, event, services.zone_of(program)),
            ),
            event_views.rsvp_keyboard(t, event.id, due.answer),
        )
    assert isinstance(due, SurveyDue)
    text, markup = survey_views.invitation(
        t, due.survey, due.program, due.answered, again=due.again
    )
    return Rendered(text, markup)


def _proposal(t: Translator, services: Services, due: ProposalDue, now: dt.datetime) -> Rendered:
    """An open proposal: the partner reminded with the buttons the proposal had, or the proposer
    told that its time came unanswered, with the button to propose again."""
    meeting = due.meeting
    info = describe(t, meeting, services.zone_of(due.program))
    if due.expired:
        return Rendered(
            t("meet.expired", partner=who(t, due.partner, Case.NOMINATIVE), **info),
            new_meeting_keyboard(t, meeting.tandem_id),
        )
    return Rendered(
        t(
            "meet.unanswered",
            name=who(t, due.partner, Case.START),
            rel=relative(t, meeting.starts_at, now),
            **info,
        ),
        meeting_buttons(t, meeting, due.user_id, now),
    )
