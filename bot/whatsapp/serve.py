"""``python -m bot run`` with ``[whatsapp]`` configured: one Application serves the WhatsApp
webhook and, with a bot token, Telegram too (staff stay on Telegram; the staff group, reminders
for Telegram users and every other Bot API call go there)."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from telegram.request import BaseRequest, HTTPXRequest

from bot.config import Config
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application, start_telegram_updates
from bot.storage.whatsapp import WhatsAppStore
from bot.whatsapp.bridge import WhatsAppBotAPI
from bot.whatsapp.channel import WhatsAppChannel, words_for
from bot.whatsapp.cloud import HttpCloudClient
from bot.whatsapp.webhook import start_webhook

log = logging.getLogger(__name__)


async def serve_whatsapp(config: Config) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    wa = config.whatsapp
    client = HttpCloudClient(
        access_token=wa.access_token,
        phone_number_id=wa.phone_number_id,
        api_version=wa.api_version,
        base_url=wa.base_url,
    )
    # Without a bot token there is no Telegram side: its calls are answered in-process (and
    # dropped), so a WhatsApp-only deployment still starts.
    telegram: BaseRequest = (
        HTTPXRequest(connection_pool_size=8) if config.has_token else FakeBotAPI()
    )
    if not config.has_token:
        log.warning("no Telegram bot token: messages for the staff group are not delivered")
    try:
        async with open_services(config) as services:
            store = WhatsAppStore(services.db)
            bridge = WhatsAppBotAPI(
                client,
                store,
                telegram,
                words=words_for(services),
                now=lambda: int(services.clock.now().timestamp()),
                notice_template=wa.notice_template,
                template_names=wa.templates,
                messages_per_second=wa.messages_per_second,
                daily_conversations=wa.daily_conversations,
            )
            async with running_application(
                services, request=bridge, with_updater=config.has_token
            ) as application:
                server = start_webhook(
                    WhatsAppChannel(application, bridge, store),
                    path=wa.path,
                    app_secret=wa.app_secret,
                    verify_token=wa.verify_token,
                    listen=wa.listen,
                    port=wa.port,
                )
                log.info("serving the WhatsApp webhook on %s:%s%s", wa.listen, wa.port, wa.path)
                if config.has_token:
                    await start_telegram_updates(application, config)
                await stop.wait()
                log.info("stopping")
                server.stop()
    finally:
        await client.close()
