"""/help, /cancel, /language, and everything that fits no flow."""

from __future__ import annotations

from bot.context import Ctx
from bot.i18n import translator
from bot.settings import SUPPORTED_LANGUAGES
from handlers import (
    broadcasts,
    certificates,
    companies,
    events,
    matching,
    profile,
    program_settings,
    programs,
    registration,
    survey_admin,
    surveys,
    tandem,
)
from handlers import dialogs as typed_dialogs
from handlers.callbacks import pack
from handlers.commands import commands_for
from handlers.guard import require_coordinator
from handlers.keyboards import button, rows
from storage import dialogs

# Dialogs only coordinators may be in, not yet in the typed registry (handlers/dialogs.py, which
# checks its own): checked here for every message, before the flow runs.
COORDINATOR_FLOWS = frozenset(
    {
        programs.FLOW,
        matching.REVEAL_FLOW,
        matching.EXCLUDE_FLOW,
        tandem.DISSOLVE_FLOW,
        events.FLOW,
        program_settings.FLOW,
        broadcasts.FLOW,
        survey_admin.FLOW,
        certificates.FLOW,
        companies.FLOW,
    }
)


async def help_command(ctx: Ctx) -> None:
    names = commands_for(ctx.is_coordinator, ctx.coordinates(None))
    lines = [ctx.t("help.line", command=name, text=ctx.t.plain(f"cmd.{name}")) for name in names]
    key = "help.coordinator" if ctx.is_coordinator else "help.participant"
    ctx.reply(ctx.t(key) + "\n\n" + "\n".join(lines))


async def cancel(ctx: Ctx) -> None:
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is None:
        ctx.reply(ctx.t("cancel.nothing"))
        return
    await dialogs.clear(ctx.session, ctx.user_id)
    ctx.reply(ctx.t(f"cancel.{dialog.flow}"))


async def language(ctx: Ctx) -> None:
    ctx.reply(
        ctx.t("language.ask"),
        rows(
            *[
                [button(translator(code).plain("language.name"), pack("lg", code))]
                for code in SUPPORTED_LANGUAGES
            ]
        ),
    )


async def on_language(ctx: Ctx, parts: list[str]) -> None:
    if len(parts) != 1 or parts[0] not in SUPPORTED_LANGUAGES:
        ctx.answer(ctx.t.plain("error.stale_button"))
        return
    # An explicit setting the user asked for: the one thing stored without a registration.
    await ctx.remember_user(parts[0])
    await ctx.set_language(parts[0])
    ctx.edit(ctx.t("language.set"))


async def unknown_command(ctx: Ctx) -> None:
    ctx.reply(ctx.t("error.unknown_command"))


async def on_text(ctx: Ctx) -> None:
    """Free text goes to whichever dialog the user is in."""
    message = ctx.update.effective_message
    text = message.text if message is not None else None
    if await typed_dialogs.on_text(ctx, text):
        return
    dialog = await dialogs.get(ctx.session, ctx.user_id)
    if dialog is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return
    if dialog.flow in COORDINATOR_FLOWS and not require_coordinator(ctx, f"dialog:{dialog.flow}"):
        await dialogs.clear(ctx.session, ctx.user_id)  # the role was revoked mid-dialog
        return
    if dialog.flow == registration.FLOW:
        await registration.on_text(ctx, dialog, text)
    elif dialog.flow == profile.FLOW:
        await profile.on_text(ctx, dialog, text)
    elif dialog.flow == programs.FLOW:
        await programs.on_text(ctx, dialog, text)
    elif dialog.flow in (matching.REVEAL_FLOW, matching.EXCLUDE_FLOW):
        await matching.on_text(ctx, dialog.flow, dict(dialog.data), text)
    elif dialog.flow in (tandem.CONCERN_FLOW, tandem.DISSOLVE_FLOW):
        await tandem.on_text(ctx, dialog.flow, dict(dialog.data), text)
    elif dialog.flow == events.FLOW:
        await events.on_text(ctx, dialog, text)
    elif dialog.flow == program_settings.FLOW:
        await program_settings.on_text(ctx, dialog, text)
    elif dialog.flow == surveys.FLOW:
        await surveys.on_text(ctx, dialog, text)
    elif dialog.flow == survey_admin.FLOW:
        await survey_admin.on_text(ctx, dialog, text)
    elif dialog.flow == certificates.FLOW:
        await certificates.on_text(ctx, dialog, text)
    elif dialog.flow == broadcasts.FLOW:
        await broadcasts.on_text(ctx, dialog, text)
    elif dialog.flow == companies.FLOW:
        await companies.on_text(ctx, dialog, text)
    else:  # a flow from a newer version of the bot, or a corrupted row
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))


async def on_other_message(ctx: Ctx) -> None:
    """Stickers, photos, voice: say what we need instead."""
    if await dialogs.get(ctx.session, ctx.user_id) is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return
    await on_text(ctx)  # with no text: the dialog explains what it needs and asks again
