"""Tandems from the participants' side: /tandem (the tandem's home), the introduction again and
a concern; and the coordinators' /tandems, the tandem card, settling a recorded meeting and
dissolving.

The use cases are in services/home.py and services/tandems.py; the home, the introduction and
the card are rendered by handlers/views/home.py, introduction.py and tandem_card.py.
"""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from core.address import Case
from handlers.keyboards import button, column
from handlers.views import home as home_view
from handlers.views import introduction
from handlers.views import tandem_card as card_view
from handlers.views.address import who
from services import conversation, home, tandems
from services.conversation import State
from services.tandems import MAX_NOTE

CONCERN_FLOW = "concern"
DISSOLVE_FLOW = "dissolve"


class ConcernState(State):
    """A partner's concern about this tandem, asked for after the button."""

    tandem: int


class DissolveState(State):
    """The reason a coordinator dissolves this tandem, asked for after the button."""

    tandem: int


# --- /tandem (the tandem's home) and the buttons under an introduction -----------------------


async def tandem_command(ctx: Ctx) -> None:
    mine = await home.mine(ctx.uow)
    if home_view.show(ctx, mine):
        return
    ctx.reply(home_view.waiting(ctx, mine))


@on(home_view.ShowHome)
async def on_home(ctx: Ctx, _: home_view.ShowHome) -> None:
    await tandem_command(ctx)


@on(introduction.ShowIntroduction)
async def on_introduction(ctx: Ctx, pressed: introduction.ShowIntroduction) -> None:
    side = await home.introduction(ctx.uow, pressed.tandem)
    ctx.reply(
        introduction.introduction(ctx.t, side.tandem, side.me, side.partner),
        introduction.keyboard(ctx.t, side.tandem),
    )


@on(introduction.RaiseConcern)
async def on_concern(ctx: Ctx, pressed: introduction.RaiseConcern) -> None:
    tandem = await tandems.pressed_own(ctx.uow, pressed.tandem)
    await conversation.save(ctx.uow, CONCERN_FLOW, "text", ConcernState(tandem=tandem.id))
    ctx.reply(ctx.t("concern.ask", limit=MAX_NOTE))


@dialog(CONCERN_FLOW, ConcernState)
async def on_concern_text(ctx: Ctx, step: str, state: ConcernState, text: str | None) -> None:
    concern = await tandems.raise_concern(ctx.uow, state.tandem, text)
    if concern is None:
        await conversation.clear(ctx.uow)
        ctx.reply(ctx.t("tandem.none"))
        return
    if concern.key is not None:
        ctx.reply(ctx.t(concern.key, limit=MAX_NOTE, length=len(concern.note)))
        return
    await conversation.clear(ctx.uow)
    me, partner = concern.side.me, concern.side.partner
    for coordinator_id, coordinator in concern.coordinators:
        t = ctx.for_user(coordinator)
        ctx.send_to(
            coordinator_id,
            t(
                "concern.to_coordinators",
                name=who(t, me, Case.BARE),
                partner=who(t, partner, Case.BARE),
                program=concern.program.name if concern.program else "",
                note=concern.note,
            ),
            card_view.answer_buttons(t, concern.side.tandem.id, me.role),
        )
    ctx.reply(ctx.t("concern.sent"))


# --- coordinators: /tandems, the card, dissolve -----------------------------------------------


async def tandems_command(ctx: Ctx) -> None:
    await _choose_program(ctx, edit=False)


@on(card_view.ChooseProgram)
async def on_choose_program(ctx: Ctx, _: card_view.ChooseProgram) -> None:
    await _choose_program(ctx, edit=True)


async def _choose_program(ctx: Ctx, *, edit: bool) -> None:
    items = await tandems.tandem_programs(ctx.uow)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    show = ctx.edit if edit else ctx.reply
    show(
        ctx.t("td.choose_program"),
        column([button(p.name, card_view.ListTandems(p.id)) for p in items]),
    )


@on(card_view.ListTandems)
async def on_list(ctx: Ctx, pressed: card_view.ListTandems) -> None:
    ctx.edit(*card_view.listing(ctx.t, await tandems.listing(ctx.uow, pressed.program)))


@on(card_view.ShowTandem)
async def on_card(ctx: Ctx, pressed: card_view.ShowTandem) -> None:
    found = await tandems.card(ctx.uow, pressed.tandem)
    ctx.edit(*card_view.card(ctx.t, ctx.services.settings.zone, found))


@on(card_view.SettleMeeting)
async def on_settle(ctx: Ctx, pressed: card_view.SettleMeeting) -> None:
    settled = await tandems.settle_meeting(ctx.uow, pressed.meeting)
    ctx.answer(ctx.t.plain("td.meeting_counted" if settled.counted else "td.meeting_decided"))
    if settled.card is not None:
        ctx.edit(*card_view.card(ctx.t, ctx.services.settings.zone, settled.card))


@on(card_view.DissolveTandem)
async def on_dissolve(ctx: Ctx, pressed: card_view.DissolveTandem) -> None:
    tandem = await tandems.to_dissolve(ctx.uow, pressed.tandem)
    await conversation.save(ctx.uow, DISSOLVE_FLOW, "reason", DissolveState(tandem=tandem.id))
    ctx.reply(ctx.t("td.dissolve_ask", **card_view.pair(ctx.t, tandem)))


@dialog(DISSOLVE_FLOW, DissolveState, coordinator=True)
async def on_dissolve_text(ctx: Ctx, step: str, state: DissolveState, text: str | None) -> None:
    reason = tandems.reason_ok(text)
    if reason is None:
        ctx.reply(ctx.t("td.dissolve_bad", limit=MAX_NOTE))
        return
    await conversation.clear(ctx.uow)
    dissolved = await tandems.dissolve(ctx.uow, state.tandem, reason)
    if dissolved is None:
        ctx.reply(ctx.t("td.dissolve_gone"))
        return
    for side in dissolved.told:
        t = ctx.for_user(side.me.user)
        ctx.send_to(
            side.me.user_id,
            t("td.dissolved_to_participant", partner=who(t, side.partner, Case.DATIVE)),
        )
    ctx.reply(ctx.t("td.dissolved", **card_view.pair(ctx.t, dissolved.tandem)))
