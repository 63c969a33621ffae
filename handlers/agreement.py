"""The mentoring agreement ("Tandemvereinbarung") each partner confirms after the introduction.

Programs ask tandems to agree on goals, cadence, confidentiality and no poaching at the start;
the bot shows the program's text (or the default) and stores each confirmation with its time.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe, Translator
from core.address import Case
from handlers.address import who
from handlers.callbacks import as_int, pack
from handlers.keyboards import button, column
from handlers.meetings import own_tandem, partners
from storage import housekeeping, programs, tandems
from storage.models import Program, Tandem

PREFIX = "ag"


def text_of(t: Translator, program: Program | None) -> str:
    custom = (program.settings or {}).get("agreement") if program else None
    if isinstance(custom, str) and custom.strip():
        return t("agreement.custom", text=custom)
    return t("agreement.default")


def message(
    t: Translator, program: Program | None, tandem: Tandem
) -> tuple[str, InlineKeyboardMarkup]:
    return (
        t("agreement.ask", text=Safe(text_of(t, program))),
        column([button(t.plain("agreement.confirm"), pack(PREFIX, "y", tandem.id))]),
    )


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    tandem = await own_tandem(ctx, as_int(parts[1])) if len(parts) == 2 else None
    if tandem is None or parts[0] != "y":
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    if not await tandems.agree(ctx.session, tandem, ctx.user_id, ctx.now):
        ctx.answer(ctx.t.plain("agreement.already"))
        ctx.edit(None)
        return
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="agreement", now=ctx.now, tandem=tandem.id
    )
    program = await programs.get(ctx.session, tandem.program_id)
    ctx.edit(
        ctx.t("agreement.confirmed", text=Safe(text_of(ctx.t, program))),
    )
    me, partner = partners(tandem, ctx.user_id)
    if tandem.mentor_agreed_at is not None and tandem.mentee_agreed_at is not None:
        for person, other in ((me, partner), (partner, me)):
            t = ctx.for_user(person.user)
            ctx.send_to(person.user_id, t("agreement.both", partner=who(t, other, Case.NOMINATIVE)))
    else:
        ctx.reply(ctx.t("agreement.waiting", partner=who(ctx.t, partner, Case.DATIVE)))
