"""Builds the PTB Application exactly as production runs it; tests use the same function."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from telegram import Update
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot import commands, due, router
from bot.broadcaster import Broadcaster, Rendering
from bot.context import SERVICES_KEY, Services, services
from bot.errors import on_error
from bot.leader import Leadership
from bot.messenger import Messenger
from bot.middleware import PerUserUpdateProcessor
from bot.ratelimit import RateLimiter
from bot.scheduler import HORIZON, RELOAD_EVERY, ReminderScheduler
from bot.settings import Settings
from bot.updates import TandemBot
from bot.webhook import WebhookServer
from core.clock import Clock, SystemClock
from storage import housekeeping
from storage.db import Database

log = logging.getLogger(__name__)

# Opt in to PTB's future behaviour (durations such as RetryAfter.retry_after as timedelta) now,
# instead of a deprecation warning on every flood-control answer; bot.messenger handles both.
os.environ.setdefault("PTB_TIMEDELTA", "1")

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
PROCESSED_UPDATES_KEPT = dt.timedelta(days=7)
INTRODUCTION_INTERVAL = dt.timedelta(seconds=60)
INTRODUCTION_AFTER_START = dt.timedelta(seconds=2)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    max_concurrent_updates: int = 64,
    introduction_interval: dt.timedelta = INTRODUCTION_INTERVAL,
    limiter: RateLimiter | None = None,
    reminder_horizon: dt.timedelta = HORIZON,
    reminder_reload: dt.timedelta = RELOAD_EVERY,
) -> AnyApplication:
    """The Application with its services. `limiter` defaults to Telegram's limits; tests that
    play a user at superhuman speed pass a looser one."""
    # PTB's bot, except that an update it cannot read is skipped instead of blocking the
    # ones behind it forever (bot.updates).
    tg_bot = TandemBot(
        token=settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.base_file_url,
        request=HTTPXRequest(connection_pool_size=max(8, max_concurrent_updates // 2)),
        # Two connections, though only one poll runs at a time: at shutdown PTB confirms the
        # last updates with one more getUpdates right after cancelling the long poll, and a
        # single connection may not be free again within the pool timeout (seen under load as
        # an ERROR "Error while calling `get_updates` one more time", updates fetched twice).
        get_updates_request=HTTPXRequest(connection_pool_size=2),
    )
    app: AnyApplication = (
        ApplicationBuilder()
        .bot(tg_bot)
        .concurrent_updates(PerUserUpdateProcessor(max_concurrent_updates))
        .build()
    )
    db = Database(settings.database_url)
    svc = Services(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        messenger=Messenger(app.bot),
        introduction_interval=introduction_interval,
    )
    svc.messenger = Messenger(app.bot, on_unreachable=svc.mark_unreachable, limiter=limiter)
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"

    async def fire(reminder_id: int) -> None:
        from handlers import scheduled_messages  # on first use, like the flows (bot.router)

        await due.fire(svc, reminder_id, scheduled_messages.render)

    async def sweep() -> list[tuple[int, dt.datetime]]:
        return await due.sweep(svc)

    svc.scheduler = ReminderScheduler(
        db,
        svc.clock,
        app.job_queue.scheduler,
        fire=fire,
        sweep=sweep,
        horizon=reminder_horizon,
        reload_every=reminder_reload,
    )
    svc.broadcaster = Broadcaster(svc, cast(Rendering, _OnFirstUse("handlers.views.broadcasts")))
    svc.leader = Leadership(
        db,
        on_elected=lambda: _lead(svc),
        on_deposed=lambda: _step_down(svc),
        on_notice=lambda payload: _heard(svc, payload),
        retry_seconds=settings.leader_retry_seconds,
        limiter=svc.messenger.limiter,
    )
    # All processes of the bot share its limit: a follower's messages borrow from the leader.
    svc.messenger.limiter.borrow = svc.leader.borrow
    app.bot_data[SERVICES_KEY] = svc
    router.register(app)
    app.add_error_handler(on_error)
    return app


class _OnFirstUse:
    """A module imported when one of its names is first used rather than at every start (bot.router
    imports the flows on first use for the same reason): the broadcaster's wording is
    handlers/views/broadcasts.py, needed only once a broadcast reports."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self._module), name)


if TYPE_CHECKING:  # mypy checks that the module stands for the protocol it is cast to above
    from handlers.views import broadcasts as _wording

    _checked: Rendering = _wording


