"""Calendar files (RFC 5545) for confirmed, moved and cancelled tandem meetings.

Partners add meetings to whatever calendar they already use, so the bot sends an `.ics` file
instead of asking them to copy dates by hand. A move re-sends the same UID with a higher
SEQUENCE, which makes calendar apps update the entry instead of adding a second one. Summary,
place and notes are typed by users, so every text is escaped such that it can never end its
line and smuggle in properties of its own.

Pure rules, no I/O: the handlers decide when to send a file, this module only writes it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

PRODID = "-//Tandem//Cross-Mentoring//DE"
MAX_LINE_OCTETS = 75  # RFC 5545 3.1, without the CRLF
MAX_FILENAME_STEM = 40
# German spelling survives in file names; everything else falls back to its base letter.
TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
# An escape pair is one token, so that folding never leaves a lone backslash at a line's end.
TOKEN = re.compile(r"\\.|.", re.DOTALL)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable per meeting, e.g. "meeting-42@tandem"
    sequence: int  # grows with every change of the meeting
    start: dt.datetime  # aware (any zone); written as UTC
    end: dt.datetime  # aware, after start
    summary: str
    stamp: dt.datetime  # aware; DTSTAMP, when this version of the file was made
    location: str | None = None
    description: str | None = None
    url: str | None = None
    cancelled: bool = False
    alarms_minutes: tuple[int, ...] = ()  # display reminders, minutes before start

    def __post_init__(self) -> None:
        """Checked here, so that an event that cannot be written never exists."""
        for name in ("start", "end", "stamp"):
            value: dt.datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware, got {value!r}")
        # Compared as written (whole seconds): DTEND equal to DTSTART is not a meeting.
        if _utc(self.end) <= _utc(self.start):
            raise ValueError("end must be after start")
        if self.sequence < 0:
            raise ValueError("sequence must not be negative")
        if any(minutes < 0 for minutes in self.alarms_minutes):
            raise ValueError("alarms are minutes before the start and must not be negative")
        if self.url is not None:
            _check_url(self.url)


def render(event: CalendarEvent) -> bytes:
    summary = _text(event.summary)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if event.cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{_text(event.uid)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc_text(event.stamp)}",
        f"DTSTART:{_utc_text(event.start)}",
        f"DTEND:{_utc_text(event.end)}",
        f"SUMMARY:{summary}",
    ]
    if event.location is not None:
        lines.append(f"LOCATION:{_text(event.location)}")
    if event.description is not None:
        lines.append(f"DESCRIPTION:{_text(event.description)}")
    if event.url is not None:
        lines.append(f"URL:{event.url}")
    lines += [f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}", "TRANSP:OPAQUE"]
    # A cancelled meeting must not remind anyone, even where an app imports it as a new entry.
    for minutes in () if event.cancelled else sorted(set(event.alarms_minutes), reverse=True):
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{summary}",
            f"TRIGGER:-PT{minutes}M",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines).encode("utf-8")


def filename(summary: str, start_local: dt.datetime) -> str:
    """The name partners see in the chat and in their downloads folder: readable, ASCII only
    (some mail and calendar apps mangle anything else) and never a path."""
    ascii_name = unicodedata.normalize("NFKD", summary.translate(TRANSLITERATION))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii").lower()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name)[:MAX_FILENAME_STEM].strip("-") or "tandem"
    return f"{stem}-{start_local.date().isoformat()}.ics"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _utc_text(moment: dt.datetime) -> str:
    # Not strftime: %Y does not pad years before 1000 on every platform.
    u = _utc(moment)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def _text(value: str) -> str:
    """TEXT per RFC 5545 3.3.11. CR goes (Windows line ends keep their LF); other control
    characters become spaces, since no calendar shows them and some parsers choke on them."""
    value = value.replace("\r", "")
    value = "".join(" " if c != "\n" and unicodedata.category(c) == "Cc" else c for c in value)
    return value.translate(TEXT_ESCAPES)


def _check_url(url: str) -> None:
    """A URI value is written as is, so anything that could break the line or run a script
    when clicked is refused instead of repaired."""
    if not url.isascii() or any(not c.isprintable() or c.isspace() for c in url):
        raise ValueError("url must be printable ASCII without spaces")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise ValueError("url must be an http(s) URL with a host")


def _fold(line: str) -> str:
    """Lines of at most 75 octets; breaks fall between characters, never inside one."""
    chunks: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for token in TOKEN.findall(line):
        octets = len(token.encode("utf-8"))
        if size + octets > limit:
            chunks.append(current)
            current, size, limit = "", 0, MAX_LINE_OCTETS - 1  # the leading space counts
        current += token
        size += octets
    chunks.append(current)
    return "\r\n ".join(chunks)
