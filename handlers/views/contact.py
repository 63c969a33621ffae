"""The program team's contact: the line added wherever a participant is told to ask the program
team ("Programmleitung: Anna Berg · anna.berg@wf-salzgitter.de · 05341 123456"). The
coordinators set it on the program settings card (handlers/views/program_settings.py).

Without a contact the messages read as before: `with_contact` adds nothing, never an empty line.
Every part is user text and goes through the translator, which escapes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import Translator
from core.contact import Contact

if TYPE_CHECKING:
    from storage.models import Program


SEPARATOR = " · "


def contact_of(program: Program | None) -> Contact:
    """The program's contact; an empty one for no program (a closed link's may be gone)."""
    if program is None:
        return Contact()
    return Contact(program.contact_name, program.contact_email, program.contact_phone)


def joined(contact: Contact) -> str:
    """Plain text: the set parts in order (the translator escapes it as a parameter)."""
    return SEPARATOR.join(contact.parts)


def line(t: Translator, contact: Contact, program: str | None = None) -> str:
    """HTML: the contact line, naming the program when a message covers several; "" if unset."""
    if not contact:
        return ""
    if program is None:
        return t("contact.line", contact=joined(contact))
    return t("contact.line_program", program=program, contact=joined(contact))


def with_contact(t: Translator, text: str, program: Program | None) -> str:
    """The message with the program's contact below it, or the message alone without one."""
    below = line(t, contact_of(program))
    return f"{text}\n\n{below}" if below else text
