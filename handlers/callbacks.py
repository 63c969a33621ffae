"""Callback data: short, typed, `prefix:action:arg...`, never trusted.

Telegram allows 64 bytes; `pack` refuses more so that a long value fails in tests, not in
production. `unpack` returns plain strings; each handler re-checks ids against the database and the
pressing user's rights.
"""

from __future__ import annotations

import hashlib

MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"


def pack(*parts: object) -> str:
    data = SEPARATOR.join(str(p) for p in parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> list[str]:
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return []
    return data.split(SEPARATOR)


MAX_ROW_ID = 2**31 - 1  # an SQL INTEGER: PostgreSQL refuses a larger parameter outright
MAX_BIG_ID = 2**63 - 1  # a BIGINT: Telegram user ids


def as_int(value: str) -> int | None:
    """Row ids and small numbers from callback data or a command: ASCII digits within an SQL
    INTEGER, or nothing. A forged `mt:999999999999999999:...` must read as "no such row",
    not as a query PostgreSQL rejects (SQLite would just find nothing)."""
    return _digits(value, MAX_ROW_ID)


def as_big_int(value: str) -> int | None:
    """Telegram user ids (64 bits) and unix times, typed or in callback data, or nothing."""
    return _digits(value, MAX_BIG_ID)


def _digits(value: str, limit: int) -> int | None:
    # isdigit() alone accepts "²" and other Unicode digits that int() then rejects.
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= limit else None


def check(text: str) -> str:
    """A short fingerprint of a list entry, so an old keyboard cannot toggle a shifted entry."""
    return hashlib.sha256(text.encode()).hexdigest()[:6]
