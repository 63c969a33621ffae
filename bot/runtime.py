"""What every update goes through before and after its handler.

`tandem_handler` is the middleware: it drops redelivered updates, opens one database session for
the update, loads the user, their role and language, runs the handler, commits, and only then sends
the replies the handler queued. Commit-then-send keeps write transactions short (SQLite has one
writer) and means a reply never announces something that was rolled back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes

from bot.i18n import Translator, resolve_language, translator
from bot.leader import Leadership, chunks
from bot.messenger import Messenger
from bot.settings import Settings
from core.clock import Clock
from core.reminders import Kind, Planned, State
from storage import housekeeping, reminders, users
from storage.db import Database, retrying
from storage.models import Program, User

if TYPE_CHECKING:
    from bot.broadcaster import Broadcaster
    from bot.scheduler import ReminderScheduler

log = logging.getLogger(__name__)

SERVICES_KEY = "tandem.services"


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    messenger: Messenger
    bot_username: str = ""
    introduction_interval: dt.timedelta = dt.timedelta(seconds=60)
    scheduler: ReminderScheduler | None = None
    broadcaster: Broadcaster | None = None
    leader: Leadership | None = None

    @property
    def leading(self) -> bool:
        """Whether this process sends what is scheduled (bot.leader); without one, it does."""
        return self.leader is None or self.leader.is_leader

    def schedule(self, rows: list[tuple[int, dt.datetime]]) -> None:
        """Timers for freshly planned reminders (call after their rows are committed); a
        follower passes them to the leader."""
        if not rows:
            return
        if not self.leading:
            assert self.leader is not None
            for payload in chunks("r", [reminder_id for reminder_id, _ in rows]):
                self.leader.forward(payload)
        elif self.scheduler is not None:
            self.scheduler.arm(rows)

    def start_broadcast(self, broadcast_id: int) -> None:
        """Send a broadcast now (after its rows are committed); a follower asks the leader."""
        if not self.leading:
            assert self.leader is not None
            self.leader.forward(f"b:{broadcast_id}")
        elif self.broadcaster is not None:
            self.broadcaster.start(broadcast_id)

    async def is_coordinator(self, session: AsyncSession, user_id: int) -> bool:
        return user_id in self.settings.coordinators or await users.is_coordinator(session, user_id)

    async def coordinator_ids(
        self, session: AsyncSession, program_id: int | None = None
    ) -> set[int]:
        """Who hears about something: with `program_id`, only that program's coordinators
        (and those of all programs); a coordinator never reads about another program."""
        return set(self.settings.coordinators) | await users.coordinator_ids(session, program_id)

    async def scope_of(self, session: AsyncSession, user_id: int) -> frozenset[int] | None:
        """The programs a coordinator may see and act on; None means all."""
        if user_id in self.settings.coordinators:
            return None
        return await users.coordinator_scope(session, user_id)

    def translator_for(self, user: User | None) -> Translator:
        """Another user's catalog: their chosen language, else the default."""
        stored = user.language if user else None
        return translator(resolve_language(stored, None, self.settings.default_language))

    def zone_of(self, program: Program | None) -> ZoneInfo:
        """Times are entered and shown in the program's zone."""
        return ZoneInfo(program.timezone) if program else self.settings.zone

    async def mark_unreachable(self, user_id: int) -> None:
        async with self.db.session() as session:
            await users.set_reachable(session, user_id, False)


