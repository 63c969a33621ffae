"""Plain records describing what the bot did, for assertions in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part; a distinct type so an upload never looks like a file_id."""

    filename: str
    content: bytes
    content_type: str | None = None


@dataclass(eq=False)
class InlineButton:
    text: str
    callback_data: str | None = None
    url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class SentDocument:
    chat_id: int
    message_id: int
    filename: str
    content: bytes
    caption: str | None
    mime_type: str | None
    file_id: str
    file_unique_id: str
    kind: str = "document"  # or "photo" (sendPhoto, or a picture a user sent)


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent; edits mutate it in place so every holder sees the current state."""

    message_id: int
    chat_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    date: int
    edited: bool = False
    edits: int = 0
    edit_date: int | None = None
    deleted: bool = False
    document: SentDocument | None = None
    reply_to: int | None = None
    """message_id this message replies to, if any."""
    history: list[str] = field(default_factory=list)
    """Plain texts of earlier versions, oldest first (edits only)."""

    @property
    def buttons(self) -> list[list[InlineButton]]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        return [
            [
                InlineButton(
                    text=str(b.get("text", "")),
                    callback_data=b.get("callback_data"),
                    url=b.get("url"),
                    raw=dict(b),
                )
                for b in row
            ]
            for row in rows
        ]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    @property
    def has_inline_keyboard(self) -> bool:
        return bool(self.buttons)

    def find_button(self, label: str) -> InlineButton | None:
        """Match by visible text first: that is what a human would click on."""
        flat = [b for row in self.buttons for b in row]
        for button in flat:
            if button.text == label:
                return button
        for button in flat:
            if button.callback_data is not None and button.callback_data == label:
                return button
        return None

    def describe(self) -> str:
        flags = []
        if self.edited:
            flags.append(f"edited x{self.edits}")
        if self.deleted:
            flags.append("deleted")
        head = f"#{self.message_id}" + (f" ({', '.join(flags)})" if flags else "")
        body = (
            self.text
            if self.document is None
            else f"[{self.document.kind} {self.document.filename}] "
        )
        if self.document is not None and self.document.caption:
            body += self.text
        lines = [f"{head}: {body!r}"]
        for row in self.buttons:
            cells = [
                f"[{b.text}]" + (f"->{b.callback_data}" if b.callback_data else "") for b in row
            ]
            lines.append("    " + " ".join(cells))
        return "\n".join(lines)


@dataclass(eq=False)
class ApiCall:
    method: str
    params: dict[str, Any]
    status: int
    time: float
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        value = self.response.get("description")
        return value if isinstance(value, str) else None


@dataclass(eq=False)
class WebhookDelivery:
    update_id: int
    attempt: int
    status: int | None
    """HTTP status of the receiver, None when the connection itself failed."""
    error: str | None = None
    time: float = 0.0
