"""/broadcast: a coordinator writes an announcement, sees exactly what participants will get,
chooses the audience, sees how many it reaches, and sends it now or at a set time.

The text is the coordinator's own message with its formatting, taken as Telegram's HTML
rendering of its entities (`Message.text_html`), so the preview and every copy are the same.
services/broadcasts.py keeps the rules; bot/broadcaster.py does the sending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import posts
from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from core.broadcasts import MAX_TEXT
from handlers.keyboards import reply_below
from handlers.views import broadcasts as views
from handlers.views.broadcasts import (
    Back,
    CancelScheduled,
    ChooseAudience,
    ChooseProgram,
    Discard,
    ResendInterrupted,
    Retry,
    SendLater,
    SendNow,
    SendPaid,
)
from services import broadcasts
from services.broadcasts import BroadcastState, WhenProblem

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

FLOW = "broadcast"  # as services.broadcasts stores it (/cancel answers cancel.broadcast)


async def broadcast_command(ctx: Ctx) -> None:
    choice = await broadcasts.choice(ctx.uow)
    if not choice.programs:
        ctx.reply(ctx.t("pg.none"))
        return
    for planned in choice.scheduled:
        ctx.reply(*views.scheduled_card(ctx.t, _zone(ctx), planned.id, planned.scheduled_at))
    keyboard = views.programs_keyboard(ctx.t, choice.programs, choice.all_programs)
    ctx.reply(ctx.t("bc.choose_program"), keyboard)


def _zone(ctx: Ctx) -> ZoneInfo:
    """Where scheduled times are shown; a program's own zone only reads the typed time."""
    return ctx.services.settings.zone


@on(ChooseProgram)
async def on_program(ctx: Ctx, pressed: ChooseProgram) -> None:
    await broadcasts.choose_program(ctx.uow, pressed.program)
    reply_below(ctx, ctx.t("bc.ask_text", limit=MAX_TEXT))


@dialog(broadcasts.FLOW, BroadcastState, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: BroadcastState, text: str | None) -> None:
    html, raw, attachment = posts.parts(ctx.update.effective_message)
    if step == "text" or (step == "audience" and attachment is not None):
        if not await broadcasts.write(ctx.uow, state, html, raw, attachment):
            ctx.reply(ctx.t("bc.ask_text", limit=MAX_TEXT))
            return
        ctx.reply(ctx.t("bc.preview_follows"))
        ctx.reply_post(state.text or "", state.attachment)  # exactly what participants will get
        ctx.reply(
            views.ask_audience(ctx.t, state.text or "", state.attachment),
            views.audience_keyboard(ctx.t),
        )
    elif step == "when":
        zone = _zone(ctx)
        result = await broadcasts.schedule(ctx.uow, state, text or "", zone)
        if result is None:
            ctx.reply(ctx.t("error.no_dialog"))
        elif isinstance(result, WhenProblem):
            ctx.reply(views.when_problem(ctx.t, result))
        else:
            card, markup = views.scheduled_card(ctx.t, zone, result.broadcast_id, result.at)
            ctx.reply(ctx.t("bc.scheduled") + "\n" + card, markup)
    else:
        ctx.reply(ctx.t("bc.use_buttons"))


@on(ChooseAudience)
async def on_audience(ctx: Ctx, pressed: ChooseAudience) -> None:
    confirmation = await broadcasts.choose_audience(ctx.uow, pressed.audience, pressed.days)
    ctx.edit(*views.confirmation(ctx.t, confirmation))


@on(SendNow)
@on(SendPaid)
async def on_send_now(ctx: Ctx, pressed: SendNow | SendPaid) -> None:
    count = await broadcasts.send_now(ctx.uow, paid=isinstance(pressed, SendPaid))
    ctx.edit(ctx.t("bc.started", count=count))


@on(SendLater)
async def on_send_later(ctx: Ctx, pressed: SendLater) -> None:
    await broadcasts.later(ctx.uow)
    reply_below(ctx, ctx.t("bc.ask_when"), views.back_keyboard(ctx.t))


@on(Back)
async def on_back(ctx: Ctx, pressed: Back) -> None:
    """To the choice of audience again, with the text and the file as they are."""
    await broadcasts.back(ctx.uow)
    ctx.edit(ctx.t("bc.ask_audience"), views.audience_keyboard(ctx.t))


@on(Discard)
async def on_discard(ctx: Ctx, pressed: Discard) -> None:
    await broadcasts.discard(ctx.uow)
    ctx.edit(ctx.t("cancel.broadcast"))


@on(CancelScheduled)
async def on_cancel_scheduled(ctx: Ctx, pressed: CancelScheduled) -> None:
    if not await broadcasts.cancel_scheduled(ctx.uow, pressed.broadcast):
        ctx.answer(ctx.t.plain("bc.not_cancellable"), alert=True)
        ctx.edit(None)
        return
    ctx.edit(ctx.t("bc.cancelled"))


@on(Retry)
@on(ResendInterrupted)
async def on_again(ctx: Ctx, pressed: Retry | ResendInterrupted) -> None:
    """Try again those not reached, or send again, with a note, those left in doubt."""
    resend = isinstance(pressed, ResendInterrupted)
    again = broadcasts.resend_interrupted if resend else broadcasts.retry
    count = await again(ctx.uow, pressed.broadcast)
    ctx.edit(None)
    if not count:
        ctx.answer(ctx.t.plain("bc.nothing_to_resend" if resend else "bc.nothing_to_retry"))
        return
    ctx.reply(ctx.t("bc.resending" if resend else "bc.retrying", count=count))
