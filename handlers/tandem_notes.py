"""The program team's conversation with a tandem (issue #13): from the tandem's card a
coordinator writes to the mentor, the mentee or both (a dialog, then a preview); the partner
reads it as from the program team and can reply, and the reply reaches all coordinators of the
program. Everything is kept with the tandem and shown on its card (services/tandem_notes.py).
"""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from core.tandems import MAX_TANDEM_NOTE
from handlers.views import tandem_card as card_view
from handlers.views import tandem_notes as view
from handlers.views.meeting import say
from services import tandem_notes
from services.tandem_notes import REPLY_FLOW, WRITE_FLOW, ReplyState, WriteState


@on(card_view.WriteToTandem)
async def on_write(ctx: Ctx, pressed: card_view.WriteToTandem) -> None:
    tandem = await tandem_notes.recipients_for(ctx.uow, pressed.tandem)
    ctx.edit(*card_view.choose_recipient(ctx.t, tandem))


@on(card_view.WriteTo)
async def on_recipient(ctx: Ctx, pressed: card_view.WriteTo) -> None:
    tandem = await tandem_notes.begin(ctx.uow, pressed.tandem, pressed.to)
    to = view.recipients(ctx.t, tandem, pressed.to)
    ctx.reply(ctx.t("tn.ask", to=to, limit=MAX_TANDEM_NOTE))


@dialog(WRITE_FLOW, WriteState, coordinator=True)
async def on_write_text(ctx: Ctx, step: str, state: WriteState, text: str | None) -> None:
    draft = await tandem_notes.draft(ctx.uow, state, text)
    if draft.problem is not None:
        ctx.reply(say(ctx.t, draft.problem))
        return
    ctx.reply(*card_view.preview(ctx.t, draft.tandem, draft.to, draft.text))


@on(card_view.DiscardNote)
async def on_discard(ctx: Ctx, pressed: card_view.DiscardNote) -> None:
    await tandem_notes.discard(ctx.uow)
    ctx.edit(ctx.t("cancel.tdnote"))


@on(card_view.SendNote)
async def on_send(ctx: Ctx, pressed: card_view.SendNote) -> None:
    sent = await tandem_notes.send(ctx.uow, pressed.tandem)
    program = sent.program.name if sent.program else ""
    for person in sent.to:
        t = ctx.for_user(person.user)
        ctx.send_to(
            person.user_id, *view.to_partner(t, program, sent.note.text or "", sent.note.id)
        )
    ctx.edit(ctx.t("tn.sent", to=view.recipients(ctx.t, sent.tandem, sent.note.scope)))


@on(view.ReplyToTeam)
async def on_reply(ctx: Ctx, pressed: view.ReplyToTeam) -> None:
    await tandem_notes.begin_reply(ctx.uow, pressed.note)
    ctx.reply(ctx.t("tn.reply_ask", limit=MAX_TANDEM_NOTE))


@dialog(REPLY_FLOW, ReplyState)
async def on_reply_text(ctx: Ctx, step: str, state: ReplyState, text: str | None) -> None:
    replied = await tandem_notes.reply(ctx.uow, state, text)
    if replied.problem is not None:
        ctx.reply(say(ctx.t, replied.problem))
        return
    program = replied.program.name if replied.program else ""
    for coordinator_id, coordinator in replied.coordinators:
        t = ctx.for_user(coordinator)
        text = view.reply_to_team(t, replied.tandem, replied.me.role, program, replied.text)
        answer = card_view.answer_buttons(t, replied.tandem.id, replied.me.role)
        ctx.send_to(coordinator_id, text, answer)
    ctx.reply(ctx.t("tn.reply_sent"))
