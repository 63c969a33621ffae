"""Feedback after a meeting: did it take place, how useful was it, a note for the program team,
and after the first meeting, privately, whether the tandem fits.

Nothing here is ever shown to the partner. The note is about the program, not the tandem's
conversations, and the prompt says who reads it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Translator
from core.address import Case
from core.meetings import (
    DEFAULT_DURATION,
    Outcome,
    RecordProblem,
    check_logged,
    check_recorded_day,
    parse_logged,
)
from core.profile import clean_text
from core.reminders import Kind
from core.when import NonexistentTime, local_to_utc
from handlers.callbacks import as_int, pack
from handlers.keyboards import button, column, rows
from handlers.meetings import one_tandem, own_meeting, own_tandem, partners, when_text
from handlers.views.address import who
from storage import dialogs, housekeeping, meetings, programs, reminders, tandems, users
from storage.models import Meeting, Participant, Tandem

log = logging.getLogger(__name__)

PREFIX = "fb"
NOTE_FLOW = "fbnote"
LOG_FLOW = "fblog"
MAX_COMMENT = 500
RATINGS = range(1, 6)
LOGGED_DEFAULT_TIME = dt.time(12, 0)  # a reported meeting without a time


def took_place_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return rows(
        [button(t.plain("fb.took.held"), pack(PREFIX, "t", meeting_id, "held"))],
        [
            button(t.plain("fb.took.postponed"), pack(PREFIX, "t", meeting_id, "postponed")),
            button(t.plain("fb.took.cancelled"), pack(PREFIX, "t", meeting_id, "cancelled")),
        ],
    )


def _rating_keyboard(t: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return column(
        [button(t.plain(f"fb.rating.{n}"), pack(PREFIX, "r", meeting_id, n)) for n in RATINGS],
        per_row=5,
    )


def _me(meeting: Meeting, user_id: int) -> Participant:
    return partners(meeting.tandem, user_id)[0]


# --- /feedback ----------------------------------------------------------------------------------


async def feedback_command(ctx: Ctx) -> None:
    tandem = await one_tandem(ctx, ctx.t("fb.choose_tandem"), (PREFIX, "k"))
    if tandem is not None:
        await _offer(ctx, tandem)


async def _offer(ctx: Ctx, tandem: Tandem) -> None:
    """Past meetings still waiting for this partner's answer, and logging one from outside."""
    me, partner = partners(tandem, ctx.user_id)
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    open_ones = []
    for meeting in await meetings.recent_past(ctx.session, tandem.id, ctx.now):
        answer = await meetings.feedback_of(ctx.session, meeting.id, me.id)
        if answer is None or answer.took_place is None:
            open_ones.append(meeting)
    buttons = [
        button(
            when_text(ctx.t, m.starts_at, m.ends_at, zone)[:40],
            pack(PREFIX, "q", m.id),
        )
        for m in open_ones
    ]
    buttons.append(button(ctx.t.plain("fb.log_button"), pack(PREFIX, "l", tandem.id)))
    key = "fb.offer" if open_ones else "fb.offer_none"
    ctx.reply(ctx.t(key, partner=who(ctx.t, partner, Case.DATIVE)), column(buttons))


# --- buttons ------------------------------------------------------------------------------------


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    action, args = parts[0], parts[1:]
    if action in ("ls", "lx") and not args:
        await _log_button(ctx, save=action == "ls")
        return
    if action in ("k", "l") and len(args) == 1:
        tandem = await own_tandem(ctx, as_int(args[0]))
        if tandem is None:
            ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        elif action == "k":
            await _offer(ctx, tandem)
        else:
            await dialogs.save(
                ctx.session,
                ctx.user_id,
                flow=LOG_FLOW,
                step="when",
                data={"tandem": tandem.id},
                now=ctx.now,
            )
            ctx.reply(ctx.t("fb.log_ask"))
        return
    meeting = await own_meeting(ctx, as_int(args[0])) if args else None
    if meeting is None or meeting.starts_at > ctx.now:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    value = args[1] if len(args) > 1 else ""
    if action == "q" and len(args) == 1:
        await _ask_took_place(ctx, meeting)
    elif action == "t" and value in {o.value for o in Outcome}:
        await _took_place(ctx, meeting, Outcome(value))
    elif action == "r" and as_int(value) in RATINGS:
        await _rated(ctx, meeting, int(value))
    elif action == "s" and len(args) == 1:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.edit(None)
        await _after_comment(ctx, meeting)
    elif action == "f" and value in ("y", "n"):
        await _fits(ctx, meeting, value == "y")
    elif action == "m" and value in ("y", "n"):
        await _rematch(ctx, meeting, value == "y")
    elif action == "v" and value in ("y", "n"):
        await _verify(ctx, meeting, value == "y")
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _ask_took_place(ctx: Ctx, meeting: Meeting) -> None:
    program = await programs.get(ctx.session, meeting.tandem.program_id)
    zone = ctx.services.zone_of(program)
    _, partner = partners(meeting.tandem, ctx.user_id)
    ctx.reply(
        ctx.t(
            "fb.ask",
            partner=who(ctx.t, partner, Case.DATIVE),
            when=when_text(ctx.t, meeting.starts_at, meeting.ends_at, zone),
            where=meeting.place or "–",
        ),
        took_place_keyboard(ctx.t, meeting.id),
    )


