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


def as_int(value: str) -> int | None:
    """Ids from callback data: digits only, within 64 bits, or nothing."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def check(text: str) -> str:
    """A short fingerprint of a list entry, so an old keyboard cannot toggle a shifted entry."""
    return hashlib.sha256(text.encode()).hexdigest()[:6]
