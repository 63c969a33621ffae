"""Messages built from lists stay within Telegram's 4,096 characters, whatever the data.

Telegram measures a message after parsing its entities: tags do not count, `&amp;` is one
character, and an emoji outside the Basic Multilingual Plane counts twice (UTF-16). A list of
names has no natural bound (45 participants with 100-character names are 4,500 characters), so
every message that lists things is built here: the lists share what the rest of the message
leaves, and each shows as many entries as fit, then "… und 12 weitere". A cap on the number of
names cannot do this: forty short names fit, forty long ones do not.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.html import Safe

LIMIT = 4096  # Telegram's limit for a message text, counted on the visible text
_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str) -> int:
    """The length Telegram counts for an HTML message: without tags, entities decoded, in
    UTF-16 code units (never fewer than the characters the Bot API stand-in counts)."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def fits(text: str, limit: int = LIMIT) -> bool:
    return visible_length(text) <= limit


def escaped(items: Sequence[str]) -> list[str]:
    """User text (names, companies) as HTML fragments for a `Part`."""
    return [html.escape(item, quote=False) for item in items]


@dataclass(frozen=True)
class Part:
    """One list inside a message: HTML fragments (already escaped), how to say how many were
    left out (HTML), how entries are separated, and what stands for an empty list."""

    items: Sequence[str]
    more: Callable[[int], str]
    sep: str = ", "
    empty: str = "–"


def fit_items(part: Part, budget: int) -> str:
    """As many leading entries as fit into `budget` visible characters, then the "more" note
    for the rest. The note's own length is reserved whenever something is left out."""
    if not part.items:
        return part.empty
    whole = part.sep.join(part.items)
    if visible_length(whole) <= budget:
        return whole
    sep_len = visible_length(part.sep)
    joiner = "\n" if "\n" in part.sep else " "
    # The note for the largest possible rest: at least as long as any note we will write.
    reserve = visible_length(part.more(len(part.items))) + len(joiner)
    kept: list[str] = []
    used = 0
    for item in part.items:
        size = visible_length(item) + (sep_len if kept else 0)
        if used + size + reserve > budget:
            break
        kept.append(item)
        used += size
    note = part.more(len(part.items) - len(kept))
    return (part.sep.join(kept) + joiner + note) if kept else note


def shares(budget: int, needs: Sequence[int]) -> list[int]:
    """Split `budget` among lists that need `needs` characters: small lists get all they need,
    the long ones share the rest equally (max-min fair), so one huge list cannot crowd out
    the others."""
    result = [0] * len(needs)
    open_ = sorted(range(len(needs)), key=lambda i: needs[i])
    left = max(budget, 0)
    while open_:
        each = left // len(open_)
        index = open_[0]
        if needs[index] <= each:
            result[index] = needs[index]
            left -= needs[index]
            open_.pop(0)
            continue
        for index in open_:
            result[index] = each
        break
    return result


def fit_message(
    render: Callable[[Sequence[Safe]], str], parts: Sequence[Part], limit: int = LIMIT
) -> str:
    """The message `render` builds from the lists `parts`, within `limit` visible characters.

    `render` gets one HTML fragment per part (as `Safe`, to be placed as a template parameter)
    and returns the whole message. Everything but the lists is measured once with the lists
    empty; the lists then share the rest (`shares`).
    """
    whole = [Safe(p.sep.join(p.items) if p.items else p.empty) for p in parts]
    text = render(whole)
    if fits(text, limit):
        return text
    fixed = visible_length(render([Safe("") for _ in parts]))
    needs = [visible_length(fragment) for fragment in whole]
    budget = limit - fixed
    while True:
        allotted = zip(parts, shares(budget, needs), strict=True)
        fragments = [Safe(fit_items(part, share)) for part, share in allotted]
        text = render(fragments)
        if fits(text, limit) or budget <= 0:
            return text
        budget -= max(visible_length(text) - limit, 16)


def fit_lines(
    head: str,
    lines: Sequence[str],
    more: Callable[[int], str],
    sep: str = "\n",
    limit: int = LIMIT,
) -> str:
    """`head`, then as many of `lines` (HTML) as fit, then the "more" note: a message whose
    list is its body (a report, a proposal's page)."""
    return fit_message(
        lambda fragments: head + (sep + fragments[0] if lines else ""),
        [Part(lines, more, sep=sep, empty="")],
        limit,
    )
