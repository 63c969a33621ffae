"""Coordinators prepare, send, follow and close the program surveys (`/survey`).

A new survey starts as a draft with the questions programs use today (core/surveys.py); the
coordinators can reword, reorder, remove and add questions while it is a draft. Sending plans one
invitation per active participant and one reminder a week later in the durable schedule (the
scheduler sends them, at once or at the time set), in the same transaction that marks the survey
scheduled. Until it has gone out it can be taken back; once out, the questions are frozen (the
answers refer to them) and the survey can be closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.context import Ctx
from core.profile import clean_text
from core.reminders import plan_survey
from core.surveys import (
    FLAG_QUESTION,
    MAX_QUESTION_TEXT,
    MAX_QUESTIONS,
    AddType,
    Question,
    SurveyKind,
    SurveyStatus,
    clean_question_text,
    default_questions,
    moved_up,
    new_question,
    parse_questions,
    removed,
    with_text,
)
from handlers.callbacks import as_big_int, as_int, pack
from handlers.guard import coordinated, pressed_program, require_coordinator, visible_programs
from handlers.keyboards import button, column, rows
from handlers.surveys import is_open, kind_label, my_surveys, question_text, type_label
from handlers.views.event_time import parse_start, when_text
from handlers.views.survey_results import results_messages
from storage import dialogs, events, housekeeping, reminders
from storage import surveys as store
from storage.models import Dialog, Program, Survey

PREFIX = "sk"
FLOW = "survey_edit"
CARD_TEXT = 110  # characters of a question shown on the card; the full text is one tap away
MAX_AHEAD = dt.timedelta(days=400)


def _clip(text: str, width: int = CARD_TEXT) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _status(ctx: Ctx, survey: Survey, zone: ZoneInfo) -> str:
    if survey.status == SurveyStatus.DRAFT.value:
        return ctx.t("sk.status.draft")
    if survey.status == SurveyStatus.CLOSED.value:
        return ctx.t("sk.status.closed")
    assert survey.send_at is not None
    when = when_text(ctx.t, survey.send_at, zone)
    if is_open(survey, ctx.now):
        return ctx.t("sk.status.open", when=when)
    return ctx.t("sk.status.scheduled", when=when)


def _question_lines(ctx: Ctx, questions: list[Question]) -> str:
    return "\n".join(
        ctx.t(
            "sk.line",
            number=i + 1,
            text=_clip(question_text(ctx.t, q)),
            type=type_label(ctx.t, q),
        )
        for i, q in enumerate(questions)
    )


# --- /survey for coordinators ------------------------------------------------------------------


async def choose_program(ctx: Ctx, *, edit: bool = False) -> None:
    if not require_coordinator(ctx, "survey"):
        return
    items = await visible_programs(ctx)
    if not items:
        ctx.reply(ctx.t("pg.none"))
        return
    if len(items) == 1 and not edit:
        ctx.reply(*await _list(ctx, items[0]))
        return
    text = ctx.t("sk.choose_program")
    markup = column([button(p.name, pack(PREFIX, "l", p.id)) for p in items])
    if edit:
        ctx.edit(text, markup)
    else:
        ctx.reply(text, markup)


async def _list(ctx: Ctx, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    found = await store.for_program(ctx.session, program.id)
    keyboard = [
        [
            button(
                ctx.t.plain("sk.item", kind=kind_label(ctx.t, s.kind), number=i + 1)
                + " · "
                + _plain_status(ctx, s),
                pack(PREFIX, "v", s.id),
            )
        ]
        for i, s in enumerate(found)
    ]
    keyboard.append(
        [
            button(ctx.t.plain("sk.new.midterm"), pack(PREFIX, "n", program.id, "midterm")),
            button(ctx.t.plain("sk.new.final"), pack(PREFIX, "n", program.id, "final")),
        ]
    )
    keyboard.append([button(ctx.t.plain("ek.other_program"), pack(PREFIX, "p"))])
    text = ctx.t("sk.list", program=program.name, count=len(found))
    return text, InlineKeyboardMarkup(keyboard)


def _plain_status(ctx: Ctx, survey: Survey) -> str:
    if survey.status == SurveyStatus.SCHEDULED.value and is_open(survey, ctx.now):
        return ctx.t.plain("sk.short.open")
    return ctx.t.plain(f"sk.short.{survey.status}")


async def _card(ctx: Ctx, survey: Survey, program: Program) -> tuple[str, InlineKeyboardMarkup]:
    zone = ctx.services.zone_of(program)
    questions = parse_questions(survey.questions)
    text = ctx.t(
        "sk.card",
        kind=kind_label(ctx.t, survey.kind),
        program=program.name,
        status=_status(ctx, survey, zone),
        count=len(questions),
    )
    keyboard: list[list[InlineKeyboardButton]] = []
    if survey.status == SurveyStatus.DRAFT.value:
        text += "\n\n" + _question_lines(ctx, questions)
        keyboard += [
            [button(ctx.t.plain("sk.edit"), pack(PREFIX, "e", survey.id))],
            [button(ctx.t.plain("sk.send"), pack(PREFIX, "s", survey.id))],
            [button(ctx.t.plain("sk.delete"), pack(PREFIX, "d", survey.id))],
        ]
    else:
        reach = await store.reach(ctx.session, survey.id)
        text += "\n\n" + ctx.t(
            "sk.reach",
            invited=reach.invited,
            reached=reach.reached,
            unreachable=reach.unreachable,
            started=reach.started - reach.completed,
            completed=reach.completed,
        )
        if survey.status == SurveyStatus.SCHEDULED.value and not is_open(survey, ctx.now):
            keyboard.append([button(ctx.t.plain("sk.unschedule"), pack(PREFIX, "u", survey.id))])
        else:
            keyboard.append([button(ctx.t.plain("sk.results"), pack(PREFIX, "r", survey.id))])
        keyboard.append([button(ctx.t.plain("ek.refresh"), pack(PREFIX, "v", survey.id))])
        if survey.status == SurveyStatus.SCHEDULED.value and is_open(survey, ctx.now):
            keyboard.append([button(ctx.t.plain("sk.close"), pack(PREFIX, "c", survey.id))])
    keyboard.append([button(ctx.t.plain("common.back"), pack(PREFIX, "l", program.id))])
    return text, InlineKeyboardMarkup(keyboard)


def _edit_view(ctx: Ctx, survey: Survey) -> tuple[str, InlineKeyboardMarkup]:
    questions = parse_questions(survey.questions)
    text = ctx.t("sk.edit_intro", kind=kind_label(ctx.t, survey.kind)) + "\n\n"
    text += _question_lines(ctx, questions)
    numbers = [
        button(str(i + 1), pack(PREFIX, "q", survey.id, q.id)) for i, q in enumerate(questions)
    ]
    keyboard = [numbers[i : i + 5] for i in range(0, len(numbers), 5)]
    if len(questions) < MAX_QUESTIONS:
        keyboard.append([button(ctx.t.plain("sk.add"), pack(PREFIX, "a", survey.id))])
    keyboard.append([button(ctx.t.plain("sk.reset"), pack(PREFIX, "rs", survey.id))])
    keyboard.append([button(ctx.t.plain("sk.done_editing"), pack(PREFIX, "v", survey.id))])
    return text, InlineKeyboardMarkup(keyboard)


def _question_view(
    ctx: Ctx, survey: Survey, questions: list[Question], index: int
) -> tuple[str, InlineKeyboardMarkup]:
    question = questions[index]
    text = ctx.t(
        "sk.question",
        number=index + 1,
        text=question_text(ctx.t, question),
        type=type_label(ctx.t, question),
    )
    if question.locked:
        text += "\n\n" + ctx.t("sk.locked")
    keyboard = [[button(ctx.t.plain("sk.reword"), pack(PREFIX, "qt", survey.id, question.id))]]
    if index > 0:
        keyboard.append([button(ctx.t.plain("sk.up"), pack(PREFIX, "qu", survey.id, question.id))])
    if not question.locked:
        keyboard.append(
            [button(ctx.t.plain("sk.remove"), pack(PREFIX, "qd", survey.id, question.id))]
        )
    keyboard.append([button(ctx.t.plain("common.back"), pack(PREFIX, "e", survey.id))])
    return text, InlineKeyboardMarkup(keyboard)


# --- buttons -----------------------------------------------------------------------------------


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    if not require_coordinator(ctx, "sk:" + ":".join(parts)):
        return
    action, args = parts[0], parts[1:]
    if action == "p" and not args:
        await choose_program(ctx, edit=True)
        return
    if action in ("l", "n"):
        await _on_program(ctx, action, args)
        return
    survey_id = as_int(args[0]) if args else None
    survey = await store.get(ctx.session, survey_id) if survey_id is not None else None
    program = await coordinated(ctx, survey.program_id) if survey else None
    handler = _SURVEY_ACTIONS.get(action)
    if survey is None or program is None or handler is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    await handler(ctx, survey, program, args[1:])


async def _on_program(ctx: Ctx, action: str, args: list[str]) -> None:
    program = await pressed_program(ctx, args[0] if args else None)
    if program is None:
        return
    if action == "l" and len(args) == 1:
        ctx.edit(*await _list(ctx, program))
        return
    if action != "n" or len(args) != 2 or args[1] not in set(SurveyKind):
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        return
    kind = SurveyKind(args[1])
    survey = await store.create(
        ctx.session,
        program_id=program.id,
        kind=kind,
        questions=default_questions(kind),
        created_by=ctx.user_id,
        now=ctx.now,
    )
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="survey_created", now=ctx.now, survey=survey.id
    )
    ctx.answer()
    ctx.edit(*await _card(ctx, survey, program))


async def _show(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    ctx.answer()
    ctx.edit(*await _card(ctx, survey, program))


async def _refuse_not_draft(ctx: Ctx, survey: Survey, program: Program) -> bool:
    if survey.status == SurveyStatus.DRAFT.value:
        return False
    ctx.answer(ctx.t.plain("sk.not_draft"), alert=True)
    ctx.edit(*await _card(ctx, survey, program))
    return True


async def _edit(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if await _refuse_not_draft(ctx, survey, program):
        return
    ctx.answer()
    ctx.edit(*_edit_view(ctx, survey))


def _find(questions: list[Question], question_id: str | None) -> int | None:
    for index, question in enumerate(questions):
        if question.id == question_id:
            return index
    return None


async def _on_question(
    ctx: Ctx, survey: Survey, program: Program, args: list[str], action: str
) -> None:
    if await _refuse_not_draft(ctx, survey, program):
        return
    questions = parse_questions(survey.questions)
    index = _find(questions, args[0] if len(args) == 1 else None)
    if index is None:  # removed meanwhile (another coordinator) or forged
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(*_edit_view(ctx, survey))
        return
    if action == "q":
        ctx.answer()
        ctx.edit(*_question_view(ctx, survey, questions, index))
    elif action == "qt":
        await dialogs.save(
            ctx.session,
            ctx.user_id,
            flow=FLOW,
            step="reword",
            data={"survey_id": survey.id, "question_id": questions[index].id},
            now=ctx.now,
        )
        ctx.answer()
        ctx.reply(ctx.t("sk.ask_text", limit=MAX_QUESTION_TEXT))
    elif action == "qu":
        await _store_questions(ctx, survey, moved_up(questions, index))
        ctx.edit(*_question_view(ctx, survey, parse_questions(survey.questions), max(0, index - 1)))
    elif questions[index].locked:
        ctx.answer(ctx.t.plain("sk.locked_toast"), alert=True)
    else:
        await _store_questions(ctx, survey, removed(questions, index))
        ctx.edit(*_edit_view(ctx, survey))


async def _store_questions(ctx: Ctx, survey: Survey, questions: list[Question]) -> bool:
    changed = await store.set_questions(ctx.session, survey.id, [q.as_dict() for q in questions])
    ctx.answer(ctx.t.plain("sk.saved") if changed else ctx.t.plain("sk.not_draft"))
    return changed


async def _add(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if await _refuse_not_draft(ctx, survey, program):
        return
    if len(parse_questions(survey.questions)) >= MAX_QUESTIONS:
        ctx.answer(ctx.t.plain("sk.too_many", limit=MAX_QUESTIONS), alert=True)
        return
    if not args:
        ctx.answer()
        ctx.edit(
            ctx.t("sk.add_type"),
            column(
                [
                    *[
                        button(
                            ctx.t.plain(f"sk.add.{kind.value}"),
                            pack(PREFIX, "a", survey.id, kind.value),
                        )
                        for kind in AddType
                    ],
                    button(ctx.t.plain("common.back"), pack(PREFIX, "e", survey.id)),
                ]
            ),
        )
        return
    if len(args) != 1 or args[0] not in set(AddType):
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=FLOW,
        step="new",
        data={"survey_id": survey.id, "type": args[0]},
        now=ctx.now,
    )
    ctx.answer()
    ctx.reply(ctx.t("sk.ask_text", limit=MAX_QUESTION_TEXT))


async def _reset(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if await _refuse_not_draft(ctx, survey, program):
        return
    await store.set_questions(ctx.session, survey.id, default_questions(SurveyKind(survey.kind)))
    ctx.answer(ctx.t.plain("sk.saved"))
    ctx.edit(*_edit_view(ctx, survey))


async def _delete(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if not await store.delete_draft(ctx.session, survey.id):
        await _refuse_not_draft(ctx, survey, program)
        return
    ctx.answer(ctx.t.plain("sk.deleted"))
    ctx.edit(*await _list(ctx, program))


# --- sending, taking back, closing -------------------------------------------------------------


async def _send(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if await _refuse_not_draft(ctx, survey, program):
        return
    people = await events.active_participants(ctx.session, program.id)
    if not people:
        ctx.answer(ctx.t.plain("sk.nobody"), alert=True)
        return
    await dialogs.save(
        ctx.session, ctx.user_id, flow=FLOW, step="when", data={"survey_id": survey.id}, now=ctx.now
    )
    ctx.answer()
    ctx.reply(
        ctx.t("sk.ask_when", count=len(people), timezone=program.timezone),
        rows(
            [button(ctx.t.plain("sk.send_now"), pack(PREFIX, "sy", survey.id, 0))],
            [button(ctx.t.plain("common.back"), pack(PREFIX, "v", survey.id))],
        ),
    )


async def _confirm_send(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    """`sk:sy:<survey>:<unix time, 0 = now>`, from the "now" button or the typed time's confirm."""
    stamp = as_big_int(args[0]) if len(args) == 1 else None
    if stamp is None:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    # Compared as numbers first: a forged stamp can lie beyond the years a datetime can hold.
    now = ctx.now.timestamp()
    if stamp != 0 and not now < stamp <= now + MAX_AHEAD.total_seconds():
        ctx.answer(ctx.t.plain("sk.time_passed"), alert=True)
        ctx.edit(None)
        return
    send_at = ctx.now if stamp == 0 else dt.datetime.fromtimestamp(stamp, dt.UTC)
    if not await store.schedule(ctx.session, survey.id, send_at):
        await _refuse_not_draft(ctx, survey, program)
        return
    people = await events.active_participants(ctx.session, program.id)
    planned = plan_survey(
        survey_id=survey.id,
        send_at=send_at,
        user_ids=[p.user_id for p in people if p.user_id is not None],
    )
    ctx.schedule(await reminders.plan(ctx.session, planned, now=ctx.now, survey_id=survey.id))
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW:
        await dialogs.clear(ctx.session, ctx.user_id)
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="survey_scheduled", now=ctx.now, survey=survey.id
    )
    zone = ctx.services.zone_of(program)
    key = "sk.sent_now" if stamp == 0 else "sk.scheduled"
    ctx.answer()
    ctx.edit(ctx.t(key, count=len(people), when=when_text(ctx.t, send_at, zone)))
    ctx.reply(*await _card(ctx, survey, program))


