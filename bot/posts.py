"""What a user's message holds for an announcement: its text as Telegram's HTML (of the text, or
of a file's caption), the raw words (to tell a command), and a document or photo by file_id."""

from __future__ import annotations

from telegram import Message

from core.broadcasts import Attachment, AttachmentKind


def parts(message: Message | None) -> tuple[str, str, Attachment | None]:
    """(html, raw, attachment); a photo in its largest size, a file never downloaded."""
    if message is None:
        return "", "", None
    if message.text:
        return message.text_html, message.text, None
    html = message.caption_html if message.caption else ""
    attachment = None
    if message.document is not None:
        document = message.document
        attachment = Attachment(AttachmentKind.DOCUMENT, document.file_id, document.file_name)
    elif message.photo:
        attachment = Attachment(AttachmentKind.PHOTO, message.photo[-1].file_id)
    return html, message.caption or "", attachment
