"""Editing a program event from the coordinator's card, one field at a time; everyone invited
is told what changed (old → new, in their language), those who said yes get the calendar entry
again. The rules are services/event_edits.py."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from bot.i18n import Translator
from core.html import Safe
from core.profile import clean_text
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views.event_time import parse_start, when_text
from handlers.views.events import EditEvent, OnEvent, ShowEvent, send_calendar
from services import event_edits
from services.event_edits import FIELDS, FLOW, Edited, Editing, Field
from services.events import MAX_CAPACITY, MAX_PLACE, MAX_TITLE, NO_PLACE


class EditField(OnEvent, action="ef"):
    field: Field


@on(EditEvent)
async def on_edit(ctx: Ctx, pressed: EditEvent) -> None:
    card = await event_edits.begin(ctx.uow, pressed.event)
    labels = [key(ctx.t.plain(f"ek.edit.{f}"), EditField(card.event.id, f)) for f in FIELDS]
    labels.append(key(ctx.t.plain("common.back"), ShowEvent(card.event.id)))
    ctx.edit(ctx.t("ek.edit.choose", title=card.event.title), column(labels))


@on(EditField)
async def on_edit_field(ctx: Ctx, pressed: EditField) -> None:
    card = await event_edits.begin(ctx.uow, pressed.event, pressed.field)
    ctx.edit(None)
    ctx.reply(_prompt(ctx, pressed.field, card.program.timezone))


def _prompt(ctx: Ctx, field: str, timezone: str) -> str:
    if field in ("title", "place"):
        return ctx.t(f"ek.edit.ask_{field}", limit=MAX_TITLE if field == "title" else MAX_PLACE)
    if field == "when":
        return ctx.t("ek.ask_when", timezone=timezone)
    return ctx.t("ek.ask_end" if field == "end" else "ek.ask_capacity")


@dialog(FLOW, Editing, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: Editing, text: str | None) -> None:
    card = await event_edits.editing(ctx.uow, state)
    if card is None:
        ctx.reply(ctx.t("ek.edit.gone"))
        return
    raw, program, event = clean_text(text or ""), card.program, card.event
    value: object
    if step == "when":
        value = parse_start(ctx, program, raw)
    elif step == "end":
        value = None if raw == NO_PLACE else parse_start(ctx, program, raw, after=event.starts_at)
    else:
        valid, value = event_edits.read(step, raw)
        if not valid:  # the question again, for a number what it must be
            bad = ctx.t("ek.bad_capacity", limit=MAX_CAPACITY)
            ctx.reply(bad if step == "capacity" else _prompt(ctx, step, ""))
            return
    if value is None and step in ("when", "end") and raw != NO_PLACE:
        return  # the problem was explained
    edited = await event_edits.apply(ctx.uow, step, value, program)
    if edited.changed:
        _tell(ctx, edited)
    text = ctx.t("ek.edited", count=len(edited.told)) if edited.changed else ctx.t("ek.edit.same")
    ctx.reply(text, column([key(ctx.t.plain("ek.edit.to_event"), ShowEvent(event.id))]))


def _changes(t: Translator, edited: Edited, zone: ZoneInfo) -> str:
    """One "old → new" line per shown detail that changed, in the recipient's language."""
    before, event = edited.before, edited.card.event
    none, unlimited = t.plain("event.no_place"), t.plain("ek.edit.unlimited")
    pairs = [
        ("title", before.title, event.title),
        ("when", *(when_text(t, b.starts_at, zone, b.ends_at) for b in (before, event))),
        ("place", before.place or none, event.place or none),
        ("capacity", str(before.capacity or unlimited), str(event.capacity or unlimited)),
    ]
    return "\n".join(
        t("event.change", label=t.plain(f"ek.edit.{name}"), old=old, new=new)
        for name, old, new in pairs
        if old != new
    )


def _tell(ctx: Ctx, edited: Edited) -> None:
    event, program = edited.card.event, edited.card.program
    yes, zone = {p.id for p in edited.accepted}, ctx.services.zone_of(program)
    for person in edited.told:
        t = ctx.for_user(person.user)
        changes = Safe(_changes(t, edited, zone))
        text = t("event.changed", title=event.title, program=program.name, changes=changes)
        ctx.send_to(person.user_id, text)
        if person.id in yes:
            send_calendar(ctx, event, program, person.user_id, t)
