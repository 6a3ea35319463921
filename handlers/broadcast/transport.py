"""The sender's Telegram side (deliveries, the author's progress message) and its job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from html import escape
from typing import Any

from telegram.error import BadRequest, TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import Translator
from bot.services.broadcast import (
    Broadcast,
    Progress,
)
from bot.services.container import Services
from bot.services.outbox import Notice
from bot.storage.broadcasts import Recipient
from handlers.broadcast.flow import TICK_SECONDS
from handlers.broadcast.views import announcement_notice, progress_text, stop_markup

log = logging.getLogger(__name__)


class TelegramTransport:
    """The sender's messenger: delivers announcements and keeps the author's progress message."""

    def __init__(self, application: Application) -> None:
        from handlers.reminders import TelegramSender

        self.application = application
        self.services: Services = application.bot_data.services
        self.sender = TelegramSender(
            application.bot, self.services.config.telegram.max_messages_per_second
        )
        self._translators: dict[str, Translator] = {}
        self._notices: dict[tuple[int, str], Notice] = {}
        self._progress_messages: dict[int, tuple[int, int] | None] = {}

    def _t(self, lang: str | None) -> Translator:
        lang = lang or self.services.config.default_language
        if lang not in self._translators:
            self._translators[lang] = self.services.translator(lang)
        return self._translators[lang]

    async def deliver(self, broadcast: Broadcast, recipient: Recipient) -> None:
        t = self._t(recipient.language)
        key = (broadcast.id, t.lang)
        notice = self._notices.get(key)
        if notice is None:
            notice = self._notices[key] = announcement_notice(t, broadcast)
        await self.sender.send(recipient.user_id, notice)

    async def report(self, broadcast: Broadcast, progress: Progress) -> None:
        services = self.services
        language = broadcast.details.get("author_language")
        t = self._t(language or await services.users.language(broadcast.author_id))
        text = progress_text(t, progress, services.broadcasts.rate)
        markup = None if progress.final else stop_markup(t, broadcast.id)
        bot = self.application.bot
        if broadcast.id not in self._progress_messages:
            current = await services.broadcasts.get(broadcast.id)
            self._progress_messages[broadcast.id] = (
                (current.progress_chat_id, current.progress_message_id)
                if current.progress_chat_id and current.progress_message_id
                else None
            )
        where = self._progress_messages[broadcast.id]
        edited = False
        if where is not None:
            try:
                await bot.edit_message_text(
                    text, chat_id=where[0], message_id=where[1], reply_markup=markup
                )
                edited = True
            except BadRequest as exc:
                edited = "not modified" in exc.message.lower()
        if not edited and not progress.final:
            message = await bot.send_message(broadcast.author_id, text, reply_markup=markup)
            self._progress_messages[broadcast.id] = (message.chat_id, message.message_id)
            await services.broadcasts.set_progress_message(
                broadcast.id, message.chat_id, message.message_id
            )
        if progress.final:
            # An edit does not notify: the final report also comes as a message of its own.
            await bot.send_message(broadcast.author_id, text)
            group = services.config.staff.group_chat_id
            if group and group != broadcast.author_id:
                g = self._t(services.config.default_language)
                note = g.gettext("📢 Announcement #{id} by staff member {author}:").format(
                    id=broadcast.id, author=escape(_staff_label(services, broadcast.author_id))
                )
                try:
                    await bot.send_message(
                        group, note + "\n" + progress_text(g, progress, services.broadcasts.rate)
                    )
                except TelegramError:
                    log.warning("broadcast %d: staff group report failed", broadcast.id)
            self._progress_messages.pop(broadcast.id, None)

    def active(self) -> bool:
        return self.application.running

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # Tracked by the Application: stop() waits for it, and the sender winds down as soon as
        # the application stops running (claimed rows go back to pending).
        return self.application.create_task(coro, name="broadcast-sender")


async def tick(context: BotContext) -> None:
    """Job: start scheduled broadcasts that are due; resume one interrupted by a restart."""
    await context.services.broadcasts.tick(TelegramTransport(context.application))


def jobs(services: Services) -> list[tuple[str, Any, float]]:
    return [("broadcast.tick", tick, TICK_SECONDS)]


def _staff_label(services: Services, user_id: int) -> str:
    """The staff member's name from the config, else their Telegram id."""
    member = services.staff(user_id)
    return member.label if member is not None else str(user_id)
