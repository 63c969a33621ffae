"""The HTTP server that speaks the Bot API to a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from .errors import ApiError, bad_request, standard_error
from .formatting import format_text
from .models import ApiCall, BotMessage, SentDocument, UploadedFile, WebhookDelivery
from .spec import ApiSpec
from .user import FakeGroup, FakeUser

DEFAULT_TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # noqa: S105 - a fake token

_Handler = Callable[[dict[str, Any]], Coroutine[Any, Any, Any]]

_DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result", "callback_query",
        "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class _Failure:
    def __init__(self, error: ApiError, times: int) -> None:
        self.error = error
        self.times = times


class _FloodControl:
    """Telegram's documented limits: 30 messages/s overall, ~1 message/s per chat with bursts;
    a paid broadcast's messages (allow_paid_broadcast) up to 1,000/s, outside the free 30."""

    def __init__(
        self,
        global_rate: int = 30,
        chat_burst: float = 3.0,
        chat_rate: float = 1.0,
        paid_rate: int = 1000,
    ):
        self.global_rate = global_rate
        self.paid_rate = paid_rate
        self.chat_burst = chat_burst
        self.chat_rate = chat_rate
        self._recent: deque[float] = deque()
        self._recent_paid: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}

    def check(self, chat_id: int, paid: bool = False) -> None:
        now = time.monotonic()
        recent = self._recent_paid if paid else self._recent
        limit = self.paid_rate if paid else self.global_rate
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= limit:
            wait = 1.0 - (now - recent[0])
            raise standard_error(429, max(1, math.ceil(wait)))
        tokens, stamp = self._buckets.get(chat_id, (self.chat_burst, now))
        tokens = min(self.chat_burst, tokens + (now - stamp) * self.chat_rate)
        if tokens < 1.0:
            raise standard_error(429, max(1, math.ceil((1.0 - tokens) / self.chat_rate)))
        self._buckets[chat_id] = (tokens - 1.0, now)
        recent.append(now)


