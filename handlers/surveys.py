"""A participant fills in a program survey, one question at a time.

The survey arrives as an invitation with a start button (sent by the scheduler, see
handlers/reminders.py). Each question is a message of its own: scales and choices are buttons,
numbers and open questions are typed (an open question can be skipped). Every answer is stored
at once, so a participant can stop and continue later, and a restart loses nothing: the next
question is always "the first one without an answer". Buttons of an earlier question, of another
participant's survey or of a closed survey are refused.

Only the program team reads the answers; the invitation says so. A participant who asks for
support or a new match is named to the coordinators as soon as the questionnaire is complete.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Translator
from core.address import Case
from core.surveys import (
    MAX_TEXT_ANSWER,
    SKIPPED,
    AnswerProblem,
    Flag,
    Question,
    QuestionType,
    SurveyStatus,
    button_answer,
    flags,
    next_open,
    parse_questions,
    typed_answer,
)
from handlers.callbacks import as_int, pack
from handlers.keyboards import button, column
from handlers.views.address import who
from storage import dialogs, housekeeping, programs, users
from storage import surveys as store
from storage.models import Dialog, Participant, Program, Survey, SurveyResponse

PREFIX = "sv"
FLOW = "survey"


# --- views shared with the reminder sender and the coordinators' screens ------------------------


def kind_label(t: Translator, kind: str) -> str:
    return t.plain("sv.kind.final") if kind == "final" else t.plain("sv.kind.midterm")


def question_text(t: Translator, question: Question) -> str:
    """A coordinator's wording as written; a default question in the reader's language."""
    if question.text is not None:
        return question.text
    key = f"sv.q.{question.id}"
    return t.plain(key) if t.has(key) else question.id


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


def is_open(survey: Survey, now: Any) -> bool:
    return (
        survey.status == SurveyStatus.SCHEDULED.value
        and survey.send_at is not None
        and survey.send_at <= now
    )


def invitation(
    t: Translator,
    survey: Survey,
    program: Program | None,
    answered: SurveyResponse | None,
    *,
    again: bool,
) -> tuple[str, InlineKeyboardMarkup]:
    questions = parse_questions(survey.questions)
    started = answered is not None and bool(answered.answers)
    key = "sv.invite_again" if again else "sv.invite"
    text = t(
        key,
        kind=kind_label(t, survey.kind),
        program=program.name if program else "",
        count=len(questions),
        minutes=max(2, len(questions) // 3),
    )
    label = t.plain("sv.continue" if started else "sv.start")
    return text, column([button(label, pack(PREFIX, "s", survey.id))])


# --- /survey for participants ------------------------------------------------------------------


async def my_surveys(ctx: Ctx) -> None:
    found = await store.open_for_user(ctx.session, ctx.user_id, ctx.now)
    shown = 0
    for survey in found:
        participant = await store.participant_for(ctx.session, survey, ctx.user_id)
        if participant is None:
            continue
        answered = await store.response(ctx.session, survey.id, participant.id)
        if answered is not None and answered.completed_at is not None:
            continue
        program = await programs.get(ctx.session, survey.program_id)
        ctx.reply(*invitation(ctx.t, survey, program, answered, again=False))
        shown += 1
    if not shown:
        ctx.reply(ctx.t("sv.none"))


# --- answering ---------------------------------------------------------------------------------


def _question_message(
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
            [
                button(str(v), pack(PREFIX, "a", survey.id, index, v))
                for v in values[i : i + per_row]
            ]
            for i in range(0, len(values), per_row)
        ]
    elif question.type is QuestionType.CHOICE:
        keyboard = [
            [button(option_label(t, o), pack(PREFIX, "a", survey.id, index, o))]
            for o in question.options
        ]
    elif question.type is QuestionType.NUMBER:
        text += "\n" + t("sv.hint.number")
    else:
        text += "\n" + t("sv.hint.text", limit=MAX_TEXT_ANSWER)
    if question.optional and question.typed:
        keyboard.append([button(t.plain("sv.skip"), pack(PREFIX, "k", survey.id, index))])
    return text, InlineKeyboardMarkup(keyboard) if keyboard else None


async def _open_survey(ctx: Ctx, survey_id: int | None) -> tuple[Survey, Participant] | None:
    """The survey and the pressing user's registration, or None after saying why not."""
    survey = await store.get(ctx.session, survey_id) if survey_id is not None else None
    if survey is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return None
    participant = await store.participant_for(ctx.session, survey, ctx.user_id)
    if participant is None:
        housekeeping.audit(
            ctx.session, user_id=ctx.user_id, action="refused", now=ctx.now, what=f"sv:{survey.id}"
        )
        ctx.answer(ctx.t.plain("sv.not_invited"), alert=True)
        return None
    if not is_open(survey, ctx.now):
        ctx.answer(ctx.t.plain("sv.closed"), alert=True)
        ctx.edit(None)
        return None
    return survey, participant


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    """`sv:s:<survey>` start or continue; `sv:a:<survey>:<question>:<value>` a button answer;
    `sv:k:<survey>:<question>` skip an optional typed question."""
    action = parts[0]
    shape = {"s": 2, "a": 4, "k": 3}.get(action)
    if shape is None or len(parts) != shape:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    found = await _open_survey(ctx, as_int(parts[1]))
    if found is None:
        return
    survey, participant = found
    answered = await store.start(ctx.session, survey.id, participant.id, ctx.now)
    if answered.completed_at is not None:
        ctx.answer(ctx.t.plain("sv.already_done"), alert=True)
        ctx.edit(None)
        return
    questions = parse_questions(survey.questions)
    if action == "s":
        ctx.answer()
        ctx.edit(None)
        await _continue(ctx, survey, participant, answered, questions)
        return
    index = as_int(parts[2])
    current = next_open(questions, answered.answers)
    if index is None or index != current:
        # An earlier question (answered already) or a forged index.
        ctx.answer(ctx.t.plain("sv.stale_question"))
        ctx.edit(None)
        return
    question = questions[index]
    value: Any
    if action == "k":
        if not (question.optional and question.typed):
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
        value = SKIPPED
    else:
        value = button_answer(question, parts[3])
        if value is None:
            ctx.answer(ctx.t.plain("error.stale_button"))
            return
    await _record(ctx, survey, participant, answered, questions, index, value, edit=True)


