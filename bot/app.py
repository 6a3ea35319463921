"""Builds the PTB Application from the configuration: the one place that assembles handlers/."""

from __future__ import annotations

import importlib
import logging
import warnings
from types import ModuleType
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationBuilder,
    BaseHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

import handlers.ask
import handlers.common
import handlers.errors
import handlers.flow
import handlers.intents
import handlers.private_chat
import handlers.start
from bot.context import AnyApplication, BotContext, BotData
from bot.i18n import LANGUAGES, N_
from bot.services.container import Services
from bot.storage.persistence import SQLitePersistence

log = logging.getLogger(__name__)

# Our flows deliberately use per_message=False (a conversation follows the user, not one message;
# old buttons are recognised by the flows themselves), so PTB's advice about it is noise here.
warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)

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
    # Deep links (/start CODE) must be seen before the plain /start: the booking QR code's
    # /start ci_CODE (staff check-in, /hadir, /daftarhadir, /tutup) comes first.
    "handlers.checkin",
    "handlers.start",
    # Staff reports and residents' data rights: plain commands, no conversation.
    "handlers.staff",
    "handlers.staff_audit",
    "handlers.staff_places",
    "handlers.privacy",
    # Home visits: the staff side first (a staff member's reply to its "why?" prompt must reach
    # it before any resident flow could take the text), then the family flow (/rumah, "rumah"
    # sentences; inside the flow a "rumah" sentence is just the answer to the current step).
    "handlers.visit_staff",
    "handlers.visit",
    # Booking (/daftar, "daftar" sentences; its steps take typed names, NIKs and dates) and
    # /saya, which also lists the home visits; before the answerers, like every flow.
    "handlers.booking",
    "handlers.mine",
    # School recording days: the staff flow (/acara; its steps take a staff member's typed dates
    # and hours) before the parents' flow (/sekolah, "sekolah" sentences; typed school names,
    # the student's name and NIK), after booking, whose engine books the seats.
    "handlers.school_staff",
    "handlers.school",
    # Staff announcements (/siaran; its steps take the composing staff member's typed text) and
    # residents' subscriptions (/langganan takes typed kecamatan names only, so questions typed
    # meanwhile still reach the answerer); the sender's job starts scheduled broadcasts.
    "handlers.broadcast",
    "handlers.subscribe",
    # /pengingat, and typed "matikan pengingat" after the flows (typed text inside a flow is the
    # flow's) but before the answerers; also the outbox dispatcher job.
    "handlers.reminders",
    # Where/when answers, reports and ask-staff after the flows: a shared location or typed text
    # inside another flow belongs to that flow. The staff group's replies are caught in
    # handlers.handoff (replies to forwarded questions and reports).
    "handlers.places",
    "handlers.complaint",
    "handlers.handoff",
    # Free text goes to the question answerer only when no flow above wanted it: keep it last.
    "handlers.ask",
)


def feature_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FEATURE_MODULES]


def handler_groups() -> dict[int, list[BaseHandler[Any, Any, Any]]]:
    """Every handler, by group. Order matters inside a group: the first match wins."""
    return {
        # Before anything else: remember the user and pick their language (never stops the update).
        -10: [TypeHandler(Update, handlers.common.prepare_context)],
        # Then, in groups only: what would open a personal flow gets a link to the private chat
        # instead and stops here (design.md §7 rule 6; the flows are in private_chat.FLOWS).
        -8: [TypeHandler(Update, handlers.private_chat.guard)],
        # Then the conversation engine: typed answers, buttons and locations of the user's open
        # flow (handlers/flow); it stops the update when the flow took it, else lets it through
        # to the features below (a question typed mid-flow is answered by handlers.ask).
        -6: [TypeHandler(Update, handlers.flow.route)],
        0: [
            *(handler for module in feature_modules() for handler in module.HANDLERS),
            # Last in the same group, so that it only sees what no feature took: a button no
            # handler recognised is old or forged. (In a later group it would answer every
            # button a second time.)
            *handlers.start.FALLBACK_HANDLERS,
        ],
    }


def build_application(
    services: Services,
    *,
    request: BaseRequest | None = None,
    with_updater: bool = True,
) -> AnyApplication:
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
    # A question typed in the middle of a flow is answered by the question answerer; a private
    # flow opened in a group (past the group guard) links to the private chat.
    handlers.flow.REGISTRY.answerer = handlers.ask.on_text
    handlers.flow.REGISTRY.private_redirect = handlers.private_chat.link_to_private_chat
    handlers.intents.watch(application)
    return application


async def register_commands(application: AnyApplication) -> None:
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


def schedule_jobs(application: AnyApplication) -> None:
    """The few named repeating jobs; what is due always comes from the database (design.md §6)."""
    if application.job_queue is None:
        return
    for name, callback, interval in job_table(application.bot_data.services):
        application.job_queue.run_repeating(callback, interval=interval, first=1, name=name)


def job_table(services: Services) -> list[tuple[str, Any, float]]:
    """(name, callback, seconds) for every background job of every feature module."""
    # Unfinished flows' drafts hold personal data: gone after conversation.draft_hours.
    table: list[tuple[str, Any, float]] = [
        ("flow_drafts_expiry", handlers.flow.expire_drafts, 3600)
    ]
    for module in feature_modules():
        jobs = getattr(module, "jobs", None)
        if jobs is not None:
            table.extend(jobs(services))
    return table
