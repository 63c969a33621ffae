"""The state of the proposal dialog (services/proposal.py): what has been entered, the steps it
asks, and why an answer could not be taken."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import SerializerFunctionWrapHandler, model_serializer

from services.conversation import State

Mode = Literal["new", "counter", "move"]


class MeetState(State):
    """The proposal being entered. `link` is stored only once it was asked for (or kept from
    the meeting being reconsidered): its absence is what makes the dialog ask for it, as in the
    rows written before the state was typed."""

    tandem: int
    mode: Mode
    meeting: int | None = None  # the meeting another time is proposed for, or that moves
    version: int | None = None  # ... at the version it had then
    day: dt.date | None = None
    start: dt.datetime | None = None
    duration: int | None = None  # minutes
    online: bool | None = None
    place: str | None = None
    link: str | None = None

    @property
    def link_asked(self) -> bool:
        return "link" in self.model_fields_set

    @model_serializer(mode="wrap")
    def _without_unasked_link(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not self.link_asked:
            data.pop("link", None)
        return data


class Step(StrEnum):
    WHEN = "when"
    TIME = "time"  # the day is known, the hour is asked
    DURATION = "duration"
    PLACE = "place"
    LINK = "link"
    CONFIRM = "confirm"


TYPED = frozenset({Step.WHEN, Step.TIME, Step.DURATION, Step.PLACE, Step.LINK})


class Problem:
    """An answer that cannot be taken: the catalog key that says why, and its values (given
    like a translator's, so the catalog checks see the key and its placeholders here)."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values: Mapping[str, object] = values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.key, dict(self.values)) == (other.key, dict(other.values))

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Problem({self.key!r}, {dict(self.values)!r})"