async def startup(app: AnyApplication) -> None:
    """What PTB's post_init would do; called by `running`, which tests and the CLI share."""
    svc = services(app)
    svc.bot_username = app.bot.username
    assert svc.leader is not None
    # The leader (this process alone, or whoever holds the lock among several) sends what is
    # scheduled; see bot.leader and _lead. Before the first update: a handler that schedules
    # asks whoever leads.
    await svc.leader.start()
    # The command menus are set while the bot already answers (bot.commands explains why).
    svc.menus_set = asyncio.create_task(_menus(svc), name="command menus")
    if app.job_queue is not None:
        app.job_queue.run_repeating(_prune, interval=dt.timedelta(hours=6), first=60)
        # Tandems revealed at a set time (e.g. the kickoff): due ones go out within a minute.
        # After a restart, introductions that came due meanwhile go out within seconds.
        first = min(svc.introduction_interval, INTRODUCTION_AFTER_START)
        app.job_queue.run_repeating(_introductions, interval=svc.introduction_interval, first=first)
    log.info("Tandem is up as @%s", svc.bot_username)


async def _menus(svc: Services) -> None:
    try:
        await commands.set_at_start(svc)
    except Exception:  # a menu is not worth a crash; the next start sets it again
        log.exception("could not set the command menus")


async def menus_set(app: AnyApplication) -> None:
    """Until the start's command menus are set (tests look at them right after a start)."""
    task = services(app).menus_set
    if task is not None:
        await task


async def _lead(svc: Services) -> None:
    """Taking over: timers for what is due soon, rebuilt from the database (what came due while
    nobody led goes out now, if still useful, exactly once), and broadcasts carry on."""
    assert svc.scheduler is not None and svc.broadcaster is not None
    await svc.scheduler.start()
    await svc.broadcaster.resume()


async def _step_down(svc: Services) -> None:
    assert svc.scheduler is not None and svc.broadcaster is not None
    svc.scheduler.stop()
    await svc.broadcaster.stop()


async def _heard(svc: Services, payload: str) -> None:
    """A follower's request: `r:<id>,<id>` arm these reminders, `b:<id>` send this broadcast."""
    kind, _, rest = payload.partition(":")
    ids = [int(part) for part in rest.split(",") if part.isdigit()]
    if kind == "r" and svc.scheduler is not None:
        await svc.scheduler.arm_ids(ids)
    elif kind == "b" and svc.broadcaster is not None:
        for broadcast_id in ids:
            svc.broadcaster.start(broadcast_id)


async def _introductions(context: Any) -> None:
    svc = services(context.application)
    if svc.leading:
        from handlers import introductions  # on first use, like the flows (bot.router)

        await introductions.introduce_due(svc)


async def _prune(context: Any) -> None:
    svc = services(context.application)
    async with svc.db.session() as session:
        removed = await housekeeping.prune_processed(
            session, svc.clock.now() - PROCESSED_UPDATES_KEPT
        )
    log.debug("pruned %d processed update ids", removed)


async def start_updates(
    app: AnyApplication, settings: Settings, poll_timeout: int = 30
) -> WebhookServer | None:
    """Polling by default; a webhook when TANDEM_WEBHOOK_URL is set (bot.webhook: the
    secret is checked before the body is read). Returns the webhook server to stop."""
    assert app.updater is not None
    if settings.webhook_url:
        assert settings.webhook_secret is not None  # the settings require one
        secret = settings.webhook_secret.get_secret_value()
        server = WebhookServer(
            app.bot, app.update_queue, secret, urlparse(settings.webhook_url).path
        )
        server.listen(settings.webhook_port, settings.webhook_listen)
        await app.bot.set_webhook(
            url=settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("receiving updates by webhook on port %d", settings.webhook_port)
        return server
    else:
        await app.bot.delete_webhook()
        await app.updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        log.info("receiving updates by long polling")
        return None


@asynccontextmanager
async def running(
    app: AnyApplication, settings: Settings, poll_timeout: int = 30
) -> AsyncIterator[AnyApplication]:
    """The bot receiving and handling updates for the duration of the block."""
    try:
        async with app:
            await startup(app)
            await app.start()
            webhook = await start_updates(app, settings, poll_timeout)
            try:
                yield app
            finally:
                if webhook is not None:
                    await webhook.stop()
                assert app.updater is not None
                if app.updater.running:
                    await app.updater.stop()
                menus = services(app).menus_set
                if menus is not None and not menus.done():
                    menus.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await menus
                leader = services(app).leader
                if leader is not None:
                    await leader.stop()  # stops the broadcaster and the timers if leading
                await app.stop()
    finally:
        await services(app).db.dispose()


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set (the CLI sets it on SIGINT/SIGTERM)."""
    async with running(build_application(settings), settings):
        await stop.wait()
