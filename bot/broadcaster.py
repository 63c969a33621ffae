"""The sender that works through a broadcast's outbox.

Eight workers each claim one row at a time and send it through the messenger, whose shared pacer
keeps all sending (broadcasts, reminders, replies) under Telegram's limits, waits out 429s and
retries 5xx and timeouts with backoff. Claiming one row at a time keeps what a crash can leave
in doubt to the few messages actually in flight. The coordinator watches one message that is
edited as delivery goes on, then gets a report with names.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import uuid
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.messenger import Outcome
from core.broadcasts import DeliveryState
from handlers.callbacks import pack
from handlers.fit import Part, escaped, fit_message
from handlers.keyboards import button, column
from storage import broadcasts as store
from storage import users
from storage.db import is_transient, retrying

if TYPE_CHECKING:
    from bot.runtime import Services

log = logging.getLogger(__name__)

WORKERS = 8
PROGRESS_EVERY = 2.0  # seconds between edits of the progress message

OUTCOME_STATE = {
    Outcome.SENT: DeliveryState.SENT,
    Outcome.UNREACHABLE: DeliveryState.UNREACHABLE,
    Outcome.FAILED: DeliveryState.FAILED,
}


class Broadcaster:
    def __init__(
        self,
        services: Services,
        *,
        workers: int = WORKERS,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self._services = services
        self._workers = workers
        self._progress_every = progress_every
        # Identifies this process's claims (several senders on PostgreSQL later).
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def start(self, broadcast_id: int) -> None:
        """Send in the background; starting a broadcast that is already running does nothing."""
        if broadcast_id in self._tasks:
            return
        task = asyncio.create_task(self._run(broadcast_id), name=f"broadcast-{broadcast_id}")
        self._tasks[broadcast_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(broadcast_id, None))

    async def resume(self) -> None:
        """After a restart: rows that were in flight are closed as interrupted (they may have
        arrived; an announcement goes out at most once), the rest carries on."""
        svc = self._services
        async with svc.db.session() as session:
            stale = await store.interrupt_stale(session, svc.clock.now())
            running = await store.in_progress(session)
        if stale:
            log.warning("%d broadcast messages were in flight at the last stop", stale)
        for broadcast_id in running:
            self.start(broadcast_id)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait(self, broadcast_id: int) -> None:
        task = self._tasks.get(broadcast_id)
        if task is not None:
            await asyncio.shield(task)

    async def _run(self, broadcast_id: int) -> None:
        svc = self._services
        async with svc.db.session() as session:
            broadcast = await store.get(session, broadcast_id)
            if broadcast is None:
                return
            coordinator = await users.get(session, broadcast.created_by)
            progress = (broadcast.progress_chat_id, broadcast.progress_message_id)
            text = broadcast.text
        t = svc.translator_for(coordinator)
        if progress[1] is None:
            message = await svc.messenger.send(
                broadcast.created_by, t("bc.progress", done=0, total="…", sent=0, unreachable=0)
            )
            if message is not None:
                progress = (message.chat_id, message.message_id)
                async with svc.db.session() as session:
                    await store.set_progress_message(session, broadcast_id, *progress)
        reporter = asyncio.create_task(self._report_progress(broadcast_id, progress))
        try:
            await asyncio.gather(*(self._work(broadcast_id, text) for _ in range(self._workers)))
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
        async with svc.db.session() as session:
            finished = await store.finish_broadcast(session, broadcast_id, svc.clock.now())
            counts = await store.counts(session, broadcast_id)
            unreachable = await store.names_in(
                session, broadcast_id, [DeliveryState.UNREACHABLE.value]
            )
            failed = await store.names_in(
                session,
                broadcast_id,
                [DeliveryState.FAILED.value, DeliveryState.INTERRUPTED.value],
            )
        if not finished:
            return  # another sender finished it and reported
        await self._edit_progress(broadcast_id, progress, counts)
        await svc.messenger.send(
            broadcast.created_by,
            report_text(t, counts, unreachable, failed),
            _retry_keyboard(t, broadcast_id)
            if counts.get(DeliveryState.FAILED.value) or counts.get(DeliveryState.UNREACHABLE.value)
            else None,
        )
        log.info("broadcast %s done: %s", broadcast_id, counts)

    async def _work(self, broadcast_id: int, text: str) -> None:
        # Both database steps ride out a database restart (retrying): a claim that failed
        # claimed nothing, and a delivery whose result could not be written would otherwise
        # stay 'sending' and be reported as interrupted although it arrived.
        svc = self._services
        what = f"broadcast {broadcast_id}"
        while True:
            claimed = await retrying(functools.partial(self._claim, broadcast_id), what)
            if not claimed:
                return
            for delivery_id, user_id in claimed:
                _, outcome = await svc.messenger.deliver(user_id, text)
                await retrying(functools.partial(self._finish, delivery_id, outcome), what)

    async def _claim(self, broadcast_id: int) -> list[tuple[int, int]]:
        svc = self._services
        async with svc.db.session() as session:
            return await store.claim(session, broadcast_id, self.worker_id, 1, svc.clock.now())

    async def _finish(self, delivery_id: int, outcome: Outcome) -> None:
        svc = self._services
        async with svc.db.session() as session:
            await store.finish(
                session,
                delivery_id,
                OUTCOME_STATE[outcome],
                svc.clock.now(),
                None if outcome is Outcome.SENT else outcome.value,
            )

    async def _report_progress(
        self, broadcast_id: int, progress: tuple[int | None, int | None]
    ) -> None:
        last: dict[str, int] = {}
        while True:
            await asyncio.sleep(self._progress_every)
            try:
                async with self._services.db.session() as session:
                    counts = await store.counts(session, broadcast_id)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                continue  # the database is restarting: the next round shows the progress
            if counts != last:
                await self._edit_progress(broadcast_id, progress, counts)
                last = counts

    async def _edit_progress(
        self, broadcast_id: int, progress: tuple[int | None, int | None], counts: dict[str, int]
    ) -> None:
        chat_id, message_id = progress
        if chat_id is None or message_id is None:
            return
        svc = self._services
        async with svc.db.session() as session:
            coordinator = await users.get(session, chat_id)
        t = svc.translator_for(coordinator)
        total = sum(counts.values())
        done = total - counts.get(DeliveryState.PENDING.value, 0)
        done -= counts.get(DeliveryState.SENDING.value, 0)
        await svc.messenger.edit(
            chat_id,
            message_id,
            t(
                "bc.progress",
                done=done,
                total=total,
                sent=counts.get(DeliveryState.SENT.value, 0),
                unreachable=counts.get(DeliveryState.UNREACHABLE.value, 0),
            ),
        )


def report_text(
    t: Translator, counts: dict[str, int], unreachable: list[str], failed: list[str]
) -> str:
    """The final report; both lists of names share one message (`handlers.fit`)."""
    return fit_message(
        lambda names: t(
            "bc.report",
            sent=counts.get(DeliveryState.SENT.value, 0),
            unreachable=counts.get(DeliveryState.UNREACHABLE.value, 0),
            failed=counts.get(DeliveryState.FAILED.value, 0)
            + counts.get(DeliveryState.INTERRUPTED.value, 0),
            unreachable_names=names[0],
            failed_names=names[1],
        ),
        [
            Part(escaped(names), lambda rest: t("bc.more", count=rest))
            for names in (unreachable, failed)
        ],
    )


def _retry_keyboard(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return column([button(t.plain("bc.retry"), pack("bc", "r", broadcast_id))])
