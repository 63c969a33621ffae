"""Rules for tandem meetings: sensible times, who may do what with a meeting."""

from __future__ import annotations

import datetime as dt
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


class Act(StrEnum):
    ACCEPT = "a"
    DECLINE = "d"
    OTHER_TIME = "o"
    MOVE = "r"
    CANCEL = "x"


def allowed(act: Act, *, status: str, proposed_by: int | None, user_id: int) -> bool:
    """The proposer cannot accept their own proposal; a confirmed meeting can be moved or
    cancelled by either partner."""
    if status == "proposed":
        if act in (Act.ACCEPT, Act.DECLINE, Act.OTHER_TIME):
            return user_id != proposed_by
        return act is Act.CANCEL and user_id == proposed_by
    if status == "confirmed":  # another time for a confirmed meeting is a move
        return act in (Act.MOVE, Act.CANCEL)
    return False


def parse_logged(text: str, today: dt.date) -> When | None:
    """A day in the past: "3.3." reported on 24 March means this 3 March, not next year's.

    A date without a year normally means its next occurrence; parsed as of a year ago it means
    the latest past one. Relative words ("morgen") move with `today`, so a second parse two days
    earlier tells an absolute date from a relative one, which is never shifted.
    """
    when = parse_when(text, today)
    if when is None or when.day <= today:
        return when
    year_ago = today - dt.timedelta(days=365)
    shifted = parse_when(text, year_ago)
    if shifted is None or shifted != parse_when(text, year_ago - dt.timedelta(days=2)):
        return when  # relative or explicit: the caller says it has not happened yet
    return shifted if shifted.day <= today else when
