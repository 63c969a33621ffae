"""The one role check every coordinator command and callback goes through."""

from __future__ import annotations

import logging

from bot.runtime import Ctx
from storage import housekeeping

log = logging.getLogger(__name__)


def require_coordinator(ctx: Ctx, action: str) -> bool:
    """True if the user may act as coordinator; otherwise answers, audits and returns False."""
    if ctx.is_coordinator:
        return True
    log.warning("user %s tried coordinator action %s", ctx.user_id, action)
    housekeeping.audit(ctx.session, user_id=ctx.user_id, action="refused", now=ctx.now, what=action)
    if ctx.update.callback_query is not None:
        ctx.answer(ctx.t.plain("error.not_allowed"), alert=True)
    else:
        ctx.reply(ctx.t("error.not_allowed"))
    return False
