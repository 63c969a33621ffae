"""/purge: coordinators delete a program whose retention period after its end is over.

Which programs qualify is the pure rule `core.programs.purgeable` with `TANDEM_RETENTION_MONTHS`
(the period the privacy notice promises); it is checked again when the confirmation is pressed,
so an old or forged button cannot purge a running program.
"""

from __future__ import annotations

from bot.context import Ctx
from core.programs import add_months, purgeable
from handlers.callbacks import as_int, pack
from handlers.guard import require_all_programs
from handlers.keyboards import button, column, rows
from storage import housekeeping, programs
from storage.models import Program
from storage.purge import purge_program

PREFIX = "pu"


def _months(ctx: Ctx) -> int:
    return ctx.services.settings.retention_months


def _due(ctx: Ctx, program: Program) -> bool:
    today = ctx.now.astimezone(ctx.services.zone_of(program)).date()
    return purgeable(program.ends_on, today, _months(ctx))


async def purge_command(ctx: Ctx) -> None:
    if not require_all_programs(ctx, "purge"):
        return
    items = [p for p in await programs.list_all(ctx.session, include_archived=True) if _due(ctx, p)]
    if not items:
        ctx.reply(ctx.t("purge.none", months=_months(ctx)))
        return
    ctx.reply(
        ctx.t("purge.choose", months=_months(ctx)),
        column(
            [
                button(
                    ctx.t.plain("purge.item", name=p.name, end=p.ends_on.strftime("%d.%m.%Y")),
                    pack(PREFIX, "c", p.id),
                )
                for p in items
            ]
        ),
    )


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    """`pu:c:<program>` asks, `pu:y:<program>` purges, `pu:n` keeps."""
    if not require_all_programs(ctx, "pu:" + ":".join(parts)):
        return
    if parts == ["n"]:
        ctx.answer()
        ctx.edit(ctx.t("purge.kept"))
        return
    program_id = as_int(parts[1]) if len(parts) == 2 and parts[0] in ("c", "y") else None
    program = await programs.get(ctx.session, program_id) if program_id is not None else None
    if program is None:
        ctx.answer(ctx.t.plain("purge.gone"), alert=True)
        ctx.edit(None)
        return
    if not _due(ctx, program):
        keep_until = add_months(program.ends_on, _months(ctx)).strftime("%d.%m.%Y")
        ctx.answer(ctx.t.plain("purge.not_yet", date=keep_until), alert=True)
        return
    if parts[0] == "c":
        counts = await programs.participant_counts(ctx.session, program.id)
        ctx.answer()
        ctx.edit(
            ctx.t("purge.confirm", program=program.name, people=sum(counts.values())),
            rows(
                [button(ctx.t.plain("purge.yes"), pack(PREFIX, "y", program.id))],
                [button(ctx.t.plain("purge.no"), pack(PREFIX, "n"))],
            ),
        )
        return
    name = program.name
    purged = await purge_program(ctx.session, program.id)
    assert purged is not None
    housekeeping.audit(
        ctx.session,
        user_id=ctx.user_id,
        action="program_purged",
        now=ctx.now,
        program=program_id,
        participants=purged.participants,
        tandems=purged.tandems,
        meetings=purged.meetings,
    )
    ctx.answer()
    ctx.edit(
        ctx.t(
            "purge.done",
            program=name,
            people=purged.participants,
            tandems=purged.tandems,
            meetings=purged.meetings,
        )
    )
