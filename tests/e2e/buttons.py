"""Every button the handlers can build, from the typed registry (handlers/buttons.py).

Tests that forge callback data (the security test, the fuzzers) take their shapes from here
rather than from a hand-written list, so a button added tomorrow is forged the day it is
written.
"""

from __future__ import annotations

from bot import buttons, router

ID = buttons.ID  # a part that is not a literal: an id, mostly, filled in by the test


def callback_shapes() -> list[tuple[str | None, ...]]:
    """The shape of every registered kind: literal prefix, action and the values of small
    fields (enums, flags) kept, `ID` for a number or a word. Every flow is imported first
    (a running bot imports them on first use)."""
    router.load_all()
    return sorted(set(buttons.shapes()), key=lambda parts: [p or "" for p in parts])
