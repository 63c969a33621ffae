"""A program's settings, edited by coordinators in the chat: when reminders and feedback questions
go out, when a quiet tandem is nudged, the text of the mentoring agreement and what the
certificates print.

Every program runs a little differently, so the defaults from practice (reminders a day and an
hour before a meeting, feedback an hour after it, a nudge after five weeks, event reminders two
weeks and two days ahead) are a starting point; services/program_settings.py checks and stores.
"""

from __future__ import annotations

from bot.buttons import on
from bot.context import Ctx
from bot.dialogs import dialog
from handlers.views import program_settings as views
from handlers.views.program_settings import EditSetting, ResetSetting, ShowSettings
from services import program_settings
from services.program_settings import Invalid, SettingsState

FLOW = "settings"  # as services.program_settings stores it (/cancel answers cancel.settings)


@on(ShowSettings)
async def on_show(ctx: Ctx, pressed: ShowSettings) -> None:
    program = await program_settings.show(ctx.uow, pressed.program)
    ctx.edit(*views.card(ctx.t, program))


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


@dialog(program_settings.FLOW, SettingsState, coordinator=True)
async def on_text(ctx: Ctx, step: str, state: SettingsState, text: str | None) -> None:
    result = await program_settings.submit(ctx.uow, step, state.program_id, text or "")
    if result is None:
        ctx.reply(ctx.t("error.no_dialog"))
    elif isinstance(result, Invalid):
        # The problem is explained and the prompt shown again; the dialog stays open.
        ctx.reply(views.problem(ctx.t, result))
        ctx.reply(*views.prompt(ctx.t, result.program, result.setting))
    else:
        ctx.reply(ctx.t("ps.saved"))
        ctx.reply(*views.card(ctx.t, result.program))
