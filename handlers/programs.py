"""Coordinators: create programs, see them, review and decide on participants, grant the role."""

from __future__ import annotations

import datetime as dt

from telegram import InlineKeyboardMarkup

from bot import commands
from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.dialogs import dialog
from core.programs import MAX_PROGRAM_NAME, ParticipantStatus, default_end, parse_date
from handlers.keyboards import button as key
from handlers.keyboards import column, reply_below, rows
from handlers.views import programs as views
from handlers.views import registrations as registration_views
from handlers.views.notify import (
    AskGrant,
    CycleCapacity,
    Grant,
    ParticipantButton,
    SetStatus,
)
from handlers.views.programs import (
    AllPrograms,
    ParticipantsButton,
    ProgramButton,
    SetProgramStatus,
)
from services import coordinators, programs, registrations
from services.coordinators import RoleChange, RoleOutcome
from services.programs import DURATIONS, NewProgram, ProgramCard

FLOW = programs.FLOW


@button("np", "s", coordinator=True)
class StartToday(Button):
    day: str  # an ISO date: the wire format of keyboards sent before buttons were typed


@button("np", "d", coordinator=True)
class Duration(Button):
    months: int


# --- /newprogram ----------------------------------------------------------------------------


async def new_program(ctx: Ctx) -> None:
    await programs.begin(ctx.uow)
    ctx.reply(ctx.t("np.ask_name", limit=MAX_PROGRAM_NAME))


