"""Calendar files (RFC 5545) for confirmed, moved and cancelled tandem meetings.

Partners add meetings to whatever calendar they already use, so the bot sends an `.ics` file
instead of asking them to copy dates by hand. A move re-sends the same UID with a higher
SEQUENCE, which makes calendar apps update the entry instead of adding a second one. Summary,
place and notes are typed by users, so every text is escaped such that it can never end its
line and smuggle in properties of its own.

What calendar apps need to treat the file as one entry they keep up to date:
- a UID unique to the meeting *and the installation* (two Tandem bots sending "meeting-1" into
  the same calendar must not overwrite each other's entries; see `uid`);
- an ORGANIZER: Outlook and Apple Calendar apply a CANCEL or a newer SEQUENCE only to an entry
  that has one. It is the bot, as a no-reply address of the installation, never a person;
- an online link where each app looks for it: Apple shows URL, Google and Outlook show LOCATION
  and DESCRIPTION, so the link goes into all three (`render`).

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
# Deliberately narrow (no quoted local parts, no IP literals): the address is written into a
# calendar-address value as is, so nothing that could end the value or the line may pass.
ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
UID_DOMAIN = "tandem.invalid"  # .invalid (RFC 6761) never resolves nor delivers mail
# An escape pair is one token, so that folding never leaves a lone backslash at a line's end.
TOKEN = re.compile(r"\\.|.", re.DOTALL)


def check_address(address: str) -> str:
    """A plain e-mail address (`local@domain.tld`); anything else is refused, not repaired."""
    if not ADDRESS.fullmatch(address):
        raise ValueError("not a plain e-mail address")
    return address


def installation_domain(installation: int | str) -> str:
    """The host part that makes UIDs (and the default organizer) unique per installation:
    `<installation>.tandem.invalid`, e.g. the bot's numeric id, which is public and stays the
    same when the token is revoked."""
    label = str(installation).lower()
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", label):
        raise ValueError("installation must be one DNS label")
    return f"{label}.{UID_DOMAIN}"


def uid(kind: str, number: int, installation: int | str) -> str:
    """`meeting-42@123456789.tandem.invalid`: the same for every version of one meeting (or
    event) of one installation, different for another installation's meeting 42."""
    return f"{kind}-{number}@{installation_domain(installation)}"


@dataclass(frozen=True)
class Organizer:
    """Who sends the entry: the bot of this installation, under a no-reply address."""

    name: str
    address: str

    def __post_init__(self) -> None:
        check_address(self.address)

    def line(self) -> str:
        # A parameter value may not contain DQUOTE or controls even when quoted (RFC 5545 3.1).
        name = "".join(" " if unicodedata.category(c) == "Cc" else c for c in self.name if c != '"')
        return f'ORGANIZER;CN="{name}":mailto:{self.address}'


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable per meeting and installation, see `uid`
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
    organizer: Organizer | None = None

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
    """The file. A URL (an online meeting's link) is also the LOCATION when there is no place,
    and is added to the DESCRIPTION, since Google and Outlook show neither URL nor a link
    elsewhere."""
    summary = _text(event.summary)
    location = event.location if event.location is not None else event.url
    description = event.description
    if event.url is not None and event.url not in (description or ""):
        description = f"{description}\n\n{event.url}" if description else event.url
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
    if event.organizer is not None:
        lines.append(event.organizer.line())
    if location is not None:
        lines.append(f"LOCATION:{_text(location)}")
    if description is not None:
        lines.append(f"DESCRIPTION:{_text(description)}")
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


MAX_ALARM_MINUTES = 2 * 24 * 60


def alarms(offsets: tuple[int, ...]) -> tuple[int, ...]:
    """Calendar alarms from a program's reminder offsets (minutes before the start). The bot's
    own reminders may start two weeks ahead; an alarm that early only gets dismissed, so only
    offsets of at most two days become alarms, or the nearest one if none is that close."""
    close = tuple(m for m in offsets if 0 <= m <= MAX_ALARM_MINUTES)
    if close or not offsets:
        return close
    return (min(offsets),)


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


def usable_url(text: str | None) -> str | None:
    """`text` if it is a link a URL property can carry (http(s), printable ASCII), else None:
    an event's place typed as a link, a meeting link with letters a URI cannot hold."""
    if text is None:
        return None
    try:
        _check_url(text)
    except ValueError:
        return None
    return text


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