async def _record(
    ctx: Ctx,
    survey: Survey,
    participant: Participant,
    answered: SurveyResponse,
    questions: list[Question],
    index: int,
    value: Any,
    *,
    edit: bool,
) -> None:
    question = questions[index]
    if not await store.save_answer(ctx.session, answered, question.id, value):
        ctx.answer(ctx.t.plain("sv.already_done"), alert=True)
        return
    if edit:
        ctx.answer()
        text, _ = _question_message(ctx.t, survey, questions, index)
        ctx.edit(
            text + "\n\n" + ctx.t("sv.your_answer", answer=answer_label(ctx.t, question, value))
        )
    await _continue(ctx, survey, participant, answered, questions)


async def _continue(
    ctx: Ctx,
    survey: Survey,
    participant: Participant,
    answered: SurveyResponse,
    questions: list[Question],
) -> None:
    index = next_open(questions, answered.answers)
    if index is not None:
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=FLOW,
            step="answer",
            data={"survey_id": survey.id, "index": index},
            now=ctx.now,
        )
        ctx.reply(*_question_message(ctx.t, survey, questions, index))
        return
    await _complete(ctx, survey, participant, answered, questions)


async def _complete(
    ctx: Ctx,
    survey: Survey,
    participant: Participant,
    answered: SurveyResponse,
    questions: list[Question],
) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW:
        await dialogs.clear(ctx.session, ctx.user_id)
    wishes = flags(questions, answered.answers)
    support, rematch = Flag.SUPPORT in wishes, Flag.REMATCH in wishes
    if not await store.complete(
        ctx.session, answered, support=support, rematch=rematch, now=ctx.now
    ):
        return  # completed by a parallel press: that one thanked and told the coordinators
    ctx.reply(ctx.t("sv.thanks_flagged" if wishes else "sv.thanks"))
    if wishes:
        await _tell_coordinators(
            ctx, survey, participant, Flag.REMATCH if rematch else Flag.SUPPORT
        )


async def _tell_coordinators(
    ctx: Ctx, survey: Survey, participant: Participant, wish: Flag
) -> None:
    program = await programs.get(ctx.session, survey.program_id)
    for coordinator_id in sorted(
        await ctx.services.coordinator_ids(ctx.session, survey.program_id)
    ):
        t = ctx.for_user(await users.get(ctx.session, coordinator_id))
        ctx.send_to(
            coordinator_id,
            t(
                f"sv.flag.{wish.value}",
                name=who(t, participant, Case.BARE),
                kind=kind_label(t, survey.kind),
                program=program.name if program else "",
            ),
            column([button(t.plain("coord.details"), pack("pp", "v", participant.id))]),
        )


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    data = dict(dialog.data)
    survey_id, index = data.get("survey_id"), data.get("index")
    survey = await store.get(ctx.session, survey_id) if isinstance(survey_id, int) else None
    participant = await store.participant_for(ctx.session, survey, ctx.user_id) if survey else None
    if survey is None or participant is None or not is_open(survey, ctx.now):
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("sv.closed_text"))
        return
    answered = await store.start(ctx.session, survey.id, participant.id, ctx.now)
    questions = parse_questions(survey.questions)
    current = next_open(questions, answered.answers)
    if answered.completed_at is not None or current is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("sv.already_done_text"))
        return
    question = questions[current]
    if current != index or not question.typed:
        ctx.reply(ctx.t("error.use_buttons"))
        await _continue(ctx, survey, participant, answered, questions)
        return
    value = typed_answer(question, text or "")
    if value is AnswerProblem.OUT_OF_RANGE:
        ctx.reply(ctx.t("sv.problem.out_of_range", high=question.high))
        return
    if value is AnswerProblem.TOO_LONG:
        ctx.reply(ctx.t("sv.problem.too_long", limit=MAX_TEXT_ANSWER))
        return
    if isinstance(value, AnswerProblem):
        ctx.reply(ctx.t(f"sv.problem.{value.value}"))
        return
    await _record(ctx, survey, participant, answered, questions, current, value, edit=False)
