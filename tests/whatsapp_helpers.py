"""Fixtures for WhatsApp tests: the real Application behind the WhatsApp bridge, a fake Cloud API,
and a phone that posts webhook events."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.context import BotContext
from bot.fakebotapi import FakeBotAPI
from bot.runtime import running_application
from bot.services.container import Services
from bot.storage.whatsapp import WhatsAppStore
from bot.whatsapp.bridge import WhatsAppBotAPI
from bot.whatsapp.channel import WhatsAppChannel, words_for
from bot.whatsapp.cloud import FakeCloudAPI
from bot.whatsapp.phone import WhatsAppPhone

_numbers = itertools.count(1)


@dataclass
class WhatsAppRig:
    channel: WhatsAppChannel
    bridge: WhatsAppBotAPI
    cloud: FakeCloudAPI
    telegram: FakeBotAPI
    store: WhatsAppStore

    def phone(self, name: str = "Siti") -> WhatsAppPhone:
        # A fresh number per phone: the booking service limits bookings per account.
        return WhatsAppPhone(self.channel, self.cloud, f"62812{next(_numbers):07d}", name)


@pytest.fixture(name="wa")
async def wa_fixture(services: Services, clock) -> AsyncIterator[WhatsAppRig]:
    cloud = FakeCloudAPI()
    telegram = FakeBotAPI()
    store = WhatsAppStore(services.db)
    bridge = WhatsAppBotAPI(
        cloud,
        store,
        telegram,
        words=words_for(services),
        now=lambda: int(clock.now().timestamp()),
    )
    errors: list[BaseException] = []

    async def record(update: object, context: BotContext) -> None:
        errors.append(context.error or RuntimeError("unknown error"))

    async with running_application(
        services, request=bridge, with_updater=False, jobs=False
    ) as application:
        application.error_handlers.clear()
        application.add_error_handler(record)
        yield WhatsAppRig(
            WhatsAppChannel(application, bridge, store), bridge, cloud, telegram, store
        )
    if errors:
        raise AssertionError(f"handler raised: {errors[0]!r}") from errors[0]
