"""Registers the handlers with PTB and routes callback data by its prefix."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import ChatMember, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.context import Ctx, services
from bot.middleware import tandem_handler
from handlers import (
    agreement,
    broadcasts,
    buttons,
    certificates,
    common,
    companies,
    events,
    feedback,
    groups,
    matching,
    meetings,
    privacy,
    profile,
    program_settings,
    programs,
    purge,
    registration,
    reports,
    start,
    survey_admin,
    surveys,
    tandem,
)
from handlers.callbacks import unpack
from handlers.commands import COORDINATOR_COMMANDS, PARTICIPANT_COMMANDS
from handlers.guard import require_coordinator
from services.errors import Refused, Stale
from storage import housekeeping, users

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE

# Flows that declare their buttons and dialogs in the registries (handlers/buttons.py,
# handlers/dialogs.py): importing them is what registers them.
REGISTERING = (agreement,)


async def on_callback(ctx: Ctx) -> None:
    query = ctx.update.callback_query
    assert query is not None
    found = buttons.lookup(query.data)
    if found is not None:
        kind, fields = found
        if kind.type.COORDINATOR and not ctx.is_coordinator:
            raise Refused(query.data or kind.type.PREFIX)
        pressed = kind.type.unpack(fields)  # Stale when a field does not parse
        if kind.handler is None:
            raise Stale(f"no handler for {kind.type.__name__}")
        await kind.handler(ctx, pressed)
        return
    parts = unpack(query.data)
    if len(parts) < 2:
        await _forged(ctx, query.data)
        return
    prefix, rest = parts[0], parts[1:]
    handler = CALLBACKS.get(prefix)
    if handler is None:
        await _forged(ctx, query.data)
        return
    if prefix in COORDINATOR_PREFIXES and not require_coordinator(ctx, query.data or prefix):
        return
    await handler(ctx, rest)


CallbackHandler = Callable[[Ctx, list[str]], Awaitable[None]]

# Callback data is `prefix:action:args`; each flow owns its prefixes and re-checks everything.
CALLBACKS: dict[str, CallbackHandler] = {
    registration.PREFIX: registration.on_callback,
    profile.PREFIX: profile.on_callback,
    "np": programs.on_np_callback,
    "pg": programs.on_pg_callback,
    "pp": programs.on_pp_callback,
    "lg": common.on_language,
    "mg": matching.on_program_callback,
    "mt": matching.on_callback,
    "tn": tandem.on_callback,
    "td": tandem.on_coordinator_callback,
    "ev": events.on_callback,
    "ek": events.on_coordinator_callback,
    "ps": program_settings.on_callback,
    "rp": reports.on_callback,
    broadcasts.PREFIX: broadcasts.on_callback,
    surveys.PREFIX: surveys.on_callback,
    survey_admin.PREFIX: survey_admin.on_callback,
    certificates.PREFIX: certificates.on_callback,
    privacy.PREFIX: privacy.on_callback,
    purge.PREFIX: purge.on_callback,
    companies.PREFIX: companies.on_callback,
}


# Checked here, once, before any handler runs (the handlers check again: defence in depth).
COORDINATOR_PREFIXES = frozenset(
    {
        "np",
        "pg",
        "pp",
        "mg",
        "mt",
        "td",
        "ek",
        "ps",
        "rp",
        broadcasts.PREFIX,
        survey_admin.PREFIX,
        certificates.PREFIX,
        purge.PREFIX,
        companies.PREFIX,
    }
)
COORDINATOR_ONLY_COMMANDS = frozenset(COORDINATOR_COMMANDS) - frozenset(PARTICIPANT_COMMANDS)


CommandFn = Callable[[Ctx], Awaitable[None]]


def coordinator_only(name: str, fn: CommandFn) -> CommandFn:
    async def guarded(ctx: Ctx) -> None:
        if require_coordinator(ctx, name):
            await fn(ctx)

    return guarded


def answered(fn: CommandFn) -> CommandFn:
    """Where a refusal (`Refused`) or a stale press or dialog (`Stale`) raised anywhere below a
    handler is answered: audited and said, as an alert on a button, as a message otherwise. Both
    are raised before anything was changed, so the audit row commits alone."""

    async def run(ctx: Ctx) -> None:
        try:
            await fn(ctx)
        except Refused as refused:
            log.warning("user %s refused %r", ctx.user_id, refused.what)
            ctx.uow.audit("refused", what=refused.what[:64])
            key = "error.all_programs_only" if refused.all_programs else "error.not_allowed"
            if ctx.update.callback_query is not None:
                ctx.answer(ctx.t.plain(key), alert=True)
            else:
                ctx.reply(ctx.t(key))
        except Stale as stale:
            query = ctx.update.callback_query
            data = query.data if query is not None else None
            ctx.uow.audit("bad_callback", data=(data or "")[:64], reason=stale.reason[:100])
            if query is not None:
                ctx.answer(ctx.t.plain(stale.key), alert=stale.alert)
                if stale.edit:
                    ctx.edit(None)
            else:
                ctx.reply(ctx.t(stale.key))

    return functools.wraps(fn)(run)


async def _forged(ctx: Ctx, data: str | None) -> None:
    housekeeping.audit(
        ctx.session, user_id=ctx.user_id, action="bad_callback", now=ctx.now, data=(data or "")[:64]
    )
    ctx.answer(ctx.t.plain("error.stale_button"))


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells us when a user blocks or unblocks the bot; remember it."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type != "private":
        await groups.on_added_to_group(update, context)
        return
    reachable = change.new_chat_member.status not in (ChatMember.BANNED, ChatMember.LEFT)
    async with services(context.application).db.session() as session:
        await users.set_reachable(session, change.chat.id, reachable)
    log.info("user %s %s the bot", change.chat.id, "unblocked" if reachable else "blocked")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    command: dict[str, CommandFn] = {
        "start": start.start,
        "help": common.help_command,
        "cancel": common.cancel,
        "language": common.language,
        "profile": profile.show,
        "newprogram": programs.new_program,
        "programs": programs.list_programs,
        "makecoordinator": programs.make_coordinator,
        "revokecoordinator": programs.revoke_coordinator,
        "match": matching.match_command,
        "companies": companies.companies_command,
        "tandem": tandem.tandem_command,
        "tandems": tandem.tandems_command,
        "meet": meetings.meet_command,
        "feedback": feedback.feedback_command,
        "events": events.events_command,
        "survey": survey_admin.survey_command,
        "mydata": privacy.mydata_command,
        "deleteme": privacy.deleteme_command,
        "purge": purge.purge_command,
        "pause": privacy.pause_command,
        "resume": privacy.resume_command,
        "stats": reports.stats_command,
        "export": reports.export_command,
        "certificates": certificates.certificates_command,
        "broadcast": broadcasts.broadcast_command,
    }
    assert command.keys() >= COORDINATOR_ONLY_COMMANDS
    for name, fn in command.items():
        if name in COORDINATOR_ONLY_COMMANDS:
            fn = coordinator_only(name, fn)
        app.add_handler(CommandHandler(name, tandem_handler(answered(fn)), filters=PRIVATE))
    app.add_handler(
        MessageHandler(PRIVATE & filters.COMMAND, tandem_handler(common.unknown_command))
    )
    app.add_handler(
        MessageHandler(PRIVATE & filters.TEXT, tandem_handler(answered(common.on_text)))
    )
    app.add_handler(
        MessageHandler(
            PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
            tandem_handler(answered(common.on_other_message)),
        )
    )
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, groups.on_group_command)
    )
    app.add_handler(CallbackQueryHandler(tandem_handler(answered(on_callback))))
    app.add_handler(ChatMemberHandler(on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
