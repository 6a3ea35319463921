"""/siaran (staff): compose an announcement, choose who receives it, preview, send now or later,
watch its progress and stop it.

Two kinds: free text (Indonesian, optionally English), or a weekend-service announcement (place,
dates, hours, seats) that also creates the bookable service days and is written from a template
in each recipient's language. Operators broadcast only to their own kecamatan; admins to anyone.

The Telegram side of the sender lives here too: :class:`TelegramTransport` delivers through the
bot and edits the author's progress message; the job ``broadcast.tick`` starts scheduled
broadcasts and resumes an interrupted one after a restart.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Coroutine
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.i18n import Translator
from bot.regions import District
from bot.services.broadcast import (
    Audience,
    Broadcast,
    BroadcastError,
    Progress,
    ServiceAnnouncement,
    parse_dates,
    parse_hours,
    parse_seats,
    parse_when,
)
from bot.services.container import Services
from bot.services.outbox import Notice
from bot.storage.broadcasts import Recipient
from bot.storage.places import Place
from handlers.common import reply, staff_member, staff_only
from handlers.keyboards import MENU, MENU_BOOK, button, rows
from handlers.pickers import kecamatan_keyboard, parse_pick
from handlers.subscribe import final, stop_button

log = logging.getLogger(__name__)

# Buttons of the compose flow carry the draft's nonce: a button of an earlier draft is stale.
BC = CallbackCodec("bc", "nonce", "action", "arg")
# Buttons outside the flow (progress message, list of open broadcasts): stop a broadcast.
BCX = CallbackCodec("bcx", "action", "id")
PICK_PATTERN = r"^bk[0-9a-f]{4}:"
DRAFT = "broadcast_draft"
TICK_SECONDS = 5

STEPS = (
    "menu",
    "text_id",
    "text_en",
    "s_kec",
    "s_place",
    "s_dates",
    "s_hours",
    "s_seats",
    "audience",
    "a_kec",
    "a_school_kec",
    "a_school",
    "preview",
    "when",
    "confirm",
)
HOUR_CHOICES = ("08:00-12:00", "08:00-15:00", "13:00-17:00", "16:00-21:00")
SEAT_CHOICES = (5, 10, 20, 30)
WEEKENDS_OFFERED = 4
YES_WORDS = {"ya", "y", "yes", "ok", "oke", "kirim", "send", "setuju", "lanjut"}
BACK_WORDS = {"kembali", "back", "balik", "sebelumnya"}
NOW_WORDS = {"kirim", "kirim sekarang", "sekarang", "send", "send now", "now"}
LATER_WORDS = {"jadwalkan", "nanti", "schedule", "later", "jadwal"}
EVERYONE_WORDS = {"semua", "semuanya", "everyone", "all", "semua pelanggan"}


# --- what recipients see (the preview uses the same functions) ---------------------------------


def announcement_markup(t: Translator, kind: str) -> InlineKeyboardMarkup:
    """The buttons under an announcement, in the recipient's language."""
    button_rows: list[list[InlineKeyboardButton]] = []
    if kind == "service":
        button_rows.append([button(t.gettext("📝 Book a slot"), MENU.pack(MENU_BOOK))])
    button_rows.append([stop_button(t)])
    return InlineKeyboardMarkup(button_rows)


def announcement_notice(t: Translator, broadcast: Broadcast) -> Notice:
    markup = announcement_markup(t, broadcast.kind)
    buttons = [[(b.text, str(b.callback_data)) for b in row] for row in markup.inline_keyboard]
    return Notice(broadcast.text_for(t.lang), buttons)


def service_announcement_text(
    t: Translator, place: Place, kecamatan: str, service: ServiceAnnouncement
) -> str:
    """The weekend-service announcement, written from the template in ``t``'s language."""
    _ = t.gettext
    weekend = all(d.weekday() >= 5 for d in service.dates)
    title = _("Weekend e-KTP recording service") if weekend else _("Extra e-KTP recording service")
    lines = [
        f"📢 <b>{title}</b>",
        "",
        _("📍 <b>{place}</b>, Kecamatan {kecamatan}").format(
            place=escape(place.name), kecamatan=escape(kecamatan)
        ),
    ]
    if place.address:
        lines.append(escape(place.address))
    lines.append("")
    lines.append(t.ngettext("🗓 Date:", "🗓 Dates:", len(service.dates)))
    lines.extend(f"• {t.date(d)}" for d in service.dates)
    lines.append(_("🕗 Hours: {hours}").format(hours=t.time_range(service.opens, service.closes)))
    lines.append(
        t.ngettext(
            "💺 {n} seat per time slot", "💺 {n} seats per time slot", service.seats_per_slot
        ).format(n=t.number(service.seats_per_slot))
    )
    lines.append("")
    lines.append(
        _(
            "Recording is <b>free of charge</b>. Bring your original Kartu Keluarga (KK). "
            "Book a slot so that you do not have to queue: /daftar"
        )
    )
    return "\n".join(lines)


# --- progress and reports ----------------------------------------------------------------------


