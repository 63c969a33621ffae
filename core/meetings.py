"""Rules for tandem meetings: sensible times, who may do what with a meeting, and when a
meeting counts as held.

A meeting is a fact once it has begun or someone said it was held: it can no longer be moved or
cancelled. A meeting recorded afterwards counts only when the partner (or a coordinator)
confirms it, and feedback that contradicts itself makes a meeting disputed, not held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from enum import StrEnum

from core.when import When, parse_when

DEFAULT_DURATION = 120  # minutes: programs recommend about two hours
DURATION_CHOICES = (60, 90, 120, 180)
MAX_AHEAD = dt.timedelta(days=400)  # a program runs about a year
MAX_LOGGED_AGO = dt.timedelta(days=400)
DAY_BUTTONS = 7
HOUR_BUTTONS = tuple(range(8, 21))  # 08:00 .. 20:00
MAX_PLACE = 200
MAX_LINK = 400


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    SUPERSEDED = "superseded"  # a partner proposed another time instead
    CANCELLED = "cancelled"
    LOGGED = "logged"  # happened outside the bot, reported afterwards via /feedback


class TimeProblem(StrEnum):
    PAST = "past"
    NOT_YET = "not_yet"  # a meeting reported as held lies in the future
    TOO_FAR = "too_far"
    NONEXISTENT = "nonexistent"  # skipped by a daylight-saving switch


def check_start(starts_at: dt.datetime, now: dt.datetime) -> TimeProblem | None:
    if starts_at <= now:
        return TimeProblem.PAST
    if starts_at - now > MAX_AHEAD:
        return TimeProblem.TOO_FAR
    return None


def check_logged(starts_at: dt.datetime, now: dt.datetime) -> TimeProblem | None:
    """A meeting reported afterwards lies in the past, but not in a previous program year."""
    if starts_at > now:
        return TimeProblem.NOT_YET
    if now - starts_at > MAX_LOGGED_AGO:
        return TimeProblem.TOO_FAR
    return None


def clean_link(raw: str) -> str | None:
    """Only http(s) links without spaces: they end up in an HTML message and a calendar file."""
    link = raw.strip()
    if not link.lower().startswith(("https://", "http://")) or len(link) > MAX_LINK:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in link) or "<" in link or '"' in link:
        return None
    return link


class Outcome(StrEnum):
    """What became of a meeting, from the partners' feedback."""

    HELD = "held"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"  # one partner says held, the other says it was not


def combined_outcome(answers: Iterable[str | None]) -> Outcome | None:
    """The meeting's outcome from both partners' answers (None: nobody answered yet).

    Agreeing answers (or a single one) stand; "held" against "postponed"/"cancelled" is
    disputed, so that one partner cannot make a meeting count that the other says never
    happened; postponed against cancelled is simply not held.
    """
    given = {Outcome(a) for a in answers if a in {o.value for o in Outcome}}
    given.discard(Outcome.DISPUTED)
    if not given:
        return None
    if len(given) == 1:
        return given.pop()
    if Outcome.HELD in given:
        return Outcome.DISPUTED
    return Outcome.CANCELLED


def counts_as_held(
    status: str, outcome: str | None, *, verified: bool, starts_at: dt.datetime, now: dt.datetime
) -> bool:
    """The one "held" rule (`storage.meetings._met` says the same in SQL): a confirmed meeting
    that began, or a recorded one the partner or a coordinator confirmed (`verified`), unless
    the feedback said it was postponed, cancelled or disputed."""
    if starts_at > now:
        return False
    if status == MeetingStatus.CONFIRMED or (status == MeetingStatus.LOGGED and verified):
        return outcome in (None, Outcome.HELD.value)
    return False


def is_fact(starts_at: dt.datetime, outcome: str | None, now: dt.datetime) -> bool:
    """A meeting that began, or that someone said was held, can no longer be moved or
    cancelled (`storage.meetings` refuses it in SQL too)."""
    return starts_at <= now or outcome == Outcome.HELD.value


class RecordProblem(StrEnum):
    BEFORE_TANDEM = "before_tandem"  # the tandem did not exist yet on that day
    NOT_YET = "not_yet"  # the day is still to come
    TAKEN = "taken"  # the tandem has a meeting on that day already


def check_recorded_day(
    day: dt.date, *, formed_on: dt.date, today: dt.date, taken: Collection[dt.date]
) -> RecordProblem | None:
    """A meeting recorded afterwards lies within the tandem's lifetime (from the day it was
    formed until today, in the program's zone), one per tandem and day."""
    if day > today:
        return RecordProblem.NOT_YET
    if day < formed_on:
        return RecordProblem.BEFORE_TANDEM
    if day in taken:
        return RecordProblem.TAKEN
    return None


class Act(StrEnum):
    ACCEPT = "a"
    DECLINE = "d"
    OTHER_TIME = "o"
    MOVE = "r"
    CANCEL = "x"


def allowed(
    act: Act, *, status: str, proposed_by: int | None, user_id: int, fact: bool = False
) -> bool:
    """The proposer cannot accept their own proposal; a confirmed meeting can be moved or
    cancelled by either partner, until it is a fact (`is_fact`)."""
    if fact:
        return False
    if status == MeetingStatus.PROPOSED:
        if act in (Act.ACCEPT, Act.DECLINE, Act.OTHER_TIME):
            return user_id != proposed_by
        return act is Act.CANCEL and user_id == proposed_by
    if status == MeetingStatus.CONFIRMED:  # another time for a confirmed meeting is a move
        return act in (Act.MOVE, Act.CANCEL)
    return False


def parse_logged(text: str, today: dt.date) -> When | None:
    """A day in the past: "3.3." reported on 24 March means this 3 March, not next year's.

    A date without a year normally means its next occurrence; parsed as of a year ago it means
    the latest past one. Relative words ("morgen", "Freitag") move with the day they are read
    on, so parses a week earlier and a week later tell an absolute date from a relative one,
    which is never shifted: an absolute date agrees with at least one of them (a date of the
    past week differs from the earlier parse, one of the coming week from the later one).
    """
    when = parse_when(text, today)
    if when is None or when.day <= today:
        return when
    year_ago = today - dt.timedelta(days=365)
    shifted = parse_when(text, year_ago)
    week = dt.timedelta(days=7)
    if shifted is None or shifted not in (
        parse_when(text, year_ago - week),
        parse_when(text, year_ago + week),
    ):
        return when  # relative or explicit: the caller says it has not happened yet
    return shifted if shifted.day <= today else when
