"""/pengingat: reminders on or off; and the background jobs that send the outbox.

The Telegram side of the outbox dispatcher also lives here: ``TelegramSender`` delivers a rendered
``Notice`` through the PTB bot and turns Telegram's errors into the dispatcher's delivery errors.
"""

from __future__ import annotations

import math
import re
import weakref
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.ratelimit import TELEGRAM_MESSAGES_PER_SECOND, TokenBucket
from bot.services.container import Services
from bot.services.outbox import DeliveryError, FloodWait, Notice, Transient, Unreachable
from bot.services.reminders import REM
from handlers.common import reply, stop_other_groups, user_id_of
from handlers.keyboards import MENU, MENU_MINE, link_markup
from handlers.reminder_notices import KIND_LABELS  # also registers the reminders' renderers

# --- the Telegram side of the dispatcher -------------------------------------------------------


def _delivery_error(exc: TelegramError) -> DeliveryError:
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        return FloodWait(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
    if isinstance(exc, Forbidden):
        return Unreachable(f"forbidden: {exc.message}")
    if isinstance(exc, ChatMigrated):
        return DeliveryError(f"chat migrated to {exc.new_chat_id}")
    if isinstance(exc, BadRequest):
        if "chat not found" in exc.message.lower():
            return Unreachable(f"bad request: {exc.message}")
        return DeliveryError(f"bad request: {exc.message}")
    if isinstance(exc, NetworkError):  # timeouts, 5xx, connection errors
        return Transient(f"{type(exc).__name__}: {exc.message}")
    return DeliveryError(f"{type(exc).__name__}: {exc.message}")


# Keyed by the bot object's identity: PTB bots compare equal by bot id, and two Applications of the
# same bot (tests, restarts in one process) must not share a bucket bound to another event loop.
_BUCKETS: dict[int, tuple[weakref.ref[Any], TokenBucket]] = {}


def _bucket_of(bot: Any, rate: float) -> TokenBucket:
    entry = _BUCKETS.get(id(bot))
    if entry is None or entry[0]() is not bot:
        entry = (weakref.ref(bot), TokenBucket(rate))
        _BUCKETS[id(bot)] = entry
    return entry[1]


class TelegramSender:
    """The outbox ``Sender`` for Telegram (or anything that speaks the Bot API through PTB)."""

    def __init__(self, bot: Any, rate: float = TELEGRAM_MESSAGES_PER_SECOND) -> None:
        self.bot = bot
        # One bucket per bot, shared by every sender of it (outbox and broadcasts alike); an
        # infinite rate (benchmarks on the in-process Bot API) means no bucket.
        self.bucket = _bucket_of(bot, rate) if math.isfinite(rate) else None

    async def send(self, chat_id: int, notice: Notice) -> None:
        if self.bucket is not None:
            await self.bucket.acquire()
        try:
            await self.bot.send_message(
                chat_id=chat_id, text=notice.text, reply_markup=link_markup(notice.buttons)
            )
        except TelegramError as exc:
            raise _delivery_error(exc) from exc

    async def send_venue(self, chat_id: int, venue: tuple[float, float, str, str]) -> None:
        latitude, longitude, title, address = venue
        if self.bucket is not None:
            await self.bucket.acquire()
        try:
            await self.bot.send_venue(
                chat_id=chat_id,
                latitude=latitude,
                longitude=longitude,
                title=title[:100] or "-",
                address=address[:100] or "-",
            )
        except TelegramError as exc:
            raise _delivery_error(exc) from exc


async def dispatch_outbox(context: BotContext) -> None:
    """Job: send every outbox message that is due."""
    application = context.application
    await context.services.outbox.dispatch(
        TelegramSender(context.bot, context.services.config.telegram.max_messages_per_second),
        keep_going=lambda: application.running,
    )


async def plan_followed_events(context: BotContext) -> None:
    """Job: plan the day-before reminders of events at followed schools."""
    await context.services.reminders.plan_followed_events()


def jobs(services: Services) -> list[tuple[str, Any, float]]:
    return [
        ("outbox.dispatch", dispatch_outbox, services.config.reminders.poll_seconds),
        ("reminders.plan_followed_events", plan_followed_events, 3600),
    ]


# --- /pengingat ----------------------------------------------------------------------------------

_OFF_WORDS = ("mati", "off", "nonaktif", "stop", "berhenti", "matikan", "nonaktifkan")
_ON_WORDS = ("nyala", "on", "aktif", "hidup", "nyalakan", "aktifkan", "hidupkan")
# Typed sentences: "matikan pengingat", "stop pengingat", "turn off reminders", "nyalakan lagi
# pengingatnya", "reminders on".
_TYPED_OFF = re.compile(
    r"^\s*(?:tolong\s+)?(?:matikan|nonaktifkan|hentikan|stop|berhenti|jangan\s+kirim|"
    r"turn\s+off|switch\s+off|disable)\b.*\b(?:pengingat\w*|reminders?)\b|"
    r"^\s*(?:pengingat\w*|reminders?)\s+(?:off|mati|dimatikan|stop)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_TYPED_ON = re.compile(
    r"^\s*(?:tolong\s+)?(?:nyalakan|aktifkan|hidupkan|turn\s+on|switch\s+on|enable)\b.*"
    r"\b(?:pengingat\w*|reminders?)\b|"
    r"^\s*(?:pengingat\w*|reminders?)\s+(?:on|nyala|dinyalakan|aktif)\s*[.!]*\s*$",
    re.IGNORECASE,
)


async def _status_text(context: BotContext, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    t = context.t
    _ = t.gettext
    cfg = services.config.reminders
    on = await services.reminders.enabled(user_id)
    quiet = _("Nothing is sent between {start} and {end}.").format(
        start=t.time(cfg.quiet_start), end=t.time(cfg.quiet_end)
    )
    if on:
        if cfg.same_day_hours_before:
            booking = t.ngettext(
                "before each booking, the evening before at {time} and {n} hour before it starts;",
                "before each booking, the evening before at {time} and {n} hours before "
                "it starts;",
                cfg.same_day_hours_before,
            ).format(time=t.time(cfg.day_before_at), n=t.number(cfg.same_day_hours_before))
        else:
            booking = _("before each booking, the evening before at {time};").format(
                time=t.time(cfg.day_before_at)
            )
        lines = [
            _("🔔 <b>Reminders are on.</b>"),
            "",
            _("You get a reminder:"),
            "• " + booking,
            "• " + _("the day before a home visit;"),
            "• " + _("the day before an event at a school you follow."),
            quiet,
        ]
        upcoming = await services.reminders.upcoming(user_id)
        if upcoming:
            lines += ["", _("<b>Next reminders</b>")]
            for item in upcoming:
                when = services.clock.local(item.due_at)
                label = t.gettext(KIND_LABELS.get(item.kind, item.kind))
                lines.append(f"• {t.datetime(when)} – {label}")
        else:
            lines += ["", _("No reminder is planned for you right now.")]
        toggle = InlineKeyboardButton(
            _("🔕 Turn off reminders"), callback_data=REM.pack("off", "s")
        )
    else:
        lines = [
            _("🔕 <b>Reminders are off.</b>"),
            "",
            _(
                "You will not be reminded of your bookings, home visits or school events. "
                "Messages about changes to them still reach you."
            ),
        ]
        toggle = InlineKeyboardButton(_("🔔 Turn on reminders"), callback_data=REM.pack("on", "s"))
    markup = InlineKeyboardMarkup(
        [[toggle], [InlineKeyboardButton(_("📋 My bookings"), callback_data=MENU.pack(MENU_MINE))]]
    )
    return "\n".join(lines), markup


async def _switch(update: Update, context: BotContext, on: bool, *, edit: bool = False) -> None:
    services = context.services
    user_id = user_id_of(update)
    await services.reminders.set_enabled(user_id, on)
    _ = context.t.gettext
    done = _("Done: reminders are on.") if on else _("Done: reminders are off.")
    text, markup = await _status_text(context, user_id)
    await reply(update, context, f"{done}\n\n{text}", markup, edit=edit)
    stop_other_groups()  # answered: the stale-button fallback must not answer too


async def reminders_command(update: Update, context: BotContext) -> None:
    """/pengingat [mati|nyala]: show the state, or switch at once."""
    args = [a.lower() for a in (context.args or [])]
    if args and args[0] in _OFF_WORDS:
        await _switch(update, context, False)
        return
    if args and args[0] in _ON_WORDS:
        await _switch(update, context, True)
        return
    text, markup = await _status_text(context, user_id_of(update))
    await reply(update, context, text, markup)
    stop_other_groups()


async def reminders_button(update: Update, context: BotContext) -> None:
    """The on/off buttons: on the /pengingat message (edited in place) or under a reminder
    (answered with a new message, so the reminder stays readable)."""
    query = update.callback_query
    try:
        fields = REM.unpack(query.data if query else None)
    except ValueError:
        fields = {"action": "", "source": ""}
    if fields["action"] not in ("on", "off"):
        _ = context.t.gettext
        if query is not None:
            await query.answer(
                _("This button is no longer active. Type /start for the menu."), show_alert=True
            )
        stop_other_groups()
    await _switch(update, context, fields["action"] == "on", edit=fields["source"] == "s")


async def typed_off(update: Update, context: BotContext) -> None:
    await _switch(update, context, False)


async def typed_on(update: Update, context: BotContext) -> None:
    await _switch(update, context, True)


HANDLERS = [
    CommandHandler(["pengingat", "reminders"], reminders_command),
    CallbackQueryHandler(reminders_button, pattern=REM.pattern),
    MessageHandler(filters.TEXT & ~filters.COMMAND & filters.Regex(_TYPED_OFF), typed_off),
    MessageHandler(filters.TEXT & ~filters.COMMAND & filters.Regex(_TYPED_ON), typed_on),
]
