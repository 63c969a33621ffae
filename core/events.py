"""The vocabulary of program events (kickoff, workshops, network meetings, mid-term review,
closing) and of the answers participants give to their invitations."""

from __future__ import annotations

from enum import StrEnum


class EventStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    """Only YES takes one of an event's places (when it has a capacity) and brings the calendar
    entry; MAYBE is counted apart on the attendance card, NO frees a place taken."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class EventKind(StrEnum):
    """What a program's events are, in the order a cohort meets them."""

    KICKOFF = "kickoff"
    WORKSHOP = "workshop"
    NETWORK = "network"
    MIDTERM = "midterm"
    CLOSING = "closing"


ANSWERS = tuple(Answer)
KINDS = tuple(EventKind)
