"""A participant's control over their data and what the bot does with them: /mydata,
/deleteme, /pause and /resume (the use cases are `services.privacy`).

/mydata sends everything stored about the user as one JSON file, in the private chat only.
/deleteme erases it after a confirmation: tandems end, the partner and the coordinators are
told, anonymous counts stay and nothing else names or points at the person (see "Erasure" in
docs/architecture.md); afterwards /start begins from scratch. The notices sent here name the
person once more: like every notice, their text is dropped when they are sent.
"""

from __future__ import annotations

from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.i18n import Safe
from core.address import Case
from handlers.keyboards import button as key
from handlers.keyboards import rows
from handlers.views.address import who
from services import privacy
from services.privacy import Notice, Switch

PREFIX = "dm"


@button(PREFIX, "y")
class EraseYes(Button):
    """Only ever about the pressing user's own data: it carries nothing to forge."""


@button(PREFIX, "n")
class EraseNo(Button):
    pass


async def deleteme_command(ctx: Ctx) -> None:
    if not privacy.stored(ctx.uow):
        ctx.reply(ctx.t("privacy.nothing_stored"))
        return
    ctx.reply(
        ctx.t("privacy.delete_confirm"),
        rows(
            [key(ctx.t.plain("privacy.delete_yes"), EraseYes())],
            [key(ctx.t.plain("privacy.delete_no"), EraseNo())],
        ),
    )


@on(EraseNo)
async def on_keep(ctx: Ctx, pressed: EraseNo) -> None:
    ctx.edit(ctx.t("privacy.delete_kept"))


@on(EraseYes)
async def on_erase(ctx: Ctx, pressed: EraseYes) -> None:
    """A second press (already erased) is answered like the first."""
    notices = await privacy.erase(ctx.uow)
    for notice in notices or []:
        _tell(ctx, notice)
    ctx.edit(ctx.t("privacy.deleted"))


def _tell(ctx: Ctx, notice: Notice) -> None:
    departure, program = notice.departure, notice.program_name
    for partner in notice.partners:
        t = ctx.for_user(partner.user)
        ctx.send_to(
            partner.user_id,
            t("privacy.partner_left", partner=who(t, departure, Case.START), program=program),
        )
    for coordinator in notice.coordinators:
        t = ctx.for_user(coordinator.user)
        ended = Safe(", ".join(who(t, p, Case.BARE) for p in departure.partners))
        ctx.send_to(
            coordinator.user_id,
            t("privacy.coordinator_notice", name=who(t, departure, Case.BARE), program=program)
            + ("\n" + t("privacy.coordinator_ended", partners=ended) if ended else ""),
        )


async def mydata_command(ctx: Ctx) -> None:
    content = await privacy.my_data(ctx.uow)
    if content is None:
        ctx.reply(ctx.t("privacy.nothing_stored"))
        return
    ctx.send_document(ctx.user_id, "tandem-data.json", content, ctx.t("privacy.mydata"))


async def pause_command(ctx: Ctx) -> None:
    done = await privacy.pause(ctx.uow)
    if _registered(ctx, done):
        ctx.reply(ctx.t("privacy.paused" if done is Switch.DONE else "privacy.already_paused"))


async def resume_command(ctx: Ctx) -> None:
    done = await privacy.resume(ctx.uow)
    if _registered(ctx, done):
        ctx.reply(ctx.t("privacy.resumed" if done is Switch.DONE else "privacy.not_paused"))


def _registered(ctx: Ctx, done: Switch) -> bool:
    """Nothing stored about the user, so nothing to pause: said, and False."""
    if done is Switch.NOT_REGISTERED:
        ctx.reply(ctx.t("privacy.not_registered"))
        return False
    return True
