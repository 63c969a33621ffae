"""A participant fills in a program survey, one question at a time.

The survey arrives as an invitation with a start button (sent by the scheduler, see
handlers/scheduled_messages.py). Each question is a message of its own: scales and choices are
buttons, numbers and open questions are typed (an open question can be skipped). The rules (who may
answer, which question is next, when the questionnaire is complete) are services/surveys.py's;
this module turns presses and text into its calls and its results into messages.

Only the program team reads the answers; the invitation says so. A participant who asks for
support or a new match is named to the coordinators as soon as the questionnaire is complete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button, button, on
from bot.context import Ctx
from bot.dialogs import dialog
from bot.i18n import Translator
from core.address import Case
from core.surveys import MAX_TEXT_ANSWER, AnswerProblem, Question, QuestionType
from handlers.keyboards import button as key
from handlers.keyboards import column
from handlers.views.address import who
from handlers.views.notify import ParticipantButton
from handlers.views.surveys import (
    StartSurvey,
    answer_label,
    kind_label,
    option_label,
    question_text,
)
from services import surveys
from services.surveys import AnswerState, Completed, Progress, Typed

if TYPE_CHECKING:
    from storage.models import Survey

PREFIX = "sv"
FLOW = surveys.FLOW


@button(PREFIX, "a")
class Answer(Button):
    """A scale value or a choice option for question `index`."""

    survey: int
    index: int
    value: str


@button(PREFIX, "k")
class Skip(Button):
    """Skip an optional typed question."""

    survey: int
    index: int


def question_message(
    t: Translator, survey: Survey, questions: list[Question], index: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    question = questions[index]
    text = t(
        "sv.question",
        number=index + 1,
        total=len(questions),
        kind=kind_label(t, survey.kind),
        text=question_text(t, question),
    )
    keyboard: list[list[InlineKeyboardButton]] = []
    if question.type is QuestionType.SCALE:
        text += "\n" + t("sv.hint.scale", low=question.low, high=question.high)
        values = list(range(question.low, question.high + 1))
        per_row = 5 if len(values) > 6 else len(values)
        keyboard = [
            [key(str(v), Answer(survey.id, index, str(v))) for v in values[i : i + per_row]]
            for i in range(0, len(values), per_row)
        ]
    elif question.type is QuestionType.CHOICE:
        keyboard = [
            [key(option_label(t, o), Answer(survey.id, index, o))] for o in question.options
        ]
    elif question.type is QuestionType.NUMBER:
        text += "\n" + t("sv.hint.number")
    else:
        text += "\n" + t("sv.hint.text", limit=MAX_TEXT_ANSWER)
    if question.optional and question.typed:
        keyboard.append([key(t.plain("sv.skip"), Skip(survey.id, index))])
    return text, InlineKeyboardMarkup(keyboard) if keyboard else None


@on(StartSurvey)
async def on_start(ctx: Ctx, pressed: StartSurvey) -> None:
    progress = await surveys.start(ctx.uow, pressed.survey)
    ctx.edit(None)
    _show(ctx, progress)


@on(Answer)
async def on_answer(ctx: Ctx, pressed: Answer) -> None:
    await _answered(ctx, pressed.survey, pressed.index, pressed.value)


@on(Skip)
async def on_skip(ctx: Ctx, pressed: Skip) -> None:
    await _answered(ctx, pressed.survey, pressed.index, None)


async def _answered(ctx: Ctx, survey_id: int, index: int, value: str | None) -> None:
    progress = await surveys.answer(ctx.uow, survey_id, index, value)
    _show(ctx, progress, edit=True)


@dialog(FLOW, AnswerState)
async def on_text(ctx: Ctx, step: str, state: AnswerState, text: str | None) -> None:
    typed = await surveys.type_answer(ctx.uow, state, text or "")
    if typed.outcome is Typed.CLOSED:
        ctx.reply(ctx.t("sv.closed_text"))
    elif typed.outcome is Typed.DONE:
        ctx.reply(ctx.t("sv.already_done_text"))
    elif typed.outcome is Typed.PROBLEM:
        assert typed.problem is not None and typed.question is not None
        ctx.reply(_problem(ctx.t, typed.problem, typed.question))
    else:
        assert typed.progress is not None
        if typed.outcome is Typed.USE_BUTTONS:
            ctx.reply(ctx.t("error.use_buttons"))
        _show(ctx, typed.progress)


def _problem(t: Translator, value: AnswerProblem, question: Question) -> str:
    if value is AnswerProblem.OUT_OF_RANGE:
        return t("sv.problem.out_of_range", high=question.high)
    if value is AnswerProblem.TOO_LONG:
        return t("sv.problem.too_long", limit=MAX_TEXT_ANSWER)
    return t(f"sv.problem.{value.value}")


def _show(ctx: Ctx, progress: Progress, *, edit: bool = False) -> None:
    """The answer just given (on the pressed question, when it was a button), then the next
    question or the thanks."""
    survey, questions = progress.survey, progress.questions
    if edit and progress.recorded is not None:
        index, value = progress.recorded
        text, _ = question_message(ctx.t, survey, questions, index)
        answer = answer_label(ctx.t, questions[index], value)
        ctx.edit(text + "\n\n" + ctx.t("sv.your_answer", answer=answer))
    if progress.ask is not None:
        ctx.reply(*question_message(ctx.t, survey, questions, progress.ask))
    elif progress.completed is not None:
        completed = progress.completed
        ctx.reply(ctx.t("sv.thanks_flagged" if completed.wish else "sv.thanks"))
        _tell_coordinators(ctx, survey, completed)


def _tell_coordinators(ctx: Ctx, survey: Survey, completed: Completed) -> None:
    wish, program = completed.wish, completed.program
    if wish is None:
        return
    for coordinator_id, user in completed.tell:
        t = ctx.for_user(user)
        ctx.send_to(
            coordinator_id,
            t(
                f"sv.flag.{wish.value}",
                name=who(t, completed.participant, Case.BARE),
                kind=kind_label(t, survey.kind),
                program=program.name if program else "",
            ),
            # The participant's card is the programs flow's button (`pp:v:<participant>`).
            column([key(t.plain("coord.details"), ParticipantButton(completed.participant.id))]),
        )
