"""Dates, times, durations and offsets as people type them, in German and English."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.when import (
    NonexistentTime,
    When,
    local_to_utc,
    parse_duration,
    parse_offsets,
    parse_time,
    parse_when,
)

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=300)
TODAY = dt.date(2027, 3, 24)  # a Wednesday
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: dt.date, hour: int | None = None, minute: int = 0) -> When:
    return When(day, None if hour is None else dt.time(hour, minute))


D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # German dates
        ("25.3.", at(D(2027, 3, 25))),
        ("25.3", at(D(2027, 3, 25))),
        ("25.03.", at(D(2027, 3, 25))),
        ("25.03.2027", at(D(2027, 3, 25))),
        ("25.3.27", at(D(2027, 3, 25))),
        ("25. März", at(D(2027, 3, 25))),
        ("25 März 2027", at(D(2027, 3, 25))),
        ("25. Maerz", at(D(2027, 3, 25))),
        ("3. Okt.", at(D(2027, 10, 3))),
        ("1.3.", at(D(2028, 3, 1))),  # already past this year: next year's
        # ISO and English
        ("2027-03-25", at(D(2027, 3, 25))),
        ("2027-03-25 17:30", at(D(2027, 3, 25), 17, 30)),
        ("2027-03-25T17:30", at(D(2027, 3, 25), 17, 30)),
        ("March 25", at(D(2027, 3, 25))),
        ("25 March", at(D(2027, 3, 25))),
        ("Mar 25, 2027", at(D(2027, 3, 25))),
        ("25th March", at(D(2027, 3, 25))),
        ("March 25th 6pm", at(D(2027, 3, 25), 18)),
        # relative days
        ("heute 18 Uhr", at(TODAY, 18)),
        ("morgen 18 Uhr", at(D(2027, 3, 25), 18)),
        ("morgen 17", at(D(2027, 3, 25), 17)),
        ("übermorgen 9:00", at(D(2027, 3, 26), 9)),
        ("gestern 17 Uhr", at(D(2027, 3, 23), 17)),  # for meetings reported afterwards
        ("vorgestern", at(D(2027, 3, 22))),
        ("yesterday 5pm", at(D(2027, 3, 23), 17)),
        ("tomorrow 6pm", at(D(2027, 3, 25), 18)),
        ("day after tomorrow 5:30 pm", at(D(2027, 3, 26), 17, 30)),
        ("Donnerstag 9:00", at(D(2027, 3, 25), 9)),
        ("Do 18 Uhr", at(D(2027, 3, 25), 18)),
        ("Mittwoch", at(D(2027, 3, 31))),  # strictly after today
        ("am nächsten Montag um 17 Uhr", at(D(2027, 3, 29), 17)),
        ("next friday 8am", at(D(2027, 3, 26), 8)),
        ("Do, den 25.3. 17:00", at(D(2027, 3, 25), 17)),
        ("in 3 Tagen", at(D(2027, 3, 27))),
        ("in a week", at(D(2027, 3, 31))),
        ("in 2 Wochen 10 Uhr", at(D(2027, 4, 7), 10)),
        # times
        ("25.3. 17:30", at(D(2027, 3, 25), 17, 30)),
        ("25.3. 17.30", at(D(2027, 3, 25), 17, 30)),
        ("25.03 17.30", at(D(2027, 3, 25), 17, 30)),
        ("17:30 25.3.", at(D(2027, 3, 25), 17, 30)),
        ("17.30", at(TODAY, 17, 30)),  # a time alone means today; the caller checks the past
        ("18 Uhr", at(TODAY, 18)),
        ("17h30", at(TODAY, 17, 30)),
        ("6pm", at(TODAY, 18)),
        ("12am", at(TODAY, 0)),
        ("12pm", at(TODAY, 12)),
        ("5 p.m.", at(TODAY, 17)),
        ("  MORGEN 18 UHR  ", at(D(2027, 3, 25), 18)),
    ],
)
def test_parse_when(text: str, expected: When) -> None:
    assert parse_when(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "irgendwann", "32.1.", "31.2.", "25:00", "17:61", "13pm", "morgen 25 Uhr",
     "<b>morgen</b>", "1d 2h", "x" * 10_000, "25/3", "3/25"],
)  # fmt: skip
def test_parse_when_refuses(text: str) -> None:
    assert parse_when(text, TODAY) is None


def test_year_rollover() -> None:
    assert parse_when("3.1.", D(2027, 12, 30)) == at(D(2028, 1, 3))
    assert parse_when("30.12.", D(2027, 12, 30)) == at(D(2027, 12, 30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("17", dt.time(17)), ("17:30", dt.time(17, 30)), ("um 9", dt.time(9)), ("6pm", dt.time(18)),
     ("x", None), ("24:00", None)],
)  # fmt: skip
def test_parse_time(text: str, expected: dt.time | None) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("90 min", 90), ("90 Minuten", 90), ("90 minutes", 90), ("2h", 120),
     ("2 h", 120), ("2 Std", 120), ("2 Std.", 120), ("2 Stunden", 120), ("2 hours", 120),
     ("1,5 h", 90), ("1.5h", 90), ("1,5 Stunden", 90), ("1h30", 90), ("1 h 30 min", 90),
     ("1:30", 90), ("1 Stunde 30 Minuten", 90), ("10", None), ("13 h", None), ("abc", None),
     ("", None), ("1h75", None)],
)  # fmt: skip
def test_parse_duration(text: str, minutes: int | None) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "offsets"),
    [("24h, 1h", [1440, 60]), ("1 Tag, 1 Stunde", [1440, 60]), ("2 Tage; 3 Stunden", [2880, 180]),
     ("30 min", [30]), ("14 Tage, 2 Tage", [20160, 2880]), ("2 weeks, 2 days", [20160, 2880]),
     ("1 Woche", [10080]), ("24, 1", [1440, 60]), ("1,5 h", [90]), ("1h und 30 min", [60, 30]),
     ("1h, 1h", [60]), ("keine", []), ("none", []), ("-", []), ("1d 2h", None), ("", None),
     ("100 Tage", None), ("0 h", None), ("abc", None)],
)  # fmt: skip
def test_parse_offsets(text: str, offsets: list[int] | None) -> None:
    assert parse_offsets(text) == offsets


@pytest.mark.parametrize(
    ("day", "time", "utc"),
    [
        (D(2027, 1, 15), dt.time(10), dt.datetime(2027, 1, 15, 9, tzinfo=dt.UTC)),  # CET
        (D(2027, 7, 15), dt.time(10), dt.datetime(2027, 7, 15, 8, tzinfo=dt.UTC)),  # CEST
        (D(2027, 3, 28), dt.time(1, 59), dt.datetime(2027, 3, 28, 0, 59, tzinfo=dt.UTC)),
        (D(2027, 3, 28), dt.time(3, 0), dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC)),
        # the doubled hour in October: its first occurrence, still summer time
        (D(2027, 10, 31), dt.time(2, 30), dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)),
        (D(2026, 10, 25), dt.time(2, 30), dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)),
    ],
)
def test_local_to_utc(day: dt.date, time: dt.time, utc: dt.datetime) -> None:
    assert local_to_utc(day, time, BERLIN) == utc


@pytest.mark.parametrize("day", [D(2026, 3, 29), D(2027, 3, 28)])
def test_the_spring_gap_does_not_exist(day: dt.date) -> None:
    with pytest.raises(NonexistentTime):
        local_to_utc(day, dt.time(2, 30), BERLIN)


MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]  # fmt: skip


@DETERMINISTIC
@given(
    st.dates(min_value=D(2026, 1, 1), max_value=D(2030, 12, 31)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_written_forms_read_back(day: dt.date, time: dt.time) -> None:
    hour12 = time.hour % 12 or 12
    half = "am" if time.hour < 12 else "pm"
    for text in (
        f"{day.day}.{day.month}.{day.year} {time:%H:%M}",
        f"{day.isoformat()} {time:%H:%M}",
        f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year} {hour12}:{time.minute:02d}{half}",
    ):
        assert parse_when(text, TODAY) == When(day, time), text


@DETERMINISTIC
@given(
    st.dates(min_value=D(2026, 1, 1), max_value=D(2030, 12, 31)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_local_time_round_trips_except_in_the_gap(day: dt.date, time: dt.time) -> None:
    try:
        utc = local_to_utc(day, time, BERLIN)
    except NonexistentTime:
        assert (day.month, time.hour) == (3, 2)  # only the spring-forward hour is missing
        return
    local = utc.astimezone(BERLIN)
    assert (local.date(), local.time().replace(tzinfo=None)) == (day, time)


@DETERMINISTIC
@given(st.integers(min_value=15, max_value=720))
def test_durations_read_back(minutes: int) -> None:
    assert parse_duration(f"{minutes} min") == minutes
    hours, rest = divmod(minutes, 60)
    if hours:
        assert parse_duration(f"{hours}h{rest:02d}") == minutes


@DETERMINISTIC
@given(st.lists(st.integers(min_value=1, max_value=90 * 24 * 60), min_size=1, max_size=4))
def test_offsets_read_back(items: list[int]) -> None:
    assert parse_offsets(", ".join(f"{m} min" for m in items)) == sorted(set(items), reverse=True)
