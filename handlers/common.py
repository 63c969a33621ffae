"""/help, /cancel, /language, and everything that fits no flow."""

from __future__ import annotations

from typing import Literal, cast

from bot import commands, dialogs
from bot.buttons import Button, button, on
from bot.commands import commands_for
from bot.context import Ctx
from bot.i18n import translator
from bot.settings import SUPPORTED_LANGUAGES
from handlers.keyboards import button as key
from handlers.keyboards import rows
from handlers.views.contact import line
from services import conversation, program_contact


async def help_command(ctx: Ctx) -> None:
    names = commands_for(ctx.is_coordinator, ctx.coordinates(None))
    lines = [ctx.t("help.line", command=name, text=ctx.t.plain(f"cmd.{name}")) for name in names]
    key = "help.coordinator" if ctx.is_coordinator else "help.participant"
    text = ctx.t(key) + "\n\n" + "\n".join(lines)
    if not ctx.is_coordinator:  # whom to ask when the bot cannot help: each program's team
        found = await program_contact.mine(ctx.uow)
        several = len(found) > 1
        contacts = [line(ctx.t, c, p.name if several else None) for p, c in found]
        if contacts:
            text += "\n\n" + "\n".join(contacts)
    ctx.reply(text)


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
    services, user_id, chosen = ctx.services, ctx.user_id, str(pressed.code)
    ctx.after_commit.append(lambda: commands.follow_language(services, user_id, chosen))


async def unknown_command(ctx: Ctx) -> None:
    ctx.reply(ctx.t("error.unknown_command"))


async def on_text(ctx: Ctx) -> None:
    """Free text goes to whichever dialog the user is in."""
    message = ctx.update.effective_message
    await dialogs.on_text(ctx, message.text if message is not None else None)


async def on_other_message(ctx: Ctx) -> None:
    """Stickers, photos, voice: the dialog says what it needs instead, and asks again."""
    await dialogs.on_text(ctx, None)
