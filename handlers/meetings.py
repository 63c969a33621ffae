"""Meetings from the partners' side: propose (/meet), accept, decline, another time, move, cancel.

The rules and the storage are in services/meetings.py and the proposal dialog in
services/proposal.py; here the presses and answers are parsed and the results rendered. Whatever
reaches the partner is written in the partner's language, and a confirmed meeting goes to both
as a calendar file.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.dialogs import dialog
from core.address import Case
from core.meetings import DURATION_CHOICES, HOUR_BUTTONS, MAX_PLACE, Act, MeetingStatus
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from handlers.views.address import who
from handlers.views.introduction import ProposeMeeting
from handlers.views.meeting import (
    Accept,
    Cancel,
    CancelConfirmed,
    ChangePart,
    Decline,
    Move,
    NewMeeting,
    OtherTime,
    PickDay,
    ask_when,
    change_keys,
    describe,
    meeting_buttons,
    new_meeting_keyboard,
    one_tandem,
    pairs,
    say,
    send_calendar,
    when_text,
    where_text,
)
from services import meetings as meeting_cases
from services import proposal
from services.errors import Stale
from services.meetings import NotMoved, Parties
from services.proposal import Draft, Moved, Proposed
from services.proposal_state import MeetState, Step

if TYPE_CHECKING:
    from storage.models import Tandem

FLOW = proposal.FLOW
PREFIX = "me"


@button(PREFIX, "t")
class MeetTandem(Button):
    tandem: int


@button(PREFIX, "h")
class PickHour(Button):
    hhmm: str


@button(PREFIX, "dur")
class PickDuration(Button):
    minutes: int


@button(PREFIX, "on")
class Online(Button):
    pass


@button(PREFIX, "nolink")
class NoLink(Button):
    pass


@button(PREFIX, "send")
class Send(Button):
    pass


@button(PREFIX, "stop")
class Stop(Button):
    pass


# --- /meet ------------------------------------------------------------------------------------


async def meet_command(ctx: Ctx) -> None:
    mine = await meeting_cases.introduced_tandems(ctx.uow)
    tandem = one_tandem(ctx, mine, ctx.t("meet.choose_tandem"), MeetTandem)
    if tandem is not None:
        await _show(ctx, tandem)


@on(MeetTandem)
async def on_tandem(ctx: Ctx, pressed: MeetTandem) -> None:
    await _show(ctx, await meeting_cases.pressed_tandem(ctx.uow, pressed.tandem))


async def _show(ctx: Ctx, tandem: Tandem) -> None:
    """Upcoming meetings with their buttons, or straight into a new proposal."""
    seen = await meeting_cases.overview(ctx.uow, tandem)
    if not seen.upcoming:
        _ask(ctx, await proposal.begin(ctx.uow, tandem, "new"))
        return
    zone = ctx.services.zone_of(seen.program)
    for meeting in seen.upcoming:
        confirmed = meeting.status == MeetingStatus.CONFIRMED
        ctx.reply(
            ctx.t(
                "meet.upcoming_confirmed" if confirmed else "meet.pending",
                partner=who(ctx.t, seen.partner, Case.DATIVE),
                **describe(ctx.t, meeting, zone),
            ),
            meeting_buttons(ctx.t, meeting, ctx.user_id, ctx.now),
        )
    ctx.reply(ctx.t("meet.another"), new_meeting_keyboard(ctx.t, tandem.id))


# --- the proposal dialog ----------------------------------------------------------------------


def _ask(ctx: Ctx, draft: Draft) -> None:
    """Say what was wrong with the answer, if anything, then ask for the next piece."""
    if draft.problem is not None:
        ctx.reply(say(ctx.t, draft.problem))
    if draft.ask is Step.WHEN:
        ctx.reply(*ask_when(ctx.t, ctx.now, ctx.services.zone_of(draft.program)))
    elif draft.ask is Step.TIME:
        day = draft.state.day
        assert day is not None
        ctx.reply(
            ctx.t("meet.ask_time", day=ctx.t.day(day)),
            column([key(ctx.t.time(dt.time(h)), PickHour(f"{h:02d}00")) for h in HOUR_BUTTONS], 4),
        )
    elif draft.ask is Step.DURATION:
        ctx.reply(
            ctx.t("meet.ask_duration"),
            column(
                [key(ctx.t.plain(f"meet.duration.{m}"), PickDuration(m)) for m in DURATION_CHOICES],
                per_row=4,
            ),
        )
    elif draft.ask is Step.PLACE:
        ctx.reply(
            ctx.t("meet.ask_place", limit=MAX_PLACE),
            column([key(ctx.t.plain("meet.online_button"), Online())]),
        )
    elif draft.ask is Step.LINK:
        ctx.reply(ctx.t("meet.ask_link"), column([key(ctx.t.plain("meet.no_link"), NoLink())]))
    elif draft.ask is Step.CONFIRM:
        _summary(ctx, draft)


def _summary(ctx: Ctx, draft: Draft) -> None:
    state = draft.state
    assert state.start is not None and state.duration is not None
    end = state.start + dt.timedelta(minutes=state.duration)
    zone = ctx.services.zone_of(draft.program)
    send_key = "meet.send_move" if state.mode == "move" else "meet.send"
    ctx.reply(
        ctx.t(
            "meet.summary",
            partner=who(ctx.t, draft.partner, Case.ACCUSATIVE),
            when=when_text(ctx.t, state.start, end, zone),
            where=where_text(ctx.t, bool(state.online), state.place, state.link),
        ),
        rows(
            [key(ctx.t.plain(send_key), Send())],
            *pairs(change_keys(ctx.t, bool(state.online))),
            [key(ctx.t.plain("meet.discard"), Stop())],
        ),
    )


@dialog(FLOW, MeetState)
async def on_text(ctx: Ctx, step: str, state: MeetState, text: str | None) -> None:
    _ask(ctx, await proposal.answer(ctx.uow, step, state, text))


def _next(ctx: Ctx, draft: Draft) -> None:
    """After a button of the dialog: its keyboard is used up, the next prompt follows."""
    if draft.ask is not None:
        ctx.edit(None)
    _ask(ctx, draft)


@on(NewMeeting)
async def on_new(ctx: Ctx, pressed: NewMeeting | ProposeMeeting) -> None:
    _ask(ctx, await proposal.start_new(ctx.uow, pressed.tandem))


# The button under introductions sent before meetings could be scheduled from there: the same.
on(ProposeMeeting)(on_new)


@on(PickDay)
async def on_day(ctx: Ctx, pressed: PickDay) -> None:
    _next(ctx, await proposal.pick_day(ctx.uow, pressed.day))


@on(PickHour)
async def on_hour(ctx: Ctx, pressed: PickHour) -> None:
    try:
        time = dt.datetime.strptime(pressed.hhmm, "%H%M").time()
    except ValueError:
        raise Stale(f"hour {pressed.hhmm[:8]}") from None
    _next(ctx, await proposal.pick_hour(ctx.uow, time))


@on(PickDuration)
async def on_duration(ctx: Ctx, pressed: PickDuration) -> None:
    _next(ctx, await proposal.pick_duration(ctx.uow, pressed.minutes))


@on(Online)
async def on_online(ctx: Ctx, pressed: Online) -> None:
    _next(ctx, await proposal.pick_online(ctx.uow))


@on(NoLink)
async def on_no_link(ctx: Ctx, pressed: NoLink) -> None:
    _next(ctx, await proposal.skip_link(ctx.uow))


@on(ChangePart)
async def on_change(ctx: Ctx, pressed: ChangePart) -> None:
    _next(ctx, await proposal.change(ctx.uow, pressed.part))


@on(Stop)
async def on_stop(ctx: Ctx, pressed: Stop) -> None:
    await proposal.stop(ctx.uow)
    ctx.edit(ctx.t("cancel.meet"))


@on(Send)
async def on_send(ctx: Ctx, pressed: Send) -> None:
    sent = await proposal.send(ctx.uow)
    if isinstance(sent, Draft):  # the dialog sat until the time had passed
        _ask(ctx, sent)
        return
    ctx.edit(None)
    if isinstance(sent, NotMoved):
        ctx.reply(ctx.t("meet.already_held" if sent.held else "meet.changed"))
    elif isinstance(sent, Moved):
        _moved(ctx, sent.parties)
    else:
        _proposed(ctx, sent)


def _proposed(ctx: Ctx, sent: Proposed) -> None:
    found = sent.parties
    meeting, me, partner = found.meeting, found.me, found.partner
    zone = ctx.services.zone_of(found.program)
    t = ctx.for_user(partner.user)
    ctx.send_to(
        partner.user_id,
        t(
            "meet.counter_to_partner" if sent.counter else "meet.proposal",
            name=who(t, me, Case.START),
            **describe(t, meeting, zone),
        ),
        meeting_buttons(t, meeting, partner.user_id, ctx.now),
    )
    ctx.reply(
        ctx.t(
            "meet.proposal_sent",
            partner=who(ctx.t, partner, Case.ACCUSATIVE),
            **describe(ctx.t, meeting, zone),
        )
    )


def _moved(ctx: Ctx, found: Parties) -> None:
    _to_both(ctx, found, moved=True)


def _to_both(ctx: Ctx, found: Parties, *, moved: bool) -> None:
    """A confirmed or moved meeting, to both partners with its calendar file. After a move
    only the other partner gets the buttons (the mover has just acted), and reads about the
    mover as the sentence's subject."""
    meeting, me = found.meeting, found.me
    zone = ctx.services.zone_of(found.program)
    for person, other in ((me, found.partner), (found.partner, me)):
        t = ctx.for_user(person.user)
        mine = person is me
        if moved:
            text = "meet.moved_by_you" if mine else "meet.moved"
        else:
            text = "meet.confirmed" if person.user_id in found.reminded else "meet.confirmed_asked"
        case = Case.START if moved and not mine else Case.DATIVE
        with_buttons = not (moved and mine)
        ctx.send_to(
            person.user_id,
            t(text, partner=who(t, other, case), **describe(t, meeting, zone)),
            meeting_buttons(t, meeting, person.user_id, ctx.now) if with_buttons else None,
        )
        send_calendar(ctx, meeting, found.program, zone, person, other)


