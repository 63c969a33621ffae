"""The one error handler: log without secrets, tell the user something went wrong, never crash."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Conflict, NetworkError
from telegram.ext import ContextTypes

from bot.context import services
from bot.i18n import resolve_language, translator

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, Conflict):
        log.error("another instance is polling with this token: %s", error)
        return
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        log.warning("network trouble talking to Telegram: %s", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    svc = services(context.application)
    t = translator(
        resolve_language(None, update.effective_user.language_code, svc.settings.default_language)
    )
    if update.callback_query is not None:
        await svc.messenger.answer(update.callback_query.id, t.plain("error.internal"), alert=True)
    elif update.effective_chat is not None and update.effective_chat.type == "private":
        await svc.messenger.send(update.effective_chat.id, t("error.internal"))