async def _took_place(ctx: Ctx, meeting: Meeting, outcome: Outcome) -> None:
    if meetings.awaiting_verification(meeting) and meeting.proposed_by != ctx.user_id:
        # The partner of a recorded meeting answers the one question that decides it.
        await _verify(ctx, meeting, outcome is Outcome.HELD)
        return
    me = _me(meeting, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    if row.took_place is not None or outcome is Outcome.DISPUTED:  # an answer stands
        ctx.answer(ctx.t.plain("fb.already"))
        ctx.edit(None)
        return
    row.took_place = outcome
    row.answered_at = ctx.now
    await meetings.record_outcome(ctx.session, meeting)
    await reminders.cancel(
        ctx.session,
        now=ctx.now,
        meeting_id=meeting.id,
        user_id=ctx.user_id,
        kinds=[Kind.FEEDBACK.value, Kind.FEEDBACK_AGAIN.value],
    )
    if outcome is Outcome.HELD:
        await tandems.reset_nudges(ctx.session, meeting.tandem_id)
        ctx.edit(ctx.t("fb.rate"), _rating_keyboard(ctx.t, meeting.id))
        return
    ctx.edit(
        ctx.t(f"fb.not_held.{outcome.value}"),
        column([button(ctx.t.plain("meet.new_button"), pack("me", "n", meeting.tandem_id))]),
    )


async def _rated(ctx: Ctx, meeting: Meeting, rating: int) -> None:
    me = _me(meeting, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    if row.took_place is None:  # rated from an old button
        row.took_place = Outcome.HELD
        await meetings.record_outcome(ctx.session, meeting)
    row.rating = rating
    row.answered_at = ctx.now
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=NOTE_FLOW,
        step="text",
        data={"meeting": meeting.id},
        now=ctx.now,
    )
    ctx.edit(ctx.t("fb.rated", rating=rating))
    ctx.reply(
        ctx.t("fb.comment_ask", limit=MAX_COMMENT),
        column([button(ctx.t.plain("fb.skip"), pack(PREFIX, "s", meeting.id))]),
    )


async def _after_comment(ctx: Ctx, meeting: Meeting) -> None:
    """After the tandem's first meeting, each partner is asked privately whether it fits: once
    per partner and tandem, whatever meetings follow or are recorded for earlier days."""
    me = _me(meeting, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    if not await meetings.fit_asked(ctx.session, meeting.tandem_id, me.id):
        row.fit_asked_at = ctx.now
        ctx.reply(
            ctx.t("fit.ask"),
            rows(
                [
                    button(ctx.t.plain("fit.yes"), pack(PREFIX, "f", meeting.id, "y")),
                    button(ctx.t.plain("fit.no"), pack(PREFIX, "f", meeting.id, "n")),
                ]
            ),
        )
        return
    ctx.reply(ctx.t("fb.thanks"))


async def _tell_coordinators(ctx: Ctx, meeting: Meeting, me: Participant, *, rematch: bool) -> None:
    key = "fit.rematch_to_coordinators" if rematch else "fit.to_coordinators"
    tandem = meeting.tandem
    program = await programs.get(ctx.session, tandem.program_id)
    _, partner = partners(tandem, ctx.user_id)
    for coordinator_id in sorted(
        await ctx.services.coordinator_ids(ctx.session, tandem.program_id)
    ):
        t = ctx.for_user(await users.get(ctx.session, coordinator_id))
        ctx.send_to(
            coordinator_id,
            t(
                key,
                name=who(t, me, Case.BARE),
                partner=who(t, partner, Case.BARE),
                program=program.name if program else "",
            ),
            column([button(t.plain("td.open"), pack("td", "v", tandem.id))]),
        )


async def _fits(ctx: Ctx, meeting: Meeting, fits: bool) -> None:
    me = _me(meeting, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    if row.fits is not None or await meetings.fit_answered(ctx.session, meeting.tandem_id, me.id):
        ctx.answer(ctx.t.plain("fb.already"))
        ctx.edit(None)
        return
    row.fits = fits
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="fit", now=ctx.now, meeting=meeting.id, fits=fits
    )
    if fits:
        ctx.edit(ctx.t("fit.thanks_yes"))
        return
    await _tell_coordinators(ctx, meeting, me, rematch=False)
    ctx.edit(
        ctx.t("fit.thanks_no"),
        rows(
            [button(ctx.t.plain("fit.rematch_yes"), pack(PREFIX, "m", meeting.id, "y"))],
            [button(ctx.t.plain("fit.rematch_no"), pack(PREFIX, "m", meeting.id, "n"))],
        ),
    )


async def _rematch(ctx: Ctx, meeting: Meeting, wanted: bool) -> None:
    me = _me(meeting, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    if row.fits is not False or row.rematch_requested is not None:
        ctx.answer(ctx.t.plain("fb.already"))
        ctx.edit(None)
        return
    row.rematch_requested = wanted
    if wanted:
        await _tell_coordinators(ctx, meeting, me, rematch=True)
        ctx.edit(ctx.t("fit.rematch_noted"))
    else:
        ctx.edit(ctx.t("fit.rematch_declined"))


# --- text: the note, and a meeting reported afterwards -----------------------------------------


async def on_text(ctx: Ctx, flow: str, data: dict[str, Any], text: str | None) -> None:
    if flow == NOTE_FLOW:
        await _note(ctx, data, text)
    else:
        await _log(ctx, data, text)


async def _note(ctx: Ctx, data: dict[str, Any], text: str | None) -> None:
    meeting = await own_meeting(ctx, int(data["meeting"]))
    if meeting is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("tandem.none"))
        return
    note = clean_text(text or "")
    if not note or note.startswith("/") or len(note) > MAX_COMMENT:
        ctx.reply(
            ctx.t(
                "error.too_long" if len(note) > MAX_COMMENT else "fb.comment_bad",
                limit=MAX_COMMENT,
                length=len(note),
            ),
            column([button(ctx.t.plain("fb.skip"), pack(PREFIX, "s", meeting.id))]),
        )
        return
    me = _me(meeting, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    row.comment = note
    await dialogs.clear(ctx.session, ctx.user_id)
    ctx.reply(ctx.t("fb.comment_saved"))
    await _after_comment(ctx, meeting)


def _day_text(ctx: Ctx, start: dt.datetime, zone: ZoneInfo, timed: bool) -> str:
    if timed:
        return when_text(ctx.t, start, start + dt.timedelta(minutes=DEFAULT_DURATION), zone)
    start = start.astimezone(zone)
    return ctx.t.plain(
        "fb.log_day",
        weekday=ctx.t.plain(f"weekday.{start.weekday()}"),
        date=start.strftime("%d.%m.%Y"),
    )


async def _log(ctx: Ctx, data: dict[str, Any], text: str | None) -> None:
    """The day (and time) of a meeting held outside the bot; nothing is stored until the
    summary's button is pressed."""
    tandem = await own_tandem(ctx, int(data["tandem"]))
    if tandem is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("tandem.none"))
        return
    if data.get("start") is not None:  # at the summary only the buttons act
        await _log_summary(ctx, data, tandem)
        return
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    raw = clean_text(text or "")[:200]
    today = ctx.now.astimezone(zone).date()
    when = parse_logged(raw, today) if raw else None
    if when is None:
        ctx.reply(ctx.t("fb.log_bad"))
        return
    try:
        start = local_to_utc(when.day, when.time or LOGGED_DEFAULT_TIME, zone)
    except NonexistentTime:
        ctx.reply(ctx.t("meet.time.nonexistent"))
        return
    if when.time is None and when.day == today and start > ctx.now:  # earlier today
        start = ctx.now.replace(second=0, microsecond=0)
    if not await _recordable(ctx, tandem, start, zone):
        return
    data.update(start=start.isoformat(), timed=when.time is not None)
    await dialogs.save(
        ctx.session, ctx.user_id, flow=LOG_FLOW, step="confirm", data=data, now=ctx.now
    )
    await _log_summary(ctx, data, tandem)


async def _recordable(ctx: Ctx, tandem: Tandem, start: dt.datetime, zone: ZoneInfo) -> bool:
    """Within the tandem's lifetime, not in the future, one per day; else the user is told."""
    day = start.astimezone(zone).date()
    record = check_recorded_day(
        day,
        formed_on=tandem.created_at.astimezone(zone).date(),
        today=ctx.now.astimezone(zone).date(),
        taken=await meetings.days_taken(ctx.session, tandem.id, zone),
    )
    if record is RecordProblem.BEFORE_TANDEM:
        since = tandem.created_at.astimezone(zone).strftime("%d.%m.%Y")
        ctx.reply(ctx.t("fb.log_before_tandem", since=since))
        return False
    if record is RecordProblem.TAKEN:
        ctx.reply(ctx.t("fb.log_taken", date=day.strftime("%d.%m.%Y")))
        return False
    if record is RecordProblem.NOT_YET:
        ctx.reply(ctx.t("fb.log_not_yet"))
        return False
    problem = check_logged(start, ctx.now)
    if problem is not None:
        ctx.reply(ctx.t(f"fb.log_{problem.value}"))
        return False
    return True


async def _log_summary(ctx: Ctx, data: dict[str, Any], tandem: Tandem) -> None:
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    start = dt.datetime.fromisoformat(data["start"])
    _, partner = partners(tandem, ctx.user_id)
    ctx.reply(
        ctx.t(
            "fb.log_summary",
            partner=who(ctx.t, partner, Case.DATIVE),
            partner_start=who(ctx.t, partner, Case.START),
            when=_day_text(ctx, start, zone, bool(data.get("timed"))),
        ),
        rows(
            [button(ctx.t.plain("fb.log_save"), pack(PREFIX, "ls"))],
            [button(ctx.t.plain("fb.log_discard"), pack(PREFIX, "lx"))],
        ),
    )


async def _log_button(ctx: Ctx, *, save: bool) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is None or dialog.flow != LOG_FLOW or dialog.step != "confirm":
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(None)
        return
    data = dict(dialog.data)
    await dialogs.clear(ctx.session, ctx.user_id)
    if not save:
        ctx.edit(ctx.t("fb.log_discarded"))
        return
    tandem = await own_tandem(ctx, int(data["tandem"]))
    if tandem is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        ctx.edit(None)
        return
    program = await programs.get(ctx.session, tandem.program_id)
    zone = ctx.services.zone_of(program)
    start = dt.datetime.fromisoformat(data["start"])
    if not await _recordable(ctx, tandem, start, zone):  # the partner was quicker, or time passed
        ctx.edit(None)
        return
    meeting = await meetings.log_past(
        ctx.session,
        tandem_id=tandem.id,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=DEFAULT_DURATION),
        day=start.astimezone(zone).date(),
        by=ctx.user_id,
        now=ctx.now,
    )
    day = start.astimezone(zone).strftime("%d.%m.%Y")
    if meeting is None:  # a simultaneous press for the same day won
        ctx.edit(None)
        ctx.reply(ctx.t("fb.log_taken", date=day))
        return
    me, partner = partners(tandem, ctx.user_id)
    row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
    row.took_place = Outcome.HELD
    row.answered_at = ctx.now
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="meeting_logged", now=ctx.now, meeting=meeting.id
    )
    ctx.edit(ctx.t("fb.log_saved", partner=who(ctx.t, partner, Case.START), when=day))
    ctx.reply(ctx.t("fb.logged", when=day), _rating_keyboard(ctx.t, meeting.id))
    t = ctx.for_user(partner.user)
    ctx.send_to(
        partner.user_id,
        t("fb.verify_ask", name=who(t, me, Case.START), when=day),
        rows(
            [
                button(t.plain("fb.verify_yes"), pack(PREFIX, "v", meeting.id, "y")),
                button(t.plain("fb.verify_no"), pack(PREFIX, "v", meeting.id, "n")),
            ]
        ),
    )


