"""/aturtempat (staff): a place's weekly hours, seats per slot, slot length, extra service days."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.errors import NotAllowed
from bot.i18n import N_
from bot.services.staff import SERVICE_DAY_KINDS, SLOT_LENGTHS, BadDate, BadHours, BadSeats
from bot.storage.places import Place
from handlers.common import refuse, reply, staff_member
from handlers.keyboards import button
from handlers.pickers import kecamatan_keyboard, parse_pick

PL = CallbackCodec("pl", "a", "b")
CHOOSE, CARD, DAY_HOURS, SEATS, SD_DATE, SD_HOURS, SD_SEATS, SD_KIND = range(8)
DRAFT = "staff_place"
WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
KIND_NAMES = {
    "weekend": N_("Weekend service"),
    "jemput_bola": N_("Jemput bola (village hall)"),
    "evening": N_("Evening service"),
    "extra": N_("Extra opening"),
}


def _kind_name(t, kind: str) -> str:
    return t.gettext(KIND_NAMES[kind]) if kind in KIND_NAMES else escape(kind)


def _draft(context: BotContext) -> dict:
    return context.user_data.setdefault(DRAFT, {})


async def start(update: Update, context: BotContext) -> int:
    """Staff only: choose the kecamatan (operators: theirs), then the place."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "aturtempat")
        return ConversationHandler.END
    context.user_data[DRAFT] = {}
    districts = [d for d in context.services.served_districts if member.may_manage(d.code)]
    if len(districts) == 1:
        return await _places_of(update, context, districts[0].code)
    text = context.t.gettext("Which kecamatan? (/batal to stop)")
    await reply(update, context, text, kecamatan_keyboard(context.t, PL, districts))
    return CHOOSE


async def choose(update: Update, context: BotContext) -> int:
    """A kecamatan, a page turn, or a place was pressed."""
    data = update.callback_query.data if update.callback_query else None
    pick = parse_pick(PL, data)
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "aturtempat")
        return ConversationHandler.END
    if pick and pick[0] == "p":
        districts = [d for d in context.services.served_districts if member.may_manage(d.code)]
        markup = kecamatan_keyboard(context.t, PL, districts, int(pick[1]))
        await reply(
            update,
            context,
            context.t.gettext("Which kecamatan? (/batal to stop)"),
            markup,
            edit=True,
        )
        return CHOOSE
    if pick and pick[0] == "k":
        if not member.may_manage(pick[1]):
            await refuse(update, context, "aturtempat")
            return CHOOSE
        return await _places_of(update, context, pick[1])
    fields = PL.unpack(data)
    if fields["a"] == "place" and fields["b"].isdigit():
        place = await context.services.places.place(int(fields["b"]))
        if place is None or not member.may_manage(place.kecamatan_code):
            await refuse(update, context, "aturtempat")
            return CHOOSE
        _draft(context)["place_id"] = place.id
        return await _card(update, context, place)
    return CHOOSE


async def _places_of(update: Update, context: BotContext, kecamatan_code: str) -> int:
    places = await context.services.places.places(kecamatan_code=kecamatan_code)
    _ = context.t.gettext
    if not places:
        await reply(update, context, _("There is no recording place in this kecamatan yet."))
        return ConversationHandler.END
    rows = [[button(p.name, PL.pack("place", p.id))] for p in places]
    await reply(update, context, _("Which place?"), InlineKeyboardMarkup(rows), edit=True)
    return CHOOSE


async def _current_place(update: Update, context: BotContext) -> Place | None:
    place_id = _draft(context).get("place_id")
    place = await context.services.places.place(place_id) if place_id else None
    member = staff_member(update, context)
    if place is None or member is None or not member.may_manage(place.kecamatan_code):
        return None
    return place