def duration_text(t: Translator, seconds: float) -> str:
    """'45 seconds', '12 minutes', '1 hour 7 minutes'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return t.ngettext("{n} second", "{n} seconds", seconds).format(n=t.number(seconds))
    minutes = round(seconds / 60)
    if minutes < 60:
        return t.ngettext("{n} minute", "{n} minutes", minutes).format(n=t.number(minutes))
    hours, minutes = divmod(minutes, 60)
    text = t.ngettext("{n} hour", "{n} hours", hours).format(n=t.number(hours))
    if minutes:
        text += " " + t.ngettext("{n} minute", "{n} minutes", minutes).format(n=t.number(minutes))
    return text


def progress_text(t: Translator, progress: Progress, rate: float) -> str:
    _ = t.gettext
    n = t.number
    number = progress.broadcast_id
    if not progress.final:
        head = _("📤 <b>Announcement #{id}</b>: sending…").format(id=number)
    elif progress.status == "cancelled":
        head = _("⏹ <b>Announcement #{id} stopped</b>").format(id=number)
    else:
        head = _("✅ <b>Announcement #{id} finished</b>").format(id=number)
    lines = [
        head,
        _("Sent: {sent} of {total}").format(sent=n(progress.sent), total=n(progress.total)),
        _("Failed: {n}").format(n=n(progress.failed)),
        _("Blocked the bot: {n} (their subscriptions were ended)").format(n=n(progress.blocked)),
    ]
    if progress.cancelled:
        lines.append(_("Not sent (stopped): {n}").format(n=n(progress.cancelled)))
    if not progress.final:
        left = progress.pending
        lines.append(
            _("Left: {n} (about {duration})").format(
                n=n(left), duration=duration_text(t, left / rate if rate else 0)
            )
        )
    elif progress.elapsed:
        lines.append(_("Took: {duration}").format(duration=duration_text(t, progress.elapsed)))
    return "\n".join(lines)


def stop_markup(t: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(t.gettext("⏹ Stop sending"), BCX.pack("stop", broadcast_id))]]
    )


class TelegramTransport:
    """The sender's messenger: delivers announcements and keeps the author's progress message."""

    def __init__(self, application: Application) -> None:
        from handlers.reminders import TelegramSender

        self.application = application
        self.services: Services = application.bot_data.services
        self.sender = TelegramSender(application.bot)
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
                    id=broadcast.id, author=broadcast.author_id
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


# --- the draft -----------------------------------------------------------------------------------


def _draft(context: BotContext) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


def _picker_codec(draft: dict[str, Any]) -> CallbackCodec:
    return CallbackCodec("bk" + str(draft.get("nonce", "0000")), "kind", "value")


def _nav(t: Translator, draft: dict[str, Any], *, back: bool = True) -> list[InlineKeyboardButton]:
    _ = t.gettext
    nonce = draft["nonce"]
    buttons = []
    if back:
        buttons.append(button(_("◀️ Back"), BC.pack(nonce, "back")))
    buttons.append(button(_("✖️ Cancel"), BC.pack(nonce, "cancel")))
    return buttons


def _member(update: Update, context: BotContext) -> StaffMember:
    member = staff_member(update, context)
    assert member is not None  # every handler here is @staff_only
    return member


def _allowed_districts(context: BotContext, member: StaffMember) -> list[District]:
    return [d for d in context.services.served_districts if member.may_manage(d.code)]


def _district_name(context: BotContext, code: str) -> str:
    district = context.services.regions.districts.get(code)
    return district.name if district else code


def _audience(draft: dict[str, Any]) -> Audience:
    data = draft.get("audience") or {}
    return Audience(
        kind=data.get("kind", "all"),
        kecamatan=tuple(data.get("kecamatan") or ()),
        school_id=data.get("school_id"),
        without_booking=bool(data.get("without_booking")),
    )


def _set_audience(draft: dict[str, Any], **changes: Any) -> None:
    audience = dict(draft.get("audience") or {})
    audience.update(changes)
    draft["audience"] = audience


def _service(draft: dict[str, Any]) -> ServiceAnnouncement:
    return ServiceAnnouncement(
        place_id=int(draft["place_id"]),
        dates=tuple(date.fromisoformat(d) for d in draft.get("dates", [])),
        opens=time.fromisoformat(draft["opens"]),
        closes=time.fromisoformat(draft["closes"]),
        seats_per_slot=int(draft["seats"]),
    )


async def describe_audience(context: BotContext, audience: Audience) -> str:
    _ = context.t.gettext
    if audience.kind == "kecamatan":
        names = ", ".join(escape(_district_name(context, c)) for c in audience.kecamatan)
        text = _("subscribers for {kecamatan} (and those subscribed to everything)").format(
            kecamatan=names
        )
    elif audience.kind == "school":
        school = (
            await context.services.places.school(audience.school_id)
            if audience.school_id is not None
            else None
        )
        text = _("followers of {school}").format(school=escape(school.name) if school else "?")
    else:
        text = _("everyone subscribed to announcements")
    if audience.without_booking:
        text += _(", only residents with no active booking")
    return text


def _error_text(context: BotContext, error: Exception) -> str:
    t = context.t
    _ = t.gettext
    if isinstance(error, NotAllowed):
        return _("You may only send announcements for your own kecamatan.")
    if isinstance(error, NotFound):
        return _("That announcement no longer exists.")
    code = getattr(error, "code", "")
    params = getattr(error, "params", {})
    messages = {
        "empty_text": _("The announcement is empty. Please type its text."),
        "text_too_long": _(
            "That is too long for one Telegram message ({length} of at most {limit} "
            "characters, formatting included). Please shorten it."
        ),
        "no_dates": _("Please choose at least one date."),
        "too_many_dates": _("At most {limit} dates in one announcement, please."),
        "past_date": _("{date} has already passed. Please choose a coming date."),
        "far_date": _(
            "{date} is too far ahead (at most {days} days). Please choose an earlier date."
        ),
        "bad_hours": _("The closing time must be after the opening time."),
        "bad_seats": _("Seats per time slot must be between 1 and 1000."),
        "place_unknown": _("That place no longer exists or is closed."),
        "past_time": _("That time has already passed. Please choose a time to come."),
        "unknown_kecamatan": _("That kecamatan is not one we serve."),
        "unknown_school": _("That school is unknown."),
        "empty_audience": _("Please choose who should receive the announcement."),
        "not_open": _("This announcement has already finished or was stopped."),
    }
    text = messages.get(code, _("That did not work. Please try again."))
    values = {
        key: (t.date(value) if isinstance(value, date) else value) for key, value in params.items()
    }
    try:
        return text.format(
            **{k: t.number(v) if isinstance(v, int) else v for k, v in values.items()}
        )
    except (KeyError, IndexError):
        return text


# --- showing a step ------------------------------------------------------------------------------


async def _render(
    update: Update, context: BotContext, step: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    _ = t.gettext
    draft = _draft(context)
    nonce = draft["nonce"]
    member = _member(update, context)
    services = context.services
    if step == "menu":
        open_count = len(await services.broadcasts.open_broadcasts(member))
        markup = InlineKeyboardMarkup(
            [
                [button(_("✍️ Free text"), BC.pack(nonce, "kind", "text"))],
                [
                    button(
                        _("📅 Weekend service (creates the service days)"),
                        BC.pack(nonce, "kind", "service"),
                    )
                ],
                [
                    button(
                        _("📋 Scheduled and running ({n})").format(n=t.number(open_count)),
                        BC.pack(nonce, "list"),
                    )
                ],
                [button(_("✖️ Close"), BC.pack(nonce, "cancel"))],
            ]
        )
        text = _(
            "📢 <b>Announcement to residents</b>\n"
            "What would you like to send? (/batal to stop at any time)"
        )
        return text, markup
    if step == "text_id":
        text = _(
            "✍️ Type the announcement in <b>Indonesian</b>, exactly as residents should read "
            "it. Bold, italic and links you use are kept."
        )
        return text, InlineKeyboardMarkup([_nav(t, draft)])
    if step == "text_en":
        text = _(
            "Now the <b>English</b> version for residents who chose English, or press Skip: "
            "they then receive the Indonesian text."
        )
        markup = InlineKeyboardMarkup(
            [[button(_("⏭ Skip"), BC.pack(nonce, "skip"))], _nav(t, draft)]
        )
        return text, markup
    if step in ("s_kec", "a_kec", "a_school_kec"):
        districts = _allowed_districts(context, member)
        chosen = set(_audience(draft).kecamatan) if step == "a_kec" else set()
        labelled = [
            District(d.code, d.regency_code, f"{d.name} ✅" if d.code in chosen else d.name)
            for d in districts
        ]
        extra = [_nav(t, draft)]
        if step == "a_kec":
            extra.insert(
                0,
                [
                    button(
                        _("✔️ Done ({n} chosen)").format(n=t.number(len(chosen))),
                        BC.pack(nonce, "kecdone"),
                    )
                ],
            )
            text = _(
                "📍 Which kecamatan? Press each one (several are fine), then Done. You can also "
                "type their names."
            )
        elif step == "s_kec":
            text = _("📍 Where is the service? Choose the kecamatan, or type its name.")
        else:
            text = _("🏫 In which kecamatan is the school? Choose it, or type its name.")
        page = int(draft.get("page", 0))
        markup = kecamatan_keyboard(t, _picker_codec(draft), labelled, page, extra_rows=extra)
        return text, markup
    if step == "s_place":
        code = draft.get("kec", "")
        places = await services.places.places(kecamatan_code=code)
        text = _("Which place in {kecamatan}? Choose it, or type part of its name.").format(
            kecamatan=escape(_district_name(context, code))
        )
        if not places:
            text = _("There is no recording place in {kecamatan} yet.").format(
                kecamatan=escape(_district_name(context, code))
            )
        place_rows = [[button(p.name[:60], BC.pack(nonce, "place", p.id))] for p in places]
        return text, InlineKeyboardMarkup([*place_rows, _nav(t, draft)])
    if step == "s_dates":
        chosen = [date.fromisoformat(d) for d in draft.get("dates", [])]
        today = services.clock.today()
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        offered = []
        for week in range(WEEKENDS_OFFERED):
            for extra_day in (0, 1):
                day = saturday + timedelta(days=7 * week + extra_day)
                if day >= today:
                    offered.append(day)
        day_buttons = [
            button(
                ("✅ " if day in chosen else "") + t.date_short(day),
                BC.pack(nonce, "date", day.strftime("%Y%m%d")),
            )
            for day in offered
        ]
        text = _(
            "🗓 Which dates? Press each day (several are fine), then Done. Or type them, "
            "e.g. <i>28/11, 29/11</i>."
        )
        if chosen:
            text += "\n" + _("Chosen: {dates}").format(
                dates=", ".join(t.date_short(d) for d in sorted(chosen))
            )
        markup = InlineKeyboardMarkup(
            [
                *rows(day_buttons, 2),
                [button(_("✔️ Done"), BC.pack(nonce, "datesdone"))],
                _nav(t, draft),
            ]
        )
        return text, markup
    if step == "s_hours":
        hour_buttons = []
        for choice in HOUR_CHOICES:
            opens, closes = (time.fromisoformat(x) for x in choice.split("-"))
            hour_buttons.append(
                button(
                    t.time_range(opens, closes),
                    BC.pack(nonce, "hours", choice.replace(":", "").replace("-", "")),
                )
            )
        text = _("🕗 Opening hours? Choose, or type them, e.g. <i>08.00-12.00</i>.")
        return text, InlineKeyboardMarkup([*rows(hour_buttons, 2), _nav(t, draft)])
    if step == "s_seats":
        place = await services.places.place(int(draft.get("place_id", 0)))
        minutes = place.slot_minutes if place else 60
        seat_buttons = [button(t.number(n), BC.pack(nonce, "seats", n)) for n in SEAT_CHOICES]
        text = _(
            "💺 How many seats per time slot ({minutes}-minute slots)? Choose, or type a number."
        ).format(minutes=t.number(minutes))
        return text, InlineKeyboardMarkup([seat_buttons, _nav(t, draft)])
    if step == "audience":
        audience = _audience(draft)
        buttons: list[list[InlineKeyboardButton]] = []
        if member.role == "admin":
            buttons.append([button(_("🌐 Everyone subscribed"), BC.pack(nonce, "aud", "all"))])
        place_kec = draft.get("kec") if draft.get("kind") == "service" else None
        if place_kec and member.may_manage(place_kec):
            buttons.append(
                [
                    button(
                        _("📍 Subscribers for {kecamatan}").format(
                            kecamatan=_district_name(context, place_kec)
                        ),
                        BC.pack(nonce, "aud", "placekec"),
                    )
                ]
            )
        buttons.append([button(_("📍 Choose kecamatan…"), BC.pack(nonce, "aud", "kec"))])
        buttons.append([button(_("🏫 Followers of a school…"), BC.pack(nonce, "aud", "school"))])
        toggle = (
            _("☑️ Only residents with no active booking")
            if audience.without_booking
            else _("⬜ Only residents with no active booking")
        )
        buttons.append([button(toggle, BC.pack(nonce, "nobook"))])
        buttons.append(_nav(t, draft))
        text = _(
            "👥 Who should receive it? Only residents who subscribed to announcements (or "
            "follow the school) receive them."
        )
        return text, InlineKeyboardMarkup(buttons)
    if step == "a_school":
        schools = await services.places.schools(draft.get("school_kec") or None)
        text = _("🏫 Which school? Choose it, or type part of its name.")
        if not schools:
            text = _("There is no school in that kecamatan.")
        school_rows = [[button(s.name[:60], BC.pack(nonce, "school", s.id))] for s in schools]
        return text, InlineKeyboardMarkup([*school_rows, _nav(t, draft)])
    if step == "preview":
        audience = _audience(draft)
        count = await services.broadcasts.audience_count(audience)
        seconds = services.broadcasts.estimate_seconds(count)
        lines = [
            _("👥 Recipients now: <b>{n}</b> ({audience})").format(
                n=t.number(count), audience=await describe_audience(context, audience)
            ),
            _("⏱ Estimated time: about {duration} at {rate} messages a second.").format(
                duration=duration_text(t, max(1.0, seconds)),
                rate=t.number(services.broadcasts.rate),
            ),
        ]
        if draft.get("kind") == "service":
            lines.append(
                _(
                    "The service days are created when you confirm; residents can book them "
                    "at once."
                )
            )
        buttons = []
        if count:
            buttons.append([button(_("🚀 Send now"), BC.pack(nonce, "now"))])
        else:
            lines.append(_("Nobody would receive it now; you can still schedule it."))
        buttons.append([button(_("🕒 Schedule…"), BC.pack(nonce, "later"))])
        buttons.append(_nav(t, draft))
        return "\n".join(lines), InlineKeyboardMarkup(buttons)
    if step == "when":
        now = services.clock.now()
        choices = []
        for day_offset, hour in ((0, 18), (1, 7), (1, 12), (1, 18)):
            moment = datetime.combine(
                now.date() + timedelta(days=day_offset), time(hour), tzinfo=now.tzinfo
            )
            if moment > now:
                choices.append(
                    button(
                        t.datetime(moment),
                        BC.pack(nonce, "at", moment.strftime("%Y%m%d%H%M")),
                    )
                )
        text = _(
            "🕒 When should it go out? Choose, or type a day and time, e.g. <i>besok 07.00</i> "
            "or <i>28/11 08.30</i>."
        )
        return text, InlineKeyboardMarkup([*rows(choices, 2), _nav(t, draft)])
    if step == "confirm":
        audience = _audience(draft)
        count = await services.broadcasts.audience_count(audience)
        if draft.get("send_at"):
            when = datetime.fromisoformat(draft["send_at"])
            text = _(
                "Schedule this announcement for <b>{when}</b>? It goes to whoever is subscribed "
                "then (<b>{n}</b> now)."
            ).format(when=t.datetime(when), n=t.number(count))
            yes = _("✅ Yes, schedule it")
        else:
            text = t.ngettext(
                "Send this announcement to <b>{n}</b> recipient now?",
                "Send this announcement to <b>{n}</b> recipients now?",
                count,
            ).format(n=t.number(count))
            yes = _("✅ Yes, send now")
        text += "\n" + _("Messages that have been sent cannot be recalled.")
        markup = InlineKeyboardMarkup([[button(yes, BC.pack(nonce, "yes"))], _nav(t, draft)])
        return text, markup
    raise ValueError(f"unknown step {step!r}")


async def _show(update: Update, context: BotContext, step: str, *, edit: bool) -> str:
    draft = _draft(context)
    draft["step"] = step
    if step == "preview":
        await _send_preview(update, context)
        edit = False
    text, markup = await _render(update, context, step)
    await reply(update, context, text, markup, edit=edit)
    return step


async def _goto(update: Update, context: BotContext, step: str, *, edit: bool) -> str:
    draft = _draft(context)
    current = draft.get("step")
    if current and current != step:
        draft.setdefault("stack", []).append(current)
    draft["page"] = 0
    return await _show(update, context, step, edit=edit)


async def _back(update: Update, context: BotContext, *, edit: bool) -> str:
    draft = _draft(context)
    stack = draft.get("stack") or []
    step = stack.pop() if stack else "menu"
    draft["stack"] = stack
    draft["page"] = 0
    return await _show(update, context, step, edit=edit)


async def _send_preview(update: Update, context: BotContext) -> None:
    """Exactly what recipients will see: the Indonesian message and, if different, the English."""
    _ = context.t.gettext
    draft = _draft(context)
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(_("👀 <b>Preview</b>: residents receive exactly the next message."))
    kind = draft.get("kind", "text")
    preview = Broadcast(
        id=0,
        author_id=0,
        text_id=draft.get("text_id", ""),
        text_en=draft.get("text_en", ""),
        audience=_audience(draft),
        scheduled_at=0,
        status="draft",
        progress_chat_id=None,
        progress_message_id=None,
        created_at=0,
        finished_at=None,
        kind=kind,
    )
    services = context.services
    for lang in ("id", "en"):
        if lang == "en" and not preview.text_en:
            continue
        t = services.translator(lang)
        if lang == "en":
            await chat.send_message(_("And residents who chose English receive:"))
        await chat.send_message(preview.text_for(lang), reply_markup=announcement_markup(t, kind))
    if not preview.text_en:
        await chat.send_message(
            _("(Residents who chose English receive the same Indonesian text.)")
        )


# --- entry and exit ------------------------------------------------------------------------------


@staff_only()
async def start(update: Update, context: BotContext) -> str | int:
    """/siaran: staff only, in a private chat."""
    chat = update.effective_chat
    _ = context.t.gettext
    if chat is not None and chat.type != ChatType.PRIVATE:
        await reply(update, context, _("Please use /siaran in a private chat with the bot."))
        return ConversationHandler.END
    context.user_data[DRAFT] = {"nonce": secrets.token_hex(2), "stack": [], "step": "menu"}
    return await _show(update, context, "menu", edit=False)


async def _end(update: Update, context: BotContext, text: str, *, edit: bool) -> int:
    context.user_data.pop(DRAFT, None)
    await reply(update, context, text, edit=edit)
    return ConversationHandler.END


@staff_only()
async def cancel_command(update: Update, context: BotContext) -> int:
    _ = context.t.gettext
    return await _end(update, context, _("Announcement discarded. Nothing was sent."), edit=False)


# --- buttons -------------------------------------------------------------------------------------


@final
@staff_only()
async def on_button(update: Update, context: BotContext) -> str | int | None:
    query = update.callback_query
    draft = context.user_data.get(DRAFT)
    fields = BC.unpack(query.data if query else None)
    if not draft or fields["nonce"] != draft.get("nonce"):
        await _stale(update, context)
        return draft.get("step") if draft else ConversationHandler.END
    action, arg = fields["action"], fields["arg"]
    step = draft.get("step", "menu")
    _ = context.t.gettext
    if action == "cancel":
        return await _end(
            update, context, _("Announcement discarded. Nothing was sent."), edit=True
        )
    if action == "back":
        return await _back(update, context, edit=True)
    handler = _BUTTONS.get((step, action))
    if handler is None:
        await _stale(update, context)
        return step
    return await handler(update, context, arg)


async def _not_yours(
    update: Update, context: BotContext, action: str, *, stop: bool = False
) -> None:
    """A staff member outside their scope: say why, and keep a trace of the attempt."""
    services = context.services
    uid = update.effective_user.id if update.effective_user else 0
    log.warning("refused staff action %s to user %s", action, uid)
    await services.audit.record(services.clock.epoch(), uid, "refused", "action", action)
    _ = context.t.gettext
    if stop:
        text = _("Only the author of an announcement or an administrator may stop it.")
    else:
        text = _error_text(context, NotAllowed())
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text, show_alert=True)
        except BadRequest:
            pass
        return
    await reply(update, context, text)


async def _stale(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(
            context.t.gettext("This button is no longer active. Type /siaran to start again."),
            show_alert=True,
        )


async def _b_kind(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    draft["kind"] = "service" if arg == "service" else "text"
    if draft["kind"] == "service":
        member = _member(update, context)
        districts = _allowed_districts(context, member)
        if len(districts) == 1:
            draft["kec"] = districts[0].code
            return await _goto(update, context, "s_place", edit=True)
        return await _goto(update, context, "s_kec", edit=True)
    return await _goto(update, context, "text_id", edit=True)


async def _b_list(update: Update, context: BotContext, arg: str) -> str:
    t = context.t
    _ = t.gettext
    services = context.services
    member = _member(update, context)
    open_ones = await services.broadcasts.open_broadcasts(member)
    if update.callback_query:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return "menu"
    if not open_ones:
        await chat.send_message(_("No announcement is scheduled or being sent."))
        return "menu"
    for item in open_ones:
        when = t.datetime(services.clock.local(item.scheduled_at))
        if item.status == "sending":
            progress = await services.broadcasts.progress(item.id)
            head = _("#{id} sending since {when}: {sent} of {total} sent").format(
                id=item.id,
                when=when,
                sent=t.number(progress.sent),
                total=t.number(progress.total),
            )
        else:
            head = _("#{id} scheduled for {when}").format(id=item.id, when=when)
        audience = await describe_audience(context, item.audience)
        snippet = escape(_plain(item.text_id)[:120])
        await chat.send_message(
            f"{head}\n{audience}\n<i>{snippet}</i>",
            reply_markup=InlineKeyboardMarkup(
                [[button(_("✖️ Cancel #{id}").format(id=item.id), BCX.pack("stop", item.id))]]
            ),
        )
    return "menu"


def _plain(html_text: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html_text))


async def _b_skip(update: Update, context: BotContext, arg: str) -> str:
    _draft(context)["text_en"] = ""
    return await _goto(update, context, "audience", edit=True)


async def _b_place(update: Update, context: BotContext, arg: str) -> str:
    return await _choose_place(update, context, int(arg) if arg.isdigit() else 0, edit=True)


async def _choose_place(update: Update, context: BotContext, place_id: int, *, edit: bool) -> str:
    draft = _draft(context)
    member = _member(update, context)
    try:
        place = await context.services.broadcasts.check_place(member, place_id)
    except (BroadcastError, NotAllowed) as exc:
        if isinstance(exc, NotAllowed):
            await _not_yours(update, context, "siaran.place")
            return draft["step"]
        await reply(update, context, _error_text(context, exc))
        return draft["step"]
    draft["place_id"] = place.id
    draft["kec"] = place.kecamatan_code
    return await _goto(update, context, "s_dates", edit=edit)


async def _b_date(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    try:
        day = datetime.strptime(arg, "%Y%m%d").date()
    except ValueError:
        return draft["step"]
    dates = set(draft.get("dates", []))
    dates.symmetric_difference_update({day.isoformat()})
    draft["dates"] = sorted(dates)
    return await _show(update, context, "s_dates", edit=True)


async def _b_dates_done(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    dates = [date.fromisoformat(d) for d in draft.get("dates", [])]
    try:
        context.services.broadcasts.check_dates(dates)
    except BroadcastError as exc:
        if update.callback_query:
            await update.callback_query.answer(_error_text(context, exc), show_alert=True)
        return draft["step"]
    return await _goto(update, context, "s_hours", edit=True)


async def _b_hours(update: Update, context: BotContext, arg: str) -> str:
    hours = parse_hours(f"{arg[:2]}.{arg[2:4]}-{arg[4:6]}.{arg[6:8]}") if len(arg) == 8 else None
    if hours is None:
        return _draft(context)["step"]
    return await _set_hours(update, context, hours, edit=True)


async def _set_hours(
    update: Update, context: BotContext, hours: tuple[time, time], *, edit: bool
) -> str:
    draft = _draft(context)
    draft["opens"] = hours[0].strftime("%H:%M")
    draft["closes"] = hours[1].strftime("%H:%M")
    return await _goto(update, context, "s_seats", edit=edit)


async def _b_seats(update: Update, context: BotContext, arg: str) -> str:
    return await _set_seats(update, context, int(arg) if arg.isdigit() else 0, edit=True)


async def _set_seats(update: Update, context: BotContext, seats: int, *, edit: bool) -> str:
    draft = _draft(context)
    if not 1 <= seats <= 1000:
        await reply(update, context, _error_text(context, BroadcastError("bad_seats")))
        return draft["step"]
    draft["seats"] = seats
    # Write the announcement from the template, in both languages, now: the preview shows it.
    service = _service(draft)
    services = context.services
    place = await services.places.place(service.place_id)
    if place is None:
        await reply(update, context, _error_text(context, BroadcastError("place_unknown")))
        return draft["step"]
    kecamatan = _district_name(context, place.kecamatan_code)
    draft["text_id"] = service_announcement_text(
        services.translator("id"), place, kecamatan, service
    )
    draft["text_en"] = service_announcement_text(
        services.translator("en"), place, kecamatan, service
    )
    return await _goto(update, context, "audience", edit=edit)


async def _b_aud(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    member = _member(update, context)
    if arg == "all":
        if member.role != "admin":
            await _not_yours(update, context, "siaran.everyone")
            return draft["step"]
        _set_audience(draft, kind="all", kecamatan=[], school_id=None)
        return await _goto(update, context, "preview", edit=True)
    if arg == "placekec" and draft.get("kec"):
        _set_audience(draft, kind="kecamatan", kecamatan=[draft["kec"]], school_id=None)
        return await _audience_chosen(update, context, edit=True)
    if arg == "kec":
        audience = _audience(draft)
        if audience.kind != "kecamatan":
            _set_audience(draft, kind="kecamatan", kecamatan=[], school_id=None)
        return await _goto(update, context, "a_kec", edit=True)
    if arg == "school":
        return await _goto(update, context, "a_school_kec", edit=True)
    return draft["step"]


async def _audience_chosen(update: Update, context: BotContext, *, edit: bool) -> str:
    draft = _draft(context)
    try:
        await context.services.broadcasts.check_audience(
            _member(update, context), _audience(draft)
        )
    except NotAllowed:
        await _not_yours(update, context, "siaran.audience")
        return draft["step"]
    except BroadcastError as exc:
        await reply(update, context, _error_text(context, exc))
        return draft["step"]
    return await _goto(update, context, "preview", edit=edit)


async def _b_nobook(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    _set_audience(draft, without_booking=not _audience(draft).without_booking)
    return await _show(update, context, "audience", edit=True)


async def _b_kec_done(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    if not _audience(draft).kecamatan:
        if update.callback_query:
            await update.callback_query.answer(
                context.t.gettext("Please choose at least one kecamatan."), show_alert=True
            )
        return draft["step"]
    return await _audience_chosen(update, context, edit=True)


async def _b_school(update: Update, context: BotContext, arg: str) -> str:
    draft = _draft(context)
    if not arg.isdigit():
        return draft["step"]
    _set_audience(draft, kind="school", kecamatan=[], school_id=int(arg))
    return await _audience_chosen(update, context, edit=True)


async def _b_now(update: Update, context: BotContext, arg: str) -> str:
    _draft(context)["send_at"] = None
    return await _goto(update, context, "confirm", edit=True)


async def _b_later(update: Update, context: BotContext, arg: str) -> str:
    return await _goto(update, context, "when", edit=True)


async def _b_at(update: Update, context: BotContext, arg: str) -> str:
    try:
        naive = datetime.strptime(arg, "%Y%m%d%H%M")
    except ValueError:
        return _draft(context)["step"]
    when = naive.replace(tzinfo=context.services.config.tz)
    return await _set_when(update, context, when, edit=True)


async def _set_when(update: Update, context: BotContext, when: datetime, *, edit: bool) -> str:
    draft = _draft(context)
    if when <= context.services.clock.now():
        await reply(update, context, _error_text(context, BroadcastError("past_time")))
        return draft["step"]
    draft["send_at"] = when.isoformat()
    return await _goto(update, context, "confirm", edit=edit)


async def _b_yes(update: Update, context: BotContext, arg: str) -> str | int:
    return await _submit(update, context, edit=True)


_BUTTONS = {
    ("menu", "kind"): _b_kind,
    ("menu", "list"): _b_list,
    ("text_en", "skip"): _b_skip,
    ("s_place", "place"): _b_place,
    ("s_dates", "date"): _b_date,
    ("s_dates", "datesdone"): _b_dates_done,
    ("s_hours", "hours"): _b_hours,
    ("s_seats", "seats"): _b_seats,
    ("audience", "aud"): _b_aud,
    ("audience", "nobook"): _b_nobook,
    ("a_kec", "kecdone"): _b_kec_done,
    ("a_school", "school"): _b_school,
    ("preview", "now"): _b_now,
    ("preview", "later"): _b_later,
    ("when", "at"): _b_at,
    ("confirm", "yes"): _b_yes,
}


@final
@staff_only()
async def on_pick(update: Update, context: BotContext) -> str | int | None:
    """A kecamatan (or a page turn) of the flow's picker."""
    query = update.callback_query
    draft = context.user_data.get(DRAFT)
    data = query.data if query else None
    pick = parse_pick(_picker_codec(draft), data) if draft else None
    step = draft.get("step") if draft else None
    if pick is None or step not in ("s_kec", "a_kec", "a_school_kec"):
        await _stale(update, context)
        return step or ConversationHandler.END
    kind, value = pick
    if kind == "p":
        draft["page"] = int(value) if value.isdigit() else 0
        return await _show(update, context, step, edit=True)
    return await _kecamatan_chosen(update, context, step, [value], edit=True)


