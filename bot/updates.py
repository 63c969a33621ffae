"""Reading updates so that one Telegram cannot parse never blocks the ones behind it.

PTB parses a whole getUpdates answer at once: one update it cannot read (a field of a newer Bot
API, a broken object) makes the call fail, the offset is not confirmed, and the same batch comes
back on the next poll, forever, with a CRITICAL line each time while nobody is answered. Here
each update is read on its own; one that cannot be read is logged once and replaced by an empty
update with its id, which PTB confirms like any other and no handler matches. The webhook server
(bot.webhook) reads its updates through the same function.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Update
from telegram.ext import ExtBot

log = logging.getLogger(__name__)


def readable(data: Any, bot: Bot) -> Update | None:
    """The update, or an empty one with its id if it cannot be read; None without an id."""
    try:
        return Update.de_json(data, bot)
    except Exception as exc:  # whatever a malformed object raises inside PTB
        stub = skipped(data, exc)
        return Update(update_id=stub["update_id"]) if stub is not None else None


def skipped(data: Any, exc: Exception) -> dict[str, int] | None:
    """Logs an unreadable update once (it is confirmed with its id and never comes back) and
    returns the empty update that stands in for it."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    # The content is user text: only its shape goes into the log.
    fields = sorted(str(key) for key in data)[:10] if isinstance(data, dict) else []
    log.error(
        "update %r could not be read and is skipped (%s; fields %r)",
        update_id,
        type(exc).__name__,
        fields,
    )
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        return {"update_id": update_id}
    return None


class TandemBot(ExtBot[None]):
    """PTB's bot, reading each update of a getUpdates answer on its own (see the module)."""

    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        cleaned: list[Any] = []
        for item in result:
            try:
                Update.de_json(item, self)
            except Exception as exc:  # see readable()
                stub = skipped(item, exc)
                if stub is not None:
                    cleaned.append(stub)
            else:
                cleaned.append(item)
        return cleaned
