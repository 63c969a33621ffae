"""What an update sends, and when: only after its transaction has committed.

A handler never talks to Telegram itself. It queues `Outgoing` items on its `Ctx`; the middleware
commits and then calls `flush`. So a reply never announces a change that was rolled back, a
database retry cannot send anything twice, and write transactions stay short (SQLite has one
writer; a Telegram call can take seconds).

Messages to other people are also durable notices: `plan_notices` writes them, in the update's
own transaction, as rows of the reminder schedule due now, keyed by the update. `flush` claims
each row before sending it, so a crash between the commit and the sending cannot lose a notice
(the next start's scheduler sends it) and a race cannot send it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.ratelimit import Lane, lane
from core.broadcasts import Attachment
from core.reminders import Kind, Planned, State
from storage import reminders
from storage.db import retrying

if TYPE_CHECKING:
    from bot.context import Ctx, Services


@dataclass
class Outgoing:
    """One message to send after the commit; kept as data, so that a rolled-back or retried
    update has sent nothing."""

    chat_id: int
    text: str | None
    markup: InlineKeyboardMarkup | None
    edit_message_id: int | None = None
    document: tuple[str, bytes] | None = None  # (file name, content), sent after the text
    notice_key: str | None = None  # also a row of the durable schedule (see Ctx.send_to)
    attachment: Attachment | None = None  # a file or picture by file_id, the text its caption


def notice_key(update_id: int, index: int) -> str:
    """The schedule key of an update's n-th notice: the same on every redelivery or retry of the
    update, so its row is planned once and claimed once."""
    return f"notice.{update_id}.{index}"


async def plan_notices(ctx: Ctx) -> None:
    """Turn `Ctx.send_to` messages into rows of the durable schedule (kind notice, due now), in
    the update's transaction, so they commit or roll back with the change they report."""
    if not ctx.notices:
        return
    planned = [
        Planned(
            Kind.NOTICE,
            ctx.now,
            chat_id,
            notice_key(ctx.update.update_id, index),
            {"text": text, "markup": markup.to_dict() if markup is not None else None},
        )
        for index, (chat_id, text, markup) in enumerate(ctx.notices)
    ]
    # No timers: flush() sends them at once; the rows are the safety net for a crash.
    await reminders.plan(ctx.session, planned, now=ctx.now)


async def flush(ctx: Ctx) -> None:
    """Send what the committed update queued, in order: the button's answer first (Telegram
    shows a spinner until then), then replies, edits, documents and notices, then the tasks
    that needed the commit (timers, broadcasts, introductions)."""
    messenger = ctx.services.messenger
    query = ctx.update.callback_query
    if query is not None:
        text, alert = ctx.callback_answer or (None, False)
        await messenger.answer(query.id, text, alert)
    for item in ctx.outbox:
        if item.notice_key is not None:  # to somebody else: the bot's own lane
            await _send_notice(ctx.services, item)
            continue
        with lane(Lane.INTERACTIVE):  # the answer to the person using the bot: first in line
            if item.attachment is not None:
                await messenger.deliver_post(item.chat_id, item.text or "", item.attachment)
            elif item.document is not None:
                await messenger.send_document(item.chat_id, *item.document, caption=item.text)
            elif item.edit_message_id is not None:
                await messenger.edit(item.chat_id, item.edit_message_id, item.text, item.markup)
            elif item.text is not None:
                await messenger.send(item.chat_id, item.text, item.markup)
    ctx.services.schedule(ctx.uow.planned)
    for broadcast_id in ctx.uow.broadcasts:
        ctx.services.start_broadcast(broadcast_id)
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
    with lane(Lane.NOTICE):
        _, outcome = await svc.messenger.deliver(item.chat_id, item.text, item.markup)
    await finish_reminder(svc, reminder_id, outcome.state, outcome.value)


async def finish_reminder(svc: Services, reminder_id: int, state: State, error: str) -> None:
    """Record what became of a sent reminder, through a database restart: otherwise the row
    would stay 'sending' and be reported as interrupted although it arrived."""

    async def finish() -> None:
        async with svc.db.session() as session:
            await reminders.finish(session, reminder_id, state, svc.clock.now(), error=error)

    await retrying(finish, f"reminder {reminder_id}")
