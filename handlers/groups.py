"""Group chats: the bot works in private chats only, and says so.

Profiles, tandems, feedback and the coordinators' tools are personal; none of it may appear
where colleagues read along. Every flow is registered for private chats only, so a group
message never reaches one. A command in a group gets one line pointing to the private chat
(no data, no buttons); when someone adds the bot to a group, it says the same and leaves.
Nothing about a group or its members is stored.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.context import services
from bot.i18n import translator
from bot.settings import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)


def _hint(update: Update, bot_username: str, default: str) -> str:
    user = update.effective_user
    language = user.language_code if user and user.language_code else default
    language = language if language in SUPPORTED_LANGUAGES else default
    return translator(language)("group.private_only", bot=bot_username)


async def on_group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context.application)
    text = _hint(update, svc.bot_username, svc.settings.default_language)
    await svc.messenger.send(chat.id, text)


async def on_added_to_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    if change.new_chat_member.status not in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        return
    svc = services(context.application)
    await svc.messenger.send(
        change.chat.id, _hint(update, svc.bot_username, svc.settings.default_language)
    )
    _, outcome = await svc.messenger.request(
        "leaveChat", lambda: context.bot.leave_chat(change.chat.id), chat_id=change.chat.id
    )
    log.info("added to a group chat; left it: %s", outcome.value)
