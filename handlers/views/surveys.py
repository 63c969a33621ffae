"""Program surveys as participants and coordinators read them: labels, question wording, and the
invitation the scheduler sends (handlers/scheduled_messages.py) and /survey shows again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup

from bot.buttons import Button, button
from bot.i18n import Safe, Translator
from core.surveys import SKIPPED, Question, QuestionType, parse_questions
from handlers.keyboards import button as key
from handlers.keyboards import column

if TYPE_CHECKING:
    from bot.context import Ctx
    from services.surveys import Invitation
    from storage.models import Program, Survey, SurveyResponse


@button("sv", "s")
class StartSurvey(Button):
    """Start or continue answering (the invitation's button)."""

    survey: int


def kind_label(t: Translator, kind: str) -> str:
    return t.plain("sv.kind.final") if kind == "final" else t.plain("sv.kind.midterm")


def question_text(t: Translator, question: Question) -> str:
    """A coordinator's wording as written; a default question in the reader's language."""
    if question.text is not None:
        return question.text
    name = f"sv.q.{question.id}"
    return t.plain(name) if t.has(name) else question.id


def type_label(t: Translator, question: Question) -> str:
    """How a question is answered, for the coordinators' lists: "Skala 1–10", "Freitext"."""
    if question.type is QuestionType.SCALE:
        return t.plain("sk.type.scale", low=question.low, high=question.high)
    return t.plain(f"sk.type.{question.type.value}")


def option_label(t: Translator, option: str) -> str:
    return t.plain(f"sv.opt.{option}")


def answer_label(t: Translator, question: Question, value: Any) -> str:
    if value is SKIPPED:
        return t.plain("sv.skipped")
    if question.type is QuestionType.CHOICE:
        return option_label(t, str(value))
    return str(value)


def invitation(
    t: Translator,
    survey: Survey,
    program: Program | None,
    answered: SurveyResponse | None,
    *,
    again: bool,
) -> tuple[str, InlineKeyboardMarkup]:
    questions = parse_questions(survey.questions)
    given = set((answered.answers or {}) if answered is not None else ())
    started = bool(given)
    # A reminder counts what is left, never the whole survey again ("10 Fragen" with 9 to go).
    left = len([q for q in questions if q.id not in given]) or len(questions)
    text = t(
        "sv.invite_again" if again else "sv.invite",
        kind=kind_label(t, survey.kind),
        program=program.name if program else "",
        questions=Safe(t("sv.questions", count=left)),
        minutes=Safe(t("sv.minutes", count=max(2, left // 3))),
    )
    label = t.plain("sv.continue" if started else "sv.start")
    return text, column([key(label, StartSurvey(survey.id))])


def show_open(ctx: Ctx, found: list[Invitation]) -> None:
    """/survey for a participant: the open surveys they have not completed, or that there are
    none."""
    for item in found:
        ctx.reply(*invitation(ctx.t, item.survey, item.program, item.answered, again=False))
    if not found:
        ctx.reply(ctx.t("sv.none"))
