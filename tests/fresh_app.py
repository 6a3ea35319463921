"""A bot on its own database with the demo data, for tests that cannot use the function-scoped
fixtures (hypothesis runs many examples in one test function, each needing a clean bot)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from telegram.ext import Application

from bot.clock import FakeClock
from bot.config import Config
from bot.demo import load_demo
from bot.fakebotapi import FakeBotAPI
from bot.runtime import open_services, running_application
from bot.services.container import Services


@dataclass
class FreshBot:
    app: Application
    api: FakeBotAPI
    services: Services
    errors: list[BaseException] = field(default_factory=list)  # what handlers raised


@asynccontextmanager
async def fresh_bot(config: Config, clock: FakeClock, database: Path) -> AsyncIterator[FreshBot]:
    """The demo bot on ``database``; handler exceptions are recorded, not answered."""
    api = FakeBotAPI()
    cfg = dataclasses.replace(config, database=database)
    async with open_services(cfg, clock, strict_events=True) as services:
        await load_demo(services)
        async with running_application(
            services, request=api, with_updater=False, jobs=False
        ) as app:
            bot = FreshBot(app, api, services)

            async def record(update: object, context) -> None:
                bot.errors.append(context.error)

            app.error_handlers.clear()
            app.add_error_handler(record)
            yield bot
