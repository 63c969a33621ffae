"""One sender of scheduled messages among several bot processes: a PostgreSQL advisory lock.

Several processes may serve one bot (webhook mode behind a load balancer). Each handles the
updates it receives, but only the leader runs what nobody asked for at that moment: the
reminder timers and the nudge sweep, broadcasts, the introductions job. The leader is whoever
holds a session-level advisory lock on a connection of its own; when the process dies, the
server drops the connection and the lock with it, and a follower, retrying every few seconds,
takes over: it closes what the dead leader had in flight as "interrupted" (never resent) and
arms the timers from the table, exactly as after a restart.

A follower that plans reminders or starts a broadcast while handling an update tells the
leader with NOTIFY on the lock connection's channel; the leader arms those timers or starts
the broadcast at once. Were no leader there at that moment, the next one picks everything up
from the table when it takes over.

Telegram's limit of 30 messages a second is the bot's, not a process's: the leader's pacer
(bot.ratelimit) is the bot's. A follower borrows a place in it for every message it sends
(`borrow`): it asks with NOTIFY, the leader takes a slot in the follower's lane (a reply still
goes before a broadcast) and grants it on GRANTS, and the follower says when Telegram has
answered, from which the slot counts its second. Without an answer from a leader within
GRANT_TIMEOUT (none is elected at that moment) a follower sends on its own pacer alone.

SQLite means one process; it leads from the start and needs none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.ratelimit import Lane, RateLimiter, Slot
from storage.db import Database

log = logging.getLogger(__name__)

LOCK_KEY = int.from_bytes(b"tandem", "big")  # the same number in every process
CHANNEL = "tandem_leader"
MAX_PAYLOAD = 7000  # PostgreSQL allows 8000 bytes per notification
HEALTH_EVERY = 2.0  # seconds between checks that the lock connection is alive
GRANTS = "tandem_grant"  # the leader's answers to followers that borrow a slot
GRANT_TIMEOUT = 2.0  # seconds a follower waits for a slot from the leader before it goes alone
LENT_FOR = 10.0  # a lent slot not given back by then counts as answered (its process died)


class Leadership:
    def __init__(
        self,
        db: Database,
        *,
        on_elected: Callable[[], Awaitable[None]],
        on_deposed: Callable[[], Awaitable[None]],
        on_notice: Callable[[str], Awaitable[None]],
        retry_seconds: float = 5.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._db = db
        self.id = uuid.uuid4().hex[:12]  # names this process's requests for slots
        self._limiter = limiter  # the leader's is the bot's: it lends from it
        self._lent: dict[str, Slot] = {}  # "<process>:<n>" -> the slot lent for it
        self._grants: dict[int, asyncio.Future[None]] = {}  # a follower's open requests
        self._requests = itertools.count(1)
        self._hears_grants = False
        self._on_elected = on_elected
        self._on_deposed = on_deposed
        self._on_notice = on_notice
        self._retry = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.is_leader = False
        self.solo = db.engine.dialect.name != "postgresql"

    async def start(self) -> None:
        if self.solo:
            self.is_leader = True
            await self._on_elected()
            return
        self._task = asyncio.create_task(self._campaign(), name="leadership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._tasks):
            task.cancel()
        if self.is_leader:
            self.is_leader = False
            await self._on_deposed()

    async def borrow(self, lane: Lane) -> Callable[[bool], None] | None:
        """A follower's message may go out once the leader has lent it a slot of the bot's
        pacer; returns how to give it back (True: Telegram answered, False: not sent), or None
        when this process leads, runs alone, or no leader answered in time."""
        if self.solo or self.is_leader or not self._hears_grants:
            return None
        number = next(self._requests)
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._grants[number] = granted
        try:
            await self._notify(f"g:{self.id}:{number}:{int(lane)}")
            await asyncio.wait_for(granted, GRANT_TIMEOUT)
        except Exception as exc:  # no leader now, or the database is restarting
            self._grants.pop(number, None)
            log.warning("no slot from a leader (%s): sending on this process's pacer alone", exc)
            return None
        key = f"{self.id}:{number}"
        return lambda sent: self.forward(f"{'a' if sent else 'u'}:{key}")

    def forward(self, payload: str) -> None:
        """From a follower: ask the leader to act (`r:<ids>` arm timers, `b:<id>` broadcast)."""
        self._spawn(self._notify(payload))

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self, payload: str, channel: str = CHANNEL) -> None:
        async with self._db.session() as session:
            await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})

    def _dsn(self) -> str:
        url = make_url(self._db.url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def _campaign(self) -> None:
        while True:
            connection: Any = None
            try:
                import asyncpg  # PostgreSQL only: a SQLite bot never loads the driver

                connection = await asyncpg.connect(self._dsn(), timeout=10)
                await connection.add_listener(GRANTS, self._granted)
                self._hears_grants = True
                await self._acquire(connection)
                await connection.add_listener(CHANNEL, self._heard)
                self.is_leader = True
                log.info("leading: this process sends reminders and broadcasts")
                await self._on_elected()
                while True:  # a dropped connection has dropped the lock: step down
                    await asyncio.sleep(HEALTH_EVERY)
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), HEALTH_EVERY * 2)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server went away, a timeout: try again
                log.warning("leadership: %s", exc.__class__.__name__)
            finally:
                self._hears_grants = False
                self._stop_lending()
                if self.is_leader:
                    self.is_leader = False
                    log.warning("no longer leading")
                    await self._on_deposed()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            await asyncio.sleep(self._retry)

    async def _acquire(self, connection: Any) -> None:
        """Return once this connection holds the lock; polls (a waiting pg_advisory_lock would
        hide a dead connection and cannot be cancelled cleanly)."""
        for _ in itertools.count():
            if await connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                return
            await asyncio.sleep(self._retry)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if not self.is_leader:
            return
        kind, _, rest = payload.partition(":")
        if kind == "g":
            if self._limiter is not None:
                self._spawn(self._lend(rest))
        elif kind in ("a", "u"):
            slot = self._lent.pop(rest, None)
            if slot is not None:
                slot.sent() if kind == "a" else slot.unused()
        else:
            self._spawn(self._on_notice(payload))

    async def _lend(self, request: str) -> None:
        """A follower's request `<process>:<n>:<lane>`: a slot of this pacer, in its lane."""
        assert self._limiter is not None
        process, number, lane = request.split(":")
        slot = await self._limiter.acquire(0, Lane(int(lane)))
        key = f"{process}:{number}"
        self._lent[key] = slot
        asyncio.get_running_loop().call_later(LENT_FOR, self._expire, key)
        try:
            await self._notify(key, GRANTS)
        except BaseException:
            self._expire(key)
            raise

    def _stop_lending(self) -> None:
        """Out of office: what was lent and not given back counts as answered now. The pacer is
        this process's own and goes on; a slot merely forgotten would hold its place for good."""
        for key in list(self._lent):
            self._expire(key)

    def _expire(self, key: str) -> None:
        slot = self._lent.pop(key, None)
        if slot is not None:
            slot.sent()

    def _granted(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        """A follower hears a grant: its message may go; one that came too late goes back."""
        process, _, number = payload.partition(":")
        if process != self.id:
            return
        granted = self._grants.pop(int(number), None)
        if granted is None or granted.done():
            self.forward(f"u:{payload}")
        else:
            granted.set_result(None)


def chunks(prefix: str, ids: list[int]) -> list[str]:
    """`prefix:1,2,3` payloads, each within the notification size limit."""
    payloads: list[str] = []
    current: list[str] = []
    size = len(prefix) + 1
    for item in map(str, ids):
        if current and size + len(item) + 1 > MAX_PAYLOAD:
            payloads.append(f"{prefix}:{','.join(current)}")
            current, size = [], len(prefix) + 1
        current.append(item)
        size += len(item) + 1
    if current:
        payloads.append(f"{prefix}:{','.join(current)}")
    return payloads
