"""Translation catalogs (gettext .po files under bot/locales, read with Babel).

Message ids are stable keys (`reg.ask_name`), not source sentences: German and English are both
real catalogs, and a test checks that they carry the same keys and the same placeholders.

Catalog strings are HTML templates for Telegram's HTML parse mode. `Translator.__call__` escapes
every parameter, so user text (a company called `<Müller & Söhne>`) can never break or inject
markup; `Translator.plain` is for button labels, which Telegram does not parse.

Counts go through the catalogs' plural forms (`msgid_plural`): an entry with plural forms is
chosen by its `count` parameter with the catalog's own `Plural-Forms` rule, so "1 Tandem" and
"2 Tandems" are the translator's sentences, never "Tandem(s)". Dates and times are formatted with
Babel in the reader's locale (`Translator.day`, `.short_day`, `.date`, `.time`, `.moment`), so
an English reader sees "Wed 3 March 2027, 6:00 pm" and a German one "Mi., 3. März 2027, 18:00
Uhr"; handlers never format a date or time by hand.
"""

from __future__ import annotations

import datetime as dt
import gettext
import html
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.settings import SUPPORTED_LANGUAGES
from core.html import Safe as Safe  # re-exported: the flows import it with the translator

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


# Babel locales per catalog language: English dates are British ("3 March 2027"), the form most
# readers outside the US expect, with a 12-hour clock as the wording guide asks.
LOCALES = {"de": "de_DE", "en": "en_GB"}


@dataclass(frozen=True)
class Patterns:
    """CLDR patterns per language, after docs' wording guide (shared/context/wording.md)."""

    day: str  # a weekday and a date: "Mi., 3. März 2027"
    short_day: str  # a weekday and a date on a button: "Mi. 03.03."
    date: str  # a date in a list or table: "03.03.2027"
    time: str  # a clock time: "18:00" / "6:00 pm"
    moment: str  # date and time: "{date}, {time}"


PATTERNS = {
    "de": Patterns(
        day="EEE, d. MMMM y",
        short_day="EEE dd.MM.",
        date="dd.MM.y",
        time="HH:mm",
        moment="{date}, {time} Uhr",
    ),
    "en": Patterns(
        day="EEE d MMMM y",
        short_day="EEE d MMM",
        date="d MMM y",
        time="h:mm a",
        moment="{date}, {time}",
    ),
}


@dataclass(frozen=True)
class Catalog:
    messages: dict[str, str]
    plurals: dict[str, tuple[str, ...]]
    plural: Callable[[int], int]


@cache
def _load(language: str) -> Catalog:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for m in po:
        if not m.id or not m.string:
            continue
        if isinstance(m.id, tuple | list):
            plurals[str(m.id[0])] = tuple(str(form) for form in m.string)
        else:
            messages[str(m.id)] = str(m.string)
    return Catalog(messages, plurals, gettext.c2py(po.plural_expr))


@cache
def catalog(language: str) -> dict[str, str]:
    """Every key with its text; a plural entry stands here with its general ("other") form."""
    loaded = _load(language)
    return loaded.messages | {key: forms[-1] for key, forms in loaded.plurals.items()}


def plural_forms(language: str) -> dict[str, tuple[str, ...]]:
    return _load(language).plurals


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
        self.locale = LOCALES[language]
        self._patterns = PATTERNS[language]
        self._catalog = _load(language)

    def _template(self, key: str, params: dict[str, object]) -> str:
        forms = self._catalog.plurals.get(key)
        if forms is not None:
            count = params.get("count")
            if not isinstance(count, int):
                raise TypeError(f"message {key!r} has plural forms and needs an int count")
            return forms[min(self._catalog.plural(abs(count)), len(forms) - 1)]
        try:
            return self._catalog.messages[key]
        except KeyError:
            raise KeyError(f"message {key!r} missing from the {self.language} catalog") from None

    def __call__(self, key: str, **params: object) -> str:
        escaped = {
            name: value if isinstance(value, Safe) else html.escape(str(value), quote=False)
            for name, value in self._shown(params).items()
        }
        return self._template(key, params).format(**escaped)

    def plain(self, key: str, **params: object) -> str:
        """For button labels and other places Telegram shows verbatim."""
        template = html.unescape(self._template(key, params))
        return template.format(**{k: str(v) for k, v in self._shown(params).items()})

    def _shown(self, params: dict[str, object]) -> dict[str, object]:
        """A count of thousands as the reader writes it: 1.000 Nachrichten, 1,000 messages."""
        count = params.get("count")
        if isinstance(count, int) and not isinstance(count, bool) and abs(count) >= 1000:
            return {**params, "count": format_decimal(count, locale=self.locale)}
        return params

    def has(self, key: str) -> bool:
        return key in self._catalog.messages or key in self._catalog.plurals

    def day(self, value: dt.date) -> str:
        """A weekday and a date, for the one date a message is about."""
        return format_date(value, self._patterns.day, locale=self.locale)

    def short_day(self, value: dt.date) -> str:
        """A weekday and a date without the year, where room is short (a day-picker button)."""
        return format_date(value, self._patterns.short_day, locale=self.locale)

    def date(self, value: dt.date) -> str:
        """A compact date, for lists, tables and cards."""
        return format_date(value, self._patterns.date, locale=self.locale)

    def time(self, value: dt.time | dt.datetime) -> str:
        return format_time(value, self._patterns.time, locale=self.locale)

    def moment(self, value: dt.datetime) -> str:
        """Date and time of a moment already in the reader's (the program's) time zone."""
        return self._patterns.moment.format(date=self.date(value), time=self.time(value))


@cache
def translator(language: str) -> Translator:
    return Translator(language)
