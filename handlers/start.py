"""/start: the deep link `t.me/<bot>?start=<invite code>` lands here.

The invitation code is the only way into a program: without one, /start explains where to get
the link and names no program, even when only one is open. A matched participant (an introduced
tandem) gets the tandem's home instead, with or without the code of their program.
"""

from __future__ import annotations

from bot.context import Ctx
from core.programs import ParticipantStatus
from handlers.views import home as home_view
from handlers.views import registration as view
from handlers.views.contact import with_contact
from handlers.views.registration import closed
from services import home, programs, registration
from services.home import Homes
from services.registration import Already, Closed, NoProgram, Resumed

# The registrations whose message sends the person to the program team: its contact is added.
ASK_THE_TEAM = (ParticipantStatus.PAUSED, ParticipantStatus.LEFT, ParticipantStatus.REJECTED)


async def start(ctx: Ctx) -> None:
    if not ctx.args:
        homes = await home.mine(ctx.uow)
        if home_view.show(ctx, homes):
            return
        if ctx.is_coordinator:
            names = await programs.coordinated_names(ctx.uow)
            if names:
                ctx.reply(ctx.t("start.coordinator", programs=", ".join(names)))
            else:
                ctx.reply(ctx.t("start.coordinator.first"))
            return
        current = await registration.mine(ctx.uow)
        if current is None:
            ctx.reply(ctx.t("start.no_code"))
        else:  # registered, not introduced yet: where the registration stands, not a welcome
            _already(ctx, current, homes)
        return
    opened = await registration.open_invitation(ctx.uow, ctx.args[0])
    if isinstance(opened, NoProgram):
        ctx.reply(ctx.t("start.bad_code"))
    elif isinstance(opened, Already):
        homes = await home.mine(ctx.uow)
        if home_view.show(ctx, homes):
            return
        _already(ctx, opened, homes)
    elif isinstance(opened, Resumed):
        ctx.reply(ctx.t("reg.resume"))
        ctx.reply(*view.step(ctx.t, opened.prompt))
    elif isinstance(opened, Closed):
        ctx.reply(closed(ctx.t, opened.program))
    else:
        months = ctx.services.settings.retention_months
        ctx.reply(*view.notice(ctx.t, opened.program, opened.code, months))


def _already(ctx: Ctx, already: Already, homes: Homes) -> None:
    """Where a registration stands; an active participant learns that the tandem is to come."""
    existing = already.participant
    text = ctx.t(f"start.already.{existing.status}", program=already.program.name)
    if existing.status in ASK_THE_TEAM:
        text = with_contact(ctx.t, text, already.program)
    elif existing.status == ParticipantStatus.ACTIVE:
        text += "\n\n" + home_view.waiting(ctx, homes)
    ctx.reply(text)
