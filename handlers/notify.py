"""Messages to people other than the one who acted: coordinators, a decided participant."""

from __future__ import annotations

from bot.context import Ctx
from handlers.callbacks import pack
from handlers.keyboards import button, rows
from handlers.views import fields
from handlers.views.address import role_label
from storage import users
from storage.models import Participant, Program


async def new_registration(ctx: Ctx, program: Program, participant: Participant) -> None:
    for coordinator_id in sorted(await ctx.services.coordinator_ids(ctx.session, program.id)):
        coordinator = await users.get(ctx.session, coordinator_id)
        if coordinator is not None and not coordinator.reachable:
            continue
        t = ctx.for_user(coordinator)
        text = t(
            "coord.new_registration",
            program=program.name,
            role=role_label(t, participant),
            name=participant.name,
            company=participant.company,
            industry=participant.industry,
            position=participant.position,
        )
        markup = rows(
            [
                button(t.plain("coord.approve"), pack("pp", "s", participant.id, "active")),
                button(t.plain("coord.reject"), pack("pp", "s", participant.id, "rejected")),
            ],
            [button(t.plain("coord.details"), pack("pp", "v", participant.id))],
        )
        ctx.send_to(coordinator_id, text, markup)


async def status_changed(ctx: Ctx, program: Program, participant: Participant) -> None:
    user = participant.user
    if user is None or not user.reachable:
        return
    t = ctx.for_user(user)
    key = f"participant.status.{participant.status}"
    if t.has(key):
        ctx.send_to(participant.user_id, t(key, program=program.name))


def profile_block(ctx: Ctx, participant: Participant) -> str:
    return fields.render_profile(ctx.t, fields.values_of(participant))
