"""The pure rules that make meetings facts (core.meetings)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.meetings import (
    Act,
    Outcome,
    RecordProblem,
    allowed,
    check_recorded_day,
    combined_outcome,
    counts_as_held,
    is_fact,
)

NOW = dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([], None),
        ([None, None], None),
        (["held"], Outcome.HELD),
        (["held", "held"], Outcome.HELD),
        (["held", None], Outcome.HELD),
        (["postponed"], Outcome.POSTPONED),
        (["held", "postponed"], Outcome.DISPUTED),
        (["cancelled", "held"], Outcome.DISPUTED),
        (["postponed", "cancelled"], Outcome.CANCELLED),
        (["held", "bogus"], Outcome.HELD),
    ],
)
def test_combined_outcome(answers: list[str | None], expected: Outcome | None) -> None:
    assert combined_outcome(answers) == expected


@pytest.mark.parametrize(
    ("status", "outcome", "verified", "starts", "held"),
    [
        ("confirmed", None, True, -HOUR, True),
        ("confirmed", "held", True, -HOUR, True),
        ("confirmed", None, True, HOUR, False),  # not begun yet
        ("confirmed", "disputed", True, -HOUR, False),
        ("confirmed", "postponed", True, -HOUR, False),
        ("logged", "held", False, -HOUR, False),  # the partner has not confirmed it
        ("logged", "held", True, -HOUR, True),
        ("declined", "held", False, -HOUR, False),  # the partner said it did not happen
        ("cancelled", None, True, -HOUR, False),
    ],
)
def test_counts_as_held(
    status: str, outcome: str | None, verified: bool, starts: dt.timedelta, held: bool
) -> None:
    assert (
        counts_as_held(status, outcome, verified=verified, starts_at=NOW + starts, now=NOW) is held
    )


def test_a_meeting_that_began_or_was_held_is_a_fact() -> None:
    assert is_fact(NOW, None, NOW)
    assert is_fact(NOW - HOUR, None, NOW)
    assert is_fact(NOW + HOUR, "held", NOW)
    assert not is_fact(NOW + HOUR, None, NOW)
    for act in Act:
        assert not allowed(act, status="confirmed", proposed_by=1, user_id=2, fact=True)
    assert allowed(Act.CANCEL, status="confirmed", proposed_by=1, user_id=2, fact=False)


def test_a_recorded_day_lies_within_the_tandems_life_once() -> None:
    formed, today = dt.date(2027, 3, 1), dt.date(2027, 3, 10)

    def check(day: dt.date, taken: set[dt.date] | None = None) -> RecordProblem | None:
        return check_recorded_day(day, formed_on=formed, today=today, taken=taken or set())

    assert check(dt.date(2027, 3, 9)) is None
    assert check(formed) is None and check(today) is None
    assert check(dt.date(2027, 2, 28)) is RecordProblem.BEFORE_TANDEM
    assert check(dt.date(2026, 1, 1)) is RecordProblem.BEFORE_TANDEM
    assert check(dt.date(2027, 3, 11)) is RecordProblem.NOT_YET
    assert check(dt.date(2027, 3, 9), {dt.date(2027, 3, 9)}) is RecordProblem.TAKEN