async def _card(update: Update, context: BotContext, place: Place, note: str = "") -> int:
    t = context.t
    _ = t.gettext
    hours = await context.services.places.hours(place.id)
    today = context.services.clock.today()
    days = await context.services.places.service_days(
        today, today + timedelta(days=60), place_id=place.id
    )
    lines = [f"<b>{escape(place.name)}</b>", escape(place.address), ""]
    if note:
        lines = [note, "", *lines]
    closed = _("closed")
    for weekday, name in enumerate(WEEKDAY_NAMES):
        ranges = [t.time_range(h.opens, h.closes) for h in hours if h.weekday == weekday]
        lines.append(f"{t.gettext(name)}: {', '.join(ranges) if ranges else closed}")
    lines += [
        "",
        _("Seats per slot: {seats} · slot length: {minutes} minutes").format(
            seats=t.number(place.seats_per_slot), minutes=t.number(place.slot_minutes)
        ),
    ]
    if days:
        lines += ["", _("<b>Service days</b>")]
        lines += [
            f"• {t.date_medium(d.date)} {t.time_range(d.opens, d.closes)} "
            f"({_kind_name(t, d.kind)})"
            for d in days[:10]
        ]
    weekday_buttons = [
        button(t.gettext(name)[:3], PL.pack("wd", i)) for i, name in enumerate(WEEKDAY_NAMES)
    ]
    markup = InlineKeyboardMarkup(
        [
            weekday_buttons[:4],
            weekday_buttons[4:],
            [
                button(_("Seats per slot"), PL.pack("seats")),
                button(_("Slot length"), PL.pack("slotlen")),
            ],
            [button(_("➕ Add a service day"), PL.pack("sd"))],
            [button(_("Done"), PL.pack("done"))],
        ]
    )
    await reply(
        update,
        context,
        "\n".join(lines) + "\n\n" + _("Press a weekday to change its hours."),
        markup,
    )
    return CARD


async def card_button(update: Update, context: BotContext) -> int:
    """The place card's buttons."""
    _ = context.t.gettext
    place = await _current_place(update, context)
    if place is None:
        await refuse(update, context, "aturtempat")
        return ConversationHandler.END
    fields = PL.unpack(update.callback_query.data if update.callback_query else None)
    action, value = fields["a"], fields["b"]
    if action == "wd" and value.isdigit() and 0 <= int(value) <= 6:
        _draft(context)["weekday"] = int(value)
        await reply(
            update,
            context,
            _(
                "New hours for {day}: type for example 08:00-15:00, or 08:00-12:00,13:00-15:00 "
                "with a "
                "break, or tutup when closed."
            ).format(day=context.t.gettext(WEEKDAY_NAMES[int(value)])),
        )
        return DAY_HOURS
    if action == "seats":
        await reply(update, context, _("How many seats per slot? Type a number from 1 to 500."))
        return SEATS
    if action == "slotlen" and not value:
        rows = [[button(str(m), PL.pack("slotlen", m)) for m in SLOT_LENGTHS]]
        await reply(update, context, _("Slot length in minutes?"), InlineKeyboardMarkup(rows))
        return CARD
    if action == "slotlen" and value.isdigit():
        await context.services.place_admin.set_slot_minutes(
            staff_member(update, context), place, int(value)
        )
        return await _card(
            update,
            context,
            await context.services.places.place(place.id) or place,
            _("✅ Slot length changed."),
        )
    if action == "sd":
        today = context.services.clock.today()
        choices = [today + timedelta(days=n) for n in range(1, 22)]
        rows = [
            [
                button(context.t.date_short(d), PL.pack("sdd", d.isoformat()))
                for d in choices[i : i + 3]
            ]
            for i in range(0, len(choices), 3)
        ]
        await reply(
            update,
            context,
            _("Which date? Press one or type it (e.g. 5/12)."),
            InlineKeyboardMarkup(rows),
        )
        return SD_DATE
    if action == "done":
        context.user_data.pop(DRAFT, None)
        await reply(update, context, _("Done."), edit=True)
        return ConversationHandler.END
    return CARD


async def day_hours(update: Update, context: BotContext) -> int:
    """The typed hours of the chosen weekday."""
    _ = context.t.gettext
    place = await _current_place(update, context)
    if place is None:
        return ConversationHandler.END
    try:
        await context.services.place_admin.set_day_hours(
            staff_member(update, context),
            place,
            _draft(context).get("weekday", 0),
            update.effective_message.text or "",
        )
    except BadHours:
        await reply(
            update,
            context,
            _("I couldn't read those hours. Type for example 08:00-15:00, or tutup."),
        )
        return DAY_HOURS
    except NotAllowed:
        await refuse(update, context, "aturtempat")
        return ConversationHandler.END
    return await _card(update, context, place, _("✅ Hours saved. Bookings already made stay."))


async def seats(update: Update, context: BotContext) -> int:
    """The typed seat count."""
    _ = context.t.gettext
    place = await _current_place(update, context)
    if place is None:
        return ConversationHandler.END
    try:
        await context.services.place_admin.set_seats(
            staff_member(update, context), place, update.effective_message.text or ""
        )
    except BadSeats:
        await reply(update, context, _("Please type a number from 1 to 500."))
        return SEATS
    refreshed = await context.services.places.place(place.id) or place
    return await _card(update, context, refreshed, _("✅ Seats per slot saved."))


