"""/help, /cancel, /language, and everything that fits no flow."""

from __future__ import annotations

from typing import Literal, cast

from bot.context import Ctx
from bot.i18n import translator
from bot.settings import SUPPORTED_LANGUAGES
from handlers import dialogs as typed_dialogs
from handlers import (
    feedback,
    meetings,
)
from handlers.buttons import Button, button, on
from handlers.commands import commands_for
from handlers.keyboards import button as key
from handlers.keyboards import rows
from services import conversation
from storage import dialogs


async def help_command(ctx: Ctx) -> None:
    names = commands_for(ctx.is_coordinator, ctx.coordinates(None))
    lines = [ctx.t("help.line", command=name, text=ctx.t.plain(f"cmd.{name}")) for name in names]
    key = "help.coordinator" if ctx.is_coordinator else "help.participant"
    ctx.reply(ctx.t(key) + "\n\n" + "\n".join(lines))


async def cancel(ctx: Ctx) -> None:
    flow = await conversation.clear(ctx.uow)
    if flow is None:
        ctx.reply(ctx.t("cancel.nothing"))
        return
    ctx.reply(ctx.t(f"cancel.{flow}"))


# The languages with a catalog (`SUPPORTED_LANGUAGES`), as a type: a test keeps the two alike.
Code = Literal["de", "en"]


@button("lg")
class Language(Button):
    """`lg:de`: the language picked."""

    code: Code


async def language(ctx: Ctx) -> None:
    ctx.reply(
        ctx.t("language.ask"),
        rows(
            *[
                [key(translator(code).plain("language.name"), Language(cast(Code, code)))]
                for code in SUPPORTED_LANGUAGES
            ]
        ),
    )


@on(Language)
async def on_language(ctx: Ctx, pressed: Language) -> None:
    # An explicit setting the user asked for: the one thing stored without a registration.
    await ctx.remember_user(pressed.code)
    await ctx.set_language(pressed.code)
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
    if dialog.flow == meetings.FLOW:
        await meetings.on_text(ctx, dialog.step, dict(dialog.data), text)
    elif dialog.flow in (feedback.NOTE_FLOW, feedback.LOG_FLOW):
        await feedback.on_text(ctx, dialog.flow, dict(dialog.data), text)
    else:  # a flow from a newer version of the bot, or a corrupted row
        await dialogs.clear(ctx.session, ctx.user_id)
        ctx.reply(ctx.t("error.no_dialog"))


async def on_other_message(ctx: Ctx) -> None:
    """Stickers, photos, voice: say what we need instead."""
    if await dialogs.get(ctx.session, ctx.user_id) is None:
        ctx.reply(ctx.t("error.no_dialog"))
        return
    await on_text(ctx)  # with no text: the dialog explains what it needs and asks again
