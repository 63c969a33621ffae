"""Feedback after a meeting (/feedback and the scheduled questions): did it take place, how
useful was it, a note for the program team, after the first meeting privately whether the
tandem fits; and recording a meeting held outside the bot, which the partner confirms.

The rules are in services/feedback.py and services/meeting_log.py; nothing said here is ever
shown to the partner, and the note's prompt says who reads it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.dialogs import dialog
from bot.i18n import Translator
from core.address import Case
from core.meetings import DEFAULT_DURATION, Outcome
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from handlers.views.address import who
from handlers.views.feedback import (
    AlreadyMet,
    LogMeeting,
    MetOn,
    TookPlace,
    met_days_keyboard,
    took_place_keyboard,
)
from handlers.views.home import home_keyboard
from handlers.views.meeting import new_meeting_keyboard, one_tandem, say, when_text
from handlers.views.tandem_card import answer_buttons
from services import feedback, meeting_log
from services import meetings as meeting_cases
from services.feedback import RATINGS, NoteState, Told, Verified
from services.meeting_log import LogState, Recording
from services.meetings import Parties

PREFIX = "fb"
NOTE_FLOW = feedback.NOTE_FLOW
LOG_FLOW = meeting_log.LOG_FLOW
YesNo = Literal["y", "n"]


@button(PREFIX, "k")
class FeedbackTandem(Button):
    tandem: int


@button(PREFIX, "ls")
class LogSave(Button):
    pass


@button(PREFIX, "lx")
class LogDiscard(Button):
    pass


@button(PREFIX, "q")
class AskTookPlace(Button):
    meeting: int


@button(PREFIX, "r")
class Rate(Button):
    meeting: int
    rating: int


@button(PREFIX, "s")
class SkipNote(Button):
    meeting: int


@button(PREFIX, "f")
class Fits(Button):
    meeting: int
    answer: YesNo


@button(PREFIX, "m")
class Rematch(Button):
    meeting: int
    answer: YesNo


@button(PREFIX, "v")
class Verify(Button):
    meeting: int
    answer: YesNo


def _rating_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return column([key(t.plain(f"fb.rating.{n}"), Rate(meeting_id, n)) for n in RATINGS], per_row=5)


def _skip_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return column([key(t.plain("fb.skip"), SkipNote(meeting_id))])


def _day(ctx: Ctx, t: Translator, found: Parties) -> str:
    return t.date(found.meeting.starts_at.astimezone(ctx.services.zone_of(found.program)))


# --- /feedback ----------------------------------------------------------------------------------


async def feedback_command(ctx: Ctx) -> None:
    mine = await meeting_cases.introduced_tandems(ctx.uow)
    tandem = one_tandem(ctx, mine, ctx.t("fb.choose_tandem"), FeedbackTandem)
    if tandem is not None:
        await _offer(ctx, tandem.id)


@on(FeedbackTandem)
async def _offer_pressed(ctx: Ctx, pressed: FeedbackTandem) -> None:
    await _offer(ctx, pressed.tandem)


async def _offer(ctx: Ctx, tandem_id: int) -> None:
    """Past meetings still waiting for this partner's answer, and logging one from outside."""
    tandem = await meeting_cases.pressed_tandem(ctx.uow, tandem_id)
    offer = await feedback.offer(ctx.uow, tandem)
    zone = ctx.services.zone_of(offer.program)
    buttons = [
        key(when_text(ctx.t, m.starts_at, m.ends_at, zone)[:40], AskTookPlace(m.id))
        for m in offer.open
    ]
    buttons.append(key(ctx.t.plain("fb.log_button"), LogMeeting(tandem.id)))
    ctx.reply(
        ctx.t(
            "fb.offer" if offer.open else "fb.offer_none",
            partner=who(ctx.t, offer.partner, Case.DATIVE),
        ),
        column(buttons),
    )


# --- the questions after a meeting --------------------------------------------------------------


@on(AskTookPlace)
async def on_ask(ctx: Ctx, pressed: AskTookPlace) -> None:
    found = await feedback.pressed_meeting(ctx.uow, pressed.meeting)
    meeting = found.meeting
    zone = ctx.services.zone_of(found.program)
    ctx.reply(
        ctx.t(
            "fb.ask",
            partner=who(ctx.t, found.partner, Case.DATIVE),
            when=when_text(ctx.t, meeting.starts_at, meeting.ends_at, zone),
            where=meeting.place or "–",
        ),
        took_place_keyboard(ctx.t, meeting.id),
    )