async def service_day_date(update: Update, context: BotContext) -> int:
    """A date button or a typed date for the new service day."""
    _ = context.t.gettext
    chosen: date | None = None
    if update.callback_query:
        value = PL.unpack(update.callback_query.data)["b"]
        try:
            chosen = date.fromisoformat(value)
        except ValueError:
            chosen = None
        await update.callback_query.answer()
    else:
        from bot.nlu import parse_date

        chosen = parse_date(update.effective_message.text or "", context.services.clock.today())
    if chosen is None or chosen < context.services.clock.today():
        await reply(update, context, _("Please choose a date from today on (e.g. 5/12)."))
        return SD_DATE
    _draft(context)["sd_date"] = chosen
    await reply(
        update,
        context,
        _("{day}: the hours? (e.g. 08:00-12:00)").format(day=context.t.date(chosen)),
    )
    return SD_HOURS


async def service_day_hours(update: Update, context: BotContext) -> int:
    _ = context.t.gettext
    text = update.effective_message.text or ""
    try:
        from bot.services.staff import parse_opening

        if not parse_opening(text):
            raise BadHours()
    except BadHours:
        await reply(
            update, context, _("I couldn't read those hours. Type for example 08:00-12:00.")
        )
        return SD_HOURS
    _draft(context)["sd_hours"] = text
    await reply(update, context, _("How many seats per slot? Type a number from 1 to 500."))
    return SD_SEATS


async def service_day_seats(update: Update, context: BotContext) -> int:
    _ = context.t.gettext
    text = (update.effective_message.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 500:
        await reply(update, context, _("Please type a number from 1 to 500."))
        return SD_SEATS
    _draft(context)["sd_seats"] = text
    rows = [
        [button(context.t.gettext(KIND_NAMES[k]), PL.pack("kind", k))] for k in SERVICE_DAY_KINDS
    ]
    await reply(update, context, _("What kind of service day?"), InlineKeyboardMarkup(rows))
    return SD_KIND


async def service_day_kind(update: Update, context: BotContext) -> int:
    _ = context.t.gettext
    place = await _current_place(update, context)
    if place is None:
        await refuse(update, context, "aturtempat")
        return ConversationHandler.END
    kind = PL.unpack(update.callback_query.data if update.callback_query else None)["b"]
    draft = _draft(context)
    try:
        await context.services.place_admin.add_service_day(
            staff_member(update, context),
            place,
            draft["sd_date"],
            draft["sd_hours"],
            draft["sd_seats"],
            kind,
        )
    except (BadHours, BadSeats, BadDate, KeyError):
        await reply(update, context, _("That service day could not be saved; please start again."))
        return await _card(update, context, place)
    return await _card(
        update,
        context,
        place,
        _("✅ Service day added. Residents can book it now; announce it with /siaran."),
    )


async def cancel(update: Update, context: BotContext) -> int:
    """/batal leaves the flow."""
    context.user_data.pop(DRAFT, None)
    await reply(update, context, context.t.gettext("Stopped. Nothing else was changed."))
    return ConversationHandler.END


async def stale(update: Update, context: BotContext) -> int | None:
    """A button from another step of this flow."""
    if update.callback_query:
        await update.callback_query.answer(
            context.t.gettext("This button is no longer active."), show_alert=True
        )
    return None


def _typed(callback):
    return MessageHandler(filters.TEXT & ~filters.COMMAND, callback)


HANDLERS = [
    ConversationHandler(
        entry_points=[CommandHandler("aturtempat", start)],
        states={
            CHOOSE: [CallbackQueryHandler(choose, pattern=PL.pattern)],
            CARD: [CallbackQueryHandler(card_button, pattern=PL.pattern)],
            DAY_HOURS: [_typed(day_hours)],
            SEATS: [_typed(seats)],
            SD_DATE: [
                CallbackQueryHandler(service_day_date, pattern=r"^pl:sdd:"),
                _typed(service_day_date),
            ],
            SD_HOURS: [_typed(service_day_hours)],
            SD_SEATS: [_typed(service_day_seats)],
            SD_KIND: [CallbackQueryHandler(service_day_kind, pattern=r"^pl:kind:")],
        },
        fallbacks=[
            CommandHandler(["batal", "cancel"], cancel),
            CallbackQueryHandler(stale, pattern=PL.pattern),
        ],
        name="staff_places",
        persistent=True,
        allow_reentry=True,
    )
]