async def _unschedule(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if not await store.unschedule(ctx.session, survey.id, ctx.now):
        ctx.answer(ctx.t.plain("sk.already_out"), alert=True)
    else:
        await reminders.drop_pending(ctx.session, survey_id=survey.id)
        ctx.answer(ctx.t.plain("sk.unscheduled"))
    ctx.edit(*await _card(ctx, survey, program))


async def _close(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    if args != ["y"]:
        ctx.answer()
        ctx.edit(
            ctx.t("sk.close_confirm", kind=kind_label(ctx.t, survey.kind)),
            rows(
                [button(ctx.t.plain("sk.close_yes"), pack(PREFIX, "c", survey.id, "y"))],
                [button(ctx.t.plain("common.back"), pack(PREFIX, "v", survey.id))],
            ),
        )
        return
    if await store.close(ctx.session, survey.id):
        await reminders.cancel(ctx.session, survey_id=survey.id, now=ctx.now)
        housekeeping.audit(
            ctx.session, user_id=ctx.user_id, action="survey_closed", now=ctx.now, survey=survey.id
        )
        ctx.answer(ctx.t.plain("sk.closed_toast"))
    else:
        ctx.answer(ctx.t.plain("error.stale_button"))
    ctx.edit(*await _card(ctx, survey, program))


async def _results(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
    ctx.answer()
    for text in await results_for(ctx, survey, program):
        ctx.reply(text)


async def results_for(ctx: Ctx, survey: Survey, program: Program) -> list[str]:
    answered = await store.completed(ctx.session, survey.id)
    reach = await store.reach(ctx.session, survey.id)
    return results_messages(ctx.t, ctx.lang, survey, program, answered, reach)


SurveyAction = Callable[[Ctx, Survey, Program, list[str]], Awaitable[None]]


def _question(action: str) -> SurveyAction:
    async def handle(ctx: Ctx, survey: Survey, program: Program, args: list[str]) -> None:
        await _on_question(ctx, survey, program, args, action)

    return handle


_SURVEY_ACTIONS: dict[str, SurveyAction] = {
    "v": _show,
    "e": _edit,
    "q": _question("q"),
    "qt": _question("qt"),
    "qu": _question("qu"),
    "qd": _question("qd"),
    "a": _add,
    "rs": _reset,
    "d": _delete,
    "s": _send,
    "sy": _confirm_send,
    "u": _unschedule,
    "c": _close,
    "r": _results,
}


# --- typed input -------------------------------------------------------------------------------


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    if not require_coordinator(ctx, "survey_dialog"):
        await dialogs.clear(ctx.session, ctx.user_id)
        return
    data = dict(dialog.data)
    survey_id = data.get("survey_id")
    survey = await store.get(ctx.session, survey_id) if isinstance(survey_id, int) else None
    program = await coordinated(ctx, survey.program_id) if survey else None
    if survey is None or program is None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))
        return
    raw = clean_text(text or "")
    if dialog.step == "when":
        await _on_when(ctx, survey, program, raw)
        return
    if survey.status != SurveyStatus.DRAFT.value:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("sk.not_draft_text"))
        return
    wording = clean_question_text(raw)
    if wording is None:
        ctx.reply(ctx.t("sk.bad_text", limit=MAX_QUESTION_TEXT))
        return
    questions = parse_questions(survey.questions)
    if dialog.step == "reword":
        index = _find(questions, data.get("question_id"))
        if index is None:
            await dialogs.clear(ctx.session, ctx.user_id)
            ctx.reply(ctx.t("error.no_dialog"))
            return
        questions = with_text(questions, index, wording)
    else:
        kind = data.get("type")
        if kind not in set(AddType):
            await dialogs.clear(ctx.session, ctx.user_id)
            ctx.reply(ctx.t("error.no_dialog"))
            return
        if len(questions) >= MAX_QUESTIONS:
            await dialogs.clear(ctx.session, ctx.user_id)
            ctx.reply(ctx.t("sk.too_many", limit=MAX_QUESTIONS))
            return
        # New questions go before the support question and the open ones, which close it.
        position = _find(questions, FLAG_QUESTION)
        added = new_question(questions, AddType(kind), wording)
        questions = list(questions)
        questions.insert(len(questions) if position is None else position, added)
    await store.set_questions(ctx.session, survey.id, [q.as_dict() for q in questions])
    await dialogs.clear(ctx.session, ctx.user_id)
    ctx.reply(ctx.t("sk.saved_text"))
    ctx.reply(*_edit_view(ctx, survey))


async def _on_when(ctx: Ctx, survey: Survey, program: Program, raw: str) -> None:
    if survey.status != SurveyStatus.DRAFT.value:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("sk.not_draft_text"))
        return
    send_at = parse_start(ctx, program, raw)
    if send_at is None:
        return  # explained; the dialog stays for the next try
    zone = ctx.services.zone_of(program)
    ctx.reply(
        ctx.t("sk.confirm_time", when=when_text(ctx.t, send_at, zone)),
        rows(
            [
                button(
                    ctx.t.plain("sk.confirm_send"),
                    pack(PREFIX, "sy", survey.id, int(send_at.timestamp())),
                )
            ],
            [button(ctx.t.plain("common.back"), pack(PREFIX, "v", survey.id))],
        ),
    )


async def survey_command(ctx: Ctx) -> None:
    """Coordinators manage the surveys; participants get the open ones they have not answered."""
    if ctx.is_coordinator:
        await choose_program(ctx)
    else:
        await my_surveys(ctx)
