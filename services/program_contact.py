"""The program team's contact: set by the program's coordinators, one field at a time (name,
e-mail, phone), and read wherever a participant is told to ask the program team.

The dialog stores each answer as it is typed, so leaving it halfway keeps what was given; "-"
removes a field, and the skip button leaves it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.contact import BadContact, Contact, ContactField, parse
from services import conversation
from services.access import coordinated, pressed_program, require_coordinator
from services.conversation import State
from services.program_values import Invalid, Saved
from services.unit import UnitOfWork
from storage import programs

if TYPE_CHECKING:
    from storage.models import Program

FLOW = "contact"
WHAT = "program contact"


class ContactState(State):
    """The dialog's stored data: whose contact is being typed (the step names the field)."""

    program_id: int


@dataclass(frozen=True)
class Asking:
    """The dialog asks for `field` next."""

    program: Program
    field: ContactField


async def begin(uow: UnitOfWork, program_id: int, field: ContactField) -> Asking:
    """Open (or move on in) the dialog at `field`."""
    require_coordinator(uow, WHAT)
    program = await pressed_program(uow, program_id)
    await conversation.save(uow, FLOW, field.value, ContactState(program_id=program.id))
    return Asking(program, field)


async def skip(uow: UnitOfWork, program_id: int, field: ContactField) -> Asking | Saved:
    """Leave `field` as it is and ask the next one (the skip button on a prompt)."""
    require_coordinator(uow, WHAT)
    program = await pressed_program(uow, program_id)
    return await _next(uow, program, field)


async def submit(
    uow: UnitOfWork, step: str, program_id: int, text: str
) -> Asking | Invalid[ContactField] | Saved | None:
    """A value typed in the dialog. None: the dialog leads nowhere any more (the program is gone
    or not this coordinator's, an unknown step); it is closed."""
    require_coordinator(uow, WHAT)
    program = await coordinated(uow, program_id)
    field = next((f for f in ContactField if f.value == step), None)
    if program is None or field is None:
        await conversation.clear(uow)
        return None
    try:
        value = parse(field, text)
    except BadContact as bad:
        return Invalid(program, field, bad.problem, bad.length)
    await programs.set_contact_field(uow.session, program, field, value)
    uow.audit("program_contact", program=program.id, field=field.value, removed=value is None)
    return await _next(uow, program, field)


async def _next(uow: UnitOfWork, program: Program, field: ContactField) -> Asking | Saved:
    following = field.next
    if following is None:
        await conversation.clear(uow)
        return Saved(program)
    await conversation.save(uow, FLOW, following.value, ContactState(program_id=program.id))
    return Asking(program, following)


async def mine(uow: UnitOfWork) -> list[tuple[Program, Contact]]:
    """The contacts of the programs the acting user is registered in (those that have one)."""
    found = [(p, programs.contact_of(p)) for p in await programs.of_user(uow.session, uow.user_id)]
    return [(program, contact) for program, contact in found if contact]