def services(app: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    return cast(Services, app.bot_data[SERVICES_KEY])


@dataclass
class Outgoing:
    chat_id: int
    text: str | None
    markup: InlineKeyboardMarkup | None
    edit_message_id: int | None = None
    document: tuple[str, bytes] | None = None  # (file name, content), sent after the text
    notice_key: str | None = None  # also a row of the durable schedule (see Ctx.send_to)


@dataclass
class Ctx:
    """Everything a handler needs for one update."""

    update: Update
    session: AsyncSession
    services: Services
    user_id: int
    user: User | None
    lang: str
    t: Translator
    is_coordinator: bool
    now: dt.datetime
    # The programs this coordinator coordinates; None: all (or not a coordinator at all).
    scope: frozenset[int] | None
    args: list[str]
    outbox: list[Outgoing] = field(default_factory=list)
    callback_answer: tuple[str | None, bool] | None = None
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    notices: list[tuple[int, str, InlineKeyboardMarkup | None]] = field(default_factory=list)

    async def plan_notices(self) -> None:
        """Turn `send_to` messages into rows of the durable schedule (kind notice, due now);
        keyed by the update, so a redelivered update cannot plan them twice."""
        if not self.notices:
            return
        planned = [
            Planned(
                Kind.NOTICE,
                self.now,
                chat_id,
                f"notice.{self.update.update_id}.{index}",
                {"text": text, "markup": markup.to_dict() if markup is not None else None},
            )
            for index, (chat_id, text, markup) in enumerate(self.notices)
        ]
        # No timers: flush() sends them at once; the rows are the safety net for a crash.
        await reminders.plan(self.session, planned, now=self.now)

    def coordinates(self, program_id: int | None) -> bool:
        """Whether this coordinator may see and act on the program (None: all programs)."""
        if not self.is_coordinator:
            return False
        if self.scope is None:
            return True
        return program_id is not None and program_id in self.scope

    def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        self.outbox.append(Outgoing(self.user_id, text, markup))

    def send_to(
        self, chat_id: int | None, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """To another person (a partner, the coordinators). Sent right after the commit, in
        order with the replies, and also written to the durable schedule in the same
        transaction as the change it reports: a crash between the commit and the sending
        cannot lose it (the next start sends it), and whoever claims the row first sends it,
        so it never goes out twice. (The acting user, by contrast, sees the silence and asks
        again.) None is an erased participant (/deleteme): nobody to tell."""
        if chat_id is not None:
            key = f"notice.{self.update.update_id}.{len(self.notices)}"
            self.notices.append((chat_id, text, markup))
            self.outbox.append(Outgoing(chat_id, text, markup, notice_key=key))

    def send_document(
        self, chat_id: int | None, filename: str, content: bytes, caption: str | None = None
    ) -> None:
        if chat_id is not None:
            self.outbox.append(Outgoing(chat_id, caption, None, document=(filename, content)))

    def schedule(self, rows: list[tuple[int, dt.datetime]]) -> None:
        """Arm timers for reminders planned in this update, once they are committed."""
        if not rows:
            return

        async def arm() -> None:
            self.services.schedule(rows)

        self.after_commit.append(arm)

    def edit(self, text: str | None, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the message whose button was pressed (text None: only its keyboard).

        A message without text (a document such as the /mydata file, or one too old for the
        bot to see) cannot have its text edited: Telegram refuses with 400, so a press on it
        (forged, or a stale keyboard) gets its answer as a new message instead."""
        message = self.update.callback_query.message if self.update.callback_query else None
        if message is None or (text is not None and getattr(message, "text", None) is None):
            if text is not None:
                self.reply(text, markup)
            return
        self.outbox.append(Outgoing(message.chat.id, text, markup, message.message_id))

    def answer(self, text: str | None = None, alert: bool = False) -> None:
        self.callback_answer = (text, alert)

    def for_user(self, user: User | None) -> Translator:
        """The catalog of another user (a coordinator being notified, a participant approved)."""
        return self.services.translator_for(user)

    async def remember_user(self, language: str) -> User:
        """Create or refresh the user's row; only on an explicit act (consent, /language)."""
        tg_user = self.update.effective_user
        assert tg_user is not None
        self.user = await users.upsert(
            self.session,
            user_id=self.user_id,
            first_name=tg_user.first_name,
            last_name=tg_user.last_name,
            username=tg_user.username,
            language=language,
            now=self.now,
        )
        return self.user

    async def set_language(self, language: str) -> None:
        self.lang = language
        self.t = translator(language)


HandlerFn = Callable[[Ctx], Awaitable[None]]
PtbCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def tandem_handler(fn: HandlerFn) -> PtbCallback:
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
        if await housekeeping.was_processed(session, update.update_id):
            log.info("update %s was already handled; ignoring the redelivery", update.update_id)
            if update.callback_query is not None:
                await svc.messenger.answer(update.callback_query.id)
            return None
        now = svc.clock.now()
        user = await users.get(session, tg_user.id)
        if user is not None:
            await users.refresh_identity(
                session,
                tg_user.id,
                first_name=tg_user.first_name,
                last_name=tg_user.last_name,
                username=tg_user.username,
                now=now,
            )
        lang = resolve_language(
            user.language if user else None,
            tg_user.language_code,
            svc.settings.default_language,
        )
        ctx = Ctx(
            update=update,
            session=session,
            services=svc,
            user_id=tg_user.id,
            user=user,
            lang=lang,
            t=translator(lang),
            is_coordinator=(coordinator := await svc.is_coordinator(session, tg_user.id)),
            now=now,
            scope=await svc.scope_of(session, tg_user.id) if coordinator else None,
            args=list(context.args or []),
        )
        await fn(ctx)
        await ctx.plan_notices()
        housekeeping.mark_processed(session, update.update_id, now)
    return ctx


async def flush(ctx: Ctx) -> None:
    messenger = ctx.services.messenger
    query = ctx.update.callback_query
    if query is not None:
        text, alert = ctx.callback_answer or (None, False)
        await messenger.answer(query.id, text, alert)
    for item in ctx.outbox:
        if item.notice_key is not None:
            await _send_notice(ctx.services, item)
        elif item.document is not None:
            await messenger.send_document(item.chat_id, *item.document, caption=item.text)
        elif item.edit_message_id is not None:
            await messenger.edit(item.chat_id, item.edit_message_id, item.text, item.markup)
        elif item.text is not None:
            await messenger.send(item.chat_id, item.text, item.markup)
    for task in ctx.after_commit:
        await task()


async def _send_notice(svc: Services, item: Outgoing) -> None:
    assert item.notice_key is not None and item.text is not None
    key = item.notice_key

    async def claim() -> int | None:
        async with svc.db.session() as session:
            return await reminders.claim_key(session, key, svc.clock.now())

    reminder_id = await retrying(claim, f"notice {key}")
    if reminder_id is None:
        return  # sent already (a restart's scheduler was quicker)
    _, outcome = await svc.messenger.deliver(item.chat_id, item.text, item.markup)
    await finish_reminder(svc, reminder_id, outcome.state, outcome.value)


async def finish_reminder(svc: Services, reminder_id: int, state: State, error: str) -> None:
    """Record what became of a sent reminder, through a database restart: otherwise the row
    would stay 'sending' and be reported as interrupted although it arrived."""

    async def finish() -> None:
        async with svc.db.session() as session:
            await reminders.finish(session, reminder_id, state, svc.clock.now(), error=error)

    await retrying(finish, f"reminder {reminder_id}")


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
