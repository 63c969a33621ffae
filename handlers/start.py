"""/start: the deep link `t.me/<bot>?start=<invite code>` lands here.

The invitation code is the only way into a program: without one, /start explains where to get
the link and names no program, even when only one is open.
"""

from __future__ import annotations

from bot.context import Ctx
from core.programs import normalise_invite_code
from handlers import registration
from storage import programs


async def start(ctx: Ctx) -> None:
    if ctx.args:
        code = normalise_invite_code(ctx.args[0])
        program = await programs.by_invite_code(ctx.session, code) if code else None
        if program is None or code is None:
            ctx.reply(ctx.t("start.bad_code"))
            return
        await registration.offer(ctx, program, code)
        return
    key = "start.coordinator" if ctx.is_coordinator else "start.no_code"
    ctx.reply(ctx.t(key))
