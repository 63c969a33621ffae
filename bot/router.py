"""Registers the handlers with PTB: every command, free text to the dialogs, every press to the
handler of its typed button kind; refusals and stale presses are answered here, in one place."""

from __future__ import annotations

import functools
import importlib
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

from bot import buttons, dialogs
from bot.commands import COORDINATOR_COMMANDS, PARTICIPANT_COMMANDS
from bot.context import Ctx, services
from bot.middleware import tandem_handler
from handlers import common
from services import access
from services.errors import Refused, Stale

log = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE

CommandFn = Callable[[Ctx], Awaitable[None]]

# The flows are imported on first use, not at start: a start imports only what the first answer
# needs (docs/performance.md, "Start-up"). `handlers.common` (/help, text, the fallbacks) is the
# one flow imported at start. These tables say where everything lives; a test imports every flow
# and checks them against the registries (tests/unit/test_startup_imports.py), so a command,
# button or dialog added to a flow without its line here fails there, not in production.

# Every command a user can type, and the function it goes to ("module:function";
# docs/architecture.md maps each to its use case). The coordinators' commands are refused to
# everyone else before they run, and before their flow is imported.
COMMANDS: dict[str, str] = {
    "start": "handlers.start:start",
    "help": "handlers.common:help_command",
    "cancel": "handlers.common:cancel",
    "language": "handlers.common:language",
    "profile": "handlers.profile:show",
    "newprogram": "handlers.programs:new_program",
    "programs": "handlers.programs:list_programs",
    "makecoordinator": "handlers.programs:make_coordinator",
    "revokecoordinator": "handlers.programs:revoke_coordinator",
    "match": "handlers.matching:match_command",
    "companies": "handlers.companies:companies_command",
    "tandem": "handlers.tandem:tandem_command",
    "tandems": "handlers.tandem:tandems_command",
    "meet": "handlers.meetings:meet_command",
    "feedback": "handlers.feedback:feedback_command",
    "events": "handlers.events:events_command",
    "survey": "handlers.survey_admin:survey_command",
    "mydata": "handlers.privacy:mydata_command",
    "deleteme": "handlers.privacy:deleteme_command",
    "purge": "handlers.purge:purge_command",
    "pause": "handlers.privacy:pause_command",
    "resume": "handlers.privacy:resume_command",
    "stats": "handlers.reports:stats_command",
    "export": "handlers.reports:export_command",
    "certificates": "handlers.certificates:certificates_command",
    "broadcast": "handlers.broadcasts:broadcast_command",
}
COORDINATOR_ONLY_COMMANDS = frozenset(COORDINATOR_COMMANDS) - frozenset(PARTICIPANT_COMMANDS)
assert COMMANDS.keys() >= COORDINATOR_ONLY_COMMANDS

# The flows that handle the presses of each button prefix (bot/buttons.py): all of them are
# imported before a press is looked up, so every kind of the prefix has its handler. Data with
# a prefix not named here imports nothing and is answered as stale.
BUTTONS: dict[str, tuple[str, ...]] = {
    "ag": ("handlers.agreement",),
    "bc": ("handlers.broadcasts",),
    "ct": ("handlers.certificates",),
    "cy": ("handlers.companies",),
    "dm": ("handlers.privacy",),
    "ek": ("handlers.event_edits", "handlers.events"),
    "ev": ("handlers.events",),
    "fb": ("handlers.feedback",),
    "hm": ("handlers.tandem",),
    "lg": ("handlers.common",),
    "me": ("handlers.meetings",),
    "mg": ("handlers.matching",),
    "mt": ("handlers.matching",),
    "np": ("handlers.programs",),
    "pf": ("handlers.profile",),
    "pg": ("handlers.programs", "handlers.registrations"),
    "pp": ("handlers.programs", "handlers.registrations"),
    "ps": ("handlers.program_settings",),
    "pu": ("handlers.purge",),
    "rg": ("handlers.registration",),
    "rp": ("handlers.reports",),
    "sk": ("handlers.survey_admin",),
    "sv": ("handlers.surveys",),
    "td": ("handlers.tandem", "handlers.tandem_notes"),
    "tn": ("handlers.meetings", "handlers.tandem", "handlers.tandem_notes"),
}

