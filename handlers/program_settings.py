"""A program's settings, edited by coordinators in the chat: when reminders and feedback questions
go out, when a quiet tandem is nudged, the text of the mentoring agreement, what the
certificates print, and the contact of the program team (name, e-mail, phone; asked one after
the other, services/program_contact.py).

Every program runs a little differently, so the defaults from practice (reminders a day and an
hour before a meeting, feedback an hour after it, a nudge after five weeks, event reminders two
weeks and two days ahead) are a starting point; services/program_settings.py checks and stores.
"""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from core.contact import ContactField
from handlers.views import program_settings as views
from handlers.views.program_settings import (
    EditContact,
    EditSetting,
    ResetSetting,
    ShowForm,
    ShowSettings,
    SkipContact,
    ToggleFormField,
)
from services import program_contact, program_settings
from services.program_contact import Asking, ContactState
from services.program_settings import Setting, SettingsState
from services.program_values import Invalid, Saved

FLOW = "settings"  # as services.program_settings stores it (/cancel answers cancel.settings)


@on(ShowSettings)
async def on_show(ctx: Ctx, pressed: ShowSettings) -> None:
    program = await program_settings.show(ctx.uow, pressed.program)
    ctx.edit(*views.card(ctx.t, program))


@on(ShowForm)
async def on_show_form(ctx: Ctx, pressed: ShowForm) -> None:
    program = await program_settings.show(ctx.uow, pressed.program)
    ctx.edit(*views.form_card(ctx.t, program))


@on(ToggleFormField)
async def on_toggle_form(ctx: Ctx, pressed: ToggleFormField) -> None:
    program = await program_settings.toggle_form_field(ctx.uow, pressed.program, pressed.field)
    ctx.edit(*views.form_card(ctx.t, program))


@on(EditSetting)
async def on_edit(ctx: Ctx, pressed: EditSetting) -> None:
    program = await program_settings.edit(ctx.uow, pressed.program, pressed.setting)
    ctx.reply(*views.prompt(ctx.t, program, pressed.setting))


@on(ResetSetting)
async def on_reset(ctx: Ctx, pressed: ResetSetting) -> None:
    program = await program_settings.reset(ctx.uow, pressed.program, pressed.setting)
    if program is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return
    ctx.answer(ctx.t.plain("ps.reset_done"))
    ctx.edit(*views.card(ctx.t, program))


def _step(
    ctx: Ctx, result: Asking | Invalid[Setting] | Invalid[ContactField] | Saved | None
) -> None:
    """Where a typed value (or a skipped contact field) leads in either dialog of the card."""
    if result is None:
        ctx.reply(ctx.t("error.no_dialog"))
    elif isinstance(result, Invalid):
        # The problem is explained and the prompt shown again; the dialog stays open.
        ctx.reply(views.problem(ctx.t, result))
        ctx.reply(*views.ask_again(ctx.t, result))
    elif isinstance(result, Asking):
        ctx.reply(*views.contact_prompt(ctx.t, result.program, result.field))
    else:
        ctx.reply(ctx.t("ps.saved"))
        ctx.reply(*views.card(ctx.t, result.program))


@dialog(program_settings.FLOW, SettingsState, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: SettingsState, text: str | None) -> None:
    _step(ctx, await program_settings.submit(ctx.uow, step, state.program_id, text or ""))


# --- the program team's contact -----------------------------------------------------------------


@on(EditContact)
async def on_edit_contact(ctx: Ctx, pressed: EditContact) -> None:
    asking = await program_contact.begin(ctx.uow, pressed.program, pressed.field)
    ctx.reply(*views.contact_prompt(ctx.t, asking.program, asking.field))


@on(SkipContact)
async def on_skip_contact(ctx: Ctx, pressed: SkipContact) -> None:
    result = await program_contact.skip(ctx.uow, pressed.program, pressed.field)
    ctx.edit(None)  # the skipped prompt's buttons are spent
    _step(ctx, result)


@dialog(program_contact.FLOW, ContactState, coordinator=True)
async def on_contact_text(ctx: Ctx, step: str, state: ContactState, text: str | None) -> None:
    _step(ctx, await program_contact.submit(ctx.uow, step, state.program_id, text or ""))
