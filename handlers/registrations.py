"""Coordinators: approve every pending registration at once, reject one with a reason, correct a
participant's profile (services/registrations.py, services/participant_edit.py)."""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from core.programs import ParticipantStatus
from handlers.keyboards import reply_below
from handlers.views import fields
from handlers.views import programs as program_views
from handlers.views import registrations as views
from handlers.views.contact import with_contact
from handlers.views.notify import status_changed
from services import participant_edit, programs, registrations
from services.participant_edit import Asked, Edited, EditState, Offered
from services.registrations import MAX_REASON, RejectState


@on(views.AskApproveAll)
async def on_ask_approve_all(ctx: Ctx, pressed: views.AskApproveAll) -> None:
    ctx.edit(*views.confirm_approve_all(ctx, await registrations.pending(ctx.uow, pressed.program)))


@on(views.ApproveAll)
async def on_approve_all(ctx: Ctx, pressed: views.ApproveAll) -> None:
    done = await registrations.approve_all(ctx.uow, pressed.program, pressed.upto, pressed.count)
    text, markup = program_views.program_card(ctx, done.card)
    ctx.edit(views.approved_all(ctx, done.approved, done.skipped) + "\n\n" + text, markup)
    for participant, user in done.told:
        status_changed(ctx, done.card.program, participant, user)


@on(views.Reject)
async def on_reject(ctx: Ctx, pressed: views.Reject) -> None:
    decision = await programs.decide(ctx.uow, pressed.participant, ParticipantStatus.REJECTED)
    views.decided(ctx, decision, pressed=True)


@on(views.RejectWithReason)
async def on_reject_with_reason(ctx: Ctx, pressed: views.RejectWithReason) -> None:
    card = await registrations.ask_reason(ctx.uow, pressed.participant)
    reply_below(ctx, ctx.t("pp.reject.ask_reason", name=card.participant.name, limit=MAX_REASON))


@dialog(registrations.REJECT_FLOW, RejectState, coordinator=True)
async def on_reason(ctx: Ctx, step: str, state: RejectState, text: str | None) -> None:
    if (reason := registrations.reason_of(text)) is None:
        ctx.reply(ctx.t("pp.reject.bad_reason", limit=MAX_REASON))
        return
    rejected = await registrations.reject(ctx.uow, state, reason)
    views.decided(ctx, rejected.decision, rejected.reason, pressed=False)


@on(views.EditParticipant)
async def on_edit(ctx: Ctx, pressed: views.EditParticipant) -> None:
    ctx.edit(*views.edit_choices(ctx, await participant_edit.choices(ctx.uow, pressed.participant)))


@on(views.EditParticipantField)
async def on_edit_field(ctx: Ctx, pressed: views.EditParticipantField) -> None:
    _then(ctx, await participant_edit.begin(ctx.uow, pressed.participant, pressed.field))


@dialog(participant_edit.FLOW, EditState, coordinator=True)
async def on_edit_text(ctx: Ctx, step: str, state: EditState, text: str | None) -> None:
    _then(ctx, await participant_edit.typed(ctx.uow, step, state, text))


@on(views.EditCompany)
@on(views.EditOwnSpelling)
async def on_edit_company(ctx: Ctx, pressed: views.EditCompany | views.EditOwnSpelling) -> None:
    company = pressed.company if isinstance(pressed, views.EditCompany) else None
    edited = await participant_edit.pick_company(ctx.uow, pressed.participant, company)
    ctx.edit(fields.answered(ctx.t, "company", edited.value))
    _then(ctx, edited)


def _then(ctx: Ctx, then: Asked | Offered | Edited) -> None:
    if isinstance(then, Asked):
        if then.error is not None:
            ctx.reply(fields.error_text(ctx.t, then.error))
        ctx.reply(views.edit_prompt(ctx, then))
        return
    if isinstance(then, Offered):
        ctx.reply(*views.company_question(ctx, then.card.participant.id, then.offer))
        return
    card, participant = then.card, then.card.participant
    said = "pp.edit.saved" if then.changed else "pp.edit.unchanged"
    label = fields.field_label(ctx.t, then.field)
    text, markup = program_views.participant_card(ctx, card)
    ctx.reply(ctx.t(said, field=label, name=participant.name) + "\n\n" + text, markup)
    if then.tell is not None:  # what changed, in the participant's language
        t = ctx.for_user(then.tell)
        label, program = fields.field_label(t, then.field), card.program
        told = t("participant.edited", field=label, value=then.value, program=program.name)
        ctx.send_to(participant.user_id, with_contact(t, told, program))
