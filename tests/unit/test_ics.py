"""Calendar files: what calendar apps read back must be exactly what the partners typed.

The files are checked with a small parser written here from RFC 5545 (unfold, split name from
value, unescape), not with the module's own helpers, so a shared mistake cannot hide.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ics import PRODID, CalendarEvent, Organizer, filename, render, uid

# Hypothesis runs the same examples every time: a failure here is never a fluke.
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200)

BERLIN = ZoneInfo("Europe/Berlin")
START = dt.datetime(2027, 3, 25, 17, 30, tzinfo=BERLIN)
STAMP = dt.datetime(2027, 3, 20, 9, 15, 7, tzinfo=dt.UTC)
TEXT_PROPERTIES = {"UID", "SUMMARY", "LOCATION", "DESCRIPTION"}
UNICODE_TEXT = st.text(st.characters(codec="utf-8"), max_size=300)


def event(**changes: object) -> CalendarEvent:
    base = CalendarEvent(
        uid="meeting-42@tandem",
        sequence=0,
        start=START,
        end=START + dt.timedelta(hours=1),
        summary="Tandem-Treffen",
        stamp=STAMP,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# --- a small RFC 5545 reader ------------------------------------------------------------------


@dataclass
class Component:
    name: str
    properties: list[tuple[str, str]] = field(default_factory=list)  # name, raw value
    children: list[Component] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.properties]

    def raw(self, name: str) -> str:
        values = [value for prop, value in self.properties if prop == name]
        assert len(values) == 1, (name, values)
        return values[0]

    def text(self, name: str) -> str:
        return unescape(self.raw(name))

    def child(self, name: str) -> Component:
        found = [c for c in self.children if c.name == name]
        assert len(found) == 1, (name, found)
        return found[0]


CONTENT_LINE = re.compile(r"(?P<name>[A-Z][A-Z0-9-]*)(?P<params>(?:;[^:]*)?):(?P<value>.*)")
ESCAPED_TEXT = re.compile(r"(?:[^\\;,]|\\[\\;,nN])*", re.DOTALL)


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # each line on its own: no character is split by folding
    return lines


def unescape(raw: str) -> str:
    assert ESCAPED_TEXT.fullmatch(raw), f"unescaped separator in {raw!r}"
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def parse(data: bytes) -> Component:
    logical: list[str] = []
    for line in physical_lines(data):
        text = line.decode("utf-8")
        if text.startswith(" "):
            logical[-1] += text[1:]
        else:
            logical.append(text)
    stack: list[Component] = []
    root: Component | None = None
    for content_line in logical:
        match = CONTENT_LINE.fullmatch(content_line)
        assert match, content_line
        name, value = match["name"], match["value"]
        if name == "BEGIN":
            component = Component(value)
            if stack:
                stack[-1].children.append(component)
            else:
                assert root is None, "more than one top-level component"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack.pop().name == value
        else:
            stack[-1].properties.append((name, value))
    assert not stack and root is not None
    return root


def vevent(data: bytes) -> Component:
    calendar = parse(data)
    assert calendar.name == "VCALENDAR"
    return calendar.child("VEVENT")


def expected_text(value: str) -> str:
    """What the file must give back: CR dropped, other control characters (but LF) spaces."""
    return "".join(
        " " if c != "\n" and unicodedata.category(c) == "Cc" else c for c in value.replace("\r", "")
    )


# --- layout -----------------------------------------------------------------------------------


def test_full_file_layout() -> None:
    data = render(
        event(
            sequence=3,
            location="Raum 4.12, Werk Süd",
            description="Thema: Feedback; Ziele",
            url="https://meet.example.org/t?x=1,2;3",
            alarms_minutes=(60, 1440),
            uid=uid("meeting", 42, 123456789),
            organizer=Organizer("Tandem 2027", "noreply@123456789.tandem.invalid"),
        )
    )
    assert data.decode("utf-8").split("\r\n") == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem//Cross-Mentoring//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        "UID:meeting-42@123456789.tandem.invalid",
        "SEQUENCE:3",
        "DTSTAMP:20270320T091507Z",
        "DTSTART:20270325T163000Z",
        "DTEND:20270325T173000Z",
        "SUMMARY:Tandem-Treffen",
        'ORGANIZER;CN="Tandem 2027":mailto:noreply@123456789.tandem.invalid',
        "LOCATION:Raum 4.12\\, Werk Süd",
        "DESCRIPTION:Thema: Feedback\\; Ziele\\n\\nhttps://meet.example.org/t?x=1\\,2\\;3",
        "URL:https://meet.example.org/t?x=1,2;3",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Tandem-Treffen",
        "TRIGGER:-PT1440M",
        "END:VALARM",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Tandem-Treffen",
        "TRIGGER:-PT60M",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]


def test_optional_properties_are_left_out_when_not_given() -> None:
    calendar = parse(render(event()))
    assert calendar.names() == ["VERSION", "PRODID", "CALSCALE", "METHOD"]
    assert calendar.raw("PRODID") == PRODID
    meeting = calendar.child("VEVENT")
    assert meeting.names() == [
        "UID",
        "SEQUENCE",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "STATUS",
        "TRANSP",
    ]
    assert meeting.children == []


def test_alarms_are_display_reminders_once_per_distinct_time() -> None:
    meeting = vevent(render(event(summary="Treffen, 1:1", alarms_minutes=(15, 0, 15, 60))))
    assert [a.raw("TRIGGER") for a in meeting.children] == ["-PT60M", "-PT15M", "-PT0M"]
    for alarm in meeting.children:
        assert alarm.name == "VALARM"
        assert alarm.raw("ACTION") == "DISPLAY"
        assert alarm.text("DESCRIPTION") == "Treffen, 1:1"


# --- text round trip --------------------------------------------------------------------------

TRICKY = [
    "Müller & Söhne – Größe, Straße; Übung",
    "🎉 Kickoff 👩‍💻🇩🇪",
    "<b>fett</b> &amp; & <script>alert(1)</script>",
    "a,b;c\\d\\\\e\\n kein Zeilenumbruch",
    "Zeile 1\nZeile 2\n\nZeile 4\n",
    "Windows\r\nZeilen\r\n",
    "",
    " ",
    "\\",
    "ends with backslash\\",
    "ä" * 500,
    "🎉" * 500,
    ("aé€🎉" * 125) + ";,\\\n" * 30,
    "x" * 74 + "é" * 3 + "\\" * 9 + "🎉",
]


@pytest.mark.parametrize("text", TRICKY)
def test_every_text_field_comes_back_exactly(text: str) -> None:
    data = render(event(uid=f"{text}@tandem", summary=text, location=text, description=text))
    meeting = vevent(data)
    for name in TEXT_PROPERTIES - {"UID"}:
        assert meeting.text(name) == expected_text(text)
    assert meeting.text("UID") == expected_text(f"{text}@tandem")


@DETERMINISTIC
@given(summary=UNICODE_TEXT, location=UNICODE_TEXT, description=UNICODE_TEXT)
def test_any_unicode_text_round_trips(summary: str, location: str, description: str) -> None:
    data = render(
        event(summary=summary, location=location, description=description, alarms_minutes=(5,))
    )
    meeting = vevent(data)
    assert meeting.text("SUMMARY") == expected_text(summary)
    assert meeting.text("LOCATION") == expected_text(location)
    assert meeting.text("DESCRIPTION") == expected_text(description)
    assert meeting.child("VALARM").text("DESCRIPTION") == expected_text(summary)
    assert len(meeting.names()) == 10  # nothing injected, nothing lost


def test_long_lines_are_folded_between_characters() -> None:
    # 500 characters of 1-, 2- and 4-byte characters; no spaces, so every space is a fold.
    summary = ("Größe🎉,Übung;" * 36)[:500]
    data = render(event(summary=summary))
    lines = physical_lines(data)
    summary_lines = [line for line in lines if line.startswith((b"SUMMARY:", b" "))]
    assert len(summary_lines) > 10
    assert all(line.startswith(b" ") for line in summary_lines[1:])
    assert not any(line.startswith(b"  ") for line in summary_lines[1:])  # one space only
    assert vevent(data).text("SUMMARY") == summary


@DETERMINISTIC
@given(st.text(st.sampled_from("\\,;\nab"), min_size=60, max_size=300))
def test_folding_never_splits_an_escape(summary: str) -> None:
    for line in physical_lines(render(event(summary=summary))):
        trailing = len(line) - len(line.rstrip(b"\\"))
        assert trailing % 2 == 0, line


@pytest.mark.parametrize(
    "attack",
    [
        "Treffen\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:evil",
        "Treffen\nDTSTART:19700101T000000Z",
        "Treffen\rATTACH:https://evil.example",
        "Treffen\x85URL:https://evil.example",
        "Treffen\u2028STATUS:CANCELLED",
    ],
)
def test_user_text_cannot_add_properties(attack: str) -> None:
    data = render(event(summary=attack, location=attack, description=attack))
    calendar = parse(data)
    assert [c.name for c in calendar.children] == ["VEVENT"]
    meeting = calendar.child("VEVENT")
    assert set(meeting.names()) == {
        "UID",
        "SEQUENCE",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "STATUS",
        "TRANSP",
    }
    assert meeting.text("SUMMARY") == expected_text(attack)
    assert meeting.raw("DTSTART") == "20270325T163000Z"
    assert meeting.raw("STATUS") == "CONFIRMED"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x00b\x07c\x1bd\x7fe\x85f\x9fg", "a b c d e f g"),
        ("tab\there", "tab here"),
        ("a\rb", "ab"),
        ("a\r\nb", "a\nb"),
        ("a\u00a0b\u200bc", "a\u00a0b\u200bc"),  # not control characters: kept
    ],
)
def test_control_characters_become_spaces(raw: str, expected: str) -> None:
    assert vevent(render(event(summary=raw))).text("SUMMARY") == expected


# --- moves and cancellations ------------------------------------------------------------------


def test_move_and_cancellation_keep_the_uid_and_raise_the_sequence() -> None:
    first = vevent(render(event(alarms_minutes=(60,))))
    day = dt.timedelta(days=1)
    moved_data = render(
        event(sequence=1, start=START + day, end=START + day + dt.timedelta(hours=1))
    )
    moved = vevent(moved_data)
    cancelled_data = render(event(sequence=2, cancelled=True, alarms_minutes=(60,)))
    cancelled = vevent(cancelled_data)

    assert first.raw("UID") == moved.raw("UID") == cancelled.raw("UID") == "meeting-42@tandem"
    assert [int(e.raw("SEQUENCE")) for e in (first, moved, cancelled)] == [0, 1, 2]
    assert moved.raw("DTSTART") == "20270326T163000Z"
    assert parse(moved_data).raw("METHOD") == "PUBLISH"
    assert moved.raw("STATUS") == "CONFIRMED"
    assert parse(cancelled_data).raw("METHOD") == "CANCEL"
    assert cancelled.raw("STATUS") == "CANCELLED"
    assert cancelled.children == []  # no reminder for a meeting that will not take place


# --- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected_start", "expected_end"),
    [
        # Winter time (UTC+1) before the switch on 28 March 2027, summer time (UTC+2) after.
        (
            dt.datetime(2027, 3, 25, 17, 30, tzinfo=BERLIN),
            dt.datetime(2027, 3, 25, 18, 30, tzinfo=BERLIN),
            "20270325T163000Z",
            "20270325T173000Z",
        ),
        (
            dt.datetime(2027, 3, 29, 17, 30, tzinfo=BERLIN),
            dt.datetime(2027, 3, 29, 18, 30, tzinfo=BERLIN),
            "20270329T153000Z",
            "20270329T163000Z",
        ),
        # Across the switch itself: 01:30 to 03:30 local is one hour.
        (
            dt.datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN),
            dt.datetime(2027, 3, 28, 3, 30, tzinfo=BERLIN),
            "20270328T003000Z",
            "20270328T013000Z",
        ),
        # Back to winter time on 31 October 2027: the second 02:30 (fold=1) is UTC+1.
        (
            dt.datetime(2027, 10, 31, 2, 30, tzinfo=BERLIN),
            dt.datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=BERLIN),
            "20271031T003000Z",
            "20271031T013000Z",
        ),
        (
            dt.datetime(2027, 3, 25, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.datetime(2027, 3, 26, 4, 45, 59, 999999, tzinfo=dt.UTC),
            "20270326T043000Z",
            "20270326T044559Z",
        ),
    ],
)
def test_times_are_written_as_the_right_utc_instant(
    start: dt.datetime, end: dt.datetime, expected_start: str, expected_end: str
) -> None:
    meeting = vevent(render(event(start=start, end=end)))
    assert meeting.raw("DTSTART") == expected_start
    assert meeting.raw("DTEND") == expected_end


@pytest.mark.parametrize("name", ["start", "end", "stamp"])
def test_naive_times_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="aware"):
        event(**{name: dt.datetime(2027, 3, 25, 17, 30)})


@pytest.mark.parametrize(
    "end",
    [
        START,
        START - dt.timedelta(minutes=1),
        START + dt.timedelta(microseconds=500),  # would be written as DTEND == DTSTART
        dt.datetime(2027, 3, 25, 16, 30, tzinfo=dt.UTC),  # the same instant in another zone
    ],
)
def test_end_must_be_after_start(end: dt.datetime) -> None:
    with pytest.raises(ValueError, match="after start"):
        event(end=end)


@pytest.mark.parametrize(("field_name", "value"), [("sequence", -1), ("alarms_minutes", (10, -5))])
def test_negative_numbers_are_refused(field_name: str, value: object) -> None:
    with pytest.raises(ValueError, match="negative"):
        event(**{field_name: value})


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://meet.example.org/j/123?pwd=a,b;c\\d",
        "http://example.org",
        "HTTPS://EXAMPLE.ORG/Pfad#anker",
        "https://user@example.org:8443/x%20y",
    ],
)
def test_urls_are_written_unescaped(url: str) -> None:
    assert vevent(render(event(url=url))).raw("URL") == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript://example.org/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "https://example.org/a b",
        " https://example.org",
        "https://example.org/\tx",
        "https://example.org/\r\nEND:VEVENT",
        "https://example.org/\x00",
        "https://exämple.org",
        "https://",
        "https:///path",
        "//example.org",
        "example.org",
        "",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="url"):
        event(url=url)


# --- file names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Tandem", "tandem-2027-03-25.ics"),
        ("Tandem-Treffen mit Anna", "tandem-treffen-mit-anna-2027-03-25.ics"),
        ("Müller & Söhne", "mueller-soehne-2027-03-25.ics"),
        ("Große Übung, Café", "grosse-uebung-cafe-2027-03-25.ics"),
        ("../../etc/passwd", "etc-passwd-2027-03-25.ics"),
        ("C:\\Windows\\system32", "c-windows-system32-2027-03-25.ics"),
        ("", "tandem-2027-03-25.ics"),
        ("🎉🎉", "tandem-2027-03-25.ics"),
        ("...", "tandem-2027-03-25.ics"),
        ("x" * 200, "x" * 40 + "-2027-03-25.ics"),
    ],
)
def test_filename(summary: str, expected: str) -> None:
    assert filename(summary, START) == expected


def test_filename_uses_the_local_date() -> None:
    early = dt.datetime(2027, 3, 26, 0, 30, tzinfo=BERLIN)  # still the 25th in UTC
    assert filename("Tandem", early) == "tandem-2027-03-26.ics"
    assert filename("Tandem", early.replace(tzinfo=None)) == "tandem-2027-03-26.ics"


@DETERMINISTIC
@given(st.text(max_size=300))
def test_filename_is_always_safe(summary: str) -> None:
    name = filename(summary, START)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*-2027-03-25\.ics", name), name
    assert len(name) <= 40 + len("-2027-03-25.ics")
