"""Reading the dates, times and durations that people type, in German or English.

Partners agree on meetings in chat and type what they said to each other ("Do 18 Uhr",
"25.3. 17.30", "tomorrow 5pm"); coordinators type reminder offsets ("1 Tag, 1 Stunde"). A
dialog that insists on one format loses people, so this module accepts the common spellings of
both languages and answers None for everything else: the bot then asks again instead of
guessing. Nothing here knows the clock: `today` comes from the caller, in the program's zone.

Pure rules, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar
from zoneinfo import ZoneInfo

# Typed text longer than this is never a date or a duration; the cut keeps every regex cheap.
MAX_LENGTH = 120
MIN_DURATION, MAX_DURATION = 15, 12 * 60  # minutes: a meeting, not a coffee or a retreat
MAX_OFFSET = 90 * 24 * 60  # minutes: a reminder further ahead than a season is a mistake
NO_OFFSETS = frozenset({"keine", "kein", "none", "-"})

# Words that may stand before a day ("am nächsten Montag", "on the 25th") or a time ("um 17").
# They are dropped only there, so "12 am" keeps its "am" and "am 12.12." stays a date.
DAY_FILLERS = frozenset(
    [
        "am",
        "on",
        "den",
        "the",
        "this",
        "next",
        "nächste",
        "nächsten",
        "nächster",
        "naechste",
        "naechsten",
        "naechster",
        "kommende",
        "kommenden",
        "kommender",
        "diese",
        "diesen",
        "dieser",
    ]
)
TIME_FILLERS = frozenset({"um", "at"})

RELATIVE_DAYS = {"heute": 0, "today": 0, "morgen": 1, "tomorrow": 1, "gestern": -1, "yesterday": -1}
RELATIVE_DAYS |= {"vorgestern": -2, "day before yesterday": -2}
RELATIVE_DAYS |= dict.fromkeys(("übermorgen", "uebermorgen", "day after tomorrow"), 2)
WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            "montag mo monday mon",
            "dienstag di tuesday tue tues",
            "mittwoch mi wednesday wed",
            "donnerstag do thursday thu thur thurs",
            "freitag fr friday fri",
            "samstag sonnabend sa saturday sat",
            "sonntag so sunday sun",
        )
    )
    for name in names.split()
}
_EN_MONTHS = (
    "january jan",
    "february feb",
    "march mar",
    "april apr",
    "may",
    "june jun",
    "july jul",
    "august aug",
    "september sep sept",
    "october oct",
    "november nov",
    "december dec",
)
_DE_MONTHS = (
    "januar jan jänner jän",
    "februar feb",
    "märz mär mrz maerz",
    "april apr",
    "mai",
    "juni jun",
    "juli jul",
    "august aug",
    "september sep sept",
    "oktober okt",
    "november nov",
    "dezember dez",
)
EN_MONTHS = {name: i + 1 for i, names in enumerate(_EN_MONTHS) for name in names.split()}
MONTHS = EN_MONTHS | {name: i + 1 for i, names in enumerate(_DE_MONTHS) for name in names.split()}

# All patterns are matched in full against lower-case words joined by single spaces.
DOTTED_DATE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?:\.(?P<y> ?\d{4}|\d{2})?)?")
ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
DAY_MONTH = re.compile(
    r"(?P<d>\d{1,2})(?:\.|st|nd|rd|th)? ?(?:of )?(?P<name>[a-zäöü]+)\.?(?: (?P<y>\d{4}))?"
)
MONTH_DAY = re.compile(r"(?P<name>[a-z]+)\.? (?P<d>\d{1,2})(?:st|nd|rd|th)?(?: (?P<y>\d{4}))?")
IN_DAYS = re.compile(
    r"in (?P<n>\d{1,3}|a|one|einer|einem) (?P<unit>tag|tage|tagen|days?|woche|wochen|weeks?)"
)
ISO_T = re.compile(r"(?<=\d)t(?=\d)")  # 2027-03-25T17:30

CLOCK_24 = (
    re.compile(r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?: ?uhr)?"),  # 17:30, 17.30, 17:30 Uhr
    re.compile(r"(?P<h>\d{1,2}) ?(?:uhr|h)"),  # 17 Uhr, 17h
    re.compile(r"(?P<h>\d{1,2})h(?P<m>\d{2})"),  # 17h30
)
CLOCK_12 = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))? ?(?P<half>[ap])\.?m\.?")
BARE_HOUR = re.compile(r"(?P<h>\d{1,2})")

NUMBER = r"\d{1,6}(?:[.,]\d{1,3})?"
HOURS = r"(?:h|std\.?|stunden?|hours?|hrs?)"
MINUTES = r"(?:min\.?|mins|minuten?|minutes?)"
DURATIONS = (
    # 2h, 1,5 Stunden, 1h30, 1 h 30 min, 1 Stunde 30 Minuten
    re.compile(rf"(?P<h>{NUMBER}) ?{HOURS}(?: ?(?P<m>\d{{1,2}})(?: ?{MINUTES})?)?"),
    re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})"),  # 1:30
    re.compile(rf"(?P<m>{NUMBER})(?: ?{MINUTES})?"),  # 90, 90 min
)
OFFSET_ITEM = re.compile(rf"(?P<n>{NUMBER}) ?(?P<unit>[a-z.]+)?")
# A comma between two digits is a decimal comma ("1,5 h"); every other one separates items.
OFFSET_SEPARATOR = re.compile(r"(?<!\d),|,(?!\d)|;|\bund\b|\band\b| / ")
OFFSET_UNITS = (
    dict.fromkeys(["min", "mins", "minute", "minuten", "minutes"], 1)
    | dict.fromkeys(["h", "std", "std.", "stunde", "stunden", "hour", "hours", "hr", "hrs"], 60)
    | dict.fromkeys(["d", "t", "tag", "tage", "tagen", "day", "days"], 24 * 60)
    | dict.fromkeys(["w", "woche", "wochen", "week", "weeks"], 7 * 24 * 60)
)

T = TypeVar("T")


@dataclass(frozen=True)
class When:
    day: dt.date
    time: dt.time | None  # None: a day without a time; the bot then offers time buttons


class NonexistentTime(ValueError):
    """A wall time that the clocks skip when summer time starts (02:30 on the switch day)."""


def local_to_utc(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """zoneinfo quietly accepts a skipped wall time and shifts it by an hour; a meeting must
    never move unnoticed, so the gap is found by converting back. A doubled hour (autumn)
    means its first occurrence, as people keep summer time until they go to bed."""
    wall = dt.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    utc = wall.replace(tzinfo=zone).astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != wall:
        raise NonexistentTime(f"{wall:%Y-%m-%d %H:%M} does not exist in {zone.key}")
    return utc


def parse_when(text: str, today: dt.date) -> When | None:
    """A day, a time or both, in either order. A time alone means today: without the clock this
    module cannot tell whether it has passed, so the caller rejects past times.

    A dotted pair is read by position. "17.30" alone, or after a day, is a time; before a time
    ("25.03 17.30") or with a closing dot ("25.03.") it is a date, as is "25.3" (a one-digit
    second part is never minutes). Where the first reading is impossible the other one is
    tried, so "24.12" is Christmas Eve and "17.30." at the end of a sentence half past five;
    only "12.12" alone stays ambiguous, and is read as a time.
    """
    for words in _candidates(text):
        when = _when(words, today)
        if when is not None:
            return when
    return None


def parse_time(text: str) -> dt.time | None:
    """Asked right after the day, so a bare hour ("17") is a time here."""
    for words in _candidates(text):
        time = _time(words, after_day=True)
        if time is not None:
            return time
    return None


def parse_duration(text: str) -> int | None:
    """Minutes; a number without a unit means minutes ("90"), since hours come with "h"."""
    words = _candidates(text, commas=True)
    if not words:
        return None
    spoken = " ".join(words[-1])
    for pattern in DURATIONS:
        match = pattern.fullmatch(spoken)
        if match is None:
            continue
        hours, minutes = match.groupdict().get("h"), match["m"]
        if hours is not None and minutes is not None and (not minutes.isdigit() or "," in hours):
            return None
        if hours is not None and minutes is not None and ("." in hours or int(minutes) >= 60):
            return None  # "1,5 h 30" or "1h75": nobody means that
        total = _number(hours or "0") * 60 + _number(minutes or "0")
        if total.denominator == 1 and MIN_DURATION <= total <= MAX_DURATION:
            return int(total)
        return None
    return None


def parse_offsets(text: str) -> list[int] | None:
    """Minutes before the event, largest first. A number without a unit means hours, the unit
    coordinators think in ("24, 1"). Items are separated by punctuation or "und"/"and" only:
    "1d 2h" could be one offset or two, so it is not accepted at all."""
    words = _candidates(text, commas=True)
    if not words:
        return None
    spoken = " ".join(words[-1])
    if spoken in NO_OFFSETS:
        return []
    offsets: set[int] = set()
    for item in OFFSET_SEPARATOR.split(spoken):
        match = OFFSET_ITEM.fullmatch(item.strip())
        unit = OFFSET_UNITS.get(match["unit"] or "h") if match else None
        if match is None or unit is None:
            return None
        minutes = _number(match["n"]) * unit
        if minutes.denominator != 1 or not 1 <= minutes <= MAX_OFFSET:
            return None
        offsets.add(int(minutes))
    return sorted(offsets, reverse=True)


def _candidates(text: str, *, commas: bool = False) -> list[list[str]]:
    """The words of the text, with and without a closing dot: "25.03." needs its dot to be a
    date, while "morgen 17.30." is a sentence's end. Commas are noise in a date ("Do, 25.3.")
    but meaningful in durations and offsets ("1,5 h", "24h, 1h"); `commas` keeps them."""
    spoken = unicodedata.normalize("NFC", text).strip().lower()
    if not spoken or len(spoken) > MAX_LENGTH:
        return []
    spoken = ISO_T.sub(" ", spoken)
    if not commas:
        spoken = spoken.replace(",", " ")
    candidates = [spoken.split()]
    if spoken.endswith("."):
        candidates.append(spoken[:-1].split())
    return [words for words in candidates if words]


def _when(words: list[str], today: dt.date) -> When | None:
    time = _time(words, after_day=False)
    if time is not None:
        return When(today, time)
    day = _day(words, today)
    if day is not None:
        return When(day, None)
    splits = range(1, len(words))
    for i in splits:  # day first: "25.03 17.30" is 25 March at half past five
        day, time = _day(words[:i], today), _time(words[i:], after_day=True)
        if day is not None and time is not None:
            return When(day, time)
    for i in splits:
        time, day = _time(words[:i], after_day=False), _day(words[i:], today)
        if day is not None and time is not None:
            return When(day, time)
    return None


def _time(words: Sequence[str], *, after_day: bool) -> dt.time | None:
    """A bare number is an hour only after a day ("morgen 17") or "um" ("um 17"); alone or
    before a day it is too likely something else ("17 März")."""
    rest = _drop(words, TIME_FILLERS)
    spoken = " ".join(rest)
    for pattern in CLOCK_24:
        if match := pattern.fullmatch(spoken):
            return _clock(int(match["h"]), int(match.groupdict().get("m") or 0))
    if match := CLOCK_12.fullmatch(spoken):
        hour = int(match["h"])
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] == "p" else 0)
        return _clock(hour, int(match["m"] or 0))
    if (after_day or words[:1] == ["um"]) and (match := BARE_HOUR.fullmatch(spoken)):
        return _clock(int(match["h"]), 0)
    return None


def _day(words: Sequence[str], today: dt.date) -> dt.date | None:
    rest = _drop(words, DAY_FILLERS)
    spoken = " ".join(rest)
    if spoken in RELATIVE_DAYS:
        return today + dt.timedelta(days=RELATIVE_DAYS[spoken])
    weekday = _weekday(spoken)
    if weekday is not None:  # always ahead: on a Wednesday, "Mittwoch" is next week's
        return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if match := IN_DAYS.fullmatch(spoken):
        count = int(match["n"]) if match["n"].isdigit() else 1
        return today + dt.timedelta(days=count * (1 if match["unit"][0] in "td" else 7))
    day = _date(spoken, today)
    if day is None and len(rest) > 1 and (weekday := _weekday(rest[0])) is not None:
        day = _date(" ".join(_drop(rest[1:], DAY_FILLERS)), today)  # "Do, den 25.3."
        return day if day is not None and day.weekday() == weekday else None
    return day


def _date(spoken: str, today: dt.date) -> dt.date | None:
    """A date without a year is its next occurrence, today included."""
    match = DOTTED_DATE.fullmatch(spoken) or ISO_DATE.fullmatch(spoken)
    if match:
        day, month = int(match["d"]), int(match["m"])
    elif (match := DAY_MONTH.fullmatch(spoken)) and match["name"] in MONTHS:
        day, month = int(match["d"]), MONTHS[match["name"]]
    elif (match := MONTH_DAY.fullmatch(spoken)) and match["name"] in EN_MONTHS:
        day, month = int(match["d"]), EN_MONTHS[match["name"]]  # "März 25" may mean 2025
    else:
        return None
    year = match["y"]
    if year is not None:
        number = int(year)
        return _try(lambda: dt.date(number + (2000 if number < 100 else 0), month, day))
    for candidate in (today.year, today.year + 1):
        date = _try(lambda: dt.date(candidate, month, day))  # noqa: B023 (called at once)
        if date is not None and date >= today:
            return date
    return None


def _weekday(word: str) -> int | None:
    return WEEKDAYS.get(word.removesuffix("."))


def _clock(hour: int, minute: int) -> dt.time | None:
    return _try(lambda: dt.time(hour, minute))


def _number(text: str) -> Fraction:
    """Exact, so that 1,1 h is 66 minutes and not 66.00000000000001."""
    return Fraction(text.replace(",", "."))


def _drop(words: Sequence[str], fillers: frozenset[str]) -> list[str]:
    rest = list(words)
    while rest and rest[0] in fillers:
        rest.pop(0)
    return rest


def _try(make: Callable[[], T]) -> T | None:
    try:
        return make()
    except ValueError:
        return None
