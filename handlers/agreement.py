"""The mentoring agreement ("Tandemvereinbarung") each partner confirms after the introduction.

Programs ask tandems to agree on goals, cadence, confidentiality and no poaching at the start;
the bot shows the program's text (or the default) and stores each confirmation with its time.
"""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.i18n import Safe
from core.address import Case
from handlers.views.address import who
from handlers.views.agreement import Agree, text_of
from services import agreement


@on(Agree)
async def on_agree(ctx: Ctx, pressed: Agree) -> None:
    agreed = await agreement.agree(ctx.uow, pressed.tandem)
    if agreed is None:
        ctx.answer(ctx.t.plain("agreement.already"))
        ctx.edit(None)
        return
    ctx.edit(ctx.t("agreement.confirmed", text=Safe(text_of(ctx.t, agreed.program))))
    me, partner = agreed.me, agreed.partner
    if agreed.both:
        for person, other in ((me, partner), (partner, me)):
            t = ctx.for_user(person.user)
            ctx.send_to(person.user_id, t("agreement.both", partner=who(t, other, Case.NOMINATIVE)))
    else:
        ctx.reply(ctx.t("agreement.waiting", partner=who(ctx.t, partner, Case.DATIVE)))
