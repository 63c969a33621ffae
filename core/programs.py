"""Program (cohort) rules: invite codes, default dates, status and participant status changes."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import secrets
from enum import StrEnum

# No 0/O, 1/I/L: codes get read aloud at info evenings and typed from slides.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_CODE_LENGTH = 8
INVITE_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{4,32}$")
DEFAULT_DURATION_MONTHS = 12
MAX_PROGRAM_NAME = 120


class ProgramStatus(StrEnum):
    OPEN = "open"  # registration open
    CLOSED = "closed"  # registration closed, program running
    ARCHIVED = "archived"


class ParticipantStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    REJECTED = "rejected"


# What a coordinator may change a participant's status to, from each status.
TRANSITIONS: dict[ParticipantStatus, frozenset[ParticipantStatus]] = {
    ParticipantStatus.PENDING: frozenset({ParticipantStatus.ACTIVE, ParticipantStatus.REJECTED}),
    ParticipantStatus.ACTIVE: frozenset({ParticipantStatus.PAUSED, ParticipantStatus.LEFT}),
    ParticipantStatus.PAUSED: frozenset({ParticipantStatus.ACTIVE, ParticipantStatus.LEFT}),
    ParticipantStatus.LEFT: frozenset({ParticipantStatus.ACTIVE}),
    ParticipantStatus.REJECTED: frozenset({ParticipantStatus.PENDING}),
}


def can_transition(old: str, new: str) -> bool:
    try:
        return ParticipantStatus(new) in TRANSITIONS[ParticipantStatus(old)]
    except ValueError:
        return False


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def normalise_invite_code(raw: str) -> str | None:
    code = raw.strip()
    if not INVITE_CODE_PATTERN.match(code):
        return None
    return code.upper()


def admits(presented: object, program_code: str, program_status: str) -> bool:
    """Whether the invitation code a registration carries still admits to its program.

    A registration's program comes only from an invitation: at consent and again at the final
    confirmation the code must be the program's current one (compared as `by_invite_code`
    finds it, case-insensitively) and registration must be open. A program whose code was
    replaced or which closed in between refuses.
    """
    if not isinstance(presented, str):
        return False
    code = normalise_invite_code(presented)
    return (
        code is not None and code == program_code.upper() and program_status == ProgramStatus.OPEN
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def purgeable(ends_on: dt.date, today: dt.date, retention_months: int) -> bool:
    """A program's personal data is kept `retention_months` after its end (certificates,
    questions afterwards), then it may be purged."""
    return add_months(ends_on, retention_months) <= today


def default_end(start: dt.date, months: int = DEFAULT_DURATION_MONTHS) -> dt.date:
    """The day before the same date `months` later; where that date does not exist (31 Aug + 6
    months), the month's last day, so that no day of the period is lost."""
    end = add_months(start, months)
    return end - dt.timedelta(days=1) if end.day == start.day else end


DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2})$"),
)


def parse_date(raw: str) -> dt.date | None:
    """German (11.03.2027, 11.3.27) and ISO (2027-03-11) dates."""
    text = raw.strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year = int(match["y"])
            if year < 100:
                year += 2000
            try:
                return dt.date(year, int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None