async def _kecamatan_chosen(
    update: Update, context: BotContext, step: str, codes: list[str], *, edit: bool
) -> str:
    draft = _draft(context)
    member = _member(update, context)
    for code in codes:
        if not member.may_manage(code):
            await _not_yours(update, context, "siaran.kecamatan")
            return step
    if step == "s_kec":
        draft["kec"] = codes[0]
        return await _goto(update, context, "s_place", edit=edit)
    if step == "a_school_kec":
        draft["school_kec"] = codes[0]
        return await _goto(update, context, "a_school", edit=edit)
    chosen = list(_audience(draft).kecamatan)
    for code in codes:
        if code in chosen and edit:
            chosen.remove(code)  # a second press takes it out again
        elif code not in chosen:
            chosen.append(code)
    _set_audience(draft, kind="kecamatan", kecamatan=sorted(chosen), school_id=None)
    return await _show(update, context, "a_kec", edit=edit)


# --- typing --------------------------------------------------------------------------------------


@staff_only()
async def on_text(update: Update, context: BotContext) -> str | int | None:
    draft = context.user_data.get(DRAFT)
    message = update.effective_message
    if not draft or message is None:
        return ConversationHandler.END
    text = (message.text or "").strip()
    word = text.casefold()
    step = draft.get("step", "menu")
    _ = context.t.gettext
    services = context.services
    if word in BACK_WORDS:
        return await _back(update, context, edit=False)
    if step == "menu":
        if word in ("1", "teks", "text", "free text", "teks bebas"):
            return await _b_kind(update, context, "text")
        if word in ("2", "layanan", "weekend", "akhir pekan", "layanan akhir pekan"):
            return await _b_kind(update, context, "service")
        return await _show(update, context, step, edit=False)
    if step in ("text_id", "text_en"):
        html_text = message.text_html or escape(text)
        try:
            services.broadcasts.check_text(html_text)
        except BroadcastError as exc:
            await reply(update, context, _error_text(context, exc))
            return step
        if step == "text_id":
            draft["text_id"] = html_text
            return await _goto(update, context, "text_en", edit=False)
        draft["text_en"] = "" if word in ("skip", "lewati", "-") else html_text
        return await _goto(update, context, "audience", edit=False)
    if step in ("s_kec", "a_kec", "a_school_kec"):
        codes = []
        for part in _split_names(text):
            matches = services.nlu.match_kecamatan(part)
            if not matches:
                await reply(
                    update,
                    context,
                    _("I did not recognise the kecamatan “{text}”.").format(text=escape(part)),
                )
                return step
            codes.append(matches[0].code)
        if not codes:
            return step
        return await _kecamatan_chosen(update, context, step, codes, edit=False)
    if step == "s_place":
        places = await services.places.places(kecamatan_code=draft.get("kec"))
        found = [p for p in places if word and word in p.name.casefold()]
        if word.isdigit() and 1 <= int(word) <= len(places):
            found = [places[int(word) - 1]]
        if len(found) != 1:
            await reply(update, context, _("Please choose one of the places below."))
            return await _show(update, context, step, edit=False)
        return await _choose_place(update, context, found[0].id, edit=False)
    if step == "s_dates":
        dates = parse_dates(text, services.clock.today())
        if dates is None:
            await reply(
                update,
                context,
                _("I could not read those dates. Please type them like <i>28/11, 29/11</i>."),
            )
            return step
        try:
            services.broadcasts.check_dates(dates)
        except BroadcastError as exc:
            await reply(update, context, _error_text(context, exc))
            return step
        draft["dates"] = [d.isoformat() for d in dates]
        return await _goto(update, context, "s_hours", edit=False)
    if step == "s_hours":
        hours = parse_hours(text)
        if hours is None:
            await reply(
                update,
                context,
                _("Please type the hours like <i>08.00-12.00</i> (closing after opening)."),
            )
            return step
        return await _set_hours(update, context, hours, edit=False)
    if step == "s_seats":
        seats = parse_seats(text)
        return await _set_seats(update, context, seats or 0, edit=False)
    if step == "audience":
        if word in EVERYONE_WORDS:
            if _member(update, context).role != "admin":
                await _not_yours(update, context, "siaran.everyone")
                return step
            _set_audience(draft, kind="all", kecamatan=[], school_id=None)
            return await _goto(update, context, "preview", edit=False)
        codes = [
            m[0].code for m in (services.nlu.match_kecamatan(p) for p in _split_names(text)) if m
        ]
        if not codes:
            await reply(update, context, _("Please choose below who should receive it."))
            return await _show(update, context, step, edit=False)
        member = _member(update, context)
        if not all(member.may_manage(c) for c in codes):
            await _not_yours(update, context, "siaran.kecamatan")
            return step
        _set_audience(draft, kind="kecamatan", kecamatan=sorted(set(codes)), school_id=None)
        return await _audience_chosen(update, context, edit=False)
    if step == "a_school":
        schools = await services.places.schools(draft.get("school_kec") or None)
        found = [s for s in schools if word and word in s.name.casefold()]
        if len(found) != 1:
            await reply(update, context, _("Please choose one of the schools below."))
            return await _show(update, context, step, edit=False)
        _set_audience(draft, kind="school", kecamatan=[], school_id=found[0].id)
        return await _audience_chosen(update, context, edit=False)
    if step == "preview":
        if word in NOW_WORDS:
            return await _b_now(update, context, "")
        if word in LATER_WORDS:
            return await _b_later(update, context, "")
        return await _show(update, context, step, edit=False)
    if step == "when":
        when = parse_when(text, services.clock.now())
        if when is None:
            await reply(
                update,
                context,
                _("I could not read that time. Please type it like <i>besok 07.00</i>."),
            )
            return step
        return await _set_when(update, context, when, edit=False)
    if step == "confirm":
        if word in YES_WORDS:
            return await _submit(update, context, edit=False)
        return await _show(update, context, step, edit=False)
    return step