# --- the buttons on a meeting -----------------------------------------------------------------


@on(Accept)
async def on_accept(ctx: Ctx, pressed: Accept) -> None:
    found = await meeting_cases.accept(ctx.uow, pressed.meeting, pressed.version)
    ctx.edit(None)
    _to_both(ctx, found, moved=False)  # both keep the buttons to move or cancel it


@on(Decline)
async def on_decline(ctx: Ctx, pressed: Decline) -> None:
    found = await meeting_cases.decline(ctx.uow, pressed.meeting, pressed.version)
    _ended(ctx, found, cancelled=False)


@on(OtherTime)
async def on_other_time(ctx: Ctx, pressed: OtherTime) -> None:
    draft = await proposal.reconsider(ctx.uow, pressed.meeting, pressed.version, Act.OTHER_TIME)
    ctx.edit(None)
    _ask(ctx, draft)


@on(Move)
async def on_move(ctx: Ctx, pressed: Move) -> None:
    draft = await proposal.reconsider(ctx.uow, pressed.meeting, pressed.version, Act.MOVE)
    ctx.edit(None)
    _ask(ctx, draft)


@on(Cancel)
async def on_cancel(ctx: Ctx, pressed: Cancel) -> None:
    """Ask first: a cancellation reaches the partner at once."""
    found = await meeting_cases.pressed(ctx.uow, pressed.meeting, pressed.version, Act.CANCEL)
    meeting = found.meeting
    ctx.reply(
        ctx.t(
            "meet.cancel_confirm",
            partner=who(ctx.t, found.partner, Case.DATIVE),
            **describe(ctx.t, meeting, ctx.services.zone_of(found.program)),
        ),
        rows([key(ctx.t.plain("meet.cancel_yes"), CancelConfirmed(meeting.id, meeting.version))]),
    )


