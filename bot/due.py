"""Sending what has come due on the durable schedule, and the nudge sweep.

`fire` runs the use case that claims the row and decides whether the message still makes sense
(services/scheduled.py) in one transaction, renders it there (the renderer is given by the
wiring, bot/app.py, so that `bot` does not import `handlers`), and sends only after that has
committed; the row then records what became of it, including a user who blocked the bot, which
never stops the reminders of anyone else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from bot.outbox import finish_reminder
from core.reminders import State
from services import scheduled
from services.scheduled import Claimed, Due
from services.unit import NOBODY
from storage.db import retrying

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup

    from bot.context import Services
    from bot.i18n import Translator

log = logging.getLogger(__name__)


class Message(Protocol):
    text: str
    markup: InlineKeyboardMarkup | None


Render = Callable[["Translator", "Services", Due, dt.datetime], Message]


async def fire(services: Services, reminder_id: int, render: Render) -> None:
    """Send one due message; an unexpected error closes the row as failed, never resent."""
    try:
        await _fire(services, reminder_id, render)
    except Exception:
        log.exception("reminder %s failed", reminder_id)
        async with services.db.session() as session:
            await scheduled.finish_failed(services.unit(session, NOBODY), reminder_id)


async def _fire(services: Services, reminder_id: int, render: Render) -> None:
    # Claiming and rendering is one transaction that does nothing outside the database, so a
    # database restart in the middle of it just runs it again.
    async def claim() -> tuple[Claimed, Message | None] | None:
        async with services.db.session() as session:
            uow = services.unit(session, NOBODY)
            claimed = await scheduled.claim(uow, reminder_id)
            if claimed is None or claimed.due is None:
                return (claimed, None) if claimed is not None else None
            t = services.translator_for(claimed.user)
            return claimed, render(t, services, claimed.due, uow.now)

    found = await retrying(claim, f"reminder {reminder_id}")
    if found is None:
        return
    claimed, message = found
    if message is None:  # not a message: a scheduled broadcast's time has come
        if claimed.broadcast_id is not None:
            services.start_broadcast(claimed.broadcast_id)
        return
    _, outcome = await services.messenger.deliver(claimed.user_id, message.text, message.markup)
    if outcome.state is not State.SENT:
        log.warning(
            "reminder %s (%s) to %s: %s", reminder_id, claimed.kind, claimed.user_id, outcome.state
        )
    await finish_reminder(services, reminder_id, outcome.state, outcome.value)


async def sweep(services: Services) -> list[tuple[int, dt.datetime]]:
    """Nudge quiet tandems and tell the coordinators about those at risk; returns the rows
    planned, for the caller to arm once they are committed."""
    async with services.db.session() as session:
        uow = services.unit(session, NOBODY)
        await scheduled.sweep(uow)
    if uow.planned:
        log.info("nudge sweep planned %d messages", len(uow.planned))
    return uow.planned