def _start_prompt(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
    today = ctx.now.astimezone(ctx.services.settings.zone).date()
    label = ctx.t.plain("np.today", date=ctx.t.date(today))
    return ctx.t("np.ask_start"), rows([key(label, StartToday(today.isoformat()))])


def _end_prompt(ctx: Ctx, start: dt.date) -> tuple[str, InlineKeyboardMarkup]:
    return ctx.t("np.ask_end"), column(
        key(ctx.t.plain("np.months", months=m, date=ctx.t.date(default_end(start, m))), Duration(m))
        for m in DURATIONS
    )


def _created(ctx: Ctx, card: ProgramCard) -> None:
    ctx.reply(ctx.t("np.created", program=card.program.name))
    ctx.reply(*views.program_card(ctx, card))


@dialog(FLOW, NewProgram, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: NewProgram, text: str | None) -> None:
    raw = " ".join((text or "").split())
    if step == "name":
        if await programs.name(ctx.uow, state, raw):
            ctx.reply(*_start_prompt(ctx))
        else:
            ctx.reply(ctx.t("np.bad_name", limit=MAX_PROGRAM_NAME))
    elif step == "start":
        typed = parse_date(raw)
        if await programs.start(ctx.uow, state, typed):
            assert typed is not None
            ctx.reply(*_end_prompt(ctx, typed))
        else:
            ctx.reply(ctx.t("np.bad_date"))
            ctx.reply(*_start_prompt(ctx))
    else:
        timezone = ctx.services.settings.timezone
        card = await programs.end(ctx.uow, state, parse_date(raw), timezone)
        if card is not None:
            _created(ctx, card)
            return
        assert state.starts_on is not None
        ctx.reply(ctx.t("np.bad_end", start=ctx.t.date(state.starts_on)))
        ctx.reply(*_end_prompt(ctx, state.starts_on))


@on(StartToday)
async def on_start_today(ctx: Ctx, pressed: StartToday) -> None:
    start = await programs.pick_start(ctx.uow, pressed.day)
    reply_below(ctx, *_end_prompt(ctx, start))


@on(Duration)
async def on_duration(ctx: Ctx, pressed: Duration) -> None:
    card = await programs.pick_duration(ctx.uow, pressed.months, ctx.services.settings.timezone)
    ctx.edit(None)
    _created(ctx, card)


# --- /programs and a program's card -----------------------------------------------------------


async def list_programs(ctx: Ctx) -> None:
    ctx.reply(*views.program_list(ctx, await programs.overview(ctx.uow)))


@on(AllPrograms)
async def on_all(ctx: Ctx, pressed: AllPrograms) -> None:
    ctx.edit(*views.program_list(ctx, await programs.overview(ctx.uow)))


@on(ProgramButton)
async def on_program(ctx: Ctx, pressed: ProgramButton) -> None:
    ctx.edit(*views.program_card(ctx, await programs.card(ctx.uow, pressed.program)))


@on(ParticipantsButton)
async def on_participants(ctx: Ctx, pressed: ParticipantsButton) -> None:
    page = await programs.participant_page(ctx.uow, pressed.program, pressed.status, pressed.page)
    ctx.edit(*views.participant_list(ctx, page))


@on(SetProgramStatus)
async def on_program_status(ctx: Ctx, pressed: SetProgramStatus) -> None:
    status = pressed.status
    card = await programs.set_status(ctx.uow, pressed.program, status)
    ctx.answer(ctx.t.plain(f"pg.status_set.{status}"))
    ctx.edit(*views.program_card(ctx, card))


# --- a participant's card and decisions -------------------------------------------------------


@on(ParticipantButton)
async def on_participant(ctx: Ctx, pressed: ParticipantButton) -> None:
    card = await programs.participant_card(ctx.uow, pressed.participant)
    ctx.edit(*views.participant_card(ctx, card))


@on(SetStatus)
async def on_set_status(ctx: Ctx, pressed: SetStatus) -> None:
    rejecting = pressed.status == ParticipantStatus.REJECTED  # asks first, reason or none
    if rejecting and (card := await registrations.to_confirm(ctx.uow, pressed.participant)):
        ctx.edit(*registration_views.confirm_reject(ctx, card))
        return
    decision = await programs.decide(ctx.uow, pressed.participant, pressed.status)
    registration_views.decided(ctx, decision, pressed=True)


@on(CycleCapacity)
async def on_capacity(ctx: Ctx, pressed: CycleCapacity) -> None:
    card = await programs.cycle_capacity(ctx.uow, pressed.participant)
    ctx.edit(*views.participant_card(ctx, card))


@on(AskGrant)
async def on_ask_grant(ctx: Ctx, pressed: AskGrant) -> None:
    card = await programs.participant_card(ctx.uow, pressed.participant)
    name, program = card.participant.name, card.program.name
    ctx.edit(
        ctx.t("pp.make_coordinator.confirm_program", name=name, program=program),
        rows(
            [key(ctx.t.plain("common.yes"), Grant(pressed.participant))],
            [key(ctx.t.plain("common.back"), ParticipantButton(pressed.participant))],
        ),
    )


@on(Grant)
async def on_grant(ctx: Ctx, pressed: Grant) -> None:
    granted = await programs.grant_program_role(ctx.uow, pressed.participant)
    _said(ctx, granted.change)
    ctx.edit(*views.participant_card(ctx, granted.card))


# --- /makecoordinator, /revokecoordinator ----------------------------------------------------


def _argument(ctx: Ctx) -> str | None:
    return ctx.args[0] if len(ctx.args) == 1 else None


async def make_coordinator(ctx: Ctx) -> None:
    change = await coordinators.make_coordinator(ctx.uow, _argument(ctx))
    if change.outcome == RoleOutcome.USAGE:
        ctx.reply(ctx.t("mc.usage"))
    _said(ctx, change)


async def revoke_coordinator(ctx: Ctx) -> None:
    """Take the role back; coordinators from TANDEM_COORDINATORS stay (the operator's list)."""
    change = await coordinators.revoke_coordinator(ctx.uow, _argument(ctx))
    services, user_id = ctx.services, change.user_id
    if change.outcome == RoleOutcome.USAGE:
        ctx.reply(ctx.t("rc.usage"))
    elif change.outcome == RoleOutcome.CONFIGURED:
        ctx.reply(ctx.t("rc.configured", name=change.name))
    elif change.outcome == RoleOutcome.NOT_COORDINATOR:
        ctx.reply(ctx.t("rc.not_coordinator", name=change.name))
    elif change.outcome == RoleOutcome.REVOKED and user_id is not None:
        ctx.reply(ctx.t("rc.done", name=change.name))
        ctx.after_commit.append(lambda: commands.clear_coordinator_commands(services, user_id))
    _said(ctx, change)


def _said(ctx: Ctx, change: RoleChange) -> None:
    """A grant or an unknown user: what the acting coordinator is told, the new coordinator too,
    and the command menu that fits the role from now on (set after the commit)."""
    services, user_id = ctx.services, change.user_id
    if change.outcome == RoleOutcome.UNKNOWN:
        ctx.reply(ctx.t("mc.unknown", who=change.name))
    elif change.outcome == RoleOutcome.ALREADY:
        ctx.reply(ctx.t("mc.already", name=change.name))
    if change.outcome != RoleOutcome.GRANTED or user_id is None:
        return
    if change.program is None:
        ctx.reply(ctx.t("mc.done", name=change.name))
        told = ctx.for_user(change.tell)("mc.you_are_coordinator")
    else:
        program = change.program.name
        ctx.reply(ctx.t("mc.done_program", name=change.name, program=program))
        told = ctx.for_user(change.tell)("mc.you_coordinate_program", program=program)
    if change.tell is not None:
        ctx.send_to(user_id, told)
    all_programs = change.all_programs
    ctx.after_commit.append(
        lambda: commands.set_coordinator_commands(services, user_id, all_programs)
    )