@on(TookPlace)
async def on_took_place(ctx: Ctx, pressed: TookPlace) -> None:
    answered = await feedback.took_place(ctx.uow, pressed.meeting, pressed.outcome)
    if isinstance(answered, Verified):
        _verified(ctx, answered)
        return
    outcome = answered.outcome
    if outcome is Outcome.HELD:
        ctx.edit(ctx.t("fb.rate"), _rating_keyboard(ctx.t, pressed.meeting))
    else:
        ctx.edit(
            ctx.t(f"fb.not_held.{outcome.value}"),
            new_meeting_keyboard(ctx.t, answered.parties.meeting.tandem_id),
        )


@on(Rate)
async def on_rate(ctx: Ctx, pressed: Rate) -> None:
    await feedback.rate(ctx.uow, pressed.meeting, pressed.rating)
    ctx.edit(ctx.t("fb.rated", rating=pressed.rating))
    ctx.reply(
        ctx.t("fb.comment_ask", limit=feedback.MAX_COMMENT),
        _skip_keyboard(ctx.t, pressed.meeting),
    )


@on(SkipNote)
async def on_skip(ctx: Ctx, pressed: SkipNote) -> None:
    found, ask_fit = await feedback.skip_note(ctx.uow, pressed.meeting)
    ctx.edit(None)
    _after_note(ctx, found, ask_fit)


@dialog(NOTE_FLOW, NoteState)
async def on_note(ctx: Ctx, step: str, state: NoteState, text: str | None) -> None:
    noted = await feedback.note(ctx.uow, state, text)
    if noted.problem is not None:
        ctx.reply(say(ctx.t, noted.problem), _skip_keyboard(ctx.t, state.meeting))
    else:
        ctx.reply(ctx.t("fb.comment_saved"))
        _after_note(ctx, noted.parties, noted.ask_fit)


def _after_note(ctx: Ctx, found: Parties, ask_fit: bool) -> None:
    if not ask_fit:
        ctx.reply(ctx.t("fb.thanks"))
        return
    meeting_id = found.meeting.id
    ctx.reply(
        ctx.t("fit.ask"),
        rows(
            [
                key(ctx.t.plain("fit.yes"), Fits(meeting_id, "y")),
                key(ctx.t.plain("fit.no"), Fits(meeting_id, "n")),
            ]
        ),
    )


@on(Fits)
async def on_fits(ctx: Ctx, pressed: Fits) -> None:
    told = await feedback.fits(ctx.uow, pressed.meeting, pressed.answer == "y")
    if pressed.answer == "y":
        ctx.edit(ctx.t("fit.thanks_yes"))
        return
    _tell_coordinators(ctx, told, rematch=False)
    ctx.edit(
        ctx.t("fit.thanks_no"),
        rows(
            [key(ctx.t.plain("fit.rematch_yes"), Rematch(pressed.meeting, "y"))],
            [key(ctx.t.plain("fit.rematch_no"), Rematch(pressed.meeting, "n"))],
        ),
    )


@on(Rematch)
async def on_rematch(ctx: Ctx, pressed: Rematch) -> None:
    wanted = pressed.answer == "y"
    told = await feedback.rematch(ctx.uow, pressed.meeting, wanted)
    if wanted:
        _tell_coordinators(ctx, told, rematch=True)
        ctx.edit(ctx.t("fit.rematch_noted"))
    else:
        ctx.edit(ctx.t("fit.rematch_declined"))


def _tell_coordinators(ctx: Ctx, told: Told, *, rematch: bool) -> None:
    found = told.parties
    key_ = "fit.rematch_to_coordinators" if rematch else "fit.to_coordinators"
    for coordinator_id, coordinator in told.coordinators:
        t = ctx.for_user(coordinator)
        ctx.send_to(
            coordinator_id,
            t(
                key_,
                name=who(t, found.me, Case.BARE),
                partner=who(t, found.partner, Case.BARE),
                program=found.program.name,
            ),
            answer_buttons(t, found.meeting.tandem_id, found.me.role),
        )


# --- a meeting held outside the bot -------------------------------------------------------------


@on(LogMeeting)
async def on_log(ctx: Ctx, pressed: LogMeeting) -> None:
    await meeting_log.begin(ctx.uow, pressed.tandem)
    ctx.reply(ctx.t("fb.log_ask"))


