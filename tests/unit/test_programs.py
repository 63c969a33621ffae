"""Program rules: invite codes, dates and which participant status changes are allowed."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.programs import (
    DEFAULT_DURATION_MONTHS,
    INVITE_ALPHABET,
    INVITE_CODE_LENGTH,
    INVITE_CODE_PATTERN,
    TRANSITIONS,
    ParticipantStatus,
    ProgramStatus,
    add_months,
    admits,
    can_transition,
    default_end,
    new_invite_code,
    normalise_invite_code,
    parse_date,
    purgeable,
)

# Hypothesis runs the same examples every time: a failure here is never a fluke.
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200)

# --- invite codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("presented", "code", "status", "expected"),
    [
        ("ABCD2345", "ABCD2345", "open", True),
        ("abcd2345", "ABCD2345", "open", True),  # typed in lower case: the same code
        ("Salzgitter-2027", "Salzgitter-2027", "open", True),  # a hand-set mixed-case code
        ("ABCD2345", "ABCD2345", "closed", False),  # registration closed since
        ("ABCD2345", "NEWCODE9", "open", False),  # the code was replaced since
        ("7", "ABCD2345", "open", False),  # a program id, as an old button carried
        (None, "ABCD2345", "open", False),  # a draft from before the invitation was recorded
        ("ABCD 2345", "ABCD 2345", "open", False),  # not a code at all
    ],
)
def test_only_the_current_code_of_an_open_program_admits(
    presented: object, code: str, status: str, expected: bool
) -> None:
    assert admits(presented, code, status) is expected


def test_invite_alphabet_has_no_look_alikes() -> None:
    assert len(set(INVITE_ALPHABET)) == len(INVITE_ALPHABET) == 31
    assert not set(INVITE_ALPHABET) & set("0O1IL")
    assert all(c.isascii() and (c.isupper() or c.isdigit()) for c in INVITE_ALPHABET)


def test_new_invite_codes_have_the_right_shape_and_vary() -> None:
    codes = {new_invite_code() for _ in range(200)}
    assert len(codes) == 200  # 31^8 possibilities: a repeat here means no randomness
    for code in codes:
        assert len(code) == INVITE_CODE_LENGTH
        assert set(code) <= set(INVITE_ALPHABET)
        assert INVITE_CODE_PATTERN.match(code)
        assert normalise_invite_code(code) == code
    used = set("".join(codes))
    assert len(used) > 25  # all of the alphabet is used, not a fixed subset


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABCD2345", "ABCD2345"),
        ("abcd2345", "ABCD2345"),
        ("  AbCd2345 \n", "ABCD2345"),
        ("abcd", "ABCD"),
        ("x" * 32, "X" * 32),
        ("Salzgitter-2027_a", "SALZGITTER-2027_A"),
    ],
)
def test_normalise_invite_code_accepts(raw: str, expected: str) -> None:
    assert normalise_invite_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",  # too short
        "x" * 33,  # too long
        "ABCD 2345",
        "ABCD!2345",
        "ABCD%27",
        "ÄBCD2345",
        "ABCD2345\nXY",
        "ABCD\x002345",
        "../../etc",
    ],
)
def test_normalise_invite_code_rejects(raw: str) -> None:
    assert normalise_invite_code(raw) is None


@DETERMINISTIC
@given(st.text(max_size=40))
def test_normalise_invite_code_result_is_safe(raw: str) -> None:
    code = normalise_invite_code(raw)
    if code is not None:
        assert 4 <= len(code) <= 32
        assert all(c.isascii() and (c.isupper() or c.isdigit() or c in "_-") for c in code)
        assert normalise_invite_code(code) == code


# --- calendar months --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # leap year
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
        (dt.date(2028, 2, 29), 48, dt.date(2032, 2, 29)),
        (dt.date(2027, 3, 31), 1, dt.date(2027, 4, 30)),
        (dt.date(2027, 12, 15), 1, dt.date(2028, 1, 15)),
        (dt.date(2027, 11, 30), 3, dt.date(2028, 2, 29)),
        (dt.date(2027, 3, 11), 12, dt.date(2028, 3, 11)),
        (dt.date(2027, 3, 11), 0, dt.date(2027, 3, 11)),
        (dt.date(2027, 3, 31), -1, dt.date(2027, 2, 28)),
        (dt.date(2027, 1, 15), -1, dt.date(2026, 12, 15)),
        (dt.date(2027, 1, 15), -13, dt.date(2025, 12, 15)),
        (dt.date(1900, 1, 31), 1, dt.date(1900, 2, 28)),  # not a leap year
        (dt.date(1999, 12, 31), 2, dt.date(2000, 2, 29)),  # a leap year
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


@DETERMINISTIC
@given(
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
    months=st.integers(min_value=-240, max_value=240),
)
def test_add_months_lands_in_the_right_month_on_a_valid_day(day: dt.date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)
    if day.day <= 28:
        assert result.day == day.day
    # Going there and back is the identity unless the day had to be clamped.
    if result.day == day.day:
        assert add_months(result, -months) == day


def test_default_end_is_twelve_months_minus_a_day() -> None:
    assert DEFAULT_DURATION_MONTHS == 12
    assert default_end(dt.date(2027, 3, 11)) == dt.date(2028, 3, 10)
    assert default_end(dt.date(2027, 1, 1)) == dt.date(2027, 12, 31)
    assert default_end(dt.date(2027, 3, 1)) == dt.date(2028, 2, 29)
    assert default_end(dt.date(2027, 3, 11), 6) == dt.date(2027, 9, 10)
    assert default_end(dt.date(2027, 6, 1), 9) == dt.date(2028, 2, 29)
    # Where the same date does not exist, the month's last day: no day of the period is lost.
    assert default_end(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert default_end(dt.date(2000, 3, 31), 6) == dt.date(2000, 9, 30)


@DETERMINISTIC
@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)),
    months=st.sampled_from([6, 9, 12]),
)
def test_default_end_is_after_the_start_and_within_the_duration(
    start: dt.date, months: int
) -> None:
    end = default_end(start, months)
    assert start < end <= add_months(start, months)
    assert end < add_months(start, months) or end.day < start.day  # equal only when clamped
    assert (end - start).days >= 28 * months - 1


# --- dates typed by coordinators --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11.03.2027", dt.date(2027, 3, 11)),
        ("11.3.2027", dt.date(2027, 3, 11)),
        ("1.3.2027", dt.date(2027, 3, 1)),
        ("11.3.27", dt.date(2027, 3, 11)),
        ("01.01.00", dt.date(2000, 1, 1)),
        ("31.12.99", dt.date(2099, 12, 31)),
        ("2027-03-11", dt.date(2027, 3, 11)),
        ("2027-3-1", dt.date(2027, 3, 1)),
        ("  29.02.2028 ", dt.date(2028, 2, 29)),
        ("2028-02-29", dt.date(2028, 2, 29)),
    ],
)
def test_parse_date_accepts_german_iso_and_short_years(raw: str, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "heute",
        "31.02.2027",
        "29.02.2027",
        "2027-02-29",
        "00.01.2027",
        "11.13.2027",
        "11.00.2027",
        "32.01.2027",
        "2027-13-01",
        "11/03/2027",
        "11.03.202",
        "11.03.20271",
        "11.03.2027 12:00",
        "2027-03-11T00:00",
        "11.03.",
        "0.0.0000",
        "111.03.2027",
    ],
)
def test_parse_date_rejects(raw: str) -> None:
    assert parse_date(raw) is None


@DETERMINISTIC
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_parse_date_reads_what_the_bot_writes(day: dt.date) -> None:
    assert parse_date(day.strftime("%d.%m.%Y")) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day}.{day.month}.{day.year}") == day


@DETERMINISTIC
@given(st.text(max_size=20))
def test_parse_date_never_raises(raw: str) -> None:
    result = parse_date(raw)
    assert result is None or isinstance(result, dt.date)


# --- status changes ---------------------------------------------------------------------------

P, A, Z, L, R = (
    ParticipantStatus.PENDING,
    ParticipantStatus.ACTIVE,
    ParticipantStatus.PAUSED,
    ParticipantStatus.LEFT,
    ParticipantStatus.REJECTED,
)
ALLOWED = {(P, A), (P, R), (A, Z), (A, L), (Z, A), (Z, L), (L, A), (R, P)}


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ParticipantStatus, repeat=2)))
def test_can_transition_table(old: ParticipantStatus, new: ParticipantStatus) -> None:
    assert can_transition(old.value, new.value) is ((old, new) in ALLOWED)


def test_every_status_has_a_way_out_and_none_to_itself() -> None:
    assert set(TRANSITIONS) == set(ParticipantStatus)
    for status, targets in TRANSITIONS.items():
        assert targets
        assert status not in targets


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("pending", "ACTIVE"),
        ("PENDING", "active"),
        ("pending", ""),
        ("", "active"),
        ("open", "closed"),
        ("pending", "archived"),
        ("active ", "paused"),
    ],
)
def test_can_transition_with_unknown_statuses_is_false(old: str, new: str) -> None:
    assert can_transition(old, new) is False


def test_status_values_fit_their_columns() -> None:
    # participants.status and programs.status are String(16).
    assert all(len(s) <= 16 for s in ParticipantStatus)
    assert all(len(s) <= 16 for s in ProgramStatus)


@pytest.mark.parametrize(
    ("ends_on", "today", "months", "expected"),
    [
        (dt.date(2025, 2, 28), dt.date(2026, 2, 27), 12, False),
        (dt.date(2025, 2, 28), dt.date(2026, 2, 28), 12, True),
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28), 12, True),  # no 29 February: the 28th
        (dt.date(2028, 2, 29), dt.date(2029, 2, 27), 12, False),
        (dt.date(2027, 1, 31), dt.date(2027, 2, 28), 1, True),
        (dt.date(2027, 1, 31), dt.date(2027, 2, 27), 1, False),
    ],
)
def test_purgeable_after_the_retention_months(
    ends_on: dt.date, today: dt.date, months: int, expected: bool
) -> None:
    assert purgeable(ends_on, today, months) is expected
