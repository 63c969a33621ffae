"""The demo's world: the Bot API stand-in, the real bot against it on a fresh SQLite file, the
people who chat with it, and a clock that can be fast-forwarded.

The bot is built exactly as production builds it (bot.app.build_application); the only
difference is the clock it is given. Production never passes one (SystemClock); the demo passes
a :class:`DemoClock`, real time plus an offset that only grows, and fast-forwarding moves the
offset and re-arms the scheduler's timers as after a restart, as the end-to-end tests do
(tests/e2e/harness.advance): whatever came due in the skipped time goes out now.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import AnyApplication, build_application, running
from bot.context import services
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from demo import cohort
from fake_bot_api import BotMessage, FakeBotApi, FakeUser
from storage import migrate

TOKEN = "700000001:AAH-tandem-demo-not-a-real-token_0123"  # noqa: S105 - the stand-in's token
BOT_USERNAME = "TandemDemoBot"
COORDINATOR_ID = 10_001
COORDINATOR_NAME = "Dana Kaiser"
FIRST_ADDED_ID = 30_001
ANSWER_WAIT = 5.0  # seconds to wait for the bot's answer to a button press


class DemoClock:
    """Real time plus an offset that only grows: the bot's time in the demo."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def advance(self, delta: dt.timedelta) -> None:
        if delta <= dt.timedelta(0):
            raise ValueError("time only moves forward")
        self.offset += delta


@dataclass
class Entry:
    """One line of a chat as the page shows it: a bot message (current state, edits applied)
    or what the person typed."""

    seq: int
    at: dt.datetime  # the bot's time when it appeared
    bot: BotMessage | None = None
    typed: str | None = None


@dataclass
class Person:
    user: FakeUser
    name: str
    role: str  # coordinator | mentor | mentee | new
    form_of_address: str = "n"  # f | m | n, as registered: "Mentorin" or "Mentor" in the list
    entries: list[Entry] = field(default_factory=list)
    synced: int = 0  # bot messages already in `entries`


class Demo:
    """Start with :meth:`start` (or ``async with``); everything runs on the caller's loop."""

    def __init__(self, database: Path, *, seed: bool = True, clock: DemoClock | None = None):
        self.database = database
        self.seed = seed
        self.clock = clock or DemoClock()
        self.api = FakeBotApi(token=TOKEN, bot_username=BOT_USERNAME, bot_first_name="Tandem")
        self.people: dict[int, Person] = {}
        self.seeded: cohort.Seeded | None = None
        self.version = 0  # grows with every change the page should see
        self._changed = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self._seq = 0
        self._app: AnyApplication | None = None
        self._watcher: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"sqlite+aiosqlite:///{self.database}"

    async def start(self) -> None:
        if self.database.exists():
            self.database.unlink()  # a fresh start every time
        await asyncio.to_thread(migrate.upgrade, self.url)
        await self._stack.enter_async_context(self.api)
        settings = Settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=self.api.base_url,
            database_url=self.url,
            coordinators=frozenset({COORDINATOR_ID}),
            timezone="Europe/Berlin",
            default_language="de",
        )
        app = build_application(
            settings,
            clock=self.clock,
            introduction_interval=dt.timedelta(seconds=5),
            limiter=RateLimiter.unpaced(),
        )
        self.add_person(COORDINATOR_NAME, "coordinator", user_id=COORDINATOR_ID)
        if self.seed:
            db = services(app).db
            self.seeded = await cohort.seed(db, self.clock.now(), COORDINATOR_ID)
            for person, user_id in zip(cohort.people(), self.seeded.user_ids.values(), strict=True):
                address = person.form_of_address
                self.add_person(person.name, person.role, user_id=user_id, form_of_address=address)
        self._app = await self._stack.enter_async_context(running(app, settings, poll_timeout=1))
        self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await self._stack.aclose()

    async def __aenter__(self) -> Demo:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- people -----------------------------------------------------------------------------

    def add_person(
        self,
        name: str,
        role: str = "new",
        *,
        user_id: int | None = None,
        language: str = "de",
        form_of_address: str = "n",
    ) -> Person:
        if user_id is None:
            user_id = max([FIRST_ADDED_ID - 1, *self.people]) + 1
        parts = name.replace("Prof. ", "").replace("Dr. ", "").split()
        user = self.api.add_user(
            user_id,
            parts[0] if parts else name,
            last_name=" ".join(parts[1:]) or None,
            language_code=language,
        )
        person = Person(user, name, role, form_of_address)
        self.people[user_id] = person
        self._touch()
        return person

    def person(self, user_id: int) -> Person:
        return self.people[user_id]

    async def send(self, user_id: int, text: str) -> None:
        person = self.people[user_id]
        self._sync(person)
        self._seq += 1
        person.entries.append(Entry(self._seq, self.clock.now(), typed=text))
        self._touch()
        await person.user.send(text)

    async def press(self, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        """Press a button that is on the message now; returns the bot's answer (a toast or an
        alert the page shows, empty when the bot answered silently)."""
        user = self.people[user_id].user
        message = self.api._messages.get(user_id, {}).get(message_id)
        if message is None or message.deleted:
            raise LookupError("no such message")
        query_id = await user.press(data, message=message)
        deadline = time.monotonic() + ANSWER_WAIT
        while (answer := user.callback_answer(query_id)) is None:
            if time.monotonic() > deadline:
                return {}
            await asyncio.sleep(0.02)
        return {"text": answer.get("text") or "", "alert": bool(answer.get("show_alert"))}

    async def forward(self, delta: dt.timedelta) -> None:
        """Move the bot's clock; what came due meanwhile is sent now."""
        self.clock.advance(delta)
        assert self._app is not None
        scheduler = services(self._app).scheduler
        assert scheduler is not None
        await scheduler.reload()
        self._touch()

    # -- what the page shows ----------------------------------------------------------------

    def chat(self, user_id: int) -> list[Entry]:
        person = self.people[user_id]
        self._sync(person)
        return person.entries

    def commands(self, user_id: int) -> list[dict[str, Any]]:
        return self.api.visible_commands(user_id)

    def document(self, file_id: str) -> Any:
        return self.api._files.get(file_id)

    async def changes(self, since: int, timeout: float) -> int:  # noqa: ASYNC109
        """The version after the next change (or the current one after `timeout`)."""
        if self.version != since:
            return self.version
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        return self.version

    def _sync(self, person: Person) -> None:
        """Number new bot messages in the order they arrived, before anything typed later."""
        arrivals = self.api._arrivals.get(person.user.id, [])
        for message in arrivals[person.synced :]:
            self._seq += 1
            person.entries.append(Entry(self._seq, self.clock.now(), bot=message))
        person.synced = len(arrivals)

    def _touch(self) -> None:
        self.version += 1
        self._changed.set()

    async def _watch(self) -> None:
        while True:
            if await self.api.wait_change(timeout=30):
                for person in self.people.values():
                    self._sync(person)
                self._touch()
