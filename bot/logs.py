"""Logging that never shows a secret and that user text cannot forge.

httpx logs every request URL at INFO, and Telegram URLs contain the token; PTB exceptions can
carry it too, and PTB logs the parameters of setWebhook (the webhook secret) at DEBUG. A filter
on the root handler replaces every secret wherever it appears.

User text (callback data, messages, names) may contain line breaks; written raw, "\\n2027-01-01
... INFO ..." would forge a log line of its own. Callers log such values with %r, and the
formatter escapes line breaks in every message as well, so no call, ours or a library's, can
start a new line except a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

REDACTED = "<token>"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


class OneLineFormatter(logging.Formatter):
    """The message stays on its line: CR and LF in it are shown as \\r and \\n."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        return line.replace("\r", "\\r").replace("\n", "\\n")


def make_handler(secrets: list[str], stream: TextIO | None = None) -> logging.Handler:
    """The handler production logs through (tests attach one to see exactly its output)."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    install_filter(handler, secrets)
    return handler


def configure(level: str, secrets: list[str]) -> None:
    root = logging.getLogger()
    root.handlers[:] = [make_handler(secrets)]
    root.setLevel(level.upper())
    # Request lines are noise at INFO and the first place a token would leak.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def install_filter(handler: logging.Handler, secrets: list[str]) -> None:
    handler.addFilter(RedactFilter(secrets))
