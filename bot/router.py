"""Registers the handlers with PTB: every command, free text to the dialogs, every press to the
handler of its typed button kind; refusals and stale presses are answered here, in one place."""

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

from bot import buttons
from bot.commands import COORDINATOR_COMMANDS, PARTICIPANT_COMMANDS
from bot.context import Ctx, services
from bot.middleware import tandem_handler
from handlers import (
    agreement,
    broadcasts,
    certificates,
    common,
    companies,
    event_edits,
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
    registrations,
    reports,
    start,
    survey_admin,
    surveys,
    tandem,
    tandem_notes,
)
from services import access
from services.errors import Refused, Stale

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE

# Flows that declare their buttons and dialogs in the registries (bot/buttons.py,
# bot/dialogs.py): importing them is what registers them.
REGISTERING = (
    agreement,
    surveys,
    program_settings,
    registration,
    registrations,
    event_edits,
    tandem_notes,
)


CommandFn = Callable[[Ctx], Awaitable[None]]

# Every command a user can type, and the function it goes to (docs/architecture.md maps each
# to its use case). The coordinators' commands are refused to everyone else before they run.
COMMANDS: dict[str, CommandFn] = {
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
COORDINATOR_ONLY_COMMANDS = frozenset(COORDINATOR_COMMANDS) - frozenset(PARTICIPANT_COMMANDS)
assert COMMANDS.keys() >= COORDINATOR_ONLY_COMMANDS


async def on_callback(ctx: Ctx) -> None:
    """A press goes to the handler of its registered kind, typed (bot/buttons.py). A kind
    for coordinators is refused to anyone else before its data is even parsed; data that names
    no kind, or a field that does not parse, is stale (answered and audited in `answered`)."""
    query = ctx.update.callback_query
    assert query is not None
    found = buttons.lookup(query.data)
    if found is None:
        raise Stale("forged")
    kind, fields = found
    if kind.type.COORDINATOR:
        access.require_coordinator(ctx.uow, query.data or kind.type.PREFIX)
    pressed = kind.type.unpack(fields)
    if kind.handler is None:
        raise Stale(f"no handler for {kind.type.__name__}")
    await kind.handler(ctx, pressed)


def _coordinator_prefixes() -> frozenset[str]:
    """Prefixes whose every kind is for coordinators; the security test forges presses on each."""
    kinds = [kind.type for kind in buttons.REGISTRY.values()]
    return frozenset(k.PREFIX for k in kinds if k.COORDINATOR) - {
        k.PREFIX for k in kinds if not k.COORDINATOR
    }


COORDINATOR_PREFIXES = _coordinator_prefixes()


def coordinator_only(name: str, fn: CommandFn) -> CommandFn:
    async def guarded(ctx: Ctx) -> None:
        access.require_coordinator(ctx.uow, name)
        await fn(ctx)

    return guarded


def answered(fn: CommandFn) -> CommandFn:
    """Where a refusal (`Refused`) or a stale press or dialog (`Stale`) raised anywhere below a
    handler is answered: audited and said, as an alert on a button, as a message otherwise. Both
    are raised before anything was changed (at most the dialog that led there was ended), and
    the audit row commits with that."""

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


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells us when a user blocks or unblocks the bot; remember it."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type != "private":
        await groups.on_added_to_group(update, context)
        return
    reachable = change.new_chat_member.status not in (ChatMember.BANNED, ChatMember.LEFT)
    await services(context.application).set_reachable(change.chat.id, reachable)
    log.info("user %s %s the bot", change.chat.id, "unblocked" if reachable else "blocked")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for name, fn in COMMANDS.items():
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
