"""Translation catalogs (gettext .po files under bot/locales; dates and numbers with Babel).

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
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_time
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
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    plural_expr = "(n != 1)"
    for msgid, strings in read_entries(path.read_text(encoding="utf-8")):
        if not msgid:
            for line in strings.get("msgstr", "").splitlines():
                name, _, value = line.partition(":")
                if name.strip().lower() == "plural-forms":
                    plural_expr = _plural_rule(value)
            continue
        if "msgid_plural" in strings:
            count = max((int(k[7:-1]) for k in strings if k.startswith("msgstr[")), default=-1)
            forms = tuple(strings.get(f"msgstr[{i}]", "") for i in range(count + 1))
            if forms:
                plurals[msgid] = forms
        elif strings.get("msgstr"):
            messages[msgid] = strings["msgstr"]
    return Catalog(messages, plurals, gettext.c2py(plural_expr))


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(r'\\([\\abfnrtv"])')
_KEYWORD = re.compile(r"(msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


def read_entries(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The entries of a .po file: msgid and its keyword strings (`msgstr`, `msgid_plural`,
    `msgstr[0]`, ...), unescaped and joined over continuation lines.

    Babel's reader (`babel.messages.pofile.read_po`) did this before: 17 ms per catalog, and
    both are read at every start (the first answer, the command menus), where this takes 4 ms.
    It reads only what the catalogs use and refuses anything else (msgctxt, a stray line)
    instead of guessing; tests/unit/test_po_reader.py checks that it reads both catalogs
    exactly as Babel does."""
    entry: dict[str, str] | None = None
    keyword = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if entry is None or len(line) < 2 or not line.endswith('"'):
                raise ValueError(f"line {number}: a string outside an entry: {raw!r}")
            entry[keyword] += _unescape(line)
            continue
        found = _KEYWORD.match(line)
        if found is None:
            raise ValueError(f"line {number}: not a msgid or msgstr line: {raw!r}")
        keyword = found.group(1)
        if keyword == "msgid":
            if entry is not None:
                yield entry["msgid"], entry
            entry = {}
        elif entry is None or keyword in entry:
            raise ValueError(f"line {number}: {keyword} out of place")
        entry[keyword] = _unescape(found.group(2))
    if entry is not None:
        yield entry["msgid"], entry


def _unescape(quoted: str) -> str:
    inner = quoted[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), inner)


def _plural_rule(header: str) -> str:
    """`nplurals=2; plural=(n != 1);` -> `(n != 1)`, as Babel reads the Plural-Forms header."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip() == "plural" and value.strip():
            return value.strip()
    return "(n != 1)"


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
