"""Plays a WhatsApp resident against the channel: builds the webhook posts a phone's taps and
typing produce, and reads back what the Cloud API was asked to show. The console's WhatsApp mode
and the tests use it."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.cloud import FakeCloudAPI, Outgoing

_inbound_ids = itertools.count(1)


class NoSuchOption(LookupError):
    pass


def webhook_post(wa_id: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
    """A webhook body as the Cloud API posts it, carrying one message from ``wa_id``."""
    message = {
        "from": wa_id,
        "id": f"wamid.IN{next(_inbound_ids)}",
        "timestamp": str(int(time.time())),
        **message,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6280000000000", "phone_number_id": "100"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": text}}


def reply_message(outgoing: Outgoing, option: dict[str, Any]) -> dict[str, Any]:
    kind = "button_reply" if outgoing.kind == "button" else "list_reply"
    reply = {"id": option["id"], "title": option["title"]}
    return {
        "type": "interactive",
        "context": {"from": "6280000000000", "id": outgoing.wamid},
        "interactive": {"type": kind, kind: reply},
    }


def location_message(latitude: float, longitude: float) -> dict[str, Any]:
    return {"type": "location", "location": {"latitude": latitude, "longitude": longitude}}


class WhatsAppPhone:
    def __init__(
        self, channel: WhatsAppChannel, cloud: FakeCloudAPI, wa_id: str, name: str = "Siti"
    ) -> None:
        self.channel = channel
        self.cloud = cloud
        self.wa_id = wa_id
        self.name = name

    @property
    def inbox(self) -> list[Outgoing]:
        return self.cloud.to(self.wa_id)

    @property
    def last(self) -> Outgoing:
        return self.inbox[-1]

    def last_with_options(self) -> Outgoing | None:
        return next((o for o in reversed(self.inbox) if o.options), None)

    async def post(self, message: dict[str, Any]) -> list[Outgoing]:
        before = len(self.inbox)
        await self.channel.receive(webhook_post(self.wa_id, self.name, message))
        return self.inbox[before:]

    async def write(self, text: str) -> list[Outgoing]:
        return await self.post(text_message(text))

    async def share_location(self, latitude: float, longitude: float) -> list[Outgoing]:
        return await self.post(location_message(latitude, longitude))

    async def press(self, choice: str | int, outgoing: Outgoing | None = None) -> list[Outgoing]:
        """Tap a reply button or list row by 1-based number, title or title prefix."""
        outgoing = outgoing or self.last_with_options()
        if outgoing is None:
            raise NoSuchOption("no message with buttons or a list")
        return await self.post(reply_message(outgoing, find_option(outgoing, choice)))


def find_option(outgoing: Outgoing, choice: str | int) -> dict[str, Any]:
    options = outgoing.options
    if isinstance(choice, int) or choice.strip().isdigit():
        index = int(choice) - 1
        if 0 <= index < len(options):
            return options[index]
        raise NoSuchOption(f"no option number {choice}")
    wanted = choice.strip().casefold()
    for match in (
        lambda title: title == wanted,
        lambda title: title.lstrip("".join(c for c in title[:3] if not c.isalnum())) == wanted,
        lambda title: wanted in title,
    ):
        for option in options:
            if match(option["title"].casefold()):
                return option
    raise NoSuchOption(f"no option {choice!r}; options: {[o['title'] for o in options]}")