@dialog(LOG_FLOW, LogState)
async def on_log_text(ctx: Ctx, step: str, state: LogState, text: str | None) -> None:
    """The day (and time); nothing is stored until the summary's button is pressed."""
    recording = await meeting_log.answer(ctx.uow, state, text)
    if recording.problem is not None:
        ctx.reply(say(ctx.t, recording.problem))
    else:
        _log_summary(ctx, recording)


def _log_summary(ctx: Ctx, recording: Recording) -> None:
    start, partner = recording.state.start, recording.partner
    assert start is not None
    zone = ctx.services.zone_of(recording.program)
    if recording.state.timed:
        when = when_text(ctx.t, start, start + dt.timedelta(minutes=DEFAULT_DURATION), zone)
    else:
        when = ctx.t.day(start.astimezone(zone))
    ctx.reply(
        ctx.t(
            "fb.log_summary",
            partner=who(ctx.t, partner, Case.DATIVE),
            partner_start=who(ctx.t, partner, Case.START),
            when=when,
        ),
        rows(
            [key(ctx.t.plain("fb.log_save"), LogSave())],
            [key(ctx.t.plain("fb.log_discard"), LogDiscard())],
        ),
    )


@on(LogDiscard)
async def on_log_discard(ctx: Ctx, pressed: LogDiscard) -> None:
    await meeting_log.confirm(ctx.uow, save=False)
    ctx.edit(ctx.t("fb.log_discarded"))


@on(LogSave)
async def on_log_save(ctx: Ctx, pressed: LogSave) -> None:
    logged = await meeting_log.confirm(ctx.uow, save=True)
    if not isinstance(logged, meeting_log.Logged):
        ctx.edit(None)
        if logged is not None:
            ctx.reply(say(ctx.t, logged))
        return
    found = logged.parties
    day = ctx.t.date(logged.day)
    ctx.edit(ctx.t("fb.log_saved", partner=who(ctx.t, found.partner, Case.START), when=day))
    ctx.reply(ctx.t("fb.logged", when=day), _rating_keyboard(ctx.t, found.meeting.id))
    _ask_verify(ctx, logged)


@on(AlreadyMet)
async def on_already_met(ctx: Ctx, pressed: AlreadyMet) -> None:
    offer = await meeting_log.quick_days(ctx.uow, pressed.tandem)
    ctx.reply(
        ctx.t("fb.met_ask", partner=who(ctx.t, offer.partner, Case.DATIVE)),
        met_days_keyboard(ctx.t, offer),
    )


@on(MetOn)
async def on_met_on(ctx: Ctx, pressed: MetOn) -> None:
    logged = await meeting_log.record_day(ctx.uow, pressed.tandem, pressed.day)
    if not isinstance(logged, meeting_log.Logged):
        ctx.reply(say(ctx.t, logged), home_keyboard(ctx.t))
        return
    found = logged.parties
    ctx.edit(
        ctx.t(
            "fb.met_saved",
            partner=who(ctx.t, found.partner, Case.DATIVE),
            partner_start=who(ctx.t, found.partner, Case.START),
            when=ctx.t.day(logged.day),
        ),
        home_keyboard(ctx.t),
    )
    _ask_verify(ctx, logged)


def _ask_verify(ctx: Ctx, logged: meeting_log.Logged) -> None:
    """The partner of a recorded meeting is asked to confirm it."""
    found = logged.parties
    t = ctx.for_user(found.partner.user)
    meeting_id = found.meeting.id
    ctx.send_to(
        found.partner.user_id,
        t("fb.verify_ask", name=who(t, found.me, Case.START), when=t.date(logged.day)),
        rows(
            [
                key(t.plain("fb.verify_yes"), Verify(meeting_id, "y")),
                key(t.plain("fb.verify_no"), Verify(meeting_id, "n")),
            ]
        ),
    )


@on(Verify)
async def on_verify(ctx: Ctx, pressed: Verify) -> None:
    _verified(ctx, await feedback.verify(ctx.uow, pressed.meeting, pressed.answer == "y"))


def _verified(ctx: Ctx, verified: Verified) -> None:
    found, held = verified.parties, verified.held
    ctx.edit(ctx.t("fb.verified" if held else "fb.rejected", when=_day(ctx, ctx.t, found)))
    t = ctx.for_user(found.partner.user)
    ctx.send_to(
        found.partner.user_id,
        t(
            "fb.verified_to_recorder" if held else "fb.rejected_to_recorder",
            partner=who(t, found.me, Case.START),
            when=_day(ctx, t, found),
        ),
    )
