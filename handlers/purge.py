"""/purge: coordinators delete a program whose retention period after its end is over.

The rule and the deletion are services/purge.py; this asks for a confirmation first and says
what was deleted.
"""

from __future__ import annotations

from bot.buttons import Button, on
from bot.context import Ctx
from bot.i18n import Safe
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from services import purge
from services.purge import Outcome

PREFIX = "pu"


class _Buttons(Button, prefix=PREFIX, coordinator=True):
    """The purge buttons: `pu:<action>:...`, the coordinators' alone."""


class _OnProgram(_Buttons, prefix=PREFIX, coordinator=True):
    """A press on one program: `pu:<action>:<program>`."""

    program: int


class Choose(_OnProgram, action="c"): ...


class Confirm(_OnProgram, action="y"): ...


class Keep(_Buttons, action="n"): ...


def _months(ctx: Ctx) -> int:
    return ctx.services.settings.retention_months


async def purge_command(ctx: Ctx) -> None:
    items = await purge.due(ctx.uow, _months(ctx))
    if not items:
        ctx.reply(ctx.t("purge.none", months=_months(ctx)))
        return
    ctx.reply(
        ctx.t("purge.choose", months=_months(ctx)),
        column(
            key(ctx.t.plain("purge.item", name=p.name, end=ctx.t.date(p.ends_on)), Choose(p.id))
            for p in items
        ),
    )


def _not_yet(ctx: Ctx, outcome: Outcome) -> bool:
    if outcome.keep_until is None:
        return False
    ctx.answer(ctx.t.plain("purge.not_yet", date=ctx.t.date(outcome.keep_until)), alert=True)
    return True


def _people(ctx: Ctx, count: int) -> Safe:
    return Safe(ctx.t("companies.people", count=count))


@on(Choose)
async def on_choose(ctx: Ctx, pressed: Choose) -> None:
    asked = await purge.ask(ctx.uow, pressed.program, _months(ctx))
    if _not_yet(ctx, asked):
        return
    ctx.edit(
        ctx.t("purge.confirm", program=asked.program_name, people=_people(ctx, asked.people)),
        rows(
            [key(ctx.t.plain("purge.yes"), Confirm(pressed.program))],
            [key(ctx.t.plain("purge.no"), Keep())],
        ),
    )


@on(Confirm)
async def on_confirm(ctx: Ctx, pressed: Confirm) -> None:
    purged = await purge.purge(ctx.uow, pressed.program, _months(ctx))
    if _not_yet(ctx, purged):
        return
    ctx.edit(
        ctx.t(
            "purge.done",
            program=purged.program_name,
            people=_people(ctx, purged.people),
            tandems=Safe(ctx.t("purge.tandems", count=purged.tandems)),
            meetings=Safe(ctx.t("ct.meetings", count=purged.meetings)),
        )
    )


@on(Keep)
async def on_keep(ctx: Ctx, pressed: Keep) -> None:
    purge.keep(ctx.uow)
    ctx.edit(ctx.t("purge.kept"))
