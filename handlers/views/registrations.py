"""Coordinators' screens of handlers/registrations.py: "approve all" (on a program's card and
its pending list), the confirmation before a rejection, correcting a participant's profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Button
from bot.context import Ctx
from handlers.keyboards import button as key
from handlers.keyboards import column, rows
from handlers.views import fields
from handlers.views import programs as program_views  # a cycle: used at call time
from handlers.views.notify import ParticipantButton, status_changed
from services import participant_edit
from services.programs import Verdict

if TYPE_CHECKING:
    from services.company_choice import Offer
    from services.participant_edit import Asked
    from services.programs import Decision, ParticipantCard
    from services.registrations import Pending

Screen = tuple[str, InlineKeyboardMarkup]


class _OnProgram(Button, prefix="pg", coordinator=True):
    program: int


class AskApproveAll(_OnProgram, action="aa"): ...


class ApproveAll(_OnProgram, action="aay"):  # confirmed: those pending up to `upto`, `count`
    upto: int
    count: int


class _OnParticipant(Button, prefix="pp", coordinator=True):
    participant: int


class Reject(_OnParticipant, action="rj"): ...


class RejectWithReason(_OnParticipant, action="rr"): ...


class EditParticipant(_OnParticipant, action="ed"): ...


class EditParticipantField(_OnParticipant, action="ef"):
    field: str


class EditCompany(_OnParticipant, action="ec"):  # a company offered by "Meinten Sie …?"
    company: int


class EditOwnSpelling(_OnParticipant, action="en"): ...


def approve_all_button(ctx: Ctx, program_id: int, pending: int) -> list[list[InlineKeyboardButton]]:
    label = ctx.t.plain("pp.approve_all", count=pending)
    return [[key(label, AskApproveAll(program_id))]] if pending else []


def confirm_approve_all(ctx: Ctx, pending: Pending) -> Screen:
    program = pending.program
    back = key(ctx.t.plain("common.back"), program_views.ProgramButton(program.id))
    text = ctx.t("pp.approve_all.confirm", count=pending.count, program=program.name)
    yes = key(
        ctx.t.plain("pp.approve_all.yes", count=pending.count),
        ApproveAll(program.id, pending.upto, pending.count),
    )
    return text, rows([yes], [back])


def approved_all(ctx: Ctx, approved: int, skipped: int) -> str:
    text = ctx.t("pp.approve_all.done", count=approved)
    return text + (", " + ctx.t("pp.approve_all.skipped", count=skipped) if skipped else "")


def confirm_reject(ctx: Ctx, card: ParticipantCard) -> Screen:
    participant = card.participant
    text = ctx.t("pp.reject.confirm", name=participant.name, program=card.program.name)
    return text, rows(
        [key(ctx.t.plain("pp.reject.plain"), Reject(participant.id))],
        [key(ctx.t.plain("pp.reject.with_reason"), RejectWithReason(participant.id))],
        [key(ctx.t.plain("common.back"), ParticipantButton(participant.id))],
    )


def decided(ctx: Ctx, decision: Decision, reason: str | None = None, *, pressed: bool) -> None:
    """The card after a decision (pressed, or below a typed reason); the participant told."""
    card, participant = decision.card, decision.card.participant
    target = participant.status
    status = ctx.t.plain(f"status.{target}")
    if decision.verdict == Verdict.ALREADY:
        said = ctx.t.plain("pp.already", status=status)
    elif decision.verdict == Verdict.CANNOT:  # another coordinator decided first, or forged
        said = ctx.t.plain("pp.cannot", status=status)
    else:
        said = ctx.t.plain(f"pp.done.{target}")
    text, markup = program_views.participant_card(ctx, card)
    if pressed:
        ctx.answer(said, alert=decision.verdict == Verdict.CANNOT)
        ctx.edit(text, markup)
    else:
        ctx.reply(ctx.t("common.value", value=said) + "\n\n" + text, markup)
    if decision.tell is not None:
        status_changed(ctx, card.program, participant, decision.tell, reason)


def edit_choices(ctx: Ctx, card: ParticipantCard) -> Screen:
    who = card.participant
    buttons = [
        key(
            ctx.t.plain("profile.edit_field", label=fields.field_label(ctx.t, f)),
            EditParticipantField(who.id, f),
        )
        for f in participant_edit.FIELDS
    ]
    back = key(ctx.t.plain("common.back"), ParticipantButton(who.id))
    return ctx.t("pp.edit.choose", name=who.name), column([*buttons, back], per_row=2)


def edit_prompt(ctx: Ctx, asked: Asked) -> str:
    who, label = asked.card.participant, fields.field_label(ctx.t, asked.field)
    text = ctx.t("pp.edit.ask", field=label, name=who.name)
    text += "\n" + ctx.t("field.limit", limit=asked.limit)
    return text + ("\n\n" + ctx.t("field.current", value=asked.current) if asked.current else "")


def company_question(ctx: Ctx, who: int, offer: Offer) -> Screen:
    buttons = [key(company.name, EditCompany(who, company.id)) for company in offer.companies]
    buttons.append(key(ctx.t.plain("pp.edit.keep"), EditOwnSpelling(who)))
    return ctx.t("pp.edit.did_you_mean", typed=offer.typed), column(buttons)
