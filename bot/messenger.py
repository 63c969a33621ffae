"""The one place that sends to Telegram.

It absorbs what Telegram answers under load or trouble: 429 (wait `retry_after`, then resend),
5xx and timeouts (a few retries with backoff), 403 (the user blocked the bot: recorded, not
raised, so one blocked coordinator never breaks another user's registration).

Parse mode and link previews are set here rather than through PTB's `Defaults`: with Defaults, PTB
also sends `parse_mode` to methods that have no such parameter (editMessageReplyMarkup), which
the project's strict Bot API stand-in rightly reports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypedDict, TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.ratelimit import RateLimiter, Slot
from core.broadcasts import Attachment, AttachmentKind, caption_fits
from core.fit import visible_length
from core.reminders import State

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # 403: blocked the bot or deleted the account
    FAILED = "failed"

    @property
    def state(self) -> State:
        """What a row of the durable schedule becomes after this outcome."""
        return State(self.value)  # the same three words


assert {o.value for o in Outcome} <= {s.value for s in State}

T = TypeVar("T")

MAX_ATTEMPTS = 4  # for 5xx and timeouts
MAX_FLOOD_WAITS = 10  # 429s are waited out (all senders pause), not counted as failures
MAX_RETRY_AFTER = 60.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _keyboard(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """No buttons means no keyboard. PTB leaves an empty keyboard out of the request, and
    Telegram refuses a `reply_markup` without `inline_keyboard`: the whole message would be lost
    for want of a button list that happened to be empty."""
    return markup if markup is not None and any(markup.inline_keyboard) else None


class _Html(TypedDict):
    text: str
    reply_markup: InlineKeyboardMarkup | None
    parse_mode: ParseMode
    link_preview_options: LinkPreviewOptions


def _html(text: str, markup: InlineKeyboardMarkup | None) -> _Html:
    """A text as the bot writes every one, sent or edited: HTML, no link previews, no empty
    keyboard (the project's own `Defaults`, see above)."""
    return _Html(
        text=text,
        reply_markup=_keyboard(markup),
        parse_mode=ParseMode.HTML,
        link_preview_options=NO_PREVIEW,
    )


class Messenger:
    def __init__(
        self,
        bot: Bot,
        on_unreachable: Callable[[int], Awaitable[None]] | None = None,
        backoff: float = 0.5,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.bot = bot
        self._on_unreachable = on_unreachable
        self._backoff = backoff
        self.limiter = limiter or RateLimiter()

    async def request(
        self, what: str, call: Callable[[], Awaitable[T]], chat_id: int = 0
    ) -> tuple[T | None, Outcome]:
        """Any other Bot API call (command menus, leaving a chat) with the same pacing and
        retries as messages; `chat_id` 0 when it is about no chat."""
        return await self._call(chat_id, what, call)

    async def slot(self, chat_id: int, paid: bool = False) -> Slot:
        """Wait until a message to this chat may go out now; the caller then sends it with
        `deliver(..., slot=...)` or gives it back (`Slot.unused`). Lets a sender claim its row
        only once the slot is there, so that what a crash leaves in doubt is what was really in
        flight (bot.broadcaster). `paid`: a paid broadcast's message, under the higher limit."""
        return await self.limiter.acquire(chat_id, paid=paid)

    async def _call(
        self,
        chat_id: int,
        what: str,
        call: Callable[[], Awaitable[T]],
        slot: Slot | None = None,
        paid: bool = False,
    ) -> tuple[T | None, Outcome]:
        """`slot`: the first attempt's slot, taken already (see slot)."""
        attempt = floods = 0
        while True:
            if slot is None:
                slot = await self.limiter.acquire(chat_id, paid=paid)
            try:
                try:
                    result = await call()
                finally:  # answered or failed: counts from now (see bot.ratelimit)
                    slot.sent()
                    slot = None  # a retry waits for a slot of its own
                return result, Outcome.SENT
            except RetryAfter as exc:
                floods += 1
                delay = exc.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
                seconds = min(seconds, MAX_RETRY_AFTER)
                log.warning("%s to %s: flood control, all sends wait %.1fs", what, chat_id, seconds)
                self.limiter.pause(seconds)
                if floods >= MAX_FLOOD_WAITS:
                    break
            except Forbidden:
                log.info("%s to %s refused: the user blocked the bot", what, chat_id)
                if self._on_unreachable is not None:
                    await self._on_unreachable(chat_id)
                return None, Outcome.UNREACHABLE
            except BadRequest as exc:
                if "message is not modified" in exc.message.lower():  # PTB capitalises it
                    return None, Outcome.SENT
                log.error("%s to %s rejected by Telegram: %s", what, chat_id, exc.message)
                return None, Outcome.FAILED
            except NetworkError as exc:  # 5xx and timeouts
                attempt += 1
                if attempt == MAX_ATTEMPTS:
                    log.error("%s to %s failed after %d attempts: %s", what, chat_id, attempt, exc)
                    return None, Outcome.FAILED
                log.warning("%s to %s: %s, retrying", what, chat_id, exc)
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        log.error("%s to %s gave up after repeated flood control", what, chat_id)
        return None, Outcome.FAILED

    async def send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> Message | None:
        return (await self.deliver(chat_id, text, markup))[0]

    async def deliver(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        slot: Slot | None = None,
        paid: bool = False,
    ) -> tuple[Message | None, Outcome]:
        """Like `send`, but says whether the user could be reached at all. `paid`: as part of a
        paid broadcast (`allow_paid_broadcast`, under its higher limit)."""
        return await self._call(
            chat_id,
            "sendMessage",
            lambda: self.bot.send_message(
                chat_id=chat_id, **_html(text, markup), allow_paid_broadcast=paid or None
            ),
            slot,
            paid,
        )

    async def deliver_post(
        self,
        chat_id: int,
        text: str,
        attachment: Attachment | None,
        *,
        slot: Slot | None = None,
        paid: bool = False,
    ) -> tuple[Message | None, Outcome]:
        """An announcement: its text, or a file or picture (by Telegram's file_id) with the text
        as its caption. A text too long for a caption follows the file as a message of its own;
        the outcome is the file's, or the text's once the file is there."""
        if attachment is None:
            return await self.deliver(chat_id, text, slot=slot, paid=paid)
        caption = text if text.strip() and caption_fits(visible_length(text)) else None
        mode = ParseMode.HTML if caption else None
        file_id = attachment.file_id
        photo = attachment.kind is AttachmentKind.PHOTO
        method = "sendPhoto" if photo else "sendDocument"
        send = self.bot.send_photo if photo else self.bot.send_document

        def call() -> Awaitable[Message]:
            return send(
                chat_id,
                file_id,
                caption=caption,
                parse_mode=mode,
                allow_paid_broadcast=paid or None,
            )

        message, outcome = await self._call(chat_id, method, call, slot, paid)
        if outcome is not Outcome.SENT or caption is not None or not text.strip():
            return message, outcome
        return await self.deliver(chat_id, text, paid=paid)

    async def send_document(
        self, chat_id: int, filename: str, content: bytes, caption: str | None = None
    ) -> tuple[Message | None, Outcome]:
        """A file such as a calendar entry; the caption is an HTML template like any text."""
        return await self._call(
            chat_id,
            "sendDocument",
            lambda: self.bot.send_document(
                chat_id=chat_id,
                document=content,
                filename=filename,
                caption=caption,
                parse_mode=ParseMode.HTML if caption else None,
            ),
        )

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str | None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        if text is None:
            await self._call(
                chat_id,
                "editMessageReplyMarkup",
                lambda: self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=markup
                ),
            )
            return
        await self._call(
            chat_id,
            "editMessageText",
            lambda: self.bot.edit_message_text(
                chat_id=chat_id, message_id=message_id, **_html(text, markup)
            ),
        )

    async def answer(self, query_id: str, text: str | None = None, alert: bool = False) -> None:
        # Callback answers expire after a few seconds; a failed one is not worth a retry loop.
        try:
            await self.bot.answer_callback_query(query_id, text=text, show_alert=alert)
        except (BadRequest, NetworkError) as exc:
            log.info("answerCallbackQuery failed: %s", exc)
