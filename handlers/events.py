"""Program events: the dates the whole cohort meets (kickoff, workshops, "Stammtisch", mid-term
review, closing event with the certificates).

Coordinators set them up in a short dialog; creating one plans the invitations and reminders in
the same transaction (the scheduler sends them), so an event never exists without its
invitations or the other way round. Participants answer with a button; the coordinators' card
shows who comes. Cancelling tells everyone at once and drops the reminders still pending.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Translator
from core.events import KINDS, Answer, EventStatus
from core.profile import clean_text
from core.reminders import Policy, plan_event
from handlers.callbacks import as_int, pack
from handlers.guard import coordinated, pressed_program, require_coordinator, visible_programs
from handlers.keyboards import button, column, rows
from handlers.views.event_time import parse_start, when_text
from handlers.views.fit import Part, escaped, fit_message
from storage import dialogs, events, housekeeping, programs, reminders
from storage.events import Attendance
from storage.models import Dialog, Participant, Program, ProgramEvent

FLOW = "event"
MAX_TITLE = 120
MAX_PLACE = 200
LIST_GRACE = dt.timedelta(days=30)  # started events stay listed for their attendance
SHOWN_TO_PARTICIPANT = 10
NO_PLACE = "-"


# --- shared views (also used by the reminder sender) -------------------------------------------


def kind_label(t: Translator, kind: str) -> str:
    if kind not in KINDS:  # a row from a newer version of the bot
        return kind
    return t.plain(f"event.kind.{kind}")


def default_title(t: Translator, kind: str) -> str:
    return t.plain(f"event.default_title.{kind}")


def describe(t: Translator, event: ProgramEvent, zone: ZoneInfo) -> dict[str, str]:
    """Plain strings for catalog templates, which escape them."""
    return {
        "title": event.title,
        "kind": kind_label(t, event.kind),
        "when": when_text(t, event.starts_at, zone),
        "where": event.place or t.plain("event.no_place"),
    }


def rsvp_keyboard(t: Translator, event_id: int, answer: str | None) -> InlineKeyboardMarkup:
    yes, no = t.plain("ev.yes"), t.plain("ev.no")
    if answer == Answer.YES:
        yes = t.plain("ev.chosen", label=yes)
    elif answer == Answer.NO:
        no = t.plain("ev.chosen", label=no)
    return column(
        [button(yes, pack("ev", "r", event_id, "y")), button(no, pack("ev", "r", event_id, "n"))],
        per_row=2,
    )


def _answer_line(t: Translator, answer: str | None) -> str:
    if answer == Answer.YES:
        return t("ev.answer.yes")
    if answer == Answer.NO:
        return t("ev.answer.no")
    return t("ev.answer.none")


def _participant_card(
    t: Translator, event: ProgramEvent, program: Program | None, zone: ZoneInfo, answer: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    info = describe(t, event, zone)
    text = t(
        "ev.card",
        program=program.name if program else "",
        title=info["title"],
        kind=info["kind"],
        when=info["when"],
        where=info["where"],
    )
    return text + "\n\n" + _answer_line(t, answer), rsvp_keyboard(t, event.id, answer)


# --- /events --------------------------------------------------------------------------------


async def events_command(ctx: Ctx) -> None:
    """Coordinators manage the events; everyone else sees the ones they are invited to."""
    if ctx.is_coordinator:
        await _choose_program(ctx)
    else:
        await _my_events(ctx)


async def _my_events(ctx: Ctx) -> None:
    found = await events.upcoming_for_user(
        ctx.session, ctx.user_id, ctx.now, limit=SHOWN_TO_PARTICIPANT
    )
    if not found:
        ctx.reply(ctx.t("ev.none"))
        return
    ctx.reply(ctx.t("ev.list", count=len(found)))
    for event, participant in found:
        program = await programs.get(ctx.session, event.program_id)
        answer = await events.answer_of(ctx.session, event.id, participant.id)
        ctx.reply(*_participant_card(ctx.t, event, program, ctx.services.zone_of(program), answer))


# --- a participant's answer -----------------------------------------------------------------


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    """`ev:r:<event>:y|n`. Never trusted: the event is re-read and the pressing user must be an
    active participant of its program."""
    event_id = as_int(parts[1]) if len(parts) == 3 and parts[0] == "r" else None
    event = await events.get(ctx.session, event_id) if event_id is not None else None
    if event is None or parts[2] not in ("y", "n"):
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    participant = await events.participant_for(ctx.session, event, ctx.user_id)
    if participant is None:
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="refused",
            now=ctx.now,
            what="ev:" + ":".join(parts),
        )
        ctx.answer(ctx.t.plain("ev.not_invited"), alert=True)
        return
    if event.status != EventStatus.PLANNED or event.starts_at <= ctx.now:
        over = event.status == EventStatus.PLANNED
        ctx.answer(ctx.t.plain("ev.over" if over else "ev.cancelled"), alert=True)
        ctx.edit(None)
        return
    answer = Answer.YES if parts[2] == "y" else Answer.NO
    await events.set_answer(ctx.session, event.id, participant.id, answer, ctx.now)
    program = await programs.get(ctx.session, event.program_id)
    ctx.answer(ctx.t.plain("ev.thanks"))
    ctx.edit(*_participant_card(ctx.t, event, program, ctx.services.zone_of(program), answer))


# --- the coordinators' side -----------------------------------------------------------------


async def _choose_program(ctx: Ctx, *, edit: bool = False) -> None:
    items = await visible_programs(ctx)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    if len(items) == 1 and not edit:
        ctx.reply(*await _event_list(ctx, items[0]))
        return
    text = ctx.t("ek.choose_program")
    markup = column([button(p.name, pack("ek", "l", p.id)) for p in items])
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


def _item_label(ctx: Ctx, event: ProgramEvent, zone: ZoneInfo) -> str:
    start = event.starts_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    key = "ek.item_past" if event.starts_at <= ctx.now else "ek.item"
    return ctx.t.plain(key, date=start, title=event.title)


async def _event_list(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    zone = ctx.services.zone_of(program)
    items = await events.upcoming(ctx.session, program.id, ctx.now, grace=LIST_GRACE)
    keyboard = [[button(_item_label(ctx, e, zone), pack("ek", "v", e.id))] for e in items]
    keyboard.append([button(ctx.t.plain("ek.new"), pack("ek", "n", program.id))])
    keyboard.append(
        [
            button(ctx.t.plain("ek.other_program"), pack("ek", "p")),
            button(ctx.t.plain("ek.to_program"), pack("pg", "v", program.id)),
        ]
    )
    text = ctx.t("ek.list", program=program.name, count=len(items))
    if not items:
        text += "\n\n" + ctx.t("ek.list_empty")
    return text, InlineKeyboardMarkup(keyboard)


def _names(t: Translator, people: list[Participant]) -> Part:
    return Part(escaped([p.name for p in people]), lambda rest: t("ek.more", count=rest))


def card_text(
    t: Translator, program: Program, info: dict[str, str], present: Attendance, status: str
) -> str:
    """The attendance card: every name that fits into one message, then how many more."""
    return fit_message(
        lambda names: (
            t(
                "ek.card",
                program=program.name,
                title=info["title"],
                kind=info["kind"],
                when=info["when"],
                where=info["where"],
                yes=len(present.yes),
                no=len(present.no),
                open=len(present.open),
                yes_names=names[0],
                no_names=names[1],
                open_names=names[2],
            )
            + "\n\n"
            + status
        ),
        [_names(t, present.yes), _names(t, present.no), _names(t, present.open)],
    )


def _status_line(ctx: Ctx, event: ProgramEvent) -> str:
    if event.status == EventStatus.CANCELLED:
        return ctx.t("ek.status.cancelled")
    if event.starts_at <= ctx.now:
        return ctx.t("ek.status.past")
    return ctx.t("ek.status.planned")


async def _event_card(
    ctx: Ctx, event: ProgramEvent, program: Program
) -> tuple[str, InlineKeyboardMarkup]:
    info = describe(ctx.t, event, ctx.services.zone_of(program))
    present = await events.attendance(ctx.session, event)
    text = card_text(ctx.t, program, info, present, _status_line(ctx, event))
    keyboard: list[list[InlineKeyboardButton]] = []
    if event.status == EventStatus.PLANNED and event.starts_at > ctx.now:
        keyboard.append([button(ctx.t.plain("ek.refresh"), pack("ek", "v", event.id))])
        keyboard.append([button(ctx.t.plain("ek.cancel"), pack("ek", "x", event.id))])
    keyboard.append([button(ctx.t.plain("common.back"), pack("ek", "l", program.id))])
    return text, InlineKeyboardMarkup(keyboard)


async def on_coordinator_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "ek:" + ":".join(parts)):
        return
    action, args = parts[0], parts[1:]
    if action == "p" and not args:
        await _choose_program(ctx, edit=True)
    elif action in ("k", "t", "c", "q"):
        await _on_dialog_button(ctx, action, args)
    elif action in ("l", "n") and len(args) == 1:
        await _on_program(ctx, action, args[0])
    elif action in ("v", "x", "xy") and len(args) == 1:
        await _on_event(ctx, action, as_int(args[0]))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _on_program(ctx: Ctx, action: str, raw_id: str) -> None:
    program = await pressed_program(ctx, raw_id)
    if program is None:
        return
    if action == "l":
        ctx.edit(*await _event_list(ctx, program))
        return
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=FLOW,
        step="kind",
        data={"program_id": program.id},
        now=ctx.now,
    )
    ctx.reply(*_kind_prompt(ctx, program))


async def _on_event(ctx: Ctx, action: str, event_id: int | None) -> None:
    event = await events.get(ctx.session, event_id) if event_id is not None else None
    program = await coordinated(ctx, event.program_id) if event else None
    if event is None or program is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if action == "v":
        ctx.edit(*await _event_card(ctx, event, program))
    elif action == "x":
        await _confirm_cancel(ctx, event, program)
    else:
        await _cancel(ctx, event, program)


async def _confirm_cancel(ctx: Ctx, event: ProgramEvent, program: Program) -> None:
    if event.status != EventStatus.PLANNED or event.starts_at <= ctx.now:
        ctx.answer(ctx.t.plain("ek.cannot_cancel"), alert=True)
        ctx.edit(*await _event_card(ctx, event, program))
        return
    invited = (await events.attendance(ctx.session, event)).invited
    info = describe(ctx.t, event, ctx.services.zone_of(program))
    ctx.edit(
        ctx.t("ek.cancel_confirm", title=info["title"], when=info["when"], count=len(invited)),
        rows(
            [button(ctx.t.plain("ek.cancel_yes"), pack("ek", "xy", event.id))],
            [button(ctx.t.plain("common.back"), pack("ek", "v", event.id))],
        ),
    )


async def _cancel(ctx: Ctx, event: ProgramEvent, program: Program) -> None:
    if not await events.cancel(ctx.session, event, ctx.now):
        # Cancelled by another coordinator meanwhile, or it has begun.
        ctx.answer(ctx.t.plain("ek.cannot_cancel"), alert=True)
        ctx.edit(*await _event_card(ctx, event, program))
        return
    await reminders.cancel(ctx.session, event_id=event.id, now=ctx.now)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="event_cancelled", now=ctx.now, event=event.id
    )
    invited = (await events.attendance(ctx.session, event)).invited
    zone = ctx.services.zone_of(program)
    told = 0
    for participant in invited:
        if participant.user is None or not participant.user.reachable:
            continue  # blocked the bot: a message would only come back refused
        told += 1
        t = ctx.for_user(participant.user)
        info = describe(t, event, zone)
        ctx.send_to(
            participant.user_id,
            t(
                "event.cancelled",
                program=program.name,
                title=info["title"],
                kind=info["kind"],
                when=info["when"],
            ),
        )
    ctx.answer(ctx.t.plain("ek.cancelled_toast"))
    ctx.edit(*await _event_card(ctx, event, program))
    ctx.reply(ctx.t("ek.cancelled", title=event.title, count=told))


# --- the "new event" dialog -----------------------------------------------------------------


def _kind_prompt(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    return ctx.t("ek.ask_kind", program=program.name), column(
        [button(kind_label(ctx.t, kind), pack("ek", "k", kind)) for kind in KINDS]
    )


def _title_prompt(ctx: Ctx, kind: str) -> tuple[str, InlineKeyboardMarkup]:
    title = default_title(ctx.t, kind)
    return ctx.t("ek.ask_title", limit=MAX_TITLE), column(
        [button(ctx.t.plain("ek.take_title", title=title), pack("ek", "t"))]
    )


def _when_prompt(ctx: Ctx, program: Program) -> str:
    return ctx.t("ek.ask_when", timezone=program.timezone)


def _summary(ctx: Ctx, data: dict[str, Any], program: Program) -> tuple[str, InlineKeyboardMarkup]:
    starts_at = dt.datetime.fromisoformat(data["starts_at"])
    text = ctx.t(
        "ek.summary",
        program=program.name,
        title=data["title"],
        kind=kind_label(ctx.t, data["kind"]),
        when=when_text(ctx.t, starts_at, ctx.services.zone_of(program)),
        where=data["place"] or ctx.t.plain("event.no_place"),
    )
    return text, rows(
        [button(ctx.t.plain("ek.create"), pack("ek", "c"))],
        [button(ctx.t.plain("ek.discard"), pack("ek", "q"))],
    )


async def _save(ctx: Ctx, step: str, data: dict[str, Any]) -> None:
    await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step=step, data=data, now=ctx.now)


async def _dialog_program(ctx: Ctx, dialog: Dialog | None) -> Program | None:
    """The program an open event dialog is about, or None (no dialog, or the program is gone)."""
    if dialog is None or dialog.flow != FLOW:
        return None
    program_id = dialog.data.get("program_id")
    return await coordinated(ctx, program_id) if isinstance(program_id, int) else None


async def _on_dialog_button(ctx: Ctx, action: str, args: list[str]) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    program = await _dialog_program(ctx, dialog)
    expected = {"k": "kind", "t": "title", "c": "confirm"}.get(action)
    if dialog is None or program is None or (expected and dialog.step != expected):
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(None)
        return
    data = dict(dialog.data)
    if action == "q":
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.edit(ctx.t("cancel.event"))
    elif action == "k" and len(args) == 1 and args[0] in KINDS:
        data["kind"] = args[0]
        await _save(ctx, "title", data)
        ctx.edit(None)
        ctx.reply(*_title_prompt(ctx, args[0]))
    elif action == "t" and not args:
        ctx.edit(None)
        await _set_title(ctx, data, program, default_title(ctx.t, data["kind"]))
    elif action == "c" and not args:
        await _create(ctx, data, program)
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    if not require_coordinator(ctx, "event_dialog"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    program = await _dialog_program(ctx, dialog)
    if program is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))
        return
    data = dict(dialog.data)
    raw = clean_text(text or "")
    if dialog.step == "title":
        await _on_title(ctx, data, program, raw)
    elif dialog.step == "when":
        await _on_when(ctx, data, program, raw)
    elif dialog.step == "place":
        await _on_place(ctx, data, program, raw)
    elif dialog.step == "kind":
        ctx.reply(ctx.t("error.use_buttons"))
        ctx.reply(*_kind_prompt(ctx, program))
    else:
        ctx.reply(ctx.t("error.use_buttons"))
        ctx.reply(*_summary(ctx, data, program))


async def _on_title(ctx: Ctx, data: dict[str, Any], program: Program, raw: str) -> None:
    title = " ".join(raw.split())
    if not title or len(title) > MAX_TITLE:
        ctx.reply(ctx.t("ek.bad_title", limit=MAX_TITLE))
        ctx.reply(*_title_prompt(ctx, data["kind"]))
        return
    await _set_title(ctx, data, program, title)


async def _set_title(ctx: Ctx, data: dict[str, Any], program: Program, title: str) -> None:
    data["title"] = title
    await _save(ctx, "when", data)
    ctx.reply(_when_prompt(ctx, program))


async def _on_when(ctx: Ctx, data: dict[str, Any], program: Program, raw: str) -> None:
    starts_at = parse_start(ctx, program, raw)
    if starts_at is None:
        return  # the problem was explained
    data["starts_at"] = starts_at.isoformat()
    await _save(ctx, "place", data)
    ctx.reply(ctx.t("ek.ask_place", limit=MAX_PLACE))


async def _on_place(ctx: Ctx, data: dict[str, Any], program: Program, raw: str) -> None:
    place = " ".join(raw.split())
    if not place or len(place) > MAX_PLACE:
        ctx.reply(ctx.t("ek.ask_place", limit=MAX_PLACE))
        return
    data["place"] = None if place == NO_PLACE else place
    await _save(ctx, "confirm", data)
    ctx.reply(*_summary(ctx, data, program))


async def _create(ctx: Ctx, data: dict[str, Any], program: Program) -> None:
    """The event, its invitations and reminders in one transaction; the scheduler sends them
    once it is committed."""
    starts_at = dt.datetime.fromisoformat(data["starts_at"])
    if starts_at <= ctx.now:  # the summary waited too long
        await _save(ctx, "when", data)
        ctx.edit(None)
        ctx.reply(ctx.t("ek.when.past"))
        ctx.reply(_when_prompt(ctx, program))
        return
    event = await events.create(
        ctx.session,
        program_id=program.id,
        kind=data["kind"],
        title=data["title"],
        starts_at=starts_at,
        place=data["place"],
        created_by=ctx.user_id,
        now=ctx.now,
    )
    people = await events.active_participants(ctx.session, program.id)
    planned = plan_event(
        event_id=event.id,
        starts_at=event.starts_at,
        user_ids=[p.user_id for p in people if p.user_id is not None],
        policy=Policy.from_settings(program.settings),
        now=ctx.now,
    )
    planned_rows = await reminders.plan(ctx.session, planned, now=ctx.now, event_id=event.id)
    ctx.schedule(planned_rows)
    await dialogs.clear(ctx.session, ctx.user_id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="event_created", now=ctx.now, event=event.id
    )
    ctx.edit(ctx.t("ek.created", title=event.title, count=len(people)))
    ctx.reply(*await _event_card(ctx, event, program))