def _split_names(text: str) -> list[str]:
    import re

    return [p.strip() for p in re.split(r"[,;\n]|\s+(?:dan|and|&)\s+", text) if p.strip()]


# --- sending -------------------------------------------------------------------------------------


async def _submit(update: Update, context: BotContext, *, edit: bool) -> str | int:
    draft = _draft(context)
    member = _member(update, context)
    services = context.services
    t = context.t
    _ = t.gettext
    service = _service(draft) if draft.get("kind") == "service" else None
    send_at = datetime.fromisoformat(draft["send_at"]) if draft.get("send_at") else None
    try:
        broadcast = await services.broadcasts.submit(
            member,
            text_id=draft.get("text_id", ""),
            text_en=draft.get("text_en", ""),
            audience=_audience(draft),
            send_at=send_at,
            service=service,
            author_language=t.lang,
        )
    except NotAllowed:
        await _not_yours(update, context, "siaran.send")
        return draft["step"]
    except BroadcastError as exc:
        await reply(update, context, _error_text(context, exc))
        return draft["step"]
    context.user_data.pop(DRAFT, None)
    notes = []
    if service is not None:
        notes.append(
            t.ngettext(
                "📅 {n} service day was created; residents can book it now.",
                "📅 {n} service days were created; residents can book them now.",
                len(service.dates),
            ).format(n=t.number(len(service.dates)))
        )
    if broadcast.status == "scheduled":
        text = _(
            "🕒 Announcement #{id} is scheduled for <b>{when}</b>. It starts by itself; its "
            "progress will appear here."
        ).format(id=broadcast.id, when=t.datetime(services.clock.local(broadcast.scheduled_at)))
        markup = InlineKeyboardMarkup(
            [[button(_("✖️ Cancel #{id}").format(id=broadcast.id), BCX.pack("stop", broadcast.id))]]
        )
        await reply(update, context, "\n".join([text, *notes]), markup, edit=edit)
        return ConversationHandler.END
    progress = await services.broadcasts.progress(broadcast.id)
    if broadcast.status == "done" and progress.total == 0:
        await reply(
            update,
            context,
            "\n".join([_("Nobody is subscribed for this audience, so nothing was sent."), *notes]),
            edit=edit,
        )
        return ConversationHandler.END
    message = await reply(
        update,
        context,
        progress_text(t, progress, services.broadcasts.rate),
        stop_markup(t, broadcast.id),
        edit=edit,
    )
    if notes:
        await reply(update, context, "\n".join(notes))
    if isinstance(message, Message):
        await services.broadcasts.set_progress_message(
            broadcast.id, message.chat_id, message.message_id
        )
    await services.broadcasts.ensure_running(TelegramTransport(context.application))
    return ConversationHandler.END


