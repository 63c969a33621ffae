"""Translation catalogs (gettext .po files under bot/locales, read with Babel).

Message ids are stable keys (`reg.ask_name`), not source sentences: German and English are both
real catalogs, and a test checks that they carry the same keys and the same placeholders.

Catalog strings are HTML templates for Telegram's HTML parse mode. `Translator.__call__` escapes
every parameter, so user text (a company called `<Müller & Söhne>`) can never break or inject
markup; `Translator.plain` is for button labels, which Telegram does not parse.
"""

from __future__ import annotations

import html
import string
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.settings import SUPPORTED_LANGUAGES
from core.html import Safe as Safe  # re-exported: the flows import it with the translator

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


@cache
def catalog(language: str) -> dict[str, str]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def resolve_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """An explicit /language choice wins, then the Telegram app language, then the default."""
    if stored in SUPPORTED_LANGUAGES:
        return stored
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


class Translator:
    def __init__(self, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language
        self._messages = catalog(language)

    def _template(self, key: str) -> str:
        try:
            return self._messages[key]
        except KeyError:
            raise KeyError(f"message {key!r} missing from the {self.language} catalog") from None

    def __call__(self, key: str, **params: object) -> str:
        escaped = {
            name: value if isinstance(value, Safe) else html.escape(str(value), quote=False)
            for name, value in params.items()
        }
        return self._template(key).format(**escaped)

    def plain(self, key: str, **params: object) -> str:
        """For button labels and other places Telegram shows verbatim."""
        return html.unescape(self._template(key)).format(**{k: str(v) for k, v in params.items()})

    def has(self, key: str) -> bool:
        return key in self._messages


@cache
def translator(language: str) -> Translator:
    return Translator(language)
