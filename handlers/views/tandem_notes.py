"""A tandem's notes (services/tandem_notes.py): on the coordinators' card, in the program
team's message to a partner with its "reply" button, and a reply on its way to the team."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from core.address import Case
from core.tandems import NoteKind, NoteScope
from handlers.keyboards import button as keyed
from handlers.keyboards import column
from handlers.views.address import role_label, who

if TYPE_CHECKING:
    from storage.models import Tandem, TandemNote

SHOWN_CHARACTERS = 300  # of each note on the card: five of them fit one message


@button("tn", "r")
class ReplyToTeam(Button):
    """A partner answers the program team's message `note` (their own tandem's only)."""

    note: int


def _author(t: Translator, tandem: Tandem, role: str) -> Safe:
    """Who wrote a note, always with the role (the neutral form of address names none)."""
    person = {"mentor": tandem.mentor, "mentee": tandem.mentee}.get(role)
    if person is None:
        return Safe(t("tn.team"))
    return Safe(t("tn.author", name=person.name, role=role_label(t, person)))


def recipients(t: Translator, tandem: Tandem, scope: NoteScope | str) -> Safe:
    """Whom the team wrote to, for the program team."""
    if scope == NoteScope.MENTOR:
        return who(t, tandem.mentor, Case.BARE)
    if scope == NoteScope.MENTEE:
        return who(t, tandem.mentee, Case.BARE)
    return Safe(t("tn.to_both"))


def _short(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1] + "…"


def on_card(t: Translator, zone: ZoneInfo, tandem: Tandem, notes: Sequence[TandemNote]) -> str:
    """The newest notes under the card, oldest first: date, who wrote, the text (escaped)."""
    if not notes:
        return ""
    lines = [t("tn.on_card")]
    for note in notes:
        date = t.date(note.created_at.astimezone(zone))
        author = _author(t, tandem, note.author_role)
        text = _short(note.text)
        if note.kind is NoteKind.TEAM:
            to = recipients(t, tandem, note.scope)
            line = t("tn.line.team", date=date, author=author, to=to, text=text)
        elif note.kind is NoteKind.UNFIT:
            line = t("tn.line.unfit", date=date, author=author)
        elif note.kind is NoteKind.REPLY:
            line = t("tn.line.reply", date=date, author=author, text=text)
        else:
            line = t("tn.line.concern", date=date, author=author, text=text)
        lines.append(line)
    return "\n".join(lines)


def choose_recipient(
    t: Translator, tandem: Tandem, choices: Sequence[Button], back: Button
) -> tuple[str, InlineKeyboardMarkup]:
    names = {"mentor": tandem.mentor, "mentee": tandem.mentee}
    labels = [
        (
            t.plain("tn.to_person", name=names[role].name)
            if role in names
            else t.plain("tn.to_both_button")
        )
        for role in ("mentor", "mentee", "both")
    ]
    buttons = [keyed(label, choice) for label, choice in zip(labels, choices, strict=True)]
    buttons.append(keyed(t.plain("common.back"), back))
    return t("tn.choose", mentor=names["mentor"].name, mentee=names["mentee"].name), column(buttons)


def preview(
    t: Translator, tandem: Tandem, to: str, text: str, send: Button, discard: Button
) -> tuple[str, InlineKeyboardMarkup]:
    return (
        t("tn.preview", to=recipients(t, tandem, to), text=text),
        column([keyed(t.plain("tn.send"), send), keyed(t.plain("tn.discard"), discard)]),
    )


def to_partner(
    t: Translator, program: str, text: str, note_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The team's message as the partner reads it, with the button to reply."""
    return (
        t("tn.from_team", program=program, text=text),
        column([keyed(t.plain("tn.reply"), ReplyToTeam(note_id))]),
    )


def reply_to_team(t: Translator, tandem: Tandem, role: str, program: str, text: str) -> str:
    return t(
        "tn.reply_to_team",
        name=_author(t, tandem, role),
        mentor=tandem.mentor.name,
        mentee=tandem.mentee.name,
        program=program,
        text=text,
    )
