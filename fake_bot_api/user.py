"""A Telegram user driven from test code: sends messages, presses buttons, reads the chat."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from .models import BotMessage

if TYPE_CHECKING:
    from .server import FakeBotApi

_query_ids = itertools.count(1)


class NoMessageError(AssertionError, TimeoutError):
    """No bot message arrived in time.

    It is both an AssertionError (so pytest prints the chat dump nicely) and a TimeoutError
    (== asyncio.TimeoutError) for callers that treat it as a plain timeout.
    """


class FakeUser:
    def __init__(
        self,
        api: FakeBotApi,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self.api = api
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self._cursor = 0
        self._seen_edits: dict[int, int] = {}
        self._chat_instance = str(abs(hash((api.bot_id, user_id))) % 10**18)

    @property
    def user_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"FakeUser({self.id}, {self.first_name!r}, username={self.username!r})"

    # -- Telegram objects -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    # -- acting as the user ---------------------------------------------------------------------

    def _check_can_write(self) -> None:
        if self.blocked:
            raise AssertionError(
                f"{self!r} has blocked the bot and cannot write to it; call unblock() first"
            )

    async def send(
        self,
        text: str,
        entities: list[dict[str, Any]] | None = None,
        *,
        group: FakeGroup | None = None,
    ) -> dict[str, Any]:
        """Send a text message; a leading /command gets its bot_command entity like in Telegram.
        `entities` is formatting the user applied in the app (offsets in UTF-16 units). With
        `group`, the message is written in that group chat (where the bot is a member)."""
        self._check_can_write()
        message = self._new_message()
        if group is not None:
            message["message_id"] = self.api._next_message_id(group.id)
            message["chat"] = group.chat_dict()
        message["text"] = text
        if entities:
            message["entities"] = entities
        elif text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            length = len(command.encode("utf-16-le")) // 2
            if len(command) > 1:
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self.api._push_user_message(group or self, message)
        return message

    async def edit_sent(self, message: dict[str, Any], new_text: str) -> dict[str, Any]:
        """Edit a text message this user sent (as returned by `send`), in a private chat or a
        group. Like Telegram, the bot hears of it as an `edited_message` update with the same
        message_id and a new edit_date, and only if its allowed_updates include edited_message.
        """
        self._check_can_write()
        if "text" not in message:
            raise AssertionError("only text messages can be edited with edit_sent")
        edited = {k: v for k, v in message.items() if k != "entities"}
        edited["text"] = new_text
        edited["edit_date"] = max(int(time.time()), int(message["date"]))
        command = new_text.split(maxsplit=1)[0] if new_text.strip() else new_text
        if command.startswith("/") and len(command) > 1:
            length = len(command.encode("utf-16-le")) // 2
            edited["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self.api._enqueue({"edited_message": edited})
        return edited

    async def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        self._check_can_write()
        message = self._new_message()
        message["sticker"] = {
            "file_id": f"sticker-{message['message_id']}",
            "file_unique_id": f"st{message['message_id']}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        await self.api._push_user_message(self, message)
        return message

    async def send_photo(
        self, caption: str | None = None, caption_entities: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A picture, in two sizes as Telegram sends them; the bot can send it on by the
        file_id of either size (sendPhoto)."""
        self._check_can_write()
        message = self._new_message()
        mid = message["message_id"]
        message["photo"] = []
        for side, length in ((90, 1024), (800, 40960)):
            sent = self.api._user_file(self.id, mid, "photo", "photo.jpg", b"\xff" * length,
                                       "image/jpeg")  # fmt: skip
            message["photo"].append(
                {"file_id": sent.file_id, "file_unique_id": sent.file_unique_id,
                 "width": side, "height": side, "file_size": length}
            )  # fmt: skip
        _caption(message, caption, caption_entities)
        await self.api._push_user_message(self, message)
        return message

    async def send_document(
        self,
        filename: str = "Handbuch.pdf",
        content: bytes = b"%PDF-1.4 handbook",
        caption: str | None = None,
        caption_entities: list[dict[str, Any]] | None = None,
        mime_type: str = "application/pdf",
    ) -> dict[str, Any]:
        """A file, as the app sends it: the bot sees its file_id and can send it on by that
        (sendDocument) without downloading it."""
        self._check_can_write()
        message = self._new_message()
        sent = self.api._user_file(
            self.id, message["message_id"], "document", filename, content, mime_type
        )
        message["document"] = {
            "file_id": sent.file_id,
            "file_unique_id": sent.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        _caption(message, caption, caption_entities)
        await self.api._push_user_message(self, message)
        return message

    def _new_message(self) -> dict[str, Any]:
        return {
            "message_id": self.api._next_message_id(self.id),
            "from": self.to_dict(),
            "chat": self.chat_dict(),
            "date": int(time.time()),
        }

    async def press(self, button: str, message: BotMessage | None = None) -> str:
        """Press an inline button that is really on the message now (after any edits)."""
        self._check_can_write()
        target = self._resolve_message(message)
        found = target.find_button(button)
        if found is None:
            raise AssertionError(
                f"no button {button!r} on message #{target.message_id}; "
                f"available: {target.button_texts!r}\n{target.describe()}"
            )
        if found.callback_data is None:
            raise AssertionError(
                f"button {button!r} on message #{target.message_id} has no callback_data "
                f"(it is a {sorted(set(found.raw) - {'text'})} button); nothing to press"
            )
        return await self._push_callback(target, found.callback_data)

    async def press_data(self, data: str, message: BotMessage | None = None) -> str:
        """Send arbitrary callback data, as a malicious or outdated client could."""
        self._check_can_write()
        target = self._resolve_message(message, need_keyboard=False)
        return await self._push_callback(target, data)

    def _resolve_message(
        self, message: BotMessage | None, *, need_keyboard: bool = True
    ) -> BotMessage:
        if message is not None:
            current = self.api._messages.get(self.id, {}).get(message.message_id)
            if current is None or current.deleted:
                raise AssertionError(f"message #{message.message_id} is not in the chat anymore")
            return current
        for candidate in reversed(self.chat):
            if candidate.has_inline_keyboard or not need_keyboard:
                return candidate
        raise AssertionError(f"no bot message with an inline keyboard in the chat\n{self.dump()}")

    async def _push_callback(self, target: BotMessage, data: str) -> str:
        query_id = f"{self.id}{next(_query_ids):010d}"
        query = {
            "id": query_id,
            "from": self.to_dict(),
            "message": self.api._message_dict(target),
            "chat_instance": self._chat_instance,
            "data": data,
        }
        self.api._open_queries[query_id] = (self.id, None)
        await self.api._enqueue({"callback_query": query})
        return query_id

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        entry = self.api._open_queries.get(query_id)
        return None if entry is None else entry[1]

    def block(self) -> None:
        """Block the bot; Telegram then tells the bot via a my_chat_member update."""
        if not self.blocked:
            self.blocked = True
            self.api._queue_member_change(self, "member", "kicked")

    def unblock(self) -> None:
        """Unblock (Telegram's "Restart"); the bot sees the reverse my_chat_member update."""
        if self.blocked:
            self.blocked = False
            self.api._queue_member_change(self, "kicked", "member")

    # -- reading the chat -----------------------------------------------------------------------

    @property
    def chat(self) -> list[BotMessage]:
        return [m for m in self.api._arrivals.get(self.id, []) if not m.deleted]

    @property
    def last_message(self) -> BotMessage | None:
        chat = self.chat
        return chat[-1] if chat else None

    def dump(self) -> str:
        lines = [f"chat with {self!r}:"]
        arrivals = self.api._arrivals.get(self.id, [])
        for index, message in enumerate(arrivals):
            marker = "  " if index < self._cursor else "* "
            lines.append(marker + message.describe().replace("\n", "\n  "))
        if not arrivals:
            lines.append("  (the bot has sent nothing)")
        return "\n".join(lines)

    async def next_message(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """Return the next bot message not yet returned; edits are not new messages."""
        arrivals = self.api._arrivals.setdefault(self.id, [])
        cursor = self._cursor
        try:
            await self.api._wait_until(lambda: len(arrivals) > cursor, timeout)
        except TimeoutError:
            raise NoMessageError(
                f"no new bot message for user {self.id} within {timeout}s\n{self.dump()}"
            ) from None
        message = arrivals[cursor]
        self._cursor = cursor + 1
        self._seen_edits[message.message_id] = message.edits
        return message

    async def collect(self, timeout: float = 0.3) -> list[BotMessage]:  # noqa: ASYNC109
        """Drain all messages arriving until the chat has been quiet for ``timeout`` seconds."""
        result: list[BotMessage] = []
        while True:
            try:
                result.append(await self.next_message(timeout))
            except NoMessageError:
                return result

    async def wait_edit(self, message: BotMessage, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """Wait for an edit of ``message`` this user has not observed yet via wait_edit."""
        seen = self._seen_edits.get(message.message_id, 0)
        current = self._resolve_any(message)
        try:
            await self.api._wait_until(lambda: current.edits > seen, timeout)
        except TimeoutError:
            raise NoMessageError(
                f"message #{message.message_id} was not edited within {timeout}s\n{self.dump()}"
            ) from None
        self._seen_edits[message.message_id] = current.edits
        return current

    def _resolve_any(self, message: BotMessage) -> BotMessage:
        current = self.api._messages.get(self.id, {}).get(message.message_id)
        if current is None:
            raise AssertionError(f"message #{message.message_id} is not a bot message here")
        return current


def _caption(
    message: dict[str, Any], caption: str | None, entities: list[dict[str, Any]] | None
) -> None:
    if caption:
        message["caption"] = caption
        if entities:
            message["caption_entities"] = entities


class FakeGroup(FakeUser):
    """A group chat the bot can be added to; members write with `user.send(..., group=g)`.
    What the bot sends there is in `chat`, like a private chat's."""

    def __init__(self, api: FakeBotApi, chat_id: int, title: str) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        super().__init__(api, chat_id, title)
        self.title = title
        self.left = False  # the bot left the group (leaveChat)

    def __repr__(self) -> str:
        return f"FakeGroup({self.id}, {self.title!r})"

    def chat_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": "group", "title": self.title}

    def add_bot(self, by: FakeUser) -> None:
        """`by` adds the bot to the group; Telegram tells the bot with my_chat_member."""
        self.left = False
        self.api._queue_member_change(self, "left", "member", by=by)
