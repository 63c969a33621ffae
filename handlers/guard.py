"""The one role check every coordinator command and callback goes through."""

from __future__ import annotations

import logging

from bot.context import Ctx
from handlers.callbacks import as_int
from storage import housekeeping, programs
from storage.models import Program

log = logging.getLogger(__name__)


def require_coordinator(ctx: Ctx, action: str) -> bool:
    """True if the user may act as coordinator; otherwise answers, audits and returns False."""
    if ctx.is_coordinator:
        return True
    log.warning("user %s tried coordinator action %r", ctx.user_id, action)
    _refuse(ctx, action, ctx.t.plain("error.not_allowed"), ctx.t("error.not_allowed"))
    return False


def _refuse(ctx: Ctx, action: str, alert: str, message: str) -> None:
    """Audited, and said: as an alert on a button, as a message on a command or text."""
    housekeeping.audit(ctx.session, user_id=ctx.user_id, action="refused", now=ctx.now, what=action)
    if ctx.update.callback_query is not None:
        ctx.answer(alert, alert=True)
    else:
        ctx.reply(message)


# --- programs a coordinator coordinates ----------------------------------------------------------
#
# A coordinator may hold the role for some programs only (a grant with a program). Every
# coordinator handler reaches a program through these two functions, so a button or a dialog
# that names another program's id finds nothing (and is audited), exactly like a forged one.


async def visible_programs(ctx: Ctx, *, include_archived: bool = False) -> list[Program]:
    items = await programs.list_all(ctx.session, include_archived=include_archived)
    return [p for p in items if ctx.coordinates(p.id)]


async def coordinated(ctx: Ctx, program_id: int | None) -> Program | None:
    """The program, if this coordinator coordinates it; None (audited when it exists)."""
    program = await programs.get(ctx.session, program_id) if program_id is not None else None
    if program is None:
        return None
    if not ctx.coordinates(program.id):
        log.warning("coordinator %s reached for program %s", ctx.user_id, program.id)
        housekeeping.audit(
            ctx.session,
            user_id=ctx.user_id,
            action="refused",
            now=ctx.now,
            what=f"program:{program.id}",
        )
        return None
    return program


async def pressed_program(ctx: Ctx, raw_id: str | None) -> Program | None:
    """The program a coordinator's button names, if they coordinate it; otherwise the press is
    answered like any stale button (an alert) and None returned."""
    program = await coordinated(ctx, as_int(raw_id) if raw_id is not None else None)
    if program is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
    return program


def require_all_programs(ctx: Ctx, action: str) -> bool:
    """Creating programs, granting roles, purging, announcing to all programs: only for a
    coordinator of all programs."""
    if ctx.coordinates(None):
        return True
    _refuse(ctx, action, ctx.t.plain("error.all_programs_only"), ctx.t("error.all_programs_only"))
    return False
