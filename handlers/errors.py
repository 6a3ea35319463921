"""The error handler: log the failure without personal data, tell the user what to do next."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import BotContext

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: BotContext) -> None:
    """Log first (type, handler, no message text), then apologise to the user if there is one."""
    error = context.error
    kind = "update" if isinstance(update, Update) else "job"
    log.error("unhandled error in %s: %s", kind, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return  # the user blocked the bot: nobody to tell
    _ = context.t.gettext
    text = _(
        "Sorry, something went wrong on our side and your last step was not completed. "
        "Please try again, or type /start to go back to the menu. If it keeps happening, "
        "type /tanya to reach our staff."
    )
    try:
        await update.effective_chat.send_message(text)
    except (NetworkError, TelegramError):
        log.warning("could not tell the user about the error")
