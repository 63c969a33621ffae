"""A paid broadcast's cost as the coordinator sees it before choosing it."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from core.broadcasts import Audience, messages_each, paid_stars
from handlers.views.broadcasts import SendPaid, confirmation
from services.broadcasts import Confirmation


def test_a_message_costs_a_tenth_of_a_star_rounded_up() -> None:
    assert [paid_stars(n) for n in (1, 10, 11, 1000, 10_001)] == [1, 1, 2, 100, 1001]


def test_a_file_with_a_text_too_long_for_its_caption_is_two_messages() -> None:
    assert messages_each(has_file=False, visible_length=5000) == 1
    assert messages_each(has_file=True, visible_length=0) == 1
    assert messages_each(has_file=True, visible_length=1024) == 1
    assert messages_each(has_file=True, visible_length=1025) == 2


@pytest.mark.parametrize(
    ("language", "cost", "button"),
    [
        ("de", "1.000 Nachrichten · 100 Stars", "⚡ Eilig: bezahlt senden (100 Stars)"),
        ("en", "1,000 messages · 100 Stars", "⚡ Urgent: pay to send fast (100 Stars)"),
    ],
)
def test_the_confirmation_offers_it_with_its_cost(language: str, cost: str, button: str) -> None:
    text, keyboard = confirmation(
        translator(language), Confirmation(Audience.ALL, None, None, 1000, 1000)
    )
    assert cost in text
    buttons = [b for row in keyboard.inline_keyboard for b in row]
    assert [b.text for b in buttons if b.callback_data == SendPaid().pack()] == [button]


def test_one_message_is_one_star_and_nobody_gets_no_offer() -> None:
    t = translator("de")
    text, _ = confirmation(t, Confirmation(Audience.ALL, None, None, 1, 1))
    assert "1 Nachricht · 1 Star." in text
    text, keyboard = confirmation(t, Confirmation(Audience.ALL, None, None, 0, 0))
    assert "Stars" not in text and "Star" not in str(keyboard.to_dict())