async def _verify(ctx: Ctx, meeting: Meeting, held: bool) -> None:
    """The partner of a recorded meeting confirms it (it counts from now on) or says it did not
    take place (it never counts); decided once, by them or a coordinator."""
    if meeting.proposed_by == ctx.user_id or not meetings.awaiting_verification(meeting):
        ctx.answer(ctx.t.plain("fb.verify_decided"), alert=True)
        ctx.edit(None)
        return
    program = await programs.get(ctx.session, meeting.tandem.program_id)
    zone = ctx.services.zone_of(program)
    day = meeting.starts_at.astimezone(zone).strftime("%d.%m.%Y")
    me, recorder = partners(meeting.tandem, ctx.user_id)
    if held:
        if not await meetings.verify_logged(ctx.session, meeting, ctx.now):
            ctx.answer(ctx.t.plain("fb.verify_decided"), alert=True)
            return
        row = await meetings.feedback_row(ctx.session, meeting.id, me.id, ctx.now)
        row.took_place = Outcome.HELD
        row.answered_at = ctx.now
        await tandems.reset_nudges(ctx.session, meeting.tandem_id)
    elif not await meetings.reject_logged(ctx.session, meeting, ctx.now):
        ctx.answer(ctx.t.plain("fb.verify_decided"), alert=True)
        return
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="meeting_verified" if held else "meeting_rejected",
        now=ctx.now,
        meeting=meeting.id,
    )
    ctx.edit(ctx.t("fb.verified" if held else "fb.rejected", when=day))
    t = ctx.for_user(recorder.user)
    ctx.send_to(
        recorder.user_id,
        t(
            "fb.verified_to_recorder" if held else "fb.rejected_to_recorder",
            partner=who(t, me, Case.START),
            when=day,
        ),
    )
