"""Telegram's formatting rules: the HTML subset, a thin MarkdownV2 check, and trimming.

Offsets and lengths of entities are in UTF-16 code units, as in the real Bot API, so that
tests comparing entities against PTB's MessageEntity objects see identical numbers.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, bad_request

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ATTR_RE = re.compile(r"""\s*([a-zA-Z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_MD_FORMATTING = set("_*[]~`|")
_MD_RESERVED = set("()>#+-={}.!")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(name: str) -> str | None:
    if name.startswith("#x") or name.startswith("#X"):
        digits, base = name[2:], 16
    elif name.startswith("#"):
        digits, base = name[1:], 10
    else:
        return _NAMED_ENTITIES.get(name)
    try:
        code = int(digits, base)
        return chr(code) if 0 < code <= 0x10FFFF else None
    except ValueError:
        return None


def _decode_text(src: str, base: int, whole: str) -> str:
    """Decode character references inside attribute values (href="a?b=1&amp;c=2")."""
    out: list[str] = []
    i = 0
    while i < len(src):
        if src[i] == "&":
            end = src.find(";", i + 1, i + 12)
            decoded = _decode_entity(src[i + 1 : end]) if end != -1 else None
            if decoded is None:
                raise _parse_error(
                    "Character '&' must be escaped as &amp; "
                    f"at byte offset {_byte_offset(whole, base + i)}"
                )
            out.append(decoded)
            i = end + 1
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) or raise the error Telegram would give."""
    out: list[str] = []
    pos = 0  # UTF-16 position in the output
    stack: list[tuple[str, dict[str, str], int]] = []
    attrs: dict[str, str]
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            end = src.find(";", i + 1, i + 12)
            decoded = _decode_entity(src[i + 1 : end]) if end != -1 else None
            if decoded is None:
                if end != -1 and re.fullmatch(r"#?\w+", src[i + 1 : end]):
                    raise _parse_error(
                        f'Unsupported HTML entity "{src[i : end + 1]}" '
                        f"at byte offset {_byte_offset(src, i)}"
                    )
                raise _parse_error(
                    f"Character '&' must be escaped as &amp; at byte offset {_byte_offset(src, i)}"
                )
            out.append(decoded)
            pos += utf16_len(decoded)
            i = end + 1
            continue
        if ch != "<":
            out.append(ch)
            pos += utf16_len(ch)
            i += 1
            continue
        begin = i
        if i + 1 < n and src[i + 1] == "/":
            end = src.find(">", i)
            if end == -1:
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
            open_name, attrs, start = stack.pop()
            if name and name != open_name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close(open_name, attrs, start, pos, stack, entities)
            i = end + 1
            continue
        j = i + 1
        while j < n and not src[j].isspace() and src[j] not in ">/":
            j += 1
        name = src[i + 1 : j].lower()
        if name not in _TAG_ENTITY:
            raise _parse_error(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs = {}
        while True:
            while j < n and src[j].isspace():
                j += 1
            if j >= n:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
            if src[j] == ">":
                break
            match = _ATTR_RE.match(src, j)
            if match is None or match.end() == j:
                raise _parse_error(
                    f'Unexpected character in declaration of the tag "{name}" '
                    f"at byte offset {_byte_offset(src, j)}"
                )
            raw_value = next((g for g in match.groups()[1:] if g is not None), "")
            value_start = match.start(2) if match.group(2) is not None else match.start()
            attrs[match.group(1).lower()] = _decode_text(raw_value, value_start, src)
            j = match.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _parse_error(
                f'Tag "tg-emoji" must have attribute "emoji-id" '
                f"at byte offset {_byte_offset(src, begin)}"
            )
        stack.append((name, attrs, pos))
        i = j + 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close(
    name: str,
    attrs: dict[str, str],
    start: int,
    end: int,
    stack: list[tuple[str, dict[str, str], int]],
    entities: list[dict[str, Any]],
) -> None:
    if end <= start:
        return  # Telegram drops empty entities
    kind = _TAG_ENTITY[name]
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    if name == "a":
        href = attrs.get("href", "")
        if not href:
            return
        entity["url"] = href
    elif name == "code":
        language = attrs.get("class", "")
        if language.startswith("language-") and stack and stack[-1][0] == "pre":
            stack[-1][1]["language"] = language[len("language-") :]
            return
    elif name == "pre":
        if attrs.get("language"):
            entity["language"] = attrs["language"]
    elif name == "blockquote":
        if "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


def parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Accept only MarkdownV2 without formatting: enough to catch unescaped reserved characters.

    Real formatting is refused loudly so that a test never passes on a half-understood message.
    """
    out: list[str] = []
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src):
            out.append(src[i + 1])
            i += 2
            continue
        if ch in _MD_FORMATTING:
            raise ApiError(
                501, "Not Implemented: the Bot API stand-in does not support MarkdownV2 formatting"
            )
        if ch in _MD_RESERVED:
            raise _parse_error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(ch)
        i += 1
    return "".join(out), []


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def format_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    if entities is not None:
        plain, parsed = text, [dict(e) for e in entities]
        size = utf16_len(plain)
        for entity in parsed:
            if entity["offset"] < 0 or entity["offset"] + entity["length"] > size:
                raise bad_request("can't parse entities: entity is out of the text bounds")
    elif parse_mode is None or parse_mode == "":
        plain, parsed = text, []
    elif parse_mode.lower() == "html":
        plain, parsed = parse_html(text)
    elif parse_mode.lower() == "markdownv2":
        plain, parsed = parse_markdown_v2(text)
    elif parse_mode.lower() == "markdown":
        raise ApiError(501, "Not Implemented: the Bot API stand-in does not support Markdown")
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    return trim(plain, parsed)
