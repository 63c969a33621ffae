"""The coordinators' survey screens (`/survey`): the list of a program's surveys, a survey's card,
the question editor, and the button kinds they carry (all `sk:...`, coordinators only).

`sk:a:<survey>` and `sk:a:<survey>:<type>` (likewise `sk:c:<survey>[:y]`) are one kind whose
last field may be left out: keyboards already in coordinators' chats carry both spellings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import SEPARATOR, BigInt, Button, button
from bot.i18n import Translator
from core.surveys import AddType, Question, SurveyKind, SurveyStatus
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from handlers.views.event_time import when_text
from handlers.views.surveys import kind_label, question_text, type_label

if TYPE_CHECKING:
    from services.survey_admin import Card, Listing
    from services.survey_drafts import Draft
    from storage.models import Program, Survey

PREFIX = "sk"
CARD_TEXT = 110  # characters of a question shown on the card; the full text is one tap away


class _LastOptional(Button):
    """A kind whose last (optional) field is left out of the data when it is None."""

    def pack(self) -> str:
        data = super().pack()
        return data.removesuffix(SEPARATOR)

    @classmethod
    def unpack(cls, args: list[str]) -> Button:
        return super().unpack([*args, ""] if len(args) == len(cls._CODECS) - 1 else args)


class OnSurveys(Button, prefix=PREFIX, coordinator=True):
    """Every survey-admin button: `sk:<action>:...`, the coordinators' alone."""


class OnSurvey(OnSurveys, prefix=PREFIX, coordinator=True):
    """A press on one survey: `sk:<action>:<survey>`."""

    survey: int


class OnQuestion(OnSurvey, prefix=PREFIX, coordinator=True):
    """A press on one question of a draft: `sk:<action>:<survey>:<question id>`."""

    question: str


class ChooseProgram(OnSurveys, action="p"): ...


class ListSurveys(OnSurveys, action="l"):
    program: int


class NewSurvey(OnSurveys, action="n"):
    program: int
    kind: SurveyKind


class ShowSurvey(OnSurvey, action="v"): ...


class EditSurvey(OnSurvey, action="e"): ...


class ResetSurvey(OnSurvey, action="rs"): ...


class DeleteSurvey(OnSurvey, action="d"): ...


class SendSurvey(OnSurvey, action="s"): ...


class Unschedule(OnSurvey, action="u"): ...


class ShowResults(OnSurvey, action="r"): ...


class SendAt(OnSurvey, action="sy"):
    """From the "now" button (0) or the typed time's confirmation (a unix time)."""

    stamp: BigInt


@button(PREFIX, "a", coordinator=True)
class AddQuestion(_LastOptional, OnSurvey):
    """Without a type: choose one; with: type the wording."""

    type: AddType | None = None


@button(PREFIX, "c", coordinator=True)
class CloseSurvey(_LastOptional, OnSurvey):
    """Without "y": confirm first."""

    confirm: Literal["y"] | None = None


class PickQuestion(OnQuestion, action="q"): ...


class RewordQuestion(OnQuestion, action="qt"): ...


class MoveUp(OnQuestion, action="qu"): ...


class RemoveQuestion(OnQuestion, action="qd"): ...


# --- screens -------------------------------------------------------------------------------------


def _clip(text: str, width: int = CARD_TEXT) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _question_lines(t: Translator, questions: list[Question]) -> str:
    return "\n".join(
        t("sk.line", number=i + 1, text=_clip(question_text(t, q)), type=type_label(t, q))
        for i, q in enumerate(questions)
    )


def chooser(t: Translator, programs: list[Program]) -> tuple[str, InlineKeyboardMarkup]:
    markup = column([key(p.name, ListSurveys(p.id)) for p in programs])
    return t("sk.choose_program"), markup


def listing(t: Translator, found: Listing) -> tuple[str, InlineKeyboardMarkup]:
    program = found.program
    keyboard = [
        [
            key(
                t.plain("sk.item", kind=kind_label(t, s.kind), number=i + 1)
                + " · "
                + _short_status(t, s, is_open),
                ShowSurvey(s.id),
            )
        ]
        for i, (s, is_open) in enumerate(found.surveys)
    ]
    keyboard.append(
        [
            key(t.plain("sk.new.midterm"), NewSurvey(program.id, SurveyKind.MIDTERM)),
            key(t.plain("sk.new.final"), NewSurvey(program.id, SurveyKind.FINAL)),
        ]
    )
    # The program card opens this list (and imports this module): imported here, not above.
    from handlers.views.programs import ProgramButton

    keyboard.append(
        [
            key(t.plain("ek.other_program"), ChooseProgram()),
            key(t.plain("ek.to_program"), ProgramButton(program.id)),
        ]
    )
    count = len(found.surveys)
    text = (
        t("sk.list", program=program.name, count=count)
        if count
        else t("sk.list_empty", program=program.name)
    )
    return text, InlineKeyboardMarkup(keyboard)


