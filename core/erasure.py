"""What an erased person leaves in stored texts and JSON: nothing that names them.

Some rows that stay after an erasure (a matching round's result, a tandem's score reasons, the
audit log) carry values copied from the person's profile at the time: their position, industry,
company, name. `Scrubber` replaces every occurrence of the person's strings in such values by
the erased marker and every occurrence of their Telegram id by None, keeping the structure and
the codes, so that what is left still renders and still counts.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERASED = "–"  # what remains where a name or profile value was: language-neutral, obviously empty
MIN_NEEDLE = 3  # shorter strings ("IT", "HR") name nobody and would hit unrelated words
KEPT_KEYS = frozenset({"code"})  # identifiers of reasons and actions, never the person's words


def _needles(strings: Iterable[str | None]) -> tuple[str, ...]:
    found: set[str] = set()
    for value in strings:
        text = (value or "").strip()
        if len(text) >= MIN_NEEDLE:
            found.add(text)
    # Longest first: "Anna Schmidt" goes as a whole before "Anna" could split it.
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


@dataclass(frozen=True)
class Scrubber:
    """The person's strings (as typed; stored texts may hold them HTML-escaped) and id."""

    user_id: int
    strings: tuple[str, ...]
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, user_id: int, strings: Iterable[str | None]) -> Scrubber:
        needles = _needles(strings)
        forms = sorted(
            {form for n in needles for form in (n, html.escape(n, quote=False), html.escape(n))},
            key=lambda s: (-len(s), s),
        )
        alternatives = [re.escape(f) for f in forms] + [rf"(?<!\d){user_id}(?!\d)"]
        pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        return cls(user_id, needles, pattern)

    def names(self, value: str) -> bool:
        assert self._pattern is not None
        return self._pattern.search(value) is not None

    def text(self, value: str) -> str:
        assert self._pattern is not None
        return self._pattern.sub(ERASED, value)

    def json(self, value: Any) -> Any:
        """The same structure with the person taken out: strings scrubbed (codes kept), their
        id (as a number) replaced by None."""
        if isinstance(value, dict):
            return {
                k: v if k in KEPT_KEYS and isinstance(v, str) else self.json(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int) and not isinstance(value, bool) and value == self.user_id:
            return None
        return value

    def mentioned_in(self, value: Any) -> bool:
        """Whether a stored value (text or JSON) names the person or holds their id."""
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return self.names(text)
