"""Builds the PTB Application from the configuration: the one place that assembles handlers/."""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest

import handlers.common
import handlers.errors
import handlers.start
from bot.context import BotContext, BotData
from bot.i18n import LANGUAGES, N_
from bot.services.container import Services
from bot.storage.persistence import SQLitePersistence

log = logging.getLogger(__name__)

# Any syntactically valid token will do when an in-process Bot API answers instead of Telegram.
OFFLINE_TOKEN = "1000000001:OFFLINE-console-and-tests-token-xxxxxxxxx"

# Commands shown in Telegram's menu, per language (descriptions go through the catalogs).
COMMANDS = [
    ("start", N_("Main menu")),
    ("lokasi", N_("Where to record")),
    ("jadwal", N_("Opening hours and service days")),
    ("daftar", N_("Book a recording slot")),
    ("saya", N_("My bookings and requests")),
    ("sekolah", N_("School recording events")),
    ("rumah", N_("Home visit for the sick, elderly, disabled")),
    ("tanya", N_("Ask Disdukcapil staff")),
    ("lapor", N_("Report extortion or bad service")),
    ("langganan", N_("Announcements for your kecamatan")),
    ("pengingat", N_("Reminders on or off")),
    ("bahasa", N_("Bahasa Indonesia / English")),
    ("bantuan", N_("What this bot can do")),
    ("batal", N_("Leave the current step")),
]


# The feature modules of handlers/, in the order their handlers are tried (group 0; first match
# wins). Each exports HANDLERS and may export jobs(services) -> [(name, callback, seconds)].
FEATURE_MODULES: tuple[str, ...] = (
    # Deep links (/start CODE) must be seen before the plain /start.
    "handlers.start",
    # Staff reports and residents' data rights: plain commands, no conversation.
    "handlers.staff",
    "handlers.staff_places",
    "handlers.privacy",
    # /pengingat, and typed "matikan pengingat" before the question answerer takes free text; also
    # the outbox dispatcher job.
    "handlers.reminders",
    # Free text goes to the question answerer only when no flow above wanted it: keep it last.
)


def feature_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FEATURE_MODULES]


def handler_groups() -> dict[int, list[BaseHandler]]:
    """Every handler, by group. Order matters inside a group: the first match wins."""
    return {
        # Before anything else: remember the user and pick their language (never stops the update).
        -10: [TypeHandler(Update, handlers.common.prepare_context)],
        0: [handler for module in feature_modules() for handler in module.HANDLERS],
        # Last: a button no handler above recognised is old or forged.
        10: handlers.start.FALLBACK_HANDLERS,
    }


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    with_updater: bool = True,
) -> Application:
    """The Application for Telegram (``request=None``) or for an in-process Bot API."""
    config = services.config
    token = config.telegram.token or OFFLINE_TOKEN
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(config.telegram.base_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=config.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .persistence(SQLitePersistence(services.db))
        # One update at a time keeps each user's steps in order; handlers are short and the
        # slow work (reminders, broadcasts) runs in jobs, not in handlers.
        .concurrent_updates(False)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if not with_updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data.services = services
    for group, group_handlers in handler_groups().items():
        application.add_handlers(group_handlers, group=group)
    application.add_error_handler(handlers.errors.on_error)
    return application


async def register_commands(application: Application) -> None:
    """Publish the command list per language; a failure is logged, never fatal."""
    services: Services = application.bot_data.services
    try:
        for lang in LANGUAGES:
            t = services.translator(lang)
            commands = [BotCommand(name, t.gettext(text)) for name, text in COMMANDS]
            await application.bot.set_my_commands(commands, language_code=lang)
        default = services.translator(services.config.default_language)
        await application.bot.set_my_commands(
            [BotCommand(name, default.gettext(text)) for name, text in COMMANDS]
        )
    except TelegramError as exc:
        log.warning("could not register the bot commands: %s", type(exc).__name__)


def schedule_jobs(application: Application) -> None:
    """The few named repeating jobs; what is due always comes from the database (design.md §6)."""
    if application.job_queue is None:
        return
    for name, callback, interval in job_table(application.bot_data.services):
        application.job_queue.run_repeating(callback, interval=interval, first=1, name=name)


def job_table(services: Services) -> list[tuple[str, Any, float]]:
    """(name, callback, seconds) for every background job of every feature module."""
    table: list[tuple[str, Any, float]] = []
    for module in feature_modules():
        jobs = getattr(module, "jobs", None)
        if jobs is not None:
            table.extend(jobs(services))
    return table
