"""The contact of a program's team: who a participant asks when the bot cannot help.

Name, e-mail and phone are each optional; a contact with none of them is no contact, and the
messages then read as before. A typed value is checked here (shape and length), so what the
database holds is always something a participant can use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from core.profile import clean_text

MAX_NAME = 120
MAX_EMAIL = 254  # RFC 5321's longest forward path
MAX_PHONE = 30
PHONE_DIGITS = range(5, 21)  # a short extension … an international number with spaces
REMOVE = "-"  # typed instead of a value: the field is removed

_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ]+$")


class ContactField(StrEnum):
    """The fields in the order the dialog asks them; the value is the dialog step."""

    NAME = "n"
    EMAIL = "e"
    PHONE = "p"

    @property
    def limit(self) -> int:
        return {"n": MAX_NAME, "e": MAX_EMAIL, "p": MAX_PHONE}[self.value]

    @property
    def next(self) -> ContactField | None:
        order = list(ContactField)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """What is set, in the order it is shown."""
        return tuple(p for p in (self.name, self.email, self.phone) if p)

    def __bool__(self) -> bool:
        return bool(self.parts)


class BadContact(ValueError):
    """A typed value that does not fit: `problem` is "empty", "too_long" or "bad" (shape)."""

    def __init__(self, problem: Literal["empty", "too_long", "bad"], length: int = 0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.length = length


def parse(field: ContactField, raw: str) -> str | None:
    """The value to store: None for REMOVE; BadContact when it does not fit."""
    text = " ".join(clean_text(raw).split())  # one line
    if text == REMOVE:
        return None
    if not text:
        raise BadContact("empty")
    if len(text) > field.limit:
        raise BadContact("too_long", len(text))
    if field is ContactField.EMAIL and not _EMAIL.match(text):
        raise BadContact("bad")
    if field is ContactField.PHONE:
        digits = sum(ch.isdigit() for ch in text)
        if not _PHONE.match(text) or digits not in PHONE_DIGITS:
            raise BadContact("bad")
    return text
