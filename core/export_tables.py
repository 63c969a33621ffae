"""The export tables of the coordinators' reports, and the CSV they are downloaded as.

Kept apart from `core.stats` (what the reports say) because these are file formats: plain rows
with a column vocabulary that the catalogs label, `csv_bytes` writing them the way German Excel
opens them by double-click (see there), and the file-name `slug`. `core.export` builds the
workbook and the chart from the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from core.stats import average, format_decimal

# Spreadsheet programs run a cell that starts with one of these as a formula (OWASP "CSV
# injection"); tab and carriage return are listed by OWASP as well.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | dt.datetime | None

PARTICIPANT_COLUMNS = (
    "participant_id",
    "name",
    "role",
    "status",
    "company",
    "industry",
    "position",
    "topics",
    "goals",
    "meeting_format",
    "telegram",
    "reachable",
    "registered_at",
    # The optional questions of the registration form, last so the usual columns keep their place.
    "location",
    "languages",
    "capacity",
    "profile_url",
)
TANDEM_COLUMNS = (
    "tandem_id",
    "mentor",
    "mentor_company",
    "mentee",
    "mentee_company",
    "status",
    "created_at",
    "introduced_at",
    "mentor_agreed_at",
    "mentee_agreed_at",
    "meetings_held",
    "last_meeting",
    "next_meeting",
    "average_rating",
    "dissolved_at",
    "dissolve_reason",
)
MEETING_COLUMNS = (
    "meeting_id",
    "tandem_id",
    "mentor",
    "mentee",
    "starts_at",
    "ends_at",
    "online",
    "state",
)
FEEDBACK_COLUMNS = (
    "meeting_id",
    "meeting_starts_at",
    "tandem_id",
    "participant",
    "role",
    "took_place",
    "rating",
    "note",
    "fits",
    "rematch",
    "answered_at",
)
# Every column name once: each has a header label `rp.col.<name>` in the catalogs.
COLUMNS = tuple(
    dict.fromkeys(PARTICIPANT_COLUMNS + TANDEM_COLUMNS + MEETING_COLUMNS + FEEDBACK_COLUMNS)
)


@dataclass(frozen=True)
class Table:
    """One export: `name` is the file stem (participants -> participants.csv), `title` the
    sheet's name in the workbook, `header` the column labels."""

    name: str
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    name: str
    role: str
    status: str
    company: str
    industry: str
    position: str
    topics: Sequence[str]
    goals: str
    meeting_format: str
    username: str | None
    reachable: bool
    registered_at: dt.datetime
    # The optional questions of the registration form (empty when not asked).
    location: str | None = None
    languages: Sequence[str] = ()
    capacity: int | None = None  # mentors only
    profile_url: str | None = None


@dataclass(frozen=True)
class TandemRow:
    """The ratings come as the database sums them up (total and count), the mean from them."""

    id: int
    mentor: str
    mentor_company: str
    mentee: str
    mentee_company: str
    status: str
    created_at: dt.datetime
    introduced_at: dt.datetime | None
    mentor_agreed_at: dt.datetime | None
    mentee_agreed_at: dt.datetime | None
    meetings_held: int
    last_meeting: dt.datetime | None
    next_meeting: dt.datetime | None
    rating_total: float | None
    ratings: int | None
    dissolved_at: dt.datetime | None
    dissolve_reason: str | None

    @property
    def average_rating(self) -> float | None:
        return average(self.rating_total, self.ratings)


@dataclass(frozen=True)
class MeetingRow:
    id: int
    tandem_id: int
    mentor: str
    mentee: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    online: bool
    status: str
    outcome: str | None
    verified: bool = True  # a recorded meeting: confirmed by the partner or a coordinator


@dataclass(frozen=True)
class FeedbackRow:
    meeting_id: int
    meeting_starts_at: dt.datetime
    tandem_id: int
    participant: str
    role: str
    took_place: str | None
    rating: int | None
    note: str | None
    fits: bool | None
    rematch: bool | None
    answered_at: dt.datetime | None


def neutralise(value: str) -> str:
    """A text cell that a spreadsheet would run as a formula (`=HYPERLINK(...)`, `+1`, `@SUM`,
    `-2+3`) gets a leading apostrophe, so it is shown as the text it is."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value: Cell, *, decimal: str, datetime_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(datetime_format)
    if isinstance(value, float):
        return format_decimal(value, decimal)
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def csv_bytes(
    table: Table, *, decimal: str = ",", datetime_format: str = "%d.%m.%Y %H:%M"
) -> bytes:
    """The table as CSV for spreadsheet programs.

    Semicolon-separated and UTF-8 with a byte order mark: Excel with German regional settings
    splits lines at `;` (its list separator, because `,` is the decimal comma) and reads a file
    as UTF-8 only when it starts with the BOM (otherwise umlauts come out as `Ã¼`). LibreOffice
    and pandas (`sep=";", encoding="utf-8-sig"`) read it as well. Lines end in CRLF as RFC 4180
    says; text cells that would start a formula are neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.header])
    for row in table.rows:
        writer.writerow(
            [_csv_cell(v, decimal=decimal, datetime_format=datetime_format) for v in row]
        )
    return buffer.getvalue().encode("utf-8-sig")


_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug(name: str, fallback: str) -> str:
    """A file-name part from a program name: "Cross-Mentoring Rheinland 2027/28" ->
    "cross-mentoring-rheinland-2027-28"."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].rstrip("-")
    return text or fallback
