"""/broadcast: a coordinator writes an announcement, sees exactly what participants will get,
chooses the audience, sees how many it reaches, and sends it now or at a set time.

The text is the coordinator's own message with its formatting, taken as Telegram's HTML
rendering of its entities (`Message.text_html`), so the preview and every copy are the same.
Recipients become outbox rows when sending starts (for a scheduled one: at its time, so the
audience is the one of that moment); `bot.broadcaster` does the sending.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from core.broadcasts import (
    DEFAULT_QUIET_DAYS,
    MAX_TEXT,
    QUIET_DAY_CHOICES,
    Audience,
    BroadcastStatus,
)
from core.meetings import TimeProblem, check_start
from core.reminders import Kind, Planned
from core.when import NonexistentTime, local_to_utc, parse_when
from handlers.callbacks import as_int, pack
from handlers.guard import coordinated, require_coordinator, visible_programs
from handlers.keyboards import button, column, rows
from storage import broadcasts as store
from storage import dialogs, housekeeping, reminders
from storage.models import Dialog, Program

log = logging.getLogger(__name__)

PREFIX = "bc"
FLOW = "broadcast"
ALL_PROGRAMS = 0


async def broadcast_command(ctx: Ctx) -> None:
    if not require_coordinator(ctx, "broadcast"):
        return
    items = await visible_programs(ctx)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    for planned in await store.scheduled(ctx.session):
        if ctx.coordinates(planned.program_id):
            ctx.reply(*_scheduled_card(ctx, planned.id, planned.scheduled_at))
    buttons = [button(p.name, pack(PREFIX, "p", p.id)) for p in items]
    if len(items) > 1 and ctx.coordinates(None):
        buttons.append(button(ctx.t.plain("bc.all_programs"), pack(PREFIX, "p", ALL_PROGRAMS)))
    ctx.reply(ctx.t("bc.choose_program"), column(buttons))


def _scheduled_card(
    ctx: Ctx, broadcast_id: int, when: dt.datetime | None
) -> tuple[str, InlineKeyboardMarkup]:
    shown = when.astimezone(ctx.services.settings.zone).strftime("%d.%m.%Y %H:%M") if when else "–"
    return (
        ctx.t("bc.scheduled_item", when=shown),
        column([button(ctx.t.plain("bc.cancel_scheduled"), pack(PREFIX, "x", broadcast_id))]),
    )


async def _program_of(ctx: Ctx, program_id: int | None) -> Program | None:
    """The program of a broadcast being written (None: all programs)."""
    return await coordinated(ctx, program_id) if program_id else None


async def _may_send(ctx: Ctx, program_id: int | None) -> bool:
    """Re-checked at every step of the dialog: this coordinator coordinates that program (or,
    for all programs, all of them)."""
    if program_id:
        return await coordinated(ctx, program_id) is not None
    return ctx.coordinates(None)


async def _own_broadcast(ctx: Ctx, broadcast_id: int) -> bool:
    broadcast = await store.get(ctx.session, broadcast_id)
    return broadcast is not None and await _may_send(ctx, broadcast.program_id)


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "bc:" + ":".join(parts)):
        return
    action, args = parts[0], parts[1:]
    target = as_int(args[0]) if args else None
    if action == "p" and target is not None:
        await _choose_program(ctx, target)
    elif action == "x" and target is not None:
        await _cancel_scheduled(ctx, target)
    elif action == "r" and target is not None:
        await _retry(ctx, target)
    elif action == "ri" and target is not None:
        await _resend_interrupted(ctx, target)
    else:
        await _dialog_button(ctx, action, args)


async def _choose_program(ctx: Ctx, program_id: int) -> None:
    if not await _may_send(ctx, program_id or None):
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=FLOW,
        step="text",
        data={"program": program_id or None},
        now=ctx.now,
    )
    ctx.edit(None)
    ctx.reply(ctx.t("bc.ask_text", limit=MAX_TEXT))


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    if not require_coordinator(ctx, "broadcast"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    data = dict(dialog.data)
    message = ctx.update.effective_message
    if dialog.step == "text":
        html = message.text_html if message is not None and message.text else ""
        if not html.strip() or (text or "").startswith("/"):
            ctx.reply(ctx.t("bc.ask_text", limit=MAX_TEXT))
            return
        data["text"] = html
        await dialogs.save(
            ctx.session, ctx.user_id, flow=FLOW, step="audience", data=data, now=ctx.now
        )
        ctx.reply(ctx.t("bc.preview_follows"))
        ctx.reply(html)  # exactly what participants will get
        ctx.reply(ctx.t("bc.ask_audience"), _audience_keyboard(ctx))
    elif dialog.step == "when":
        await _schedule(ctx, data, text or "")
    else:
        ctx.reply(ctx.t("bc.use_buttons"))


def _audience_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    buttons = [
        button(ctx.t.plain(f"bc.audience.{a.value}"), pack(PREFIX, "a", a.value))
        for a in (Audience.ALL, Audience.MENTORS, Audience.MENTEES, Audience.UNMATCHED)
    ]
    buttons += [
        button(ctx.t.plain("bc.audience.quiet", days=days), pack(PREFIX, "a", "quiet", days))
        for days in (DEFAULT_QUIET_DAYS, *QUIET_DAY_CHOICES)
    ]
    return column(buttons)


def _audience_label(ctx: Ctx, audience: Audience, days: int | None) -> str:
    if audience is Audience.QUIET:
        return ctx.t.plain("bc.audience.quiet", days=days or DEFAULT_QUIET_DAYS)
    return ctx.t.plain(f"bc.audience.{audience.value}")


async def _dialog_button(ctx: Ctx, action: str, args: list[str]) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is None or dialog.flow != FLOW:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    data = dict(dialog.data)
    if action == "stop":
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.edit(ctx.t("cancel.broadcast"))
    elif action == "a" and dialog.step == "audience" and args:
        await _choose_audience(ctx, data, args)
    elif action == "go" and dialog.step == "confirm":
        await _send_now(ctx, data)
    elif action == "later" and dialog.step == "confirm":
        await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step="when", data=data, now=ctx.now)
        ctx.edit(None)
        ctx.reply(ctx.t("bc.ask_when"))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))


async def _choose_audience(ctx: Ctx, data: dict[str, Any], args: list[str]) -> None:
    try:
        audience = Audience(args[0])
    except ValueError:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    days = as_int(args[1]) if len(args) > 1 else None
    if audience is Audience.QUIET and (days is None or not 1 <= days <= 365):
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    data.update(audience=audience.value, days=days)
    people = await store.recipients(
        ctx.session,
        program_id=data.get("program"),
        audience=audience,
        quiet_days=days,
        now=ctx.now,
    )
    await dialogs.save(ctx.session, ctx.user_id, flow=FLOW, step="confirm", data=data, now=ctx.now)
    program = await _program_of(ctx, data.get("program"))
    ctx.edit(
        ctx.t(
            "bc.confirm",
            audience=_audience_label(ctx, audience, days),
            program=program.name if program else ctx.t.plain("bc.all_programs"),
            count=len(people),
        ),
        rows(
            [button(ctx.t.plain("bc.send_now"), pack(PREFIX, "go"))] if people else [],
            [button(ctx.t.plain("bc.send_later"), pack(PREFIX, "later"))],
            [button(ctx.t.plain("bc.discard"), pack(PREFIX, "stop"))],
        ),
    )


async def _send_now(ctx: Ctx, data: dict[str, Any]) -> None:
    if not await _may_send(ctx, data.get("program")):
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    audience = Audience(data["audience"])
    broadcast = await store.create(
        ctx.session,
        program_id=data.get("program"),
        audience=audience,
        quiet_days=data.get("days"),
        text=data["text"],
        status=BroadcastStatus.SENDING,
        scheduled_at=None,
        created_by=ctx.user_id,
        now=ctx.now,
    )
    broadcast.started_at = ctx.now
    people = await store.recipients(
        ctx.session,
        program_id=data.get("program"),
        audience=audience,
        quiet_days=data.get("days"),
        now=ctx.now,
    )
    await store.enqueue(ctx.session, broadcast.id, people)
    await dialogs.clear(ctx.session, ctx.user_id)
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="broadcast",
        now=ctx.now,
        broadcast=broadcast.id,
        recipients=len(people),
    )
    ctx.edit(ctx.t("bc.started", count=len(people)))
    _send_after_commit(ctx, broadcast.id)


async def _schedule(ctx: Ctx, data: dict[str, Any], raw: str) -> None:
    if not await _may_send(ctx, data.get("program")):
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))
        return
    program = await _program_of(ctx, data.get("program"))
    zone = ctx.services.zone_of(program)
    when = parse_when(raw.strip()[:200], ctx.now.astimezone(zone).date()) if raw.strip() else None
    if when is None or when.time is None:
        ctx.reply(ctx.t("bc.when_bad"))
        return
    try:
        at = local_to_utc(when.day, when.time, zone)
    except NonexistentTime:
        ctx.reply(ctx.t("meet.time.nonexistent"))
        return
    problem = check_start(at, ctx.now)
    if problem is not None:
        key = "meet.time.past" if problem is TimeProblem.PAST else "meet.time.too_far"
        ctx.reply(ctx.t(key))
        return
    broadcast = await store.create(
        ctx.session,
        program_id=data.get("program"),
        audience=Audience(data["audience"]),
        quiet_days=data.get("days"),
        text=data["text"],
        status=BroadcastStatus.SCHEDULED,
        scheduled_at=at,
        created_by=ctx.user_id,
        now=ctx.now,
    )
    planned = [Planned(Kind.BROADCAST, at, ctx.user_id, f"bc{broadcast.id}")]
    ctx.schedule(await reminders.plan(ctx.session, planned, now=ctx.now, broadcast_id=broadcast.id))
    await dialogs.clear(ctx.session, ctx.user_id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="broadcast_scheduled", now=ctx.now, id=broadcast.id
    )
    text, markup = _scheduled_card(ctx, broadcast.id, at)
    ctx.reply(ctx.t("bc.scheduled") + "\n" + text, markup)


async def _cancel_scheduled(ctx: Ctx, broadcast_id: int) -> None:
    if not await _own_broadcast(ctx, broadcast_id) or not await store.cancel(
        ctx.session, broadcast_id
    ):
        ctx.answer(ctx.t.plain("bc.not_cancellable"), alert=True)
        ctx.edit(None)
        return
    await reminders.cancel(ctx.session, now=ctx.now, broadcast_id=broadcast_id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="broadcast_cancelled", now=ctx.now, id=broadcast_id
    )
    ctx.edit(ctx.t("bc.cancelled"))


async def _retry(ctx: Ctx, broadcast_id: int) -> None:
    count = (
        await store.retry_failed(ctx.session, broadcast_id)
        if await _own_broadcast(ctx, broadcast_id)
        else 0
    )
    if not count:
        ctx.answer(ctx.t.plain("bc.nothing_to_retry"))
        ctx.edit(None)
        return
    ctx.edit(None)
    ctx.reply(ctx.t("bc.retrying", count=count))
    _send_after_commit(ctx, broadcast_id)


async def _resend_interrupted(ctx: Ctx, broadcast_id: int) -> None:
    """Those whose message was in flight when a sender died get it again, with a note that
    they may have it already (the retry button leaves them out: they may have it)."""
    count = (
        await store.resend_interrupted(ctx.session, broadcast_id)
        if await _own_broadcast(ctx, broadcast_id)
        else 0
    )
    ctx.edit(None)
    if not count:
        ctx.answer(ctx.t.plain("bc.nothing_to_resend"))
        return
    ctx.reply(ctx.t("bc.resending", count=count))
    _send_after_commit(ctx, broadcast_id)


def _send_after_commit(ctx: Ctx, broadcast_id: int) -> None:
    """The sender reads the outbox rows this update writes: start it once they are committed."""
    services = ctx.services

    async def start() -> None:
        services.start_broadcast(broadcast_id)

    ctx.after_commit.append(start)


async def start_scheduled(session: AsyncSession, broadcast_id: int, now: dt.datetime) -> bool:
    """A scheduled broadcast's time has come: the audience of now goes into the outbox, in the
    caller's transaction (with the timer's row, so a crash cannot leave it half started). False
    if it was cancelled or already started; the caller starts the sender after the commit."""
    if not await store.start(session, broadcast_id, now):
        return False
    broadcast = await store.get(session, broadcast_id)
    assert broadcast is not None
    people = await store.recipients(
        session,
        program_id=broadcast.program_id,
        audience=Audience(broadcast.audience),
        quiet_days=broadcast.quiet_days,
        now=now,
    )
    await store.enqueue(session, broadcast_id, people)
    return True
