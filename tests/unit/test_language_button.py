"""The /language button offers exactly the languages the bot has catalogs for."""

from __future__ import annotations

from typing import cast, get_args, get_type_hints

from bot.settings import SUPPORTED_LANGUAGES
from handlers.common import Code, Language


def test_the_button_knows_every_supported_language_and_no_other() -> None:
    assert get_type_hints(Language)["code"] == Code
    assert get_args(Code) == tuple(SUPPORTED_LANGUAGES)
    assert [Language(cast(Code, code)).pack() for code in SUPPORTED_LANGUAGES] == [
        f"lg:{code}" for code in SUPPORTED_LANGUAGES
    ]
