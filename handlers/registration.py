"""Registration: consent, then the profile fields in order, a summary, and submission.

The draft lives in the `dialogs` row (after consent only: before it nothing is stored), so a
restart carries on at the same step. The participant row is written once, on confirmation, in the
same transaction that deletes the draft: nothing half-done ever sits in `participants`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.context import Ctx
from bot.i18n import Safe
from core.profile import (
    FIELDS_BY_NAME,
    FieldKind,
    InvalidInput,
    next_missing_field,
    parse_choice,
    parse_typed,
    toggle_topic,
)
from core.programs import ProgramStatus, admits, normalise_invite_code
from handlers import company_choice
from handlers.callbacks import as_int, pack
from handlers.keyboards import button, column, rows
from handlers.views import fields, notify
from storage import dialogs, participants, programs
from storage.models import Dialog, Program

FLOW = "reg"
PREFIX = "rg"
SUMMARY = "summary"
# While the participant chooses among known companies ("Meinten Sie …?"), the step stays
# "company" and this entry of the dialog data holds what they typed and the ids offered.
CHOICE = company_choice.CHOICE


# --- entry: /start with a program -------------------------------------------------------------


INVITE_CODE = "invite_code"  # the dialog's record of the invitation the user opened


async def offer(ctx: Ctx, program: Program, code: str) -> None:
    """Show the privacy notice for the program of a valid invitation code. The consent button
    carries that code, not the program id: pressing it re-validates the code, so a button with
    another program's id or a guessed code admits to nothing. Nothing is stored before consent.
    """
    existing = await participants.of_user_in_program(ctx.session, ctx.user_id, program.id)
    if existing is not None:
        ctx.reply(ctx.t(f"start.already.{existing.status}", program=program.name))
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW and dialog.data.get("program_id") == program.id:
        if dialog.data.get(INVITE_CODE) != code and admits(
            code, program.invite_code, program.status
        ):
            # The current link of the same program: the draft now rests on this invitation.
            dialog = await dialogs.save(
                ctx.session,
                ctx.user_id,
                flow=FLOW,
                step=dialog.step,
                data={**dialog.data, INVITE_CODE: code},
                now=ctx.now,
            )
        ctx.reply(ctx.t("reg.resume"))
        await prompt_step(ctx, dialog)
        return
    if program.status != ProgramStatus.OPEN:
        ctx.reply(ctx.t("start.closed", program=program.name))
        return
    ctx.reply(
        ctx.t("reg.privacy", program=program.name, months=ctx.services.settings.retention_months),
        rows(
            [button(ctx.t.plain("reg.consent.yes"), pack(PREFIX, "c", code))],
            [button(ctx.t.plain("reg.consent.no"), pack(PREFIX, "x"))],
        ),
    )


async def on_consent(ctx: Ctx, raw_code: str) -> None:
    code = normalise_invite_code(raw_code)
    program = await programs.by_invite_code(ctx.session, code) if code else None
    if program is None:
        # A forged or outdated button: the refusal names no program, and nothing is stored.
        ctx.answer(ctx.t.plain("reg.invitation_invalid"), alert=True)
        return
    if not admits(code, program.invite_code, program.status):
        ctx.edit(ctx.t("start.closed", program=program.name))
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    if await participants.of_user_in_program(ctx.session, ctx.user_id, program.id) is not None:
        ctx.answer(ctx.t.plain("start.already.short"), alert=True)
        ctx.edit(None)
        return
    await ctx.remember_user(ctx.lang)
    dialog = await dialogs.save(
        ctx.session,
        ctx.user_id,
        flow=FLOW,
        step="role",
        data={
            "program_id": program.id,
            INVITE_CODE: program.invite_code.upper(),
            "consent_at": ctx.now.isoformat(),
            "draft": {},
        },
        now=ctx.now,
    )
    notice = ctx.t(
        "reg.privacy", program=program.name, months=ctx.services.settings.retention_months
    )
    ctx.edit(notice + "\n\n" + ctx.t("reg.consent.given"))
    ctx.reply(ctx.t("reg.welcome", program=program.name))
    await prompt_step(ctx, dialog)


async def on_decline(ctx: Ctx) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is not None and dialog.flow == FLOW:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    ctx.edit(ctx.t("reg.consent.declined"))


# --- the steps ------------------------------------------------------------------------------


def _draft(dialog: Dialog) -> dict[str, Any]:
    return dict(dialog.data.get("draft") or {})


async def _program_topics(ctx: Ctx, dialog: Dialog) -> list[str]:
    program = await programs.get(ctx.session, int(dialog.data["program_id"]))
    return programs.topics_of(program) if program else []


async def prompt_step(ctx: Ctx, dialog: Dialog) -> None:
    if dialog.step == SUMMARY:
        await show_summary(ctx, dialog)
        return
    if dialog.step == "company" and dialog.data.get(CHOICE):
        await company_choice.ask(ctx, PREFIX, dict(dialog.data[CHOICE]))
        return
    text, markup = fields.prompt(
        ctx.t, PREFIX, dialog.step, _draft(dialog), await _program_topics(ctx, dialog)
    )
    ctx.reply(text, markup)


async def _save(
    ctx: Ctx,
    dialog: Dialog,
    draft: dict[str, Any],
    step: str,
    choice: dict[str, Any] | None = None,
) -> Dialog:
    data = dict(dialog.data)
    data["draft"] = draft
    data.pop(CHOICE, None)
    if choice is not None:
        data[CHOICE] = choice
    if step == SUMMARY:
        data.pop("editing", None)
    return await dialogs.save(
        ctx.session, ctx.user_id, flow=FLOW, step=step, data=data, now=ctx.now
    )


async def _advance(ctx: Ctx, dialog: Dialog, draft: dict[str, Any]) -> None:
    step = SUMMARY if dialog.data.get("editing") else next_missing_field(draft) or SUMMARY
    dialog = await _save(ctx, dialog, draft, step)
    await prompt_step(ctx, dialog)


async def on_text(ctx: Ctx, dialog: Dialog, text: str | None) -> None:
    """Typed input in the middle of a registration."""
    step = dialog.step
    if step == SUMMARY:
        ctx.reply(ctx.t("error.use_buttons"))
        await show_summary(ctx, dialog)
        return
    spec = FIELDS_BY_NAME[step]
    draft = _draft(dialog)
    try:
        draft[step] = parse_typed(spec, text, list(draft.get("topics") or []))
    except InvalidInput as error:
        ctx.reply(fields.error_text(ctx.t, error))
        await prompt_step(ctx, dialog)
        return
    if spec.kind is FieldKind.TOPICS:  # typed topics are added; the list stays open
        dialog = await _save(ctx, dialog, draft, step)
        ctx.reply(ctx.t("field.topics.added"))
        await prompt_step(ctx, dialog)
        return
    if step == "company":
        await _on_company(ctx, dialog, draft)
        return
    await _advance(ctx, dialog, draft)


# --- the company: one employer of the directory -------------------------------------------------


async def _on_company(ctx: Ctx, dialog: Dialog, draft: dict[str, Any]) -> None:
    """A known name (or alias) is taken as that company; a name that probably is a known one
    is asked about ("Meinten Sie …?"); anything else becomes a new company on submission.

    Typed text while the question is open is simply a new answer to the company step.
    """
    draft.pop("company_id", None)
    found = await company_choice.look_up(ctx, str(draft["company"]))
    if found.choice is not None:
        dialog = await _save(ctx, dialog, draft, "company", found.choice)
        await prompt_step(ctx, dialog)
        return
    if found.company_id is not None:
        draft["company_id"] = found.company_id
    await _advance(ctx, dialog, draft)


async def _on_company_choice(
    ctx: Ctx, dialog: Dialog, draft: dict[str, Any], company_id: int | None
) -> None:
    """A press on "Meinten Sie …?"; a stale or forged one is answered so and the question
    asked again."""
    choice = dialog.data.get(CHOICE)
    if dialog.step != "company" or not choice:
        raise InvalidInput("error.stale_button")
    chosen = await company_choice.answer(ctx, choice, company_id)
    if chosen is None:
        ctx.answer(ctx.t.plain("error.stale_button"), alert=True)
        ctx.edit(None)
        await _on_company(ctx, dialog, {**draft, "company": choice["typed"]})
        return
    draft["company"] = chosen.name
    draft.pop("company_id", None)
    if chosen.company_id is not None:
        draft["company_id"] = chosen.company_id
    ctx.edit(fields.answered(ctx.t, "company", chosen.name))
    await _advance(ctx, dialog, draft)


async def on_callback(ctx: Ctx, parts: list[str]) -> None:
    action, args = parts[0], parts[1:]
    if action == "c" and len(args) == 1:
        await on_consent(ctx, args[0])
        return
    if action == "x":
        await on_decline(ctx)
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is None or dialog.flow != FLOW:
        ctx.answer(ctx.t.plain("error.stale_button"))
        ctx.edit(None)
        return
    draft = _draft(dialog)
    try:
        if action == "v" and len(args) == 2 and dialog.step == args[0]:
            field = args[0]
            draft[field] = parse_choice(FIELDS_BY_NAME[field], args[1])
            ctx.edit(fields.answered(ctx.t, field, draft[field]))
            await _advance(ctx, dialog, draft)
        elif action == "t" and len(args) == 2 and dialog.step == "topics":
            program_topics = await _program_topics(ctx, dialog)
            selected = list(draft.get("topics") or [])
            topic = fields.topic_from_callback(program_topics, selected, args[0], args[1])
            draft["topics"] = toggle_topic(selected, topic)
            await _save(ctx, dialog, draft, "topics")
            ctx.edit(None, fields.topics_keyboard(ctx.t, PREFIX, program_topics, draft["topics"]))
        elif action == "co" and len(args) == 1 and (company_id := as_int(args[0])) is not None:
            await _on_company_choice(ctx, dialog, draft, company_id)
        elif action == "cn" and not args:
            await _on_company_choice(ctx, dialog, draft, None)
        elif action == "td" and dialog.step == "topics":
            if not draft.get("topics"):
                raise InvalidInput("error.no_topics")
            draft["topics_done"] = True
            ctx.edit(fields.answered(ctx.t, "topics", draft["topics"]))
            await _advance(ctx, dialog, draft)
        elif action == "ok" and dialog.step == SUMMARY:
            await submit(ctx, dialog)
        elif action == "em" and dialog.step == SUMMARY:
            ctx.edit(None, edit_menu(ctx))
        elif action == "sum" and dialog.step == SUMMARY:
            ctx.edit(None, summary_keyboard(ctx))
        elif (
            action == "e"
            and len(args) == 1
            and dialog.step == SUMMARY
            and args[0] in FIELDS_BY_NAME
        ):
            data = dict(dialog.data)
            data["editing"] = True
            dialog = await dialogs.save(
                ctx.session, ctx.user_id, flow=FLOW, step=args[0], data=data, now=ctx.now
            )
            ctx.edit(None)
            await prompt_step(ctx, dialog)
        else:
            raise InvalidInput("error.stale_button")
    except InvalidInput as error:
        ctx.answer(ctx.t.plain(error.key, **error.params), alert=error.key != "error.stale_button")


# --- summary and submission -----------------------------------------------------------------


def summary_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    return rows(
        [button(ctx.t.plain("reg.summary.confirm"), pack(PREFIX, "ok"))],
        [button(ctx.t.plain("reg.summary.edit"), pack(PREFIX, "em"))],
    )


def edit_menu(ctx: Ctx) -> InlineKeyboardMarkup:
    buttons = [button(fields.field_label(ctx.t, f), pack(PREFIX, "e", f)) for f in FIELDS_BY_NAME]
    buttons.append(button(ctx.t.plain("common.back"), pack(PREFIX, "sum")))
    return column(buttons, per_row=2)


async def show_summary(ctx: Ctx, dialog: Dialog) -> None:
    program = await programs.get(ctx.session, int(dialog.data["program_id"]))
    text = ctx.t(
        "reg.summary",
        program=program.name if program else "",
        profile=Safe(fields.render_profile(ctx.t, _draft(dialog))),
    )
    ctx.reply(text, summary_keyboard(ctx))


async def submit(ctx: Ctx, dialog: Dialog) -> None:
    program = await programs.get(ctx.session, int(dialog.data["program_id"]))
    if program is None or program.status != ProgramStatus.OPEN:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.edit(ctx.t("start.closed", program=program.name if program else ""))
        return
    if not admits(dialog.data.get(INVITE_CODE), program.invite_code, program.status):
        # The invitation was replaced since consent (or the draft predates the record): no
        # registration; the draft waits until the user opens the program's current link.
        ctx.edit(ctx.t("reg.invitation_expired"))
        return
    if await participants.of_user_in_program(ctx.session, ctx.user_id, program.id) is not None:
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.edit(ctx.t("start.already.short"))
        return
    draft = _draft(dialog)
    missing = next_missing_field(draft)
    if missing is not None:  # cannot happen through the buttons; a forged sequence could try
        await _save(ctx, dialog, draft, missing)
        await prompt_step(ctx, dialog)
        return
    participant = await participants.create_from_draft(
        ctx.session,
        program_id=program.id,
        user_id=ctx.user_id,
        draft=draft,
        consent_at=dt.datetime.fromisoformat(dialog.data["consent_at"]),
        now=ctx.now,
    )
    await dialogs.clear(ctx.session, ctx.user_id)
    ctx.edit(None)
    ctx.reply(ctx.t("reg.done", program=program.name))
    await notify.new_registration(ctx, program, participant)
