"""The HTML subset of Telegram, checked like the real server does."""

from __future__ import annotations

import pytest

from fake_bot_api import ApiError, FakeUser
from fake_bot_api.formatting import format_text, parse_html

from .conftest import RawBot


def test_parse_html_entities_and_offsets() -> None:
    text, entities = parse_html(
        '<b>Hi</b> 👋 <i>you</i> &lt;3 <a href="https://x.org/?a=1&amp;b=2">link</a>'
        '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>'
        '<blockquote expandable>q</blockquote><pre><code class="language-py">x</code></pre>'
        "&#65;&#x42;&quot;"
    )
    assert text == 'Hi 👋 you <3 linkstqxAB"'
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 6, "length": 3},  # the emoji is two UTF-16 units
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://x.org/?a=1&b=2"},
        {"type": "spoiler", "offset": 17, "length": 1},
        {"type": "spoiler", "offset": 18, "length": 1},
        {"type": "expandable_blockquote", "offset": 19, "length": 1},
        {"type": "pre", "offset": 20, "length": 1, "language": "py"},
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("Tom & Jerry", "Character '&' must be escaped as &amp; at byte offset 4"),
        ("ä & b", "at byte offset 3"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<marquee>x</marquee>", 'Unsupported start tag "marquee"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("<b", "Unclosed start tag"),
    ],
)
def test_parse_html_errors(source: str, message: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_html(source)
    assert info.value.code == 400
    assert info.value.description.startswith("Bad Request: can't parse entities: ")
    assert message in info.value.description


def test_trimming_keeps_entities_aligned() -> None:
    text, entities = format_text("  <b> x</b>  ", "HTML", None)
    assert text == "x"
    assert entities == [{"type": "bold", "offset": 0, "length": 1}]


def test_markdown_v2_plain_text_only() -> None:
    assert format_text("Hello\\!", "MarkdownV2", None) == ("Hello!", [])
    with pytest.raises(ApiError, match="reserved"):
        format_text("Hello!", "MarkdownV2", None)
    with pytest.raises(ApiError) as info:
        format_text("*bold*", "MarkdownV2", None)
    assert info.value.code == 501


async def test_html_over_http(bot: RawBot, user: FakeUser) -> None:
    sent = await bot.call(
        "sendMessage", chat_id=user.id, text="<b>Hi</b> &amp; welcome", parse_mode="HTML"
    )
    assert sent["text"] == "Hi & welcome"
    assert sent["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    message = user.chat[-1]
    assert (message.text, message.raw_text, message.parse_mode) == (
        "Hi & welcome",
        "<b>Hi</b> &amp; welcome",
        "HTML",
    )
    code, text = await bot.error("sendMessage", chat_id=user.id, text="<b>Hi", parse_mode="HTML")
    assert code == 400 and text.startswith("Bad Request: can't parse entities:")
    code, text = await bot.error("sendMessage", chat_id=user.id, text="R&D", parse_mode="HTML")
    assert code == 400 and "&amp;" in text
    # without parse_mode the same text is fine
    await bot.call("sendMessage", chat_id=user.id, text="R&D <b>")


async def test_length_limit_counts_parsed_text(bot: RawBot, user: FakeUser) -> None:
    body = "x" * 4096
    await bot.call("sendMessage", chat_id=user.id, text=f"<b>{body}</b>", parse_mode="HTML")
    await bot.call("sendMessage", chat_id=user.id, text="&amp;" * 4096, parse_mode="HTML")
    assert await bot.error("sendMessage", chat_id=user.id, text=body + "y") == (
        400,
        "Bad Request: message is too long",
    )
