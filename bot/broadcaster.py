"""The sender that works through a broadcast's outbox.

Eight workers (64 for a paid broadcast) each take one pending row, wait for the messenger's
shared pacer to give its chat a slot in the broadcast lane (the pacer keeps all sending under
Telegram's limits, and replies and notices go before broadcasts), and only then claim the row
and send it; 429s are waited out, 5xx and timeouts retried with backoff. Claiming at the moment
of sending keeps what a crash can leave in doubt to the messages actually in flight; those the
coordinator can send again with a note. A stop lets those finish first. The coordinator watches
one message that is edited as delivery goes on, then gets a report with names.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import os
import uuid
from typing import TYPE_CHECKING, Protocol

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.messenger import Outcome
from bot.ratelimit import LANE, Lane
from core.broadcasts import Attachment, DeliveryState
from storage import broadcasts as store
from storage import users
from storage.db import is_transient, retrying

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)

WORKERS = 8
PAID_WORKERS = 64  # a paid broadcast may send 1,000 a second: more messages in flight at once
PROGRESS_EVERY = 5.0  # seconds between edits of the progress message (each takes a slot)
STOP_GRACE = 5.0  # seconds a stop waits for the messages in flight

OUTCOME_STATE = {
    Outcome.SENT: DeliveryState.SENT,
    Outcome.UNREACHABLE: DeliveryState.UNREACHABLE,
    Outcome.FAILED: DeliveryState.FAILED,
}


class Rendering(Protocol):
    """The wording and buttons of what the coordinator sees (handlers/views/broadcasts.py, given
    by bot/app.py): the sender decides when to say something, never how."""

    def progress(self, t: Translator, counts: dict[str, int] | None) -> str: ...

    def report(
        self,
        t: Translator,
        broadcast_id: int,
        counts: dict[str, int],
        unreachable: list[str],
        failed: list[str],
    ) -> tuple[str, InlineKeyboardMarkup | None]: ...

    def resent(self, t: Translator, text: str) -> str: ...


class Broadcaster:
    def __init__(
        self,
        services: Services,
        render: Rendering,
        *,
        workers: int = WORKERS,
        progress_every: float = PROGRESS_EVERY,
    ) -> None:
        self._services = services
        self._render = render
        self._workers = workers
        self._progress_every = progress_every
        # Identifies this process's claims (several senders on PostgreSQL later).
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping = False

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

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Nothing new is claimed; the messages in flight get `grace` seconds to be answered and
        recorded, then what is left is cancelled. So a stop leaves nothing in doubt (only a crash
        does), also when cancelling would land between a claim and its request."""
        tasks = list(self._tasks.values())
        self._stopping = True
        try:
            if tasks:
                await asyncio.wait(tasks, timeout=grace)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        finally:
            self._stopping = False

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
            # None: the author erased their data since; the announcement still goes out.
            author = broadcast.created_by
            coordinator = await users.get(session, author) if author is not None else None
            progress = (broadcast.progress_chat_id, broadcast.progress_message_id)
            text, paid = broadcast.text, broadcast.paid
            attachment = (
                Attachment(broadcast.file_kind, broadcast.file_id, broadcast.file_name)
                if broadcast.file_kind is not None and broadcast.file_id is not None
                else None
            )
        LANE.set(Lane.NOTICE)  # the coordinator's progress and report; the workers set theirs
        t = svc.translator_for(coordinator)
        # The progress message goes out beside the first deliveries, not before them: it waits
        # for the coordinator's own chat, which the confirmation has just used.
        shown = asyncio.create_task(self._progress_message(broadcast_id, author, t, progress))
        reporter = asyncio.create_task(self._report_progress(broadcast_id, shown))
        picker = _Picker(svc)
        workers = PAID_WORKERS if paid else self._workers
        try:
            await asyncio.gather(
                *(self._work(broadcast_id, text, attachment, picker, paid) for _ in range(workers))
            )
        except BaseException:
            shown.cancel()
            raise
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter
        if self._stopping:
            shown.cancel()
            return  # the next start carries on with the rows still pending
        progress = await shown
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
        report, keyboard = self._render.report(t, broadcast_id, counts, unreachable, failed)
        if author is None:
            return
        await svc.messenger.send(author, report, keyboard)
        log.info("broadcast %s done: %s", broadcast_id, counts)

    async def _progress_message(
        self,
        broadcast_id: int,
        author: int | None,
        t: Translator,
        progress: tuple[int | None, int | None],
    ) -> tuple[int | None, int | None]:
        """The message the coordinator watches: sent now, or the one sent before a restart."""
        if progress[1] is not None or author is None:
            return progress
        svc = self._services
        message = await svc.messenger.send(author, self._render.progress(t, None))
        if message is None:
            return progress
        async with svc.db.session() as session:
            await store.set_progress_message(
                session, broadcast_id, message.chat_id, message.message_id
            )
        return (message.chat_id, message.message_id)

    async def _work(
        self,
        broadcast_id: int,
        text: str,
        attachment: Attachment | None,
        picker: _Picker,
        paid: bool,
    ) -> None:
        # A row is claimed only when its message is about to go out: first the rate limiter
        # gives the chat a slot, then the row becomes 'sending', then the request is made. A
        # sender killed at any moment leaves in doubt ('interrupted') only the requests really
        # in flight, never rows that were merely waiting for their turn.
        # Every database step rides out a database restart (retrying): a claim that failed
        # claimed nothing, and a delivery whose result could not be written would otherwise
        # stay 'sending' and be reported as interrupted although it arrived.
        svc = self._services
        what = f"broadcast {broadcast_id}"
        LANE.set(Lane.BROADCAST)  # this worker's own task: what is left after replies and notices
        while not self._stopping:
            row = await retrying(functools.partial(picker.next, broadcast_id), what)
            if row is None:
                return
            delivery_id, user_id, _ = row
            try:
                slot = await svc.messenger.slot(user_id, paid)
                if self._stopping:
                    slot.unused()
                    return
                try:
                    claim = functools.partial(self._claim, broadcast_id, row, text)
                    body = await retrying(claim, what)
                except BaseException:
                    slot.unused()
                    raise
                if body is None:
                    slot.unused()
                    continue  # another sender took it
                _, outcome = await svc.messenger.deliver_post(
                    user_id, body, attachment, slot=slot, paid=paid
                )
                await retrying(functools.partial(self._finish, delivery_id, outcome), what)
            finally:
                picker.release(delivery_id)

    async def _claim(self, broadcast_id: int, row: tuple[int, int, bool], text: str) -> str | None:
        """The row, now 'sending'; returns the text to send (None: not claimed). A copy sent
        again after an interruption says that they may have it already, in their language."""
        delivery_id, user_id, resent = row
        svc = self._services
        async with svc.db.session() as session:
            claimed = await store.claim(
                session, broadcast_id, self.worker_id, 1, svc.clock.now(), ids=[delivery_id]
            )
            if not claimed:
                return None
            if not resent:
                return text
            recipient = await users.get(session, user_id)
        return self._render.resent(svc.translator_for(recipient), text)

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
        self, broadcast_id: int, shown: asyncio.Task[tuple[int | None, int | None]]
    ) -> None:
        last: dict[str, int] = {}
        while True:
            await asyncio.sleep(self._progress_every)
            if not shown.done():
                continue
            progress = shown.result()
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
        await svc.messenger.edit(chat_id, message_id, self._render.progress(t, counts))


class _Picker:
    """Hands each worker of one broadcast a different pending row to wait for a slot with.
    Nothing is written: the row is claimed only when its message goes out. Rows are looked up
    a batch at a time (one query for many messages, not one each); a row another sender claims
    meanwhile is skipped at its claim."""

    BATCH = 64

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lock = asyncio.Lock()
        self._taken: set[int] = set()
        self._ready: collections.deque[tuple[int, int, bool]] = collections.deque()

    async def next(self, broadcast_id: int) -> tuple[int, int, bool] | None:
        async with self._lock:
            if not self._ready:
                async with self._services.db.session() as session:
                    rows = await store.next_pending(
                        session, broadcast_id, self._taken, limit=self.BATCH
                    )
                self._ready.extend(rows)
                self._taken.update(row[0] for row in rows)
            return self._ready.popleft() if self._ready else None

    def release(self, delivery_id: int) -> None:
        self._taken.discard(delivery_id)
