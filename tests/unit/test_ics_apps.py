"""Calendar files as calendar apps read them (the `icalendar` library): an organizer so that
updates and cancellations apply, UIDs unique per installation, the online link where every app
looks, and the reminders as alarms. Checked for meetings and program events as the bot builds
them (handlers/views), not only for core/ics.py on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from bot.settings import Settings
from core import ics
from core.events import EventStatus
from core.meetings import MeetingStatus
from handlers.views import events as event_views
from handlers.views import meeting as meeting_views
from storage.models import Meeting, Participant, Program, ProgramEvent
from tests.calendars import alarm_minutes, organizer, read

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
START = dt.datetime(2027, 3, 25, 16, 30, tzinfo=dt.UTC)
TOKEN = "123456789:AAH-secretPart_0123456789abcdefXYZ"
LINK = "https://meet.example.org/tandem-42?pwd=a;b,c"
DE = translator("de")


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, telegram_bot_token=TOKEN, **values)  # type: ignore[arg-type]


def program(**reminders: object) -> Program:
    return Program(id=1, name='Salzgitter "2027"', settings={"reminders": reminders})


def meeting(**values: object) -> Meeting:
    base: dict[str, object] = {
        "id": 42,
        "tandem_id": 1,
        "status": MeetingStatus.CONFIRMED,
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=1),
        "online": False,
        "place": "Café Müller",
        "link": None,
        "version": 0,
        "calendar_uid": None,
    }
    return Meeting(**{**base, **values})


PARTNER = Participant(id=7, name="Maria")


def meeting_file(m: Meeting, p: Program | None = None, **kw: object) -> bytes:
    _, data = meeting_views.calendar_file(
        DE,
        m,
        PARTNER,
        p or program(),
        BERLIN,
        NOW,
        settings(),
        **kw,  # type: ignore[arg-type]
    )
    return data


def test_a_meeting_file_names_the_bot_as_organizer_and_the_installation_in_its_uid() -> None:
    calendar, event = read(meeting_file(meeting()))
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == "meeting-42@123456789.tandem.invalid"
    # The program's name, with the quotes a parameter value cannot hold taken out.
    assert organizer(event) == ("noreply@123456789.tandem.invalid", "Salzgitter 2027")
    assert TOKEN.split(":")[1].encode() not in meeting_file(meeting())
    assert str(event["LOCATION"]) == "Café Müller"
    assert "URL" not in event


def test_a_configured_organizer_is_used() -> None:
    _, data = meeting_views.calendar_file(
        DE,
        meeting(),
        PARTNER,
        program(),
        BERLIN,
        NOW,
        settings(calendar_organizer="noreply@mentoring.example"),
    )
    assert organizer(read(data)[1])[0] == "noreply@mentoring.example"


def test_a_meeting_from_before_the_cut_over_keeps_its_uid_through_moves_and_cancellation() -> None:
    old = meeting(calendar_uid="meeting-42@tandem", version=2)
    _, moved = read(meeting_file(old))
    calendar, cancelled = read(meeting_file(old, cancelled=True))
    assert str(moved["UID"]) == str(cancelled["UID"]) == "meeting-42@tandem"
    assert (moved["SEQUENCE"], cancelled["SEQUENCE"]) == (2, 3)
    assert str(calendar["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert "ORGANIZER" in cancelled  # without one, Outlook and Apple ignore a CANCEL
    assert alarm_minutes(cancelled) == []


def test_an_online_link_is_in_url_location_and_description() -> None:
    _, event = read(meeting_file(meeting(online=True, place=None, link=LINK)))
    assert str(event["URL"]) == LINK
    assert str(event["LOCATION"]) == LINK
    description = str(event["DESCRIPTION"])
    assert description.startswith("Cross-Mentoring-Tandem · Salzgitter")
    assert description.endswith("\n\n" + LINK)


def test_an_online_meeting_without_a_link_says_online() -> None:
    _, event = read(meeting_file(meeting(online=True, place=None, link=None)))
    assert str(event["LOCATION"]) == "Online" and "URL" not in event


def test_meeting_alarms_follow_the_programs_reminders() -> None:
    _, default = read(meeting_file(meeting()))
    assert alarm_minutes(default) == [24 * 60, 60]
    _, tuned = read(meeting_file(meeting(), program(before_meeting=[30])))
    assert alarm_minutes(tuned) == [30]


def event(**values: object) -> ProgramEvent:
    base: dict[str, object] = {
        "id": 5,
        "program_id": 1,
        "kind": "kickoff",
        "title": "Auftakt; mit <b>Sekt</b>",
        "starts_at": START,
        "place": "Rathaus, Foyer",
        "status": EventStatus.PLANNED,
        "created_at": NOW,
    }
    return ProgramEvent(**{**base, **values})


def event_file(
    e: ProgramEvent, p: Program | None = None, *, at: dt.datetime = NOW, withdrawn: bool = False
) -> bytes:
    _, data = event_views.calendar_file(
        DE, e, p or program(), BERLIN, at, settings(), withdrawn=withdrawn
    )
    return data


def test_an_event_file() -> None:
    calendar, entry = read(event_file(event()))
    assert str(calendar["METHOD"]) == "PUBLISH" and str(entry["STATUS"]) == "CONFIRMED"
    assert str(entry["UID"]) == "event-5@123456789.tandem.invalid"
    assert entry["SEQUENCE"] == 0
    assert str(entry["SUMMARY"]) == "Auftakt; mit <b>Sekt</b>"
    assert str(entry["LOCATION"]) == "Rathaus, Foyer"
    assert str(entry["DESCRIPTION"]) == (
        'Auftaktveranstaltung im Cross-Mentoring-Programm Salzgitter "2027"'
    )
    assert entry.decoded("DTSTART") == START
    assert entry.decoded("DTEND") == START + dt.timedelta(hours=2)
    assert organizer(entry)[0] == "noreply@123456789.tandem.invalid"
    # Reminders two weeks ahead are the bot's job; the calendar rings two days before.
    assert alarm_minutes(entry) == [2 * 24 * 60]


def test_an_event_whose_place_is_a_link() -> None:
    _, entry = read(event_file(event(place=LINK)))
    assert str(entry["URL"]) == str(entry["LOCATION"]) == LINK
    assert str(entry["DESCRIPTION"]).endswith("\n\n" + LINK)


def test_a_cancelled_event_file_cancels_the_same_entry() -> None:
    created = NOW - dt.timedelta(minutes=90)
    calendar, entry = read(event_file(event(status=EventStatus.CANCELLED, created_at=created)))
    assert str(calendar["METHOD"]) == "CANCEL" and str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["UID"]) == "event-5@123456789.tandem.invalid"
    assert entry["SEQUENCE"] == 2 * 90 * 60 + 1
    assert "ORGANIZER" in entry and alarm_minutes(entry) == []


# --- core/ics.py ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["a@b.c\r\nATTENDEE:x", "a@b.c;CN=x", "a@b.c:x", "a b@c.d", "mailto:a@b.c", "a@b", ""],
)
def test_an_organizer_address_that_could_inject_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        ics.Organizer("Tandem", address)


def test_an_organizer_name_cannot_break_its_line() -> None:
    name = 'Prog "x";\r\nATTENDEE:mailto:evil@example.org:\\'
    entry = ics.CalendarEvent(
        uid=ics.uid("meeting", 1, 9),
        sequence=0,
        start=START,
        end=START + dt.timedelta(hours=1),
        summary="S",
        stamp=NOW,
        organizer=ics.Organizer(name, "noreply@9.tandem.invalid"),
    )
    data = ics.render(entry)
    assert b"\r\nATTENDEE" not in data
    _, event = read(data)
    assert "ATTENDEE" not in event
    assert organizer(event) == (
        "noreply@9.tandem.invalid",
        "Prog x;  ATTENDEE:mailto:evil@example.org:\\",
    )


@pytest.mark.parametrize("installation", ["", "a.b", "-x", "x@y", "a" * 64, "ä"])
def test_the_installation_is_one_dns_label(installation: str) -> None:
    with pytest.raises(ValueError, match="DNS label"):
        ics.uid("meeting", 1, installation)


def test_uids_differ_between_installations() -> None:
    assert ics.uid("meeting", 1, 111) != ics.uid("meeting", 1, 222)
    assert ics.uid("meeting", 1, 111) != ics.uid("event", 1, 111)


@pytest.mark.parametrize(
    ("offsets", "alarms"),
    [
        ((1440, 60), (1440, 60)),
        ((20160, 2880), (2880,)),
        ((20160, 4320), (4320,)),  # none close enough: the nearest one
        ((), ()),
    ],
)
def test_alarms_from_reminder_offsets(offsets: tuple[int, ...], alarms: tuple[int, ...]) -> None:
    assert ics.alarms(offsets) == alarms


def test_a_url_without_a_place_is_the_location_and_joins_the_description() -> None:
    base = ics.CalendarEvent(
        uid=ics.uid("meeting", 1, 9),
        sequence=0,
        start=START,
        end=START + dt.timedelta(hours=1),
        summary="S",
        stamp=NOW,
        url=LINK,
    )
    _, event = read(ics.render(base))
    assert str(event["LOCATION"]) == str(event["DESCRIPTION"]) == str(event["URL"]) == LINK
    _, named = read(ics.render(dataclasses.replace(base, location="Raum 4", description=LINK)))
    assert str(named["LOCATION"]) == "Raum 4"
    assert str(named["DESCRIPTION"]) == LINK  # already there: not twice


def test_yes_no_yes_gives_files_that_each_outrank_the_one_before() -> None:
    """A withdrawn "yes" takes the entry out again; a later "yes" puts it back. Calendar apps
    apply a file only when its SEQUENCE is higher than the last one they saw for the UID."""
    e = event()
    _, first = read(event_file(e, at=NOW + dt.timedelta(minutes=5)))
    calendar, withdrawn = read(event_file(e, at=NOW + dt.timedelta(minutes=20), withdrawn=True))
    _, again = read(event_file(e, at=NOW + dt.timedelta(hours=2)))
    assert str(calendar["METHOD"]) == "CANCEL" and str(withdrawn["STATUS"]) == "CANCELLED"
    sequences = [int(str(entry["SEQUENCE"])) for entry in (first, withdrawn, again)]
    assert sequences == sorted(set(sequences)) == [600, 2401, 14400]
    uids = {str(entry["UID"]) for entry in (first, withdrawn, again)}
    assert uids == {"event-5@123456789.tandem.invalid"}