def _short_status(t: Translator, survey: Survey, is_open: bool) -> str:
    if survey.status == SurveyStatus.SCHEDULED.value and is_open:
        return t.plain("sk.short.open")
    return t.plain(f"sk.short.{survey.status}")


def _status(t: Translator, card: Card, zone: ZoneInfo) -> str:
    survey = card.survey
    if survey.status == SurveyStatus.DRAFT.value:
        return t("sk.status.draft")
    if survey.status == SurveyStatus.CLOSED.value:
        return t("sk.status.closed")
    assert survey.send_at is not None
    when = when_text(t, survey.send_at, zone)
    return t("sk.status.open" if card.open else "sk.status.scheduled", when=when)


def card(t: Translator, found: Card, zone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    survey, program = found.survey, found.program
    text = t(
        "sk.card",
        kind=kind_label(t, survey.kind),
        program=program.name,
        status=_status(t, found, zone),
        count=len(found.questions),
    )
    keyboard: list[list[InlineKeyboardButton]] = []
    scheduled = survey.status == SurveyStatus.SCHEDULED.value
    if found.reach is None:  # a draft
        text += "\n\n" + _question_lines(t, found.questions)
        keyboard += [
            [key(t.plain("sk.edit"), EditSurvey(survey.id))],
            [key(t.plain("sk.send"), SendSurvey(survey.id))],
            [key(t.plain("sk.delete"), DeleteSurvey(survey.id))],
        ]
    else:
        reach = found.reach
        text += "\n\n" + t(
            "sk.reach",
            invited=reach.invited,
            reached=reach.reached,
            unreachable=reach.unreachable,
            started=reach.started - reach.completed,
            completed=reach.completed,
        )
        if scheduled and not found.open:
            keyboard.append([key(t.plain("sk.unschedule"), Unschedule(survey.id))])
        else:
            keyboard.append([key(t.plain("sk.results"), ShowResults(survey.id))])
        keyboard.append([key(t.plain("ek.refresh"), ShowSurvey(survey.id))])
        if scheduled and found.open:
            keyboard.append([key(t.plain("sk.close"), CloseSurvey(survey.id))])
    keyboard.append([key(t.plain("common.back"), ListSurveys(program.id))])
    return text, InlineKeyboardMarkup(keyboard)


def editor(t: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    survey, questions = draft.survey, draft.questions
    text = t("sk.edit_intro", kind=kind_label(t, survey.kind)) + "\n\n"
    text += _question_lines(t, questions)
    numbers = [key(str(i + 1), PickQuestion(survey.id, q.id)) for i, q in enumerate(questions)]
    keyboard = [numbers[i : i + 5] for i in range(0, len(numbers), 5)]
    if not draft.full:
        keyboard.append([key(t.plain("sk.add"), AddQuestion(survey.id))])
    keyboard.append([key(t.plain("sk.reset"), ResetSurvey(survey.id))])
    keyboard.append([key(t.plain("sk.done_editing"), ShowSurvey(survey.id))])
    return text, InlineKeyboardMarkup(keyboard)


def question(t: Translator, draft: Draft, index: int) -> tuple[str, InlineKeyboardMarkup]:
    survey, asked = draft.survey, draft.questions[index]
    text = t(
        "sk.question", number=index + 1, text=question_text(t, asked), type=type_label(t, asked)
    )
    if asked.locked:
        text += "\n\n" + t("sk.locked")
    keyboard = [[key(t.plain("sk.reword"), RewordQuestion(survey.id, asked.id))]]
    if index > 0:
        keyboard.append([key(t.plain("sk.up"), MoveUp(survey.id, asked.id))])
    if not asked.locked:
        keyboard.append([key(t.plain("sk.remove"), RemoveQuestion(survey.id, asked.id))])
    keyboard.append([key(t.plain("common.back"), EditSurvey(survey.id))])
    return text, InlineKeyboardMarkup(keyboard)


def add_types(t: Translator, survey: Survey) -> tuple[str, InlineKeyboardMarkup]:
    choices = [
        key(t.plain(f"sk.add.{kind.value}"), AddQuestion(survey.id, kind)) for kind in AddType
    ]
    return t("sk.add_type"), column([*choices, key(t.plain("common.back"), EditSurvey(survey.id))])


def confirm(
    t: Translator, survey: Survey, text: str, label: str, confirmed: Button
) -> tuple[str, InlineKeyboardMarkup]:
    """A question with a confirming button and the way back to the card."""
    return text, rows(
        [key(label, confirmed)],
        [key(t.plain("common.back"), ShowSurvey(survey.id))],
    )