class FakeBotApi:
    """A loopback Bot API server plus the state of the "Telegram" world behind it.

    Use it as an async context manager; everything runs on the caller's event loop, which is why
    plain asyncio primitives are enough for long polling and for waiting on bot messages.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "TandemTestBot",
        bot_id: int | None = None,
        spec_path: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "Tandem",
        flood_control: bool = False,
        webhook_retries: int = 3,
        webhook_retry_delay: float = 0.05,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1)
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port
        self.spec = ApiSpec.load(spec_path)
        self.flood_control = flood_control
        self.webhook_retries = webhook_retries
        self.webhook_retry_delay = webhook_retry_delay

        self.calls: list[ApiCall] = []
        self.documents: list[SentDocument] = []
        self.photos: list[SentDocument] = []  # sendPhoto; `documents` has sendDocument only
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.users: dict[int, FakeUser] = {}

        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED
        self._poll_generation = 0
        self._cond: asyncio.Condition | None = None
        self._message_ids: dict[int, int] = {}
        self._messages: dict[int, dict[int, BotMessage]] = {}
        self._arrivals: dict[int, list[BotMessage]] = {}
        self._user_messages: dict[int, set[int]] = {}
        self._open_queries: dict[str, tuple[int, dict[str, Any] | None]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._flood = _FloodControl()
        self.paid_messages = 0  # accepted with allow_paid_broadcast: 0.1 Stars each
        self._files: dict[str, SentDocument] = {}
        self._webhook: dict[str, Any] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._last_activity = time.monotonic()
        self._closing = False
        self._background: set[asyncio.Task[None]] = set()
        self._handlers: dict[str, _Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._send_chat_action,
            "getchat": self._get_chat,
            "leavechat": self._leave_chat,
            "getfile": self._get_file,
            "logout": self._log_out,
            "close": self._close,
        }

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._closing = True
        await self._notify()  # releases long polls so the HTTP server can shut down quickly
        await self._stop_webhook()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- world setup and inspection -------------------------------------------------------------

    def add_group(self, chat_id: int, title: str) -> FakeGroup:
        if chat_id in self.users:
            raise ValueError(f"chat {chat_id} exists already")
        group = FakeGroup(self, chat_id, title)
        self.users[chat_id] = group
        return group

    def add_user(
        self,
        user_id: int = 1001,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "de",
    ) -> FakeUser:
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = FakeUser(self, user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        return user

    def user(self, user_id: int) -> FakeUser:
        return self.users[user_id]

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail without any effect."""
        error = standard_error(status, retry_after)
        if description is not None:
            error = ApiError(status, description, retry_after=error.retry_after)
        self._failures.setdefault(method.lower(), []).append(_Failure(error, times))

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        return list(self._commands.get((_scope_key(scope), language_code), []))

    def visible_commands(self, user_id: int) -> list[dict[str, Any]]:
        """Resolve commands the way a client does for a private chat, most specific first."""
        language = self.users[user_id].language_code or ""
        scopes: list[dict[str, Any]] = [
            {"type": "chat", "chat_id": user_id},
            {"type": "all_private_chats"},
            {"type": "default"},
        ]
        for scope in scopes:
            for lang in ([language] if language else []) + [""]:
                found = self._commands.get((_scope_key(scope), lang))
                if found:
                    return list(found)
        return []

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        return dict(self._menu_buttons.get(chat_id) or {"type": "default"})

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_idle(self, timeout: float = 5.0, quiet: float = 0.05) -> None:  # noqa: ASYNC109
        """Wait until every update was fetched and confirmed and the bot stopped calling the API.

        "Confirmed" alone is not enough: PTB confirms an update before handling it, so a short
        quiet period without non-polling calls stands for "handlers are done".
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if not self._updates and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(f"not idle after {timeout}s; pending: {self._updates!r}")
            await asyncio.sleep(min(quiet, 0.01))

    async def wait_change(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait for any change in the chats (new message, edit, deletion); False on timeout."""
        cond = self._condition()
        async with cond:
            try:
                async with asyncio.timeout(timeout):
                    await cond.wait()
            except TimeoutError:
                return False
        return True

    # -- internals used by FakeUser -------------------------------------------------------------

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def _notify(self) -> None:
        cond = self._condition()
        async with cond:
            cond.notify_all()

    async def _wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
        cond = self._condition()
        async with cond, asyncio.timeout(timeout):
            await cond.wait_for(predicate)

    def _user_file(
        self, user_id: int, message_id: int, kind: str, filename: str, content: bytes, mime: str
    ) -> SentDocument:
        """A file a user sent to the bot: the bot may send it on by its file_id, as on
        Telegram (file_ids are per bot, and work for any chat)."""
        number = len(self._files) + 1
        sent = SentDocument(
            chat_id=user_id,
            message_id=message_id,
            filename=filename,
            content=content,
            caption=None,
            mime_type=mime,
            file_id=f"{'AgAC' if kind == 'photo' else 'BQAC'}AgIAAxkBAAU{user_id}_{number}",
            file_unique_id=f"AgADu{number}",
            kind=kind,
        )
        self._files[sent.file_id] = sent
        return sent

    def _next_message_id(self, chat_id: int) -> int:
        value = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = value
        return value

    async def _push_user_message(self, user: FakeUser, message: dict[str, Any]) -> None:
        self._user_messages.setdefault(user.id, set()).add(int(message["message_id"]))
        await self._enqueue({"message": message})

    def _queue_member_change(
        self, user: FakeUser, old: str, new: str, *, by: FakeUser | None = None
    ) -> None:
        bot = self._bot_user()

        def member(status: str) -> dict[str, Any]:
            # Telegram always sends until_date for a kicked member (0 means forever).
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        update = {
            "my_chat_member": {
                "chat": user.chat_dict(),
                "from": (by or user).to_dict(),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }
        self._add_update(update)
        with contextlib.suppress(RuntimeError):
            task = asyncio.get_running_loop().create_task(self._notify())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def inject_update(self, update: dict[str, Any]) -> int:
        """Queue any update body as Telegram would deliver it, unchecked (e.g. one the bot
        cannot parse: a newer Bot API's field, a broken object); returns its update_id."""
        return await self._enqueue(update)

    async def _enqueue(self, update: dict[str, Any]) -> int:
        update_id = self._add_update(update)
        await self._notify()
        return update_id

    def _add_update(self, update: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        kind = next(iter(update))
        if kind in self._allowed_updates:
            self._updates.append({"update_id": update_id, **update})
        return update_id

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _message_dict(self, message: BotMessage) -> dict[str, Any]:
        user = self.users[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._bot_user(),
            "chat": user.chat_dict(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.document is not None:
            doc = message.document
            if doc.kind == "photo":
                data["photo"] = [_photo_size(doc)]
            else:
                data["document"] = {
                    "file_id": doc.file_id,
                    "file_unique_id": doc.file_unique_id,
                    "file_name": doc.filename,
                    "file_size": len(doc.content),
                }
                if doc.mime_type:
                    data["document"]["mime_type"] = doc.mime_type
            if message.text:
                data["caption"] = message.text
                if message.entities:
                    data["caption_entities"] = message.entities
        else:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.reply_to is not None:
            data["reply_to_message"] = self._reply_dict(message.chat_id, message.reply_to)
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _reply_dict(self, chat_id: int, message_id: int) -> dict[str, Any]:
        bot_message = self._messages.get(chat_id, {}).get(message_id)
        if bot_message is not None:
            return {
                k: v for k, v in self._message_dict(bot_message).items() if k != "reply_to_message"
            }
        user = self.users[chat_id]
        return {  # the stand-in does not keep the content of user messages
            "message_id": message_id,
            "from": user.to_dict(),
            "chat": user.chat_dict(),
            "date": 0,
        }

    # -- HTTP -----------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        if tail.startswith("file/bot"):
            return await self._serve_file(tail[len("file/bot") :])
        if not tail.startswith("bot") or "/" not in tail:
            return _json_response(ApiError(404, "Not Found").to_body(), 404)
        token, _, method_name = tail[3:].partition("/")
        if token != self.token:
            return _json_response(ApiError(401, "Unauthorized").to_body(), 401)
        params: dict[str, Any] = {}
        name = method_name
        try:
            params, encoded = await _read_params(request)
            spec = self.spec.method(method_name)
            if spec is None:
                raise ApiError(404, "Not Found: method not found")
            name = spec.name
            if name.lower() != "getupdates":
                self._last_activity = time.monotonic()
            self._raise_injected(name)
            validated = self.spec.validate(spec, params, encoded=encoded)
            params = validated
            handler = self._handlers.get(name.lower())
            if handler is None:
                raise ApiError(
                    501, f"Not Implemented: the Bot API stand-in does not implement {name}"
                )
            result = await handler(validated)
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as exc:
            body, status = exc.to_body(), exc.code
        self.calls.append(ApiCall(name, params, status, time.time(), body))
        return _json_response(body, status)

    def _raise_injected(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if not queue:
            return
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        raise failure.error

    async def _serve_file(self, rest: str) -> web.StreamResponse:
        token, _, path = rest.partition("/")
        if token != self.token:
            return _json_response(ApiError(401, "Unauthorized").to_body(), 401)
        for doc in self._files.values():
            if _file_path(doc) == path:
                return web.Response(body=doc.content, content_type="application/octet-stream")
        return _json_response(ApiError(404, "Not Found").to_body(), 404)

    # -- chat helpers ---------------------------------------------------------------------------

    def _chat(self, raw: Any, *, allow_blocked: bool = False) -> FakeUser:
        chat_id: int | None = None
        if isinstance(raw, int):
            chat_id = raw
        elif isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
            chat_id = int(raw)
        elif isinstance(raw, str) and raw.startswith("@"):
            chat_id = next((u.id for u in self.users.values() if u.username == raw[1:]), None)
        user = self.users.get(chat_id) if chat_id is not None else None
        if user is None:
            raise bad_request("chat not found")
        if user.blocked and not allow_blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if isinstance(user, FakeGroup) and user.left:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return user

    def _check_markup(self, markup: dict[str, Any] | None) -> dict[str, Any] | None:
        if markup is None or "inline_keyboard" not in markup:
            return markup
        action_fields = set(self.spec.type_fields("InlineKeyboardButton")) - {
            "text", "icon_custom_emoji_id", "style",
        }  # fmt: skip
        for row in markup["inline_keyboard"]:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise bad_request("BUTTON_TEXT_EMPTY")
                actions = [key for key in button if key in action_fields]
                if not actions:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise bad_request(
                        "can't parse inline keyboard button: exactly one of the optional fields "
                        f"must be used, got {sorted(actions)}"
                    )
                if "callback_data" in button:
                    size = len(button["callback_data"].encode("utf-8"))
                    if not 1 <= size <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", button["url"]):
                    raise bad_request("BUTTON_URL_INVALID")
        return markup

    async def _store(self, message: BotMessage) -> None:
        self._messages.setdefault(message.chat_id, {})[message.message_id] = message
        self._arrivals.setdefault(message.chat_id, []).append(message)
        await self._notify()

    def _flood_check(self, chat_id: int, p: dict[str, Any]) -> None:
        """Telegram's limits (with `flood_control`); a paid broadcast's message is counted, at
        0.1 Stars, in `paid_messages` once it is accepted."""
        paid = bool(p.get("allow_paid_broadcast"))
        if self.flood_control:
            self._flood.check(chat_id, paid)
        if paid:
            self.paid_messages += 1

    # -- methods --------------------------------------------------------------------------------

    async def _get_me(self, p: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: dict[str, Any]) -> Any:
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = p.get("offset")
        limit = min(max(int(p.get("limit", 100)), 1), 100)
        timeout = max(float(p.get("timeout", 0)), 0.0)
        if "allowed_updates" in p:
            wanted = p["allowed_updates"]
            self._allowed_updates = frozenset(wanted) if wanted else _DEFAULT_ALLOWED
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            elif offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        cond = self._condition()
        async with cond:
            cond.notify_all()  # wakes an older poller so that it can report the conflict
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            if self._webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            self._updates = [u for u in self._updates if _update_kind(u) in self._allowed_updates]
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0 or self._closing:
                return self._updates[:limit]
            async with cond:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await cond.wait()

    async def _set_webhook(self, p: dict[str, Any]) -> Any:
        url = p["url"]
        if not url:
            return await self._delete_webhook(p)
        if not re.match(r"^https?://", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in p:
            wanted = p["allowed_updates"]
            self._allowed_updates = frozenset(wanted) if wanted else _DEFAULT_ALLOWED
        await self._stop_webhook()
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": p.get("max_connections", 40),
            "ip_address": p.get("ip_address"),
        }
        self._webhook_error = None
        self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        await self._notify()
        return True

    async def _delete_webhook(self, p: dict[str, Any]) -> Any:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        await self._stop_webhook()
        self._webhook = None
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["ip_address"]:
                info["ip_address"] = self._webhook["ip_address"]
            if self._allowed_updates != _DEFAULT_ALLOWED:
                info["allowed_updates"] = sorted(self._allowed_updates)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _stop_webhook(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_webhook(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        cond = self._condition()
        while self._webhook is not None:
            async with cond:
                await cond.wait_for(lambda: bool(self._updates))
            update = self._updates[0]
            hook = self._webhook
            headers = {}
            if hook["secret_token"]:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            for attempt in range(1, self.webhook_retries + 1):
                status: int | None = None
                error: str | None = None
                try:
                    async with self._session.post(hook["url"], json=update, headers=headers) as r:
                        status = r.status
                        await r.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                self.webhook_deliveries.append(
                    WebhookDelivery(update["update_id"], attempt, status, error, time.time())
                )
                if status is not None and 200 <= status < 300:
                    break
                self._webhook_error = (
                    int(time.time()),
                    error or f"Wrong response from the webhook: {status}",
                )
                await asyncio.sleep(self.webhook_retry_delay * attempt)
            if self._updates and self._updates[0] is update:
                self._updates.pop(0)

    async def _send_message(self, p: dict[str, Any]) -> Any:
        user = self._chat(p["chat_id"])
        raw_text = p["text"]
        if not raw_text.strip():
            raise bad_request("message text is empty")
        parse_mode = p.get("parse_mode")
        text, entities = format_text(raw_text, parse_mode, p.get("entities"))
        if not text:
            raise bad_request("message text is empty")
        if len(text) > 4096:
            raise bad_request("message is too long")
        markup = self._check_markup(p.get("reply_markup"))
        reply_to = self._reply_target(user.id, p.get("reply_parameters"))
        self._flood_check(user.id, p)
        message = BotMessage(
            message_id=self._next_message_id(user.id),
            chat_id=user.id,
            text=text,
            raw_text=raw_text,
            parse_mode=parse_mode,
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            reply_to=reply_to,
        )
        await self._store(message)
        return self._message_dict(message)

    def _reply_target(self, chat_id: int, params: dict[str, Any] | None) -> int | None:
        if not params:
            return None
        target = int(params["message_id"])
        if "chat_id" in params and self._chat(params["chat_id"], allow_blocked=True).id != chat_id:
            raise ApiError(501, "Not Implemented: the stand-in has no replies across chats")
        bot_message = self._messages.get(chat_id, {}).get(target)
        exists = (bot_message is not None and not bot_message.deleted) or target in (
            self._user_messages.get(chat_id, set())
        )
        if exists:
            return target
        if params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _message_for_edit(self, p: dict[str, Any]) -> BotMessage:
        if "inline_message_id" in p:
            raise ApiError(501, "Not Implemented: the stand-in has no inline messages")
        if "chat_id" not in p:
            raise bad_request("chat_id is empty")
        if "message_id" not in p:
            raise bad_request("message_id is empty")
        user = self._chat(p["chat_id"])
        message = self._messages.get(user.id, {}).get(p["message_id"])
        if message is None or message.deleted:
            if p["message_id"] in self._user_messages.get(user.id, set()):
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

    async def _apply_edit(
        self,
        message: BotMessage,
        text: str,
        raw_text: str,
        parse_mode: str | None,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
    ) -> Any:
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        if text != message.text:
            message.history.append(message.text)
        message.text, message.raw_text, message.parse_mode = text, raw_text, parse_mode
        message.entities, message.reply_markup = entities, markup
        message.edited = True
        message.edits += 1
        message.edit_date = int(time.time())
        await self._notify()
        return self._message_dict(message)

    async def _edit_message_text(self, p: dict[str, Any]) -> Any:
        message = self._message_for_edit(p)
        if message.document is not None:
            raise bad_request("there is no text in the message to edit")
        raw_text = p.get("text", "")
        if not raw_text.strip():
            raise bad_request("message text is empty")
        text, entities = format_text(raw_text, p.get("parse_mode"), p.get("entities"))
        if not text:
            raise bad_request("message text is empty")
        if len(text) > 4096:
            raise bad_request("message is too long")
        markup = self._check_markup(p.get("reply_markup"))
        return await self._apply_edit(
            message, text, raw_text, p.get("parse_mode"), entities, markup
        )

    async def _edit_message_reply_markup(self, p: dict[str, Any]) -> Any:
        message = self._message_for_edit(p)
        markup = self._check_markup(p.get("reply_markup"))
        return await self._apply_edit(
            message, message.text, message.raw_text, message.parse_mode, message.entities, markup
        )

    async def _delete_message(self, p: dict[str, Any]) -> Any:
        user = self._chat(p["chat_id"], allow_blocked=True)
        message_id = p["message_id"]
        message = self._messages.get(user.id, {}).get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            await self._notify()
            return True
        own = self._user_messages.get(user.id, set())
        if message_id in own:
            own.discard(message_id)
            return True
        raise bad_request("message to delete not found")

    async def _answer_callback_query(self, p: dict[str, Any]) -> Any:
        query_id = p["callback_query_id"]
        entry = self._open_queries.get(query_id)
        if entry is None or entry[1] is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(p.get("text", "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_queries[query_id] = (entry[0], dict(p))
        await self._notify()
        return True

    def _scope(self, p: dict[str, Any]) -> dict[str, Any]:
        scope = dict(p.get("scope") or {"type": "default"})
        if "chat_id" in scope:
            scope["chat_id"] = self._chat(scope["chat_id"], allow_blocked=True).id
        if "user_id" in scope and scope["user_id"] not in self.users:
            raise bad_request("user not found")
        language = p.get("language_code", "")
        if language and not _LANG_RE.match(language):
            raise bad_request("invalid language code specified")
        return scope

    async def _set_my_commands(self, p: dict[str, Any]) -> Any:
        scope = self._scope(p)
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_RE.match(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"].strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (_scope_key(scope), p.get("language_code", ""))
        if commands:
            self._commands[key] = [dict(c) for c in commands]
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, p: dict[str, Any]) -> Any:
        scope = self._scope(p)
        return self.commands(scope, p.get("language_code", ""))

    async def _delete_my_commands(self, p: dict[str, Any]) -> Any:
        scope = self._scope(p)
        self._commands.pop((_scope_key(scope), p.get("language_code", "")), None)
        return True

    async def _set_chat_menu_button(self, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat(chat_id, allow_blocked=True).id
        self._menu_buttons[chat_id] = dict(p.get("menu_button") or {"type": "default"})
        return True

    async def _get_chat_menu_button(self, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        if chat_id is not None:
            chat_id = self._chat(chat_id, allow_blocked=True).id
            if chat_id in self._menu_buttons:
                return self.menu_button(chat_id)
        return self.menu_button(None)

    async def _send_document(self, p: dict[str, Any]) -> Any:
        return await self._send_file(p, "document")

    async def _send_photo(self, p: dict[str, Any]) -> Any:
        return await self._send_file(p, "photo")

    async def _send_file(self, p: dict[str, Any], kind: str) -> Any:
        """sendDocument and sendPhoto: an upload, or the file_id of a file the bot sent or
        received before (of the same kind, as Telegram insists)."""
        user = self._chat(p["chat_id"])
        document = p[kind]
        if isinstance(document, UploadedFile):
            if not document.content:
                raise bad_request("file must be non-empty")
            filename, content, mime = document.filename, document.content, document.content_type
        elif document in self._files:
            known = self._files[document]
            if known.kind != kind:
                raise bad_request(f"can't use file of type {known.kind.title()} as {kind.title()}")
            filename, content, mime = known.filename, known.content, known.mime_type
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        raw_caption = p.get("caption")
        caption, entities = "", list[dict[str, Any]]()
        if raw_caption:
            caption, entities = format_text(
                raw_caption, p.get("parse_mode"), p.get("caption_entities")
            )
            if len(caption) > 1024:
                raise bad_request("message caption is too long")
        markup = self._check_markup(p.get("reply_markup"))
        self._flood_check(user.id, p)
        message_id = self._next_message_id(user.id)
        number = len(self.documents) + len(self.photos) + 1
        prefix = "AgACAgIAAxkBAAI" if kind == "photo" else "BQACAgIAAxkBAAI"
        sent = SentDocument(
            chat_id=user.id,
            message_id=message_id,
            filename=filename,
            content=content,
            caption=caption or None,
            mime_type=mime,
            file_id=f"{prefix}{self.bot_id}_{number}",
            file_unique_id=f"AgAD{number}",
            kind=kind,
        )
        (self.photos if kind == "photo" else self.documents).append(sent)
        self._files[sent.file_id] = sent
        message = BotMessage(
            message_id=message_id,
            chat_id=user.id,
            text=caption,
            raw_text=raw_caption or "",
            parse_mode=p.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            date=int(time.time()),
            document=sent,
        )
        await self._store(message)
        return self._message_dict(message)

    async def _send_chat_action(self, p: dict[str, Any]) -> Any:
        self._chat(p["chat_id"])
        if p["action"] not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _leave_chat(self, p: dict[str, Any]) -> Any:
        chat = self._chat(p["chat_id"])
        if not isinstance(chat, FakeGroup):
            raise bad_request("chat member status can't be changed in private chats")
        chat.left = True
        return True

    async def _get_chat(self, p: dict[str, Any]) -> Any:
        user = self._chat(p["chat_id"], allow_blocked=True)
        return {**user.chat_dict(), "accent_color_id": 0, "max_reaction_count": 11}

    async def _get_file(self, p: dict[str, Any]) -> Any:
        doc = self._files.get(p["file_id"])
        if doc is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": doc.file_id,
            "file_unique_id": doc.file_unique_id,
            "file_size": len(doc.content),
            "file_path": _file_path(doc),
        }

    async def _log_out(self, p: dict[str, Any]) -> Any:
        return True

    async def _close(self, p: dict[str, Any]) -> Any:
        return True


def _photo_size(doc: SentDocument) -> dict[str, Any]:
    return {
        "file_id": doc.file_id,
        "file_unique_id": doc.file_unique_id,
        "width": 800,
        "height": 600,
        "file_size": len(doc.content),
    }


def _file_path(doc: SentDocument) -> str:
    return f"documents/file_{doc.file_unique_id}_{Path(doc.filename).name}"


def _update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _scope_key(scope: dict[str, Any] | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


def _json_response(body: dict[str, Any], status: int) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


async def _read_params(request: web.Request) -> tuple[dict[str, Any], bool]:
    """Collect parameters from query, form, multipart or JSON; True means values are encoded."""
    params: dict[str, Any] = dict(request.query)
    encoded = True
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("the JSON request body must be an object")
            params.update(body)
            encoded = False
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            files: dict[str, UploadedFile] = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        value.filename, value.file.read(), value.content_type or None
                    )
                else:
                    params[key] = value
            for key, file in files.items():
                referenced = [k for k, v in params.items() if v == f"attach://{key}"]
                for name in referenced:
                    params[name] = file
                if not referenced:
                    params[key] = file
            for value in params.values():
                if isinstance(value, str) and value.startswith("attach://"):
                    raise bad_request(f"can't find attached file {value[len('attach://') :]!r}")
    return params, encoded
