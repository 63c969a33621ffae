"""The per-update context: what a handler is given and what it leaves behind.

`Services` is what lives as long as the process (settings, database, clock, messenger, the
scheduler and the broadcaster, leadership among processes); `Ctx` is one update's view of it:
the open session of the update's transaction, the acting user with their role, language and
clock reading, and the queue of what to send once the transaction has committed (bot.outbox).
A handler is given a Ctx and queues on it; the middleware (bot.middleware) builds the Ctx,
commits, and then flushes the queue (bot.outbox), so no handler commits or sends in the middle of
its transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram import User as TelegramUser
from telegram.ext import Application

from bot.i18n import Translator, resolve_language, translator
from bot.leader import Leadership, chunks
from bot.messenger import Messenger
from bot.outbox import Outgoing, notice_key
from bot.settings import Settings
from core.broadcasts import Attachment
from core.clock import Clock
from services.unit import Actor, UnitOfWork
from storage import users
from storage.db import Database
from storage.models import Program, User

if TYPE_CHECKING:
    from bot.broadcaster import Broadcaster
    from bot.scheduler import ReminderScheduler

SERVICES_KEY = "tandem.services"


@dataclass
class Services:
    """The process's long-lived dependencies, one instance in PTB's bot_data, shared by every
    update, the scheduler and the broadcaster."""

    settings: Settings
    db: Database
    clock: Clock
    messenger: Messenger
    bot_username: str = ""
    introduction_interval: dt.timedelta = dt.timedelta(seconds=60)
    scheduler: ReminderScheduler | None = None
    broadcaster: Broadcaster | None = None
    leader: Leadership | None = None
    # The command menus (bot.commands): every change holds the lock; the start sets them in a
    # task, which `running` cancels at the end if Telegram still holds it up.
    menus_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    menus_set: asyncio.Task[None] | None = None

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

    def role(self, user_id: int, granted: list[int | None]) -> tuple[bool, frozenset[int] | None]:
        """Whether the user coordinates, and which programs (None: all), given their grants as
        `storage.users.with_grants` reads them with their row, in the update's one query.

        Deliberately not cached: several processes may share one PostgreSQL, and a cache here
        would keep a revoked coordinator's rights in the other processes until it expired. Read
        with the user's row, the grants cost no extra statement, so a cache would save nothing
        but a join on an index."""
        if user_id in self.settings.coordinators:
            return True, None
        return bool(granted), users.scope(granted)

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

    def unit(self, session: AsyncSession, actor: Actor) -> UnitOfWork:
        """A unit of work outside an update (a scheduled job, a delivery after the commit): the
        clock read now, the settings' coordinators known to it."""
        return UnitOfWork(
            session, self.clock.now(), actor, configured=frozenset(self.settings.coordinators)
        )

    async def set_reachable(self, user_id: int, reachable: bool) -> None:
        """Whether messages reach the user (Telegram said they blocked or unblocked the bot)."""
        async with self.db.session() as session:
            await users.set_reachable(session, user_id, reachable)

    async def mark_unreachable(self, user_id: int) -> None:
        await self.set_reachable(user_id, False)


def services(app: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The Services of a running Application (typed, unlike PTB's bot_data)."""
    return cast(Services, app.bot_data[SERVICES_KEY])


def identity(tg_user: TelegramUser) -> users.Identity:
    """The names Telegram sends with an update, as the user's row keeps them."""
    return users.Identity(tg_user.first_name, tg_user.last_name, tg_user.username)


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
    # The use cases' view of this update: the same session, clock reading and acting user.
    uow: UnitOfWork = field(init=False)
    outbox: list[Outgoing] = field(default_factory=list)
    callback_answer: tuple[str | None, bool] | None = None
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    notices: list[tuple[int, str, InlineKeyboardMarkup | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.uow = UnitOfWork(
            self.session,
            self.now,
            self.actor(),
            configured=frozenset(self.services.settings.coordinators),
        )

    def actor(self) -> Actor:
        return Actor(self.user_id, self.user, self.is_coordinator, self.scope)

    def coordinates(self, program_id: int | None) -> bool:
        """Whether this coordinator may see and act on the program (None: all programs)."""
        return self.uow.actor.coordinates(program_id)

    def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        self.outbox.append(Outgoing(self.user_id, text, markup))

    def reply_post(self, text: str, attachment: Attachment | None) -> None:
        """A text, or a file or picture with the text as caption, as an announcement goes out
        (`Messenger.deliver_post`): its preview."""
        self.outbox.append(Outgoing(self.user_id, text, None, attachment=attachment))

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
            key = notice_key(self.update.update_id, len(self.notices))
            self.notices.append((chat_id, text, markup))
            self.outbox.append(Outgoing(chat_id, text, markup, notice_key=key))

    def send_document(
        self, chat_id: int | None, filename: str, content: bytes, caption: str | None = None
    ) -> None:
        if chat_id is not None:
            self.outbox.append(Outgoing(chat_id, caption, None, document=(filename, content)))

    def schedule(self, rows: list[tuple[int, dt.datetime]]) -> None:
        """Arm timers for reminders planned in this update, once they are committed."""
        self.uow.schedule(rows)

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
        """A text (or alert) on the pressed button. Every press is answered after the commit
        anyway (an empty answer stops Telegram's spinner), so a handler calls this only when it
        has something to say."""
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
            identity=identity(tg_user),
            language=language,
            now=self.now,
        )
        self.uow.actor = self.actor()
        return self.user

    async def set_language(self, language: str) -> None:
        self.lang = language
        self.t = translator(language)
