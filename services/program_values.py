"""What a typed value of a program's card comes to: the settings' dialog and the program team's
contact (services/program_settings.py, services/program_contact.py) check a value the same way,
so both answer with the same two results and the card's handlers read them alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from storage.models import Program

Problem = Literal["bad", "empty", "too_long"]
Asked = TypeVar("Asked")  # a Setting or a ContactField


@dataclass(frozen=True)
class Invalid(Generic[Asked]):
    """The typed value does not fit and is asked again: `length` is the text's length when it
    is too long."""

    program: Program
    asked: Asked
    problem: Problem
    length: int = 0


@dataclass(frozen=True)
class Saved:
    program: Program  # with the new value
