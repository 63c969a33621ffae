"""Registration's screens and buttons: the privacy notice, each step's prompt, the summary.

/start shows them too (the notice for an invitation, the prompt of a registration resumed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from handlers.views import fields
from handlers.views.contact import contact_of, joined, with_contact
from services.registration import SUMMARY

if TYPE_CHECKING:
    from services.profile import Prompt
    from storage.models import Program

PREFIX = "rg"


@button(PREFIX, "c")
class Consent(Button):
    """Carries the invitation code, not the program id: the press re-validates the code."""

    code: str


@button(PREFIX, "x")
class Decline(Button):
    pass


@button(PREFIX, "ok")
class Confirm(Button):
    pass


@button(PREFIX, "em")
class EditMenu(Button):
    pass


@button(PREFIX, "sum")
class BackToSummary(Button):
    pass


@button(PREFIX, "e")
class EditField(Button):
    field: str


KINDS = fields.field_buttons(PREFIX, __name__)


def privacy(t: Translator, program: Program, months: int) -> str:
    """The notice, naming the program team's contact when it has one (a line of its own)."""
    contact = contact_of(program)
    questions = t("reg.privacy.contact", contact=joined(contact)) + "\n" if contact else ""
    return t("reg.privacy", program=program.name, months=months, contact=Safe(questions))


def closed(t: Translator, program: Program | None) -> str:
    """Registration is closed: asking the program team is the way on, so its contact is named."""
    text = t("start.closed", program=program.name if program else "")
    return with_contact(t, text, program)


def notice(
    t: Translator, program: Program, code: str, months: int
) -> tuple[str, InlineKeyboardMarkup]:
    return privacy(t, program, months), rows(
        [key(t.plain("reg.consent.yes"), Consent(code))],
        [key(t.plain("reg.consent.no"), Decline())],
    )


def summary_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return rows(
        [key(t.plain("reg.summary.confirm"), Confirm())],
        [key(t.plain("reg.summary.edit"), EditMenu())],
    )


def edit_menu(t: Translator, asked: tuple[str, ...]) -> InlineKeyboardMarkup:
    buttons = [key(fields.field_label(t, f), EditField(f)) for f in asked]
    buttons.append(key(t.plain("common.back"), BackToSummary()))
    return column(buttons, per_row=2)


def step(t: Translator, prompt: Prompt) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message that asks for the step the registration is at."""
    if prompt.step == SUMMARY:
        text = t(
            "reg.summary",
            program=prompt.program.name if prompt.program else "",
            profile=Safe(fields.render_profile(t, prompt.values)),
        )
        return text, summary_keyboard(t)
    if prompt.offer is not None:
        return fields.question(t, KINDS, prompt.offer)
    return fields.prompt(t, KINDS, prompt.step, prompt.values, prompt.program_topics)