# The flow that handles the text of each dialog (bot/dialogs.py), imported when a user in that
# dialog writes.
DIALOGS: dict[str, str] = {
    "broadcast": "handlers.broadcasts",
    "certificates": "handlers.certificates",
    "companies": "handlers.companies",
    "concern": "handlers.tandem",
    "contact": "handlers.program_settings",
    "dissolve": "handlers.tandem",
    "event": "handlers.events",
    "event_edit": "handlers.event_edits",
    "exclude": "handlers.matching",
    "fblog": "handlers.feedback",
    "fbnote": "handlers.feedback",
    "meet": "handlers.meetings",
    "newprogram": "handlers.programs",
    "ppedit": "handlers.registrations",
    "profile": "handlers.profile",
    "reg": "handlers.registration",
    "reject": "handlers.registrations",
    "reveal": "handlers.matching",
    "settings": "handlers.program_settings",
    "survey": "handlers.surveys",
    "survey_edit": "handlers.survey_admin",
    "tdnote": "handlers.tandem_notes",
    "tdreply": "handlers.tandem_notes",
}

# Handed to the registries, which import from them before they look (`bot` names no handler
# module itself; the router is the wiring).
buttons.FLOWS_OF_PREFIX.update(BUTTONS)
dialogs.FLOW_MODULES.update(DIALOGS)

# Every flow module, for whoever needs the registries complete.
FLOW_MODULES = tuple(
    sorted(
        {path.partition(":")[0] for path in COMMANDS.values()}
        | {module for modules in BUTTONS.values() for module in modules}
        | set(DIALOGS.values())
        | {"handlers.groups"}
    )
)


def load_all() -> None:
    """Import every flow, so that the registries hold every button kind and dialog: for the
    security tests, the fuzzers and the architecture map, which read them whole."""
    for module in FLOW_MODULES:
        importlib.import_module(module)


def command_function(name: str) -> CommandFn:
    """The function of a command, its flow imported if this is the first use."""
    module, _, attr = COMMANDS[name].partition(":")
    fn: CommandFn = getattr(importlib.import_module(module), attr)
    return fn


def _command(name: str) -> CommandFn:
    async def run(ctx: Ctx) -> None:
        await command_function(name)(ctx)

    run.__name__ = run.__qualname__ = COMMANDS[name].partition(":")[2]
    return run


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


def coordinator_prefixes() -> frozenset[str]:
    """Prefixes whose every kind is for coordinators; the security test forges presses on each."""
    load_all()
    kinds = [kind.type for kind in buttons.REGISTRY.values()]
    return frozenset(k.PREFIX for k in kinds if k.COORDINATOR) - {
        k.PREFIX for k in kinds if not k.COORDINATOR
    }


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


def _groups() -> Any:
    """The group messages' module, which most bots never need (imported on first use)."""
    return importlib.import_module("handlers.groups")


async def on_group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _groups().on_group_command(update, context)


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram tells us when a user blocks or unblocks the bot; remember it."""
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type != "private":
        await _groups().on_added_to_group(update, context)
        return
    reachable = change.new_chat_member.status not in (ChatMember.BANNED, ChatMember.LEFT)
    await services(context.application).set_reachable(change.chat.id, reachable)
    log.info("user %s %s the bot", change.chat.id, "unblocked" if reachable else "blocked")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for name in COMMANDS:
        fn = _command(name)
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
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, on_group_command))
    app.add_handler(CallbackQueryHandler(tandem_handler(answered(on_callback))))
    app.add_handler(ChatMemberHandler(on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