@on(CancelConfirmed)
async def on_cancel_confirmed(ctx: Ctx, pressed: CancelConfirmed) -> None:
    cancelled = await meeting_cases.cancel(ctx.uow, pressed.meeting, pressed.version)
    found = cancelled.parties
    _ended(ctx, found, cancelled=True)
    if cancelled.was_confirmed:  # take it out of both calendars
        zone = ctx.services.zone_of(found.program)
        for person, other in ((found.me, found.partner), (found.partner, found.me)):
            send_calendar(ctx, found.meeting, found.program, zone, person, other, cancelled=True)


def _ended(ctx: Ctx, found: Parties, *, cancelled: bool) -> None:
    """A declined or cancelled meeting: said on the pressed message, and to the partner with
    a button to propose another."""
    mine = "meet.cancelled_by_you" if cancelled else "meet.you_declined"
    theirs = "meet.cancelled" if cancelled else "meet.declined"
    meeting, partner = found.meeting, found.partner
    zone = ctx.services.zone_of(found.program)
    ctx.edit(ctx.t(mine, **describe(ctx.t, meeting, zone)))
    t = ctx.for_user(partner.user)
    ctx.send_to(
        partner.user_id,
        t(theirs, name=who(t, found.me, Case.START), **describe(t, meeting, zone)),
        new_meeting_keyboard(t, meeting.tandem_id),
    )
