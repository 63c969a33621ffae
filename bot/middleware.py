"""What every update goes through before and after its handler.

`tandem_handler` is the middleware: it drops redelivered updates, opens one database session for
the update, loads the user, their role and language, runs the handler, commits, and only then sends
the replies the handler queued (bot.outbox). Commit-then-send keeps write transactions short
(SQLite has one writer) and means a reply never announces something that was rolled back.
`PerUserUpdateProcessor` decides which updates may run at the same time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import astuple
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor, ContextTypes

from bot.context import Ctx, Services, identity, services
from bot.i18n import resolve_language, translator
from bot.outbox import flush, plan_notices
from storage import housekeeping, users
from storage.db import retrying

log = logging.getLogger(__name__)

HandlerFn = Callable[[Ctx], Awaitable[None]]
PtbCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def tandem_handler(fn: HandlerFn) -> PtbCallback:
    """A flow handler as a PTB callback, run as one unit of work (see the module docstring);
    updates from bots and without a sender have nobody to answer and are ignored."""

    @functools.wraps(fn)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context.application)
        tg_user = update.effective_user
        if tg_user is None or tg_user.is_bot:
            return
        # A transient database failure (a PostgreSQL restart, a deadlock victim) runs the
        # update again from the start: safe, since the transaction was rolled back and nothing
        # is sent to Telegram before the commit (the Ctx collects it, flush() sends it).
        ctx = await retrying(
            lambda: _unit_of_work(svc, update, context, fn), f"update {update.update_id}"
        )
        if ctx is not None:
            await flush(ctx)

    return wrapper


async def _unit_of_work(
    svc: Services, update: Update, context: ContextTypes.DEFAULT_TYPE, fn: HandlerFn
) -> Ctx | None:
    """The update's whole effect on the database, in one transaction; the Ctx it returns holds
    what to send once that is committed (None: a redelivered update, nothing to do)."""
    tg_user = update.effective_user
    assert tg_user is not None
    async with svc.db.session() as session:
        now = svc.clock.now()
        # Two statements before the handler: the redelivery check that is also the mark
        # (housekeeping.claim explains why it comes first), and the user with their grants.
        if not await housekeeping.claim(session, update.update_id, now):
            log.info("update %s was already handled; ignoring the redelivery", update.update_id)
            if update.callback_query is not None:
                await svc.messenger.answer(update.callback_query.id)
            return None
        user, granted = await users.with_grants(session, tg_user.id)
        names = identity(tg_user)
        # Written only when Telegram tells of a change: an UPDATE, even of no row, would take
        # SQLite's write lock for every update, read-only commands included.
        if user is not None and (
            not user.reachable or (user.first_name, user.last_name, user.username) != astuple(names)
        ):
            await users.refresh_identity(session, tg_user.id, names, now=now)
        coordinator, scope = svc.role(tg_user.id, granted)
        lang = resolve_language(
            user.language if user else None,
            tg_user.language_code,
            svc.settings.default_language,
        )
        if coordinator and (user is None or user.language is None):
            # Notices to coordinators (a registration, a tandem at risk, a report) are written
            # in the language stored for them: one who never chose one with /language would get
            # them in the default language while the bot answers them in their Telegram's.
            user = await users.keep_language(session, tg_user.id, names, lang, now=now)
        ctx = Ctx(
            update=update,
            session=session,
            services=svc,
            user_id=tg_user.id,
            user=user,
            lang=lang,
            t=translator(lang),
            is_coordinator=coordinator,
            now=now,
            scope=scope if coordinator else None,
            args=list(context.args or []),
        )
        await fn(ctx)
        await plan_notices(ctx)
    return ctx


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across users, strictly in order for each user.

    PTB's default processes one update at a time (slow under load); its plain concurrency would let
    two quick taps of the same user race on the same dialog row.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = 0
        if isinstance(update, Update) and update.effective_user is not None:
            key = update.effective_user.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
