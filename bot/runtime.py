"""The life of a running bot: open the database, build the Application, start and stop it."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram.request import BaseRequest

from bot.app import build_application, register_commands, schedule_jobs
from bot.clock import Clock
from bot.config import Config
from bot.context import AnyApplication
from bot.services.container import Services
from bot.storage.db import Database

log = logging.getLogger(__name__)

# How long a thread may hold the GIL while another waits for it (CPython's default: 5 ms). With
# a workbook of a year of bookings written in a worker thread (pure Python), the default let the
# event loop wait up to a second at a time for it (the stall bench, big database); at 0.5 ms the
# longest wait was 157 ms. Only matters while a worker thread runs Python code.
GIL_SWITCH_INTERVAL = 0.0005


@asynccontextmanager
async def open_services(
    config: Config, clock: Clock | None = None, *, strict_events: bool = False
) -> AsyncIterator[Services]:
    db = await Database.open(config.database)
    try:
        yield Services.create(config, db, clock, strict_events=strict_events)
    finally:
        await db.close()


@asynccontextmanager
async def running_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    with_updater: bool = True,
    jobs: bool = True,
) -> AsyncIterator[AnyApplication]:
    """An initialised and started Application; stopped and shut down on exit.

    The database is opened before the Application because persistence is read during
    ``initialize()``; it is closed after shutdown, which writes the last conversation states.
    """
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    application = build_application(services, request=request, with_updater=with_updater)
    async with application:
        await register_commands(application)
        if jobs:
            schedule_jobs(application)
        await application.start()
        try:
            yield application
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()


async def serve_telegram(config: Config) -> None:
    """Serve Telegram by long polling or webhook until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with open_services(config) as services, running_application(services) as application:
        await start_telegram_updates(application, config)
        await stop.wait()
        log.info("stopping")


async def start_telegram_updates(application: AnyApplication, config: Config) -> None:
    """Start receiving Telegram updates by long polling or webhook, as configured."""
    updater = application.updater
    assert updater is not None
    if config.telegram.mode == "webhook":
        hook = config.telegram.webhook
        url_path = hook.url.split("/", 3)[3] if hook.url.count("/") >= 3 else ""
        await updater.start_webhook(
            listen=hook.listen,
            port=hook.port,
            url_path=url_path,
            webhook_url=hook.url,
            secret_token=hook.secret_token or None,
            allowed_updates=["message", "callback_query"],
        )
        log.info("serving Telegram by webhook on %s:%s", hook.listen, hook.port)
    else:
        await updater.start_polling(
            allowed_updates=["message", "callback_query"], drop_pending_updates=False
        )
        log.info("serving Telegram by long polling")
