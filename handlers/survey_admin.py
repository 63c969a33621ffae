"""Coordinators prepare, send, follow and close the program surveys (`/survey`).

The rules (drafts only are edited, sending plans the invitations, a survey is reached through a
program the coordinator coordinates) are services/survey_admin.py's; the screens are
handlers/views/survey_admin.py. A press that needs a draft on a survey that has gone out
(`NotDraft`) is answered here in one place: an alert, and the survey's card as it now is.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import InlineKeyboardMarkup

from bot.buttons import BigInt, Button, on
from bot.context import Ctx
from bot.dialogs import dialog
from core.profile import clean_text
from core.surveys import MAX_QUESTION_TEXT, MAX_QUESTIONS
from handlers.views import survey_admin as screens
from handlers.views.event_time import parse_start, when_text
from handlers.views.survey_admin import (
    AddQuestion,
    ChooseProgram,
    CloseSurvey,
    DeleteSurvey,
    EditSurvey,
    ListSurveys,
    MoveUp,
    NewSurvey,
    PickQuestion,
    RemoveQuestion,
    ResetSurvey,
    RewordQuestion,
    SendAt,
    SendSurvey,
    ShowResults,
    ShowSurvey,
    Unschedule,
)
from handlers.views.survey_results import results_messages
from handlers.views.surveys import kind_label, show_open
from services import survey_admin as admin
from services import survey_drafts as drafts
from services import surveys
from services.survey_admin import Card, EditState, NotDraft
from services.survey_drafts import Draft, Typed

FLOW = admin.FLOW

B = TypeVar("B", bound=Button)
Pressed = Callable[[Ctx, B], Awaitable[None]]


async def survey_command(ctx: Ctx) -> None:
    """Coordinators manage the surveys; participants get the open ones they have not answered."""
    if ctx.is_coordinator:
        await choose_program(ctx)
    else:
        show_open(ctx, await surveys.open_for_me(ctx.uow))


async def choose_program(ctx: Ctx, *, edit: bool = False) -> None:
    found = await admin.programs(ctx.uow, choose=edit)
    if not found.programs:
        ctx.reply(ctx.t("pg.none"))
    elif found.only is not None:
        ctx.reply(*screens.listing(ctx.t, found.only))
    elif edit:
        ctx.edit(*screens.chooser(ctx.t, found.programs))
    else:
        ctx.reply(*screens.chooser(ctx.t, found.programs))


def _card(ctx: Ctx, card: Card) -> tuple[str, InlineKeyboardMarkup]:
    return screens.card(ctx.t, card, ctx.services.zone_of(card.program))


def drafts_only(fn: Pressed[B]) -> Pressed[B]:
    """A press that needs a draft, on a survey that has gone out: said, and its card shown."""

    async def run(ctx: Ctx, pressed: B) -> None:
        try:
            await fn(ctx, pressed)
        except NotDraft as sent:
            ctx.answer(ctx.t.plain("sk.not_draft"), alert=True)
            ctx.edit(*_card(ctx, sent.card))

    return functools.wraps(fn)(run)


# --- programs, lists, cards ----------------------------------------------------------------------


@on(ChooseProgram)
async def on_choose(ctx: Ctx, pressed: ChooseProgram) -> None:
    await choose_program(ctx, edit=True)


@on(ListSurveys)
async def on_list(ctx: Ctx, pressed: ListSurveys) -> None:
    ctx.edit(*screens.listing(ctx.t, await admin.listing(ctx.uow, pressed.program)))


@on(NewSurvey)
async def on_new(ctx: Ctx, pressed: NewSurvey) -> None:
    card = await admin.create(ctx.uow, pressed.program, pressed.kind)
    ctx.edit(*_card(ctx, card))


@on(ShowSurvey)
async def on_show(ctx: Ctx, pressed: ShowSurvey) -> None:
    card = await admin.show(ctx.uow, pressed.survey)
    ctx.edit(*_card(ctx, card))


# --- editing a draft -----------------------------------------------------------------------------


@on(EditSurvey)
@drafts_only
async def on_edit(ctx: Ctx, pressed: EditSurvey) -> None:
    draft = await drafts.editing(ctx.uow, pressed.survey)
    ctx.edit(*screens.editor(ctx.t, draft))


def _found(ctx: Ctx, draft: Draft) -> int | None:
    """The index of the question pressed; if it is gone (removed by another coordinator, or
    forged), that is said and the editor shown."""
    if draft.index is None:
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(*screens.editor(ctx.t, draft))
    return draft.index


@on(PickQuestion)
@drafts_only
async def on_pick(ctx: Ctx, pressed: PickQuestion) -> None:
    draft = await drafts.pick(ctx.uow, pressed.survey, pressed.question)
    if (index := _found(ctx, draft)) is not None:
        ctx.edit(*screens.question(ctx.t, draft, index))


@on(RewordQuestion)
@drafts_only
async def on_reword(ctx: Ctx, pressed: RewordQuestion) -> None:
    draft = await drafts.reword(ctx.uow, pressed.survey, pressed.question)
    if _found(ctx, draft) is not None:
        ctx.reply(ctx.t("sk.ask_text", limit=MAX_QUESTION_TEXT))


def _saved(ctx: Ctx, draft: Draft) -> None:
    ctx.answer(ctx.t.plain("sk.saved" if draft.saved else "sk.not_draft"))


@on(MoveUp)
@drafts_only
async def on_up(ctx: Ctx, pressed: MoveUp) -> None:
    draft = await drafts.move_up(ctx.uow, pressed.survey, pressed.question)
    if (index := _found(ctx, draft)) is not None:
        _saved(ctx, draft)
        ctx.edit(*screens.question(ctx.t, draft, index))


@on(RemoveQuestion)
@drafts_only
async def on_remove(ctx: Ctx, pressed: RemoveQuestion) -> None:
    draft = await drafts.remove(ctx.uow, pressed.survey, pressed.question)
    if draft.saved is not None:
        _saved(ctx, draft)
        ctx.edit(*screens.editor(ctx.t, draft))
    else:
        _found(ctx, draft)


@on(AddQuestion)
@drafts_only
async def on_add(ctx: Ctx, pressed: AddQuestion) -> None:
    draft = await drafts.add(ctx.uow, pressed.survey, pressed.type)
    if draft.full:
        ctx.answer(ctx.t.plain("sk.too_many", limit=MAX_QUESTIONS), alert=True)
    elif pressed.type is None:
        ctx.edit(*screens.add_types(ctx.t, draft.survey))
    else:
        ctx.reply(ctx.t("sk.ask_text", limit=MAX_QUESTION_TEXT))


@on(ResetSurvey)
@drafts_only
async def on_reset(ctx: Ctx, pressed: ResetSurvey) -> None:
    draft = await drafts.reset(ctx.uow, pressed.survey)
    ctx.answer(ctx.t.plain("sk.saved"))
    ctx.edit(*screens.editor(ctx.t, draft))


@on(DeleteSurvey)
@drafts_only
async def on_delete(ctx: Ctx, pressed: DeleteSurvey) -> None:
    found = await drafts.delete(ctx.uow, pressed.survey)
    ctx.answer(ctx.t.plain("sk.deleted"))
    ctx.edit(*screens.listing(ctx.t, found))


@dialog(FLOW, EditState, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: EditState, text: str | None) -> None:
    raw = clean_text(text or "")
    typed = await drafts.typed(ctx.uow, step, state, raw)
    if typed.outcome is Typed.GONE:
        ctx.reply(ctx.t("error.no_dialog"))
    elif typed.outcome is Typed.NOT_DRAFT:
        ctx.reply(ctx.t("sk.not_draft_text"))
    elif typed.outcome is Typed.BAD_TEXT:
        ctx.reply(ctx.t("sk.bad_text", limit=MAX_QUESTION_TEXT))
    elif typed.outcome is Typed.TOO_MANY:
        ctx.reply(ctx.t("sk.too_many", limit=MAX_QUESTIONS))
    elif typed.outcome is Typed.SAVED:
        assert typed.draft is not None
        ctx.reply(ctx.t("sk.saved_text"))
        ctx.reply(*screens.editor(ctx.t, typed.draft))
    else:
        assert typed.survey is not None and typed.program is not None
        send_at = parse_start(ctx, typed.program, raw)
        if send_at is None:
            return  # explained; the dialog stays for the next try
        when = when_text(ctx.t, send_at, ctx.services.zone_of(typed.program))
        ctx.reply(
            *screens.confirm(
                ctx.t,
                typed.survey,
                ctx.t("sk.confirm_time", when=when),
                ctx.t.plain("sk.confirm_send"),
                SendAt(typed.survey.id, BigInt(int(send_at.timestamp()))),
            )
        )


# --- sending, taking back, closing, results ------------------------------------------------------


@on(SendSurvey)
@drafts_only
async def on_send(ctx: Ctx, pressed: SendSurvey) -> None:
    sending = await admin.prepare_send(ctx.uow, pressed.survey)
    ctx.reply(
        *screens.confirm(
            ctx.t,
            sending.survey,
            ctx.t("sk.ask_when", count=sending.count, timezone=sending.program.timezone),
            ctx.t.plain("sk.send_now"),
            SendAt(sending.survey.id, BigInt(0)),
        )
    )


@on(SendAt)
@drafts_only
async def on_send_at(ctx: Ctx, pressed: SendAt) -> None:
    sent = await admin.send(ctx.uow, pressed.survey, pressed.stamp)
    when = when_text(ctx.t, sent.send_at, ctx.services.zone_of(sent.card.program))
    ctx.edit(ctx.t("sk.sent_now" if sent.now else "sk.scheduled", count=sent.count, when=when))
    ctx.reply(*_card(ctx, sent.card))


@on(Unschedule)
async def on_unschedule(ctx: Ctx, pressed: Unschedule) -> None:
    changed = await admin.unschedule(ctx.uow, pressed.survey)
    if changed.done:
        ctx.answer(ctx.t.plain("sk.unscheduled"))
    else:
        ctx.answer(ctx.t.plain("sk.already_out"), alert=True)
    ctx.edit(*_card(ctx, changed.card))


@on(CloseSurvey)
async def on_close(ctx: Ctx, pressed: CloseSurvey) -> None:
    if pressed.confirm is None:
        card = await admin.show(ctx.uow, pressed.survey)
        ctx.edit(
            *screens.confirm(
                ctx.t,
                card.survey,
                ctx.t("sk.close_confirm", kind=kind_label(ctx.t, card.survey.kind)),
                ctx.t.plain("sk.close_yes"),
                CloseSurvey(card.survey.id, "y"),
            )
        )
        return
    changed = await admin.close(ctx.uow, pressed.survey)
    ctx.answer(ctx.t.plain("sk.closed_toast" if changed.done else "error.stale_button"))
    ctx.edit(*_card(ctx, changed.card))


@on(ShowResults)
async def on_results(ctx: Ctx, pressed: ShowResults) -> None:
    found = await admin.results(ctx.uow, pressed.survey)
    for text in results_messages(
        ctx.t, ctx.lang, found.survey, found.program, found.answered, found.reach
    ):
        ctx.reply(text)
