"""Program events (/events): coordinators set them up in a short dialog and see who comes;
participants answer their invitations with a button. The rules, the invitations and the
cancellation are services/events.py; the invitation card is handlers/views/events.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from core.events import KINDS, EventKind, EventStatus
from core.html import Safe
from core.profile import clean_text
from handlers.keyboards import button as key
from handlers.keyboards import column, reply_below, rows
from handlers.views.event_time import parse_start, when_text
from handlers.views.events import (
    EditEvent,
    OnEvent,
    OnEvents,
    Rsvp,
    ShowEvent,
    ShowEvents,
    attendance_file,
    card_text,
    default_title,
    describe,
    invitation_card,
    kind_label,
    places_line,
    send_calendar,
)
from handlers.views.programs import ProgramButton
from services import events
from services.events import (
    FLOW,
    MAX_CAPACITY,
    MAX_PLACE,
    MAX_TITLE,
    NO_PLACE,
    Card,
    Draft,
    Listing,
    Reply,
)

if TYPE_CHECKING:
    from storage.models import Program, ProgramEvent


class ChooseProgram(OnEvents, action="p"): ...


class NewEvent(OnEvents, action="n"):
    program: int


class AskCancel(OnEvent, action="x"): ...


class ConfirmCancel(OnEvent, action="xy"): ...


class AttendanceList(OnEvent, action="f"): ...


class PickKind(OnEvents, action="k"):
    kind: EventKind


class TakeTitle(OnEvents, action="t"): ...


class CreateEvent(OnEvents, action="c"): ...


class DiscardEvent(OnEvents, action="q"): ...


# --- /events --------------------------------------------------------------------------------


async def events_command(ctx: Ctx) -> None:
    """Coordinators manage the events; everyone else sees the ones they are invited to."""
    if ctx.is_coordinator:
        await _choose_program(ctx, edit=False)
        return
    found = await events.my_invitations(ctx.uow)
    if not found:
        ctx.reply(ctx.t("ev.none"))
        return
    ctx.reply(ctx.t("ev.list", count=len(found)))
    for item in found:
        zone = ctx.services.zone_of(item.program)
        ctx.reply(*invitation_card(ctx.t, item.event, item.program, zone, item.answer))


@on(Rsvp)
async def on_answer(ctx: Ctx, pressed: Rsvp) -> None:
    answered = await events.answer(ctx.uow, pressed.event, pressed.given)
    if answered.reply is Reply.NOT_INVITED:
        ctx.answer(ctx.t.plain("ev.not_invited"), alert=True)
        return
    if answered.reply is Reply.FULL:  # the invitation stays as it is: maybe or no still work
        capacity = answered.invitation.event.capacity or 0
        ctx.answer(ctx.t.plain("ev.full", count=capacity), alert=True)
        return
    if answered.reply is not Reply.RECORDED:
        over = answered.reply is Reply.OVER
        ctx.answer(ctx.t.plain("ev.over" if over else "ev.cancelled"), alert=True)
        ctx.edit(None)
        return
    item = answered.invitation
    ctx.answer(ctx.t.plain("ev.thanks"))
    zone = ctx.services.zone_of(item.program)
    ctx.edit(*invitation_card(ctx.t, item.event, item.program, zone, item.answer))
    if answered.accepted or answered.withdrawn:
        send_calendar(
            ctx, item.event, item.program, ctx.user_id, ctx.t, withdrawn=answered.withdrawn
        )


# --- the coordinators' side -----------------------------------------------------------------


@on(ChooseProgram)
async def on_choose_program(ctx: Ctx, _: ChooseProgram) -> None:
    await _choose_program(ctx, edit=True)


async def _choose_program(ctx: Ctx, *, edit: bool) -> None:
    found = await events.programs_listed(ctx.uow, open_single=not edit)
    if isinstance(found, Listing):
        ctx.reply(*_event_list(ctx, found))
        return
    if not found:
        ctx.reply(ctx.t("pg.none"))
        return
    text = ctx.t("ek.choose_program")
    markup = column([key(p.name, ShowEvents(p.id)) for p in found])
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


@on(ShowEvents)
async def on_show_events(ctx: Ctx, pressed: ShowEvents) -> None:
    ctx.edit(*_event_list(ctx, await events.program_listing(ctx.uow, pressed.program)))


def _item_label(ctx: Ctx, event: ProgramEvent, program: Program) -> str:
    start = ctx.t.moment(event.starts_at.astimezone(ctx.services.zone_of(program)))
    label = "ek.item_past" if event.starts_at <= ctx.now else "ek.item"
    return ctx.t.plain(label, date=start, title=event.title)


def _event_list(ctx: Ctx, listing: Listing) -> tuple[str, InlineKeyboardMarkup]:
    program = listing.program
    keyboard = [[key(_item_label(ctx, e, program), ShowEvent(e.id))] for e in listing.events]
    keyboard.append([key(ctx.t.plain("ek.new"), NewEvent(program.id))])
    keyboard.append(
        [
            key(ctx.t.plain("ek.other_program"), ChooseProgram()),
            key(ctx.t.plain("ek.to_program"), ProgramButton(program.id)),
        ]
    )
    text = ctx.t("ek.list", program=program.name, count=len(listing.events))
    # An empty list has nothing to tap: it says how to begin instead.
    text += "\n" + ctx.t("ek.list_hint") if listing.events else "\n\n" + ctx.t("ek.list_empty")
    return text, InlineKeyboardMarkup(keyboard)


def _status_line(ctx: Ctx, event: ProgramEvent) -> str:
    if event.status == EventStatus.CANCELLED:
        return ctx.t("ek.status.cancelled")
    if event.starts_at <= ctx.now:
        return ctx.t("ek.status.past")
    return ctx.t("ek.status.planned")


def _event_card(ctx: Ctx, card: Card) -> tuple[str, InlineKeyboardMarkup]:
    event, program = card.event, card.program
    info = describe(ctx.t, event, ctx.services.zone_of(program))
    status = _status_line(ctx, event)
    text = card_text(ctx.t, program, info, card.present, status, event.capacity)
    keyboard: list[list[InlineKeyboardButton]] = []
    if card.cancellable:
        keyboard.append([key(ctx.t.plain("ek.refresh"), ShowEvent(event.id))])
        keyboard.append([key(ctx.t.plain("ek.edit"), EditEvent(event.id))])
        keyboard.append([key(ctx.t.plain("ek.cancel"), AskCancel(event.id))])
    keyboard.append([key(ctx.t.plain("ek.csv.button"), AttendanceList(event.id))])
    keyboard.append([key(ctx.t.plain("common.back"), ShowEvents(program.id))])
    return text, InlineKeyboardMarkup(keyboard)


@on(ShowEvent)
async def on_show_event(ctx: Ctx, pressed: ShowEvent) -> None:
    ctx.edit(*_event_card(ctx, await events.card(ctx.uow, pressed.event)))


@on(AttendanceList)
async def on_attendance_list(ctx: Ctx, pressed: AttendanceList) -> None:
    card = await events.card(ctx.uow, pressed.event)
    name, content = attendance_file(ctx.t, card.event, card.present)
    ctx.send_document(ctx.user_id, name, content, ctx.t("ek.csv.caption", title=card.event.title))


@on(AskCancel)
async def on_ask_cancel(ctx: Ctx, pressed: AskCancel) -> None:
    card = await events.card(ctx.uow, pressed.event)
    if not card.cancellable:
        ctx.answer(ctx.t.plain("ek.cannot_cancel"), alert=True)
        ctx.edit(*_event_card(ctx, card))
        return
    info = describe(ctx.t, card.event, ctx.services.zone_of(card.program))
    count = len(card.present.invited)
    ctx.edit(
        ctx.t("ek.cancel_confirm", title=info["title"], when=info["when"], count=count),
        rows(
            [key(ctx.t.plain("ek.cancel_yes"), ConfirmCancel(card.event.id))],
            [key(ctx.t.plain("common.back"), ShowEvent(card.event.id))],
        ),
    )


@on(ConfirmCancel)
async def on_cancel(ctx: Ctx, pressed: ConfirmCancel) -> None:
    cancelled = await events.cancel(ctx.uow, pressed.event)
    event, program = cancelled.card.event, cancelled.card.program
    if not cancelled.done:
        ctx.answer(ctx.t.plain("ek.cannot_cancel"), alert=True)
        ctx.edit(*_event_card(ctx, cancelled.card))
        return
    zone = ctx.services.zone_of(program)
    for participant in cancelled.told:
        t = ctx.for_user(participant.user)
        info = describe(t, event, zone)
        ctx.send_to(
            participant.user_id,
            t(
                "event.cancelled",
                program=program.name,
                title=info["title"],
                when=info["when"],
            ),
        )
    for person in cancelled.accepted:  # take it out of their calendars
        send_calendar(ctx, event, program, person.user_id, ctx.for_user(person.user))
    ctx.answer(ctx.t.plain("ek.cancelled_toast"))
    ctx.edit(*_event_card(ctx, cancelled.card))
    ctx.reply(ctx.t("ek.cancelled", title=event.title, count=len(cancelled.told)))


# --- the "new event" dialog -----------------------------------------------------------------


def _kind_prompt(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    return ctx.t("ek.ask_kind", program=program.name), column(
        [key(kind_label(ctx.t, kind), PickKind(kind)) for kind in KINDS]
    )


def _title_prompt(ctx: Ctx, kind: str) -> tuple[str, InlineKeyboardMarkup]:
    title = default_title(ctx.t, kind)
    return ctx.t("ek.ask_title", limit=MAX_TITLE), column(
        [key(ctx.t.plain("ek.take_title", title=title), TakeTitle())]
    )


def _when_prompt(ctx: Ctx, program: Program) -> str:
    return ctx.t("ek.ask_when", timezone=program.timezone)


def _summary(ctx: Ctx, draft: Draft, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    kind, title, starts_at = draft.settled()
    text = ctx.t(
        "ek.summary",
        program=program.name,
        title=title,
        kind=kind_label(ctx.t, kind),
        when=when_text(ctx.t, starts_at, ctx.services.zone_of(program), draft.ends_at),
        where=draft.place or ctx.t.plain("event.no_place"),
        places=Safe(places_line(ctx.t, draft.capacity, 0)),
    )
    return text, rows(
        [key(ctx.t.plain("ek.create"), CreateEvent())],
        [key(ctx.t.plain("ek.discard"), DiscardEvent())],
    )


@on(NewEvent)
async def on_new_event(ctx: Ctx, pressed: NewEvent) -> None:
    ctx.reply(*_kind_prompt(ctx, await events.begin(ctx.uow, pressed.program)))


@on(PickKind)
async def on_kind(ctx: Ctx, pressed: PickKind) -> None:
    reply_below(ctx, *_title_prompt(ctx, await events.choose_kind(ctx.uow, pressed.kind)))


@on(TakeTitle)
async def on_take_title(ctx: Ctx, _: TakeTitle) -> None:
    program = await events.take_default_title(ctx.uow, lambda kind: default_title(ctx.t, kind))
    reply_below(ctx, _when_prompt(ctx, program))


@on(DiscardEvent)
async def on_discard(ctx: Ctx, _: DiscardEvent) -> None:
    await events.discard(ctx.uow)
    ctx.edit(ctx.t("cancel.event"))


@on(CreateEvent)
async def on_create(ctx: Ctx, _: CreateEvent) -> None:
    created = await events.create(ctx.uow)
    if created.card is None:
        reply_below(ctx, ctx.t("ek.when.past"))
        ctx.reply(_when_prompt(ctx, created.program))
        return
    ctx.edit(ctx.t("ek.created", title=created.card.event.title, count=created.invited))
    ctx.reply(*_event_card(ctx, created.card))


@dialog(FLOW, Draft, coordinator=True)
async def on_text(ctx: Ctx, step: str, draft: Draft, text: str | None) -> None:
    program = await events.draft_program(ctx.uow, step, draft)
    if program is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return
    raw = clean_text(text or "")
    if step == "title":
        if await events.name(ctx.uow, draft, raw) is None:
            ctx.reply(ctx.t("ek.bad_title", limit=MAX_TITLE))
            ctx.reply(*_title_prompt(ctx, draft.kind or ""))
            return
        ctx.reply(_when_prompt(ctx, program))
    elif step == "when":
        starts_at = parse_start(ctx, program, raw)
        if starts_at is None:
            return  # the problem was explained
        await events.set_start(ctx.uow, draft, starts_at)
        ctx.reply(ctx.t("ek.ask_end"))
    elif step == "end" and draft.starts_at is not None:
        ends_at = None if raw == NO_PLACE else parse_start(ctx, program, raw, after=draft.starts_at)
        if ends_at is None and raw != NO_PLACE:
            return  # the problem was explained
        await events.set_end(ctx.uow, draft, ends_at)
        ctx.reply(ctx.t("ek.ask_place", limit=MAX_PLACE))
    elif step == "place":
        if not await events.locate(ctx.uow, draft, raw):
            ctx.reply(ctx.t("ek.ask_place", limit=MAX_PLACE))
            return
        ctx.reply(ctx.t("ek.ask_capacity"))
    elif step == "capacity":
        if not await events.limit(ctx.uow, draft, raw):
            ctx.reply(ctx.t("ek.bad_capacity", limit=MAX_CAPACITY))
            return
        ctx.reply(*_summary(ctx, draft, program))
    elif step == "kind":
        ctx.reply(ctx.t("error.use_buttons"))
        ctx.reply(*_kind_prompt(ctx, program))
    else:
        ctx.reply(ctx.t("error.use_buttons"))
        ctx.reply(*_summary(ctx, draft, program))
