"""Webhook events in, Updates to the Application: the inbound half of the WhatsApp channel."""

from __future__ import annotations

import logging
from typing import Any

from bot.context import AnyApplication
from bot.fakebotapi import to_update
from bot.i18n import N_
from bot.services.container import Services
from bot.services.outbox import RESEND
from bot.storage.whatsapp import WhatsAppStore
from bot.whatsapp import layout
from bot.whatsapp.bridge import WhatsAppBotAPI, delivery_outcome
from bot.whatsapp.inbound import Inbound, Status, as_bot_api, read_events

log = logging.getLogger(__name__)

OPEN_LIST = N_("Choose")
MORE = N_("More ▶")
MORE_DESCRIPTION = N_("Show the next choices")
OR_ELSE = N_("Or:")
# Meta retries an unacknowledged webhook for up to 7 days; message ids older than that can go.
KEEP_INBOUND_SECONDS = 8 * 24 * 3600


def words_for(services: Services) -> Any:
    """The layout's own words in each resident's language (their /bahasa choice, else the
    default: WhatsApp does not tell the phone's language)."""

    def words(chat: int) -> layout.Words:
        lang = services.users.cached_language(chat) or services.config.default_language
        t = services.translator(lang)
        return layout.Words(
            t.gettext(OPEN_LIST),
            t.gettext(MORE),
            t.gettext(MORE_DESCRIPTION),
            language=lang,
            or_else=t.gettext(OR_ELSE),
        )

    return words


class WhatsAppChannel:
    def __init__(
        self, application: AnyApplication, bridge: WhatsAppBotAPI, store: WhatsAppStore
    ) -> None:
        self.application = application
        self.bridge = bridge
        self.store = store
        self.pruned_at = 0
        services: Services = application.bot_data.services
        services.events.subscribe("user.erased", self._forget)

    async def _forget(self, user_id: int, **_: Any) -> None:
        self.bridge.forget_chat(user_id)  # a WhatsApp user's chat id is their user id

    async def receive(self, payload: dict[str, Any]) -> int:
        """Handle one webhook post; returns how many new messages it carried."""
        messages, statuses = read_events(payload)
        now = self.bridge.now()
        for status in statuses:
            await self._status(status, now)
        if now - self.pruned_at >= 3600:
            self.pruned_at = now
            await self.store.forget_inbound_before(now - KEEP_INBOUND_SECONDS)
        handled = 0
        for message in messages:
            # WhatsApp posts a message again until it gets a 200: act on it once.
            if not await self.store.first_time(message.message_id, now):
                continue
            handled += 1
            await self._dispatch(message, now)
        return handled

    async def _status(self, status: Status, now: int) -> None:
        """A delivery report: recorded, and passed on to the outbox row the message carried
        (a failure becomes a template sent again, a retry later, or an unreachable resident)."""
        outbox_id = await self.store.record_status(
            status.message_id, status.status, now, status.error_code
        )
        if outbox_id is None:
            return
        outcome = None
        if status.status == "failed":
            outcome = delivery_outcome(status.error_code)
            if outcome == RESEND:
                self.bridge.window_closed(status.wa_id)
        services: Services = self.application.bot_data.services
        await services.outbox.delivery_reported(
            outbox_id, status.status, outcome, f"WhatsApp error {status.error_code}"
        )

    async def _dispatch(self, message: Inbound, now: int) -> None:
        user = await self.store.user_for(message.wa_id, now)
        self.bridge.remember(user.id, user.wa_id, user.last_inbound_at)
        services: Services = self.application.bot_data.services
        await services.outbox.window_opened(user.id)
        person: dict[str, Any] = {
            "id": user.id,
            "is_bot": False,
            "first_name": message.name or "Warga",
        }
        mirror = self.bridge.mirror
        if message.reply_id.startswith(layout.MORE_PREFIX):
            if await self._next_page(user.id, message.reply_id):
                return
            data = mirror.callback_update(person, self.bridge.origin(user.id, ""), "stale")
        elif message.reply_id.startswith(layout.TEXT_PREFIX):
            data = mirror.message_update(person, message.reply_id[len(layout.TEXT_PREFIX) :])
        elif message.reply_id:
            origin = self.bridge.origin(user.id, message.context_id)
            data = mirror.callback_update(person, origin, message.reply_id)
        elif message.is_location:
            location = {"latitude": message.latitude, "longitude": message.longitude}
            data = mirror.message_update(person, "", location=location)
        elif message.attachment:
            data = mirror.message_update(person, "", **as_bot_api(message))
        else:
            data = mirror.message_update(person, message.text)
        if "callback_query" in data:
            # Marks the callback as WhatsApp's, so that its answer comes back to this chat.
            query_id = "wa" + data["callback_query"]["id"]
            data["callback_query"]["id"] = query_id
            self.bridge.callbacks[query_id] = user.id
        await self.application.process_update(to_update(data, self.application.bot))

    async def _next_page(self, chat: int, reply_id: str) -> bool:
        try:
            message_id, page = (int(x) for x in reply_id[len(layout.MORE_PREFIX) :].split(":"))
        except ValueError:
            return False
        return await self.bridge.show_page(chat, message_id, page)
