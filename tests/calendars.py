"""Calendar files read back with the `icalendar` library, as calendar apps read them: shared by
the unit tests of core/ics.py and the end-to-end tests of the files the bot sends."""

from __future__ import annotations

from icalendar import Calendar, Event


def read(data: bytes) -> tuple[Calendar, Event]:
    """The calendar and its one event; fails on anything icalendar cannot parse."""
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    events = calendar.walk("VEVENT")
    assert len(events) == 1, events
    event = events[0]
    assert isinstance(event, Event)
    return calendar, event


def organizer(event: Event) -> tuple[str, str]:
    """(address without "mailto:", CN)."""
    value = event["ORGANIZER"]
    assert str(value).lower().startswith("mailto:"), value
    return str(value)[len("mailto:") :], str(value.params["CN"])


def alarm_minutes(event: Event) -> list[int]:
    """The display alarms' lead times in minutes, largest first."""
    found = []
    for alarm in event.walk("VALARM"):
        assert str(alarm["ACTION"]) == "DISPLAY"
        found.append(int(-alarm.decoded("TRIGGER").total_seconds() // 60))
    return found