# --- stopping a broadcast (outside the flow: the progress message, the list) ---------------------


@final
@staff_only()
async def stop_pressed(update: Update, context: BotContext) -> None:
    t = context.t
    _ = t.gettext
    query = update.callback_query
    try:
        fields = BCX.unpack(query.data if query else None)
        broadcast_id = int(fields["id"])
    except (ValueError, KeyError):
        await _stale(update, context)
        return
    services = context.services
    member = _member(update, context)
    action = fields["action"]
    try:
        broadcast = await services.broadcasts.get(broadcast_id)
    except NotFound as exc:
        await reply(update, context, _error_text(context, exc))
        return
    if member.role != "admin" and broadcast.author_id != member.user_id:
        await _not_yours(update, context, "siaran.stop", stop=True)
        return
    if action == "stop":
        if broadcast.status not in ("scheduled", "sending"):
            if query:
                await query.answer(
                    _error_text(context, BroadcastError("not_open")), show_alert=True
                )
            return
        progress = await services.broadcasts.progress(broadcast_id)
        text = _(
            "Stop announcement #{id}? {sent} of {total} messages have been sent; the rest "
            "will not be sent."
        ).format(id=broadcast_id, sent=t.number(progress.sent), total=t.number(progress.total))
        if broadcast.status == "scheduled":
            text = _("Cancel announcement #{id}? It has not been sent to anyone yet.").format(
                id=broadcast_id
            )
        markup = InlineKeyboardMarkup(
            [
                [
                    button(_("⏹ Yes, stop it"), BCX.pack("stopyes", broadcast_id)),
                    button(_("↩️ No, carry on"), BCX.pack("stopno", broadcast_id)),
                ]
            ]
        )
        await reply(update, context, text, markup)
        return
    if action == "stopno":
        await reply(update, context, _("Carrying on."), edit=True)
        return
    if action == "stopyes":
        try:
            await services.broadcasts.cancel(member, broadcast_id)
        except NotAllowed:
            await _not_yours(update, context, "siaran.stop", stop=True)
            return
        except BroadcastError as exc:
            await reply(update, context, _error_text(context, exc), edit=True)
            return
        if broadcast.status == "sending" and services.broadcasts.running:
            text = _("⏹ Stopping announcement #{id}; the final report follows.")
        elif broadcast.status == "sending":  # no sender in this process: report it here
            progress = await services.broadcasts.progress(broadcast_id, final=True)
            text = progress_text(t, progress, services.broadcasts.rate)
        else:
            text = _("✖️ Announcement #{id} cancelled; nothing was sent.")
        await reply(update, context, text.format(id=broadcast_id), edit=True)
        return
    await _stale(update, context)


_STEP_HANDLERS = [
    CallbackQueryHandler(on_button, pattern=BC.pattern),
    CallbackQueryHandler(on_pick, pattern=PICK_PATTERN),
    MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
]

HANDLERS = [
    ConversationHandler(
        entry_points=[CommandHandler(["siaran", "broadcast"], start)],
        states={step: list(_STEP_HANDLERS) for step in STEPS},
        fallbacks=[CommandHandler(["batal", "cancel"], cancel_command)],
        name="broadcast",
        persistent=True,
        allow_reentry=True,
    ),
    CallbackQueryHandler(stop_pressed, pattern=BCX.pattern),
]
