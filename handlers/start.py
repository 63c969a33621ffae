"""/start: the deep link `t.me/<bot>?start=<invite code>` lands here.

The invitation code is the only way into a program: without one, /start explains where to get
the link and names no program, even when only one is open. A matched participant (an introduced
tandem) gets the tandem's home instead, with or without the code of their program.
"""

from __future__ import annotations

from bot.context import Ctx
from handlers.views import home as home_view
from handlers.views import registration as view
from services import home, registration
from services.registration import Already, Closed, NoProgram, Resumed


async def start(ctx: Ctx) -> None:
    if not ctx.args:
        if home_view.show(ctx, await home.mine(ctx.uow)):
            return
        key = "start.coordinator" if ctx.is_coordinator else "start.no_code"
        ctx.reply(ctx.t(key))
        return
    opened = await registration.open_invitation(ctx.uow, ctx.args[0])
    if isinstance(opened, NoProgram):
        ctx.reply(ctx.t("start.bad_code"))
    elif isinstance(opened, Already):
        if home_view.show(ctx, await home.mine(ctx.uow)):
            return
        existing = opened.participant
        ctx.reply(ctx.t(f"start.already.{existing.status}", program=opened.program.name))
    elif isinstance(opened, Resumed):
        ctx.reply(ctx.t("reg.resume"))
        ctx.reply(*view.step(ctx.t, opened.prompt))
    elif isinstance(opened, Closed):
        ctx.reply(ctx.t("start.closed", program=opened.program.name if opened.program else ""))
    else:
        months = ctx.services.settings.retention_months
        ctx.reply(*view.notice(ctx.t, opened.program, opened.code, months))
