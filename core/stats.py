"""What the coordinators' reports say: program figures, tandems at risk, months and meetings.

Pure: storage gathers the figures (aggregated in SQL), handlers render them; this module holds
the rules in between. A tandem is at risk when it has not met for the program's nudge interval
or when its partners rate its meetings below `LOW_RATING` on average. The export tables built
from the same figures are `core.export_tables`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.meetings import MeetingStatus

LOW_RATING = 3.0  # an average usefulness (1-5) below this puts a tandem at risk
MAX_NAMES = 15  # names listed in a report before "and N more"
NAME_WIDTH = 60  # a name in a report list is cut after this many characters
MESSAGE_LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units


# --- the figures of /stats ----------------------------------------------------------------------


@dataclass(frozen=True)
class TandemHealth:
    """An active tandem as the at-risk rule sees it."""

    tandem_id: int
    mentor: str
    mentee: str
    introduced_at: dt.datetime | None
    last_met: dt.datetime | None
    average_rating: float | None


@dataclass(frozen=True)
class ProgramStats:
    # (role, status) -> number of participants
    participants: Mapping[tuple[str, str], int]
    tandems_active: int
    tandems_dissolved: int
    agreement_both: int  # active tandems whose partners both confirmed the agreement
    agreement_open: int  # active, introduced, not yet confirmed by both
    tandems_waiting: int  # active, not introduced yet (revealed later, e.g. at the kickoff)
    meetings_held: int
    meetings_planned: int
    meetings_not_held: int  # cancelled beforehand, or postponed/cancelled by the feedback
    feedback_answers: int
    ratings: int
    average_rating: float | None
    tandems: Sequence[TandemHealth] = field(default_factory=tuple)  # the active ones
    unreachable: Sequence[str] = field(default_factory=tuple)  # names, sorted
    meetings_disputed: int = 0  # one partner says held, the other not: not counted as held


@dataclass(frozen=True)
class AtRisk:
    tandem: TandemHealth
    quiet_days: int | None  # days without a meeting, when that is the (or a) reason
    low_rating: float | None  # the average rating, when that is the (or a) reason


def quiet_for(health: TandemHealth, now: dt.datetime) -> int | None:
    """Whole days since the tandem last met (or was introduced, if it never met); None for a
    tandem not introduced yet: it cannot have met."""
    if health.introduced_at is None:
        return None
    anchor = max(health.introduced_at, health.last_met or health.introduced_at)
    return max((now - anchor).days, 0)


def at_risk(
    tandems: Iterable[TandemHealth],
    *,
    quiet_after_days: int,
    now: dt.datetime,
    low_rating: float = LOW_RATING,
) -> list[AtRisk]:
    """Tandems without a meeting for `quiet_after_days` (the program's nudge setting; 0 turns
    nudges and this rule off) or rated below `low_rating` on average. Longest quiet first, then
    the lowest rated."""
    found: list[AtRisk] = []
    for health in tandems:
        days = quiet_for(health, now)
        quiet = (
            days if quiet_after_days > 0 and days is not None and days >= quiet_after_days else None
        )
        rating = health.average_rating
        low = rating if rating is not None and rating < low_rating else None
        if quiet is not None or low is not None:
            found.append(AtRisk(health, quiet, low))
    found.sort(
        key=lambda r: (
            -(r.quiet_days if r.quiet_days is not None else -1),
            r.low_rating if r.low_rating is not None else 6.0,
            r.tandem.tandem_id,
        )
    )
    return found


def average(total: float | None, count: int | None) -> float | None:
    if not count or total is None:
        return None
    return float(total) / count


def format_decimal(value: float, decimal: str = ",") -> str:
    """One decimal place: 2.5 -> "2,5" for German readers."""
    return f"{value:.1f}".replace(".", decimal)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (emoji and other astral characters count twice)."""
    return len(text.encode("utf-16-le")) // 2


def fits_message(text: str, limit: int = MESSAGE_LIMIT) -> bool:
    """Measured on the HTML we send, which is never shorter than the text Telegram counts."""
    return utf16_len(text) <= limit


T = TypeVar("T")


def shortened(items: Sequence[T], limit: int = MAX_NAMES) -> tuple[list[T], int]:
    """The first `limit` items and how many were left out."""
    if limit < 0:
        limit = 0
    return list(items[:limit]), max(len(items) - limit, 0)


def clip(text: str, width: int = NAME_WIDTH) -> str:
    """A name for a list: on one line and at most `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


# --- months ------------------------------------------------------------------------------------

Month = tuple[int, int]  # (year, month)


def month_of(when: dt.datetime, zone: ZoneInfo) -> Month:
    local = when.astimezone(zone)
    return local.year, local.month


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included (empty if `last` is earlier)."""
    months: list[Month] = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


K = TypeVar("K")


def per_month(
    rows: Iterable[tuple[K, dt.datetime]], zones: Mapping[K, ZoneInfo], default: ZoneInfo
) -> dict[K, Counter[Month]]:
    """Count (key, time) rows by the month the time falls in, in each key's zone: a meeting at
    00:30 on 1 April in Berlin counts for April, although it is still March in UTC."""
    counts: dict[K, Counter[Month]] = {}
    for key, when in rows:
        counts.setdefault(key, Counter())[month_of(when, zones.get(key, default))] += 1
    return counts


def month_axis(counts: Mapping[K, Counter[Month]], *, max_months: int = 24) -> list[Month]:
    """The months a chart shows: from the first to the last month with a count, without gaps,
    at most the last `max_months` of them."""
    seen = [month for counter in counts.values() for month, n in counter.items() if n]
    if not seen:
        return []
    months = months_between(min(seen), max(seen))
    return months[-max_months:]


# --- meetings ----------------------------------------------------------------------------------


class MeetingState(StrEnum):
    """What a meeting amounts to for the program team."""

    HELD = "held"
    PLANNED = "planned"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"  # the partners' answers contradict each other
    UNCONFIRMED = "unconfirmed"  # recorded afterwards, the partner has not confirmed it yet


def meeting_state(
    status: str,
    outcome: str | None,
    starts_at: dt.datetime,
    now: dt.datetime,
    *,
    was_confirmed: bool = True,
    verified: bool = True,
) -> MeetingState | None:
    """The rule of `storage.meetings._met`: a confirmed or logged meeting that began counts as
    held unless the feedback said it was postponed or cancelled; a confirmed one still ahead is
    planned; a confirmed one cancelled beforehand is cancelled. Open, declined or replaced
    proposals, and proposals withdrawn before anyone agreed, are no meetings (None)."""
    if status == MeetingStatus.CANCELLED:
        return MeetingState.CANCELLED if was_confirmed else None
    if status not in (MeetingStatus.CONFIRMED, MeetingStatus.LOGGED):
        return None
    if starts_at > now:
        return MeetingState.PLANNED if status == MeetingStatus.CONFIRMED else None
    if status == MeetingStatus.LOGGED and not verified:
        return MeetingState.UNCONFIRMED
    if outcome == MeetingState.DISPUTED.value:
        return MeetingState.DISPUTED
    if outcome == MeetingState.POSTPONED.value:
        return MeetingState.POSTPONED
    if outcome == MeetingState.CANCELLED.value:
        return MeetingState.CANCELLED
    return MeetingState.HELD
