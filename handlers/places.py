"""Where and when to record: /lokasi [kecamatan], /jadwal [kecamatan] [date], the menu's "where &
when" button, kecamatan pickers, and a shared location (the nearest places)."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.nlu import KecamatanMatch
from bot.nlu.dates import impossible_date, week_asked
from bot.services.answers import (
    FAR_KM,
    FreeDay,
    Overview,
    PlaceInfo,
    PlaceSchedule,
)
from bot.services.schedule import DayStatus, Opening, holiday_name
from bot.storage.places import Place
from handlers.booking_views import place_entry_data
from handlers.common import echo, final, reply
from handlers.keyboards import MENU, MENU_BOOK, MENU_WHERE, button, day_data
from handlers.pickers import kecamatan_keyboard

log = logging.getLogger(__name__)

# "k" + kecamatan code: show it; "p" + page: turn the picker's page; "a": ask again (a new
# picker); "n": ask for a location.
LOC = CallbackCodec("loc", "kind", "value")
# "k" + code (+ "d"YYYYMMDD one day, "w"YYYYMMDD a week from that day); "p" + page; "a" ask
# again; "o" the overview.
JDW = CallbackCodec("jdw", "kind", "value", "day")

STATE_KEY = "answers"  # user_data: {"wait": "lokasi"|"jadwal", "day": date|None, "kb": bool}
MAX_LIST = 12

KIND_LABELS = {
    "weekend": N_("weekend service"),
    "evening": N_("evening service"),
    "extra": N_("extra hours"),
    "jemput_bola": N_("jemput bola day"),
    "school": N_("school event"),
}


# --- state shared with handlers/ask.py -----------------------------------------------------------


def pending(context: BotContext) -> dict | None:
    """What the bot is waiting for a kecamatan for, if anything."""
    state = context.user_data.get(STATE_KEY) if context.user_data is not None else None
    return state if isinstance(state, dict) and state.get("wait") else None


def set_pending(context: BotContext, topic: str, day: date | None = None) -> None:
    if context.user_data is None:
        return
    state = context.user_data.get(STATE_KEY)
    state = state if isinstance(state, dict) else {}
    state.update(wait=topic, day=day)
    context.user_data[STATE_KEY] = state


REMEMBER_SECONDS = 30 * 60


def remember_kecamatan(context: BotContext, code: str) -> None:
    """The kecamatan just answered about: a follow-up ("sabtu buka?") means the same one."""
    if context.user_data is None:
        return
    state = context.user_data.get(STATE_KEY)
    state = state if isinstance(state, dict) else {}
    state.update(kec=code, kec_at=context.services.clock.epoch())
    context.user_data[STATE_KEY] = state


def remembered_kecamatan(context: BotContext) -> str | None:
    state = context.user_data.get(STATE_KEY) if context.user_data is not None else None
    if not isinstance(state, dict) or not isinstance(state.get("kec"), str):
        return None
    at = state.get("kec_at")
    if not isinstance(at, int) or context.services.clock.epoch() - at > REMEMBER_SECONDS:
        return None
    return state["kec"]


def clear_pending(context: BotContext) -> None:
    if context.user_data is None:
        return
    state = context.user_data.get(STATE_KEY)
    if isinstance(state, dict):
        state.pop("wait", None)
        state.pop("day", None)
        if not state:
            context.user_data.pop(STATE_KEY, None)


def _take_keyboard_flag(context: BotContext) -> bool:
    """True once after the location keyboard was shown (the next answer removes it)."""
    if context.user_data is None:
        return False
    state = context.user_data.get(STATE_KEY)
    if isinstance(state, dict) and state.pop("kb", False):
        if not state:
            context.user_data.pop(STATE_KEY, None)
        return True
    return False


# --- entry points --------------------------------------------------------------------------------


async def cmd_lokasi(update: Update, context: BotContext) -> None:
    """/lokasi [kecamatan]"""
    query = " ".join(context.args or []).strip()
    if not query:
        await ask_kecamatan(update, context, "lokasi")
        return
    matches = context.services.nlu.match_kecamatan(query)
    code = clear_match(matches)
    if code:
        await show_places(update, context, code)
    elif matches:
        await ask_kecamatan(update, context, "lokasi", candidates=matches)
    else:
        await ask_kecamatan(update, context, "lokasi", unknown=query)


async def cmd_jadwal(update: Update, context: BotContext) -> None:
    """/jadwal [kecamatan] [date]"""
    query = " ".join(context.args or []).strip()
    if not query:
        await show_overview(update, context)
        return
    services = context.services
    analysis = services.nlu.analyze(query, today=services.clock.today())
    day = analysis.date
    code = analysis.kecamatan.code if analysis.kecamatan else None
    day, week = await check_date(update, context, query, day)
    candidates = list(analysis.kecamatan_candidates)
    if code is None and not candidates and day is None:
        matches = services.nlu.match_kecamatan(query)
        code = clear_match(matches)
        candidates = [] if code else matches
    if code:
        await show_schedule(update, context, code, day, week_from=week)
    elif candidates:
        await ask_kecamatan(update, context, "jadwal", day=day, candidates=candidates)
    elif day is not None:
        await show_overview(update, context, day)
    else:
        await ask_kecamatan(update, context, "jadwal", unknown=query)


async def check_date(
    update: Update, context: BotContext, text: str, day: date | None
) -> tuple[date | None, date | None]:
    """The day and the week (its Monday) a schedule question asks about. A date that does not
    exist ("30 februari") is said so, and the coming days are shown instead."""
    if impossible_date(text):
        await reply(
            update,
            context,
            context.t.gettext(
                "That date does not exist in the calendar. Here are the coming days."
            ),
        )
        return None, None
    week = week_asked(text, context.services.clock.today())
    return (None, week) if week else (day, None)


async def menu_where(update: Update, context: BotContext) -> None:
    """The main menu's "where & when" button."""
    await ask_kecamatan(update, context, "lokasi")


async def picked(update: Update, context: BotContext) -> None:
    """A button of a lokasi picker: a kecamatan, a page, or "send my location"."""
    data = update.callback_query.data if update.callback_query else None
    fields = _fields(LOC, data)
    kind, value = fields[0], fields[1]
    if kind == "k" and value in _served_codes(context):
        await show_places(update, context, value)
    elif kind == "p" and value.isdigit():
        await _turn_page(update, context, LOC, int(value))
    elif kind == "n":
        await _ask_location(update, context)
    elif kind == "a":
        await ask_kecamatan(update, context, "lokasi")
    else:
        await _stale(update, context)


async def picked_schedule(update: Update, context: BotContext) -> None:
    """A button of a jadwal picker or answer: a kecamatan (and day), a page, the overview."""
    data = update.callback_query.data if update.callback_query else None
    kind, value, day_field = _fields(JDW, data)
    if kind == "k" and value in _served_codes(context):
        day, week = _parse_day_field(day_field)
        state = pending(context)
        if day is None and week is None and state and state.get("wait") == "jadwal":
            day = state.get("day") if isinstance(state.get("day"), date) else None
        await show_schedule(update, context, value, day, week_from=week)
    elif kind == "p" and value.isdigit():
        await _turn_page(update, context, JDW, int(value))
    elif kind == "o":
        await show_overview(update, context)
    elif kind == "a":
        await ask_kecamatan(update, context, "jadwal")
    else:
        await _stale(update, context)


async def shared_location(update: Update, context: BotContext) -> None:
    """A shared location: the nearest recording places."""
    message = update.effective_message
    location = message.location if message else None
    if location is None:
        return
    await show_nearest(update, context, location.latitude, location.longitude)


# --- answers -------------------------------------------------------------------------------------


async def show_places(update: Update, context: BotContext, code: str) -> None:
    """The recording places of a kecamatan: details, buttons, and a map pin for each."""
    services = context.services
    t = context.t
    _ = t.gettext
    clear_pending(context)
    remember_kecamatan(context, code)
    infos, others = await services.answers.where(code)
    district = _district_name(context, code)
    lines = [
        _("📍 <b>Where to record in {kecamatan}</b> ({regency})").format(
            kecamatan=html.escape(district), regency=html.escape(_regency_name(context, code))
        ),
        "",
    ]
    if not infos:
        lines.append(_("There is no recording place listed in this kecamatan yet."))
    for number, info in enumerate(infos, start=1):
        lines.extend(_place_lines(t, services.clock.now(), info, number))
        lines.append("")
    if others:
        lines.append(
            _("<b>Also open to every resident of {regency}:</b>").format(
                regency=html.escape(_regency_name(context, code))
            )
        )
        lines.extend("• " + _place_label(context, p) for p in others[:MAX_LIST])
        lines.append("")
    lines.append(_("Recording is <b>free</b>. Bring your latest Kartu Keluarga (KK)."))
    rows = [
        [button(_("📝 Book at {place}").format(place=_short(i.place.name)), book_data(i.place))]
        for i in infos[:4]
    ]
    if not infos and others:
        rows.append([button(_("📝 Book a slot"), book_data(None))])
    rows.append(
        [
            button(_("🗓 Hours, next 7 days"), JDW.pack("k", code)),
            button(_("🔎 Other kecamatan"), LOC.pack("a")),
        ]
    )
    await _send_with_pins(
        update, context, "\n".join(lines).strip(), rows, [i.place for i in infos]
    )


async def show_nearest(update: Update, context: BotContext, lat: float, lon: float) -> None:
    services = context.services
    t = context.t
    _ = t.gettext
    clear_pending(context)
    infos = await services.answers.nearest_places(lat, lon)
    if not infos:
        await reply(
            update,
            context,
            _("I could not use that location. Choose your kecamatan instead:"),
            kecamatan_keyboard(t, LOC, services.served_districts),
        )
        return
    far = all(i.distance_km is not None and i.distance_km > FAR_KM for i in infos)
    lines = [_("📍 <b>The recording places nearest to you</b>"), ""]
    if far:
        lines.extend(
            [
                _(
                    "You seem to be outside Kabupaten Tangerang and Kota Tangerang Selatan. "
                    "e-KTP recording is done by the Disdukcapil of the regency where you are "
                    "registered; these are our nearest places:"
                ),
                "",
            ]
        )
    for number, info in enumerate(infos, start=1):
        lines.extend(_place_lines(t, services.clock.now(), info, number))
        lines.append("")
    lines.append(_("Recording is <b>free</b>. Bring your latest Kartu Keluarga (KK)."))
    rows = [
        [button(_("📝 Book at {place}").format(place=_short(i.place.name)), book_data(i.place))]
        for i in infos
    ]
    rows.append([button(_("🔎 Choose a kecamatan"), LOC.pack("a"))])
    await _send_with_pins(
        update, context, "\n".join(lines).strip(), rows, [i.place for i in infos]
    )


async def show_schedule(
    update: Update,
    context: BotContext,
    code: str,
    day: date | None = None,
    *,
    week_from: date | None = None,
) -> None:
    """Hours of the kecamatan's places on ``day``, or for seven days from today (``week_from``)."""
    services = context.services
    t = context.t
    _ = t.gettext
    clear_pending(context)
    remember_kecamatan(context, code)
    today = services.clock.today()
    lines: list[str] = []
    if day is not None and day < today:
        lines.extend(
            [_("{date} has passed; here are the coming days.").format(date=t.date(day)), ""]
        )
        day = None
    start = day if day is not None else max(week_from or today, today)
    lines += [*_schedule_heading(context, code, day, start), ""]
    schedules = await services.answers.schedule(code, start, 1 if day is not None else 7)
    if not schedules:
        lines.append(_("There is no recording place listed in this kecamatan yet."))
    for sched in schedules:
        lines.extend(_schedule_lines(t, sched, single_day=day is not None))
        lines.append("")
    opens = services.answers.booking_opens(day) if day is not None else None
    if day is not None and opens is not None and schedules:
        lines.extend([_booking_opens_text(t, day, opens), ""])
    lines.append(_("Recording is <b>free</b>. Bring your latest Kartu Keluarga (KK)."))
    markup = _schedule_buttons(context, code, day, start, schedules)
    await reply(update, context, _fit("\n".join(lines).strip()), markup)


def _schedule_heading(context: BotContext, code: str, day: date | None, start: date) -> list[str]:
    """The title of a schedule answer: one day (with its holiday), or the seven days."""
    t = context.t
    _ = t.gettext
    district = html.escape(_district_name(context, code))
    if day is None:
        return [
            _("🗓 <b>Recording hours in {kecamatan}</b>, {start} – {end}").format(
                kecamatan=district,
                start=t.date_short(start),
                end=t.date_short(start + timedelta(days=6)),
            )
        ]
    heading = [
        _("🗓 <b>Recording hours in {kecamatan}</b> on {date}").format(
            kecamatan=district, date=t.date(day)
        )
    ]
    holiday = holiday_name(day, t.lang)
    if holiday:
        heading.append(_holiday_note(t, holiday))
    return heading


def _schedule_buttons(
    context: BotContext, code: str, day: date | None, start: date, schedules: list
) -> InlineKeyboardMarkup:
    """Book (the place, when there is one), the map, the next seven days, announcements."""
    from handlers.subscribe import subscribe_offer_button

    _ = context.t.gettext
    today = context.services.clock.today()
    rows: list[list[InlineKeyboardButton]] = []
    if schedules:
        place = schedules[0].place if len(schedules) == 1 else None
        rows.append([button(_("📝 Book a slot"), book_data(place, kecamatan=code, day=day))])
    nav = [button(_("📍 Places and map"), LOC.pack("k", code))]
    if day is None:
        later = JDW.pack("k", code, "w" + day_data(start + timedelta(days=7)))
        nav.append(button(_("Next 7 days ▶️"), later))
    else:
        week = JDW.pack("k", code, "w" + day_data(max(day, today)))
        nav.append(button(_("🗓 Next 7 days"), week))
    rows.append(nav)
    # After a schedule the natural next wish is to hear about new service days there.
    rows.append([subscribe_offer_button(context.t, code)])
    rows.append([button(_("🔎 Other kecamatan"), JDW.pack("a"))])
    return InlineKeyboardMarkup(rows)


async def show_overview(update: Update, context: BotContext, day: date | None = None) -> None:
    """Service days, jemput bola days, closures and holidays across the served regions, then a
    kecamatan picker for the regular hours."""
    services = context.services
    t = context.t
    _ = t.gettext
    today = services.clock.today()
    if day is not None and day < today:
        day = None
    overview = await services.answers.overview(day or today, 1 if day else 14)
    set_pending(context, "jadwal", day)
    text = _overview_text(context, t, overview, day)
    markup = kecamatan_keyboard(t, JDW, services.served_districts)
    if overview.openings:
        book = [[button(_("📝 Book a slot"), MENU.pack(MENU_BOOK))]]
        markup = InlineKeyboardMarkup([*book, *markup.inline_keyboard])
    await reply(update, context, _fit(text), markup)


async def ask_kecamatan(
    update: Update,
    context: BotContext,
    topic: str,
    *,
    day: date | None = None,
    candidates: Sequence[KecamatanMatch] = (),
    unknown: str | None = None,
) -> None:
    """Ask which kecamatan: the candidates of an ambiguous name, or every kecamatan."""
    services = context.services
    t = context.t
    _ = t.gettext
    codec = JDW if topic == "jadwal" else LOC
    set_pending(context, topic, day)
    served = _served_codes(context)
    candidates = [c for c in candidates if c.code in served][:8]
    if candidates:
        text = _("Which kecamatan do you mean?")
        day_field = "d" + day_data(day) if day and codec is JDW else ""
        buttons = [
            InlineKeyboardButton(
                _("{kecamatan} ({regency})").format(
                    kecamatan=c.name, regency=_regency_short(context, c.code)
                ),
                callback_data=codec.pack("k", c.code, day_field)
                if day_field
                else codec.pack("k", c.code),
            )
            for c in candidates
        ]
        rows = [[b] for b in buttons]
        rows.append([button(_("🔎 Another kecamatan"), codec.pack("p", 0))])
        await reply(update, context, text, InlineKeyboardMarkup(rows))
        return
    if unknown:
        text = _(
            "I do not know the kecamatan “{name}” in Kabupaten Tangerang or Kota Tangerang "
            "Selatan. Choose yours below or type its name again:"
        ).format(name=echo(unknown))
    elif topic == "jadwal":
        text = _(
            "For which kecamatan? Choose below or type its name (for example <i>pondok aren</i>)."
        )
    else:
        text = _(
            "In which kecamatan do you want to record? Choose below, type its name (for "
            "example <i>pondok aren</i>), or send your location to see the nearest places."
        )
    extra = _lokasi_rows(t) if topic == "lokasi" else None
    await reply(
        update,
        context,
        text,
        kecamatan_keyboard(t, codec, services.served_districts, extra_rows=extra),
    )


async def _ask_location(update: Update, context: BotContext) -> None:
    _ = context.t.gettext
    state = context.user_data.setdefault(STATE_KEY, {}) if context.user_data is not None else {}
    state["kb"] = True
    set_pending(context, "lokasi")
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📍 Send my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await reply(
        update,
        context,
        _(
            "Tap “📍 Send my location” below (on a phone), or use 📎 → Location. I will show the "
            "nearest recording places."
        ),
        keyboard,
    )


# --- pieces --------------------------------------------------------------------------------------


def clear_match(matches: Sequence[KecamatanMatch]) -> str | None:
    """The code of a single clear kecamatan among ``match_kecamatan`` results, else None."""
    if not matches:
        return None
    best = matches[0]
    if best.score < 0.7:
        return None
    if len(matches) > 1 and matches[1].score >= best.score:
        return None
    return best.code


def book_data(place: Place | None, *, kecamatan: str = "", day: date | None = None) -> str:
    """ "📝 Book …": opens the booking flow at ``place`` (or at ``kecamatan``), on ``day`` when the
    screen showed one; with neither, the flow's first step."""
    if place is None and not kecamatan:
        return MENU.pack(MENU_BOOK)
    return place_entry_data(place.id if place else None, kecamatan, day)


def _place_lines(t: Translator, now, info: PlaceInfo, number: int) -> list[str]:
    _ = t.gettext
    place = info.place
    title = f"<b>{number}. {html.escape(place.name)}</b>"
    if info.distance_km is not None:
        title += " · " + _("{km} km").format(km=t.number(round(info.distance_km, 1)))
    lines = [title]
    if place.address:
        lines.append(html.escape(place.address))
    lines.append(_("Today: {hours}").format(hours=_today_text(t, now, info.today)))
    for closure in info.partial_closures:
        reason = f" ({html.escape(closure.reason)})" if closure.reason else ""
        if closure.starts and closure.ends:
            lines.append(
                _("Not serving {start}–{end} today").format(
                    start=t.time(closure.starts), end=t.time(closure.ends)
                )
                + reason
            )
    if info.upcoming:
        lines.append(
            _("Next: {openings}").format(
                openings=" · ".join(_opening_text(t, o) for o in info.upcoming)
            )
        )
    elif not info.today.openings:
        lines.append(_("No opening in the next three weeks."))
    return lines


def _today_text(t: Translator, now, status: DayStatus) -> str:
    _ = t.gettext
    if not status.openings:
        return _closed_text(t, status)
    hours = ", ".join(t.time_range(o.opens, o.closes) for o in status.openings)
    current = now.time().replace(tzinfo=None)
    if any(o.opens <= current < o.closes for o in status.openings):
        return _("{hours} (open now)").format(hours=hours)
    if all(o.closes <= current for o in status.openings):
        return _("{hours} (closed for today)").format(hours=hours)
    return hours


def _closed_text(t: Translator, status: DayStatus) -> str:
    _ = t.gettext
    if status.closure is not None:
        if status.closure.reason:
            return _("closed ({reason})").format(reason=html.escape(status.closure.reason))
        return _("closed")
    if status.holiday:
        name = holiday_name(status.date, t.lang) or status.holiday
        return _("closed, national holiday: {holiday}").format(holiday=html.escape(name))
    return _("closed")


def _opening_text(t: Translator, opening: Opening) -> str:
    text = f"{t.date_short(opening.date)} {t.time_range(opening.opens, opening.closes)}"
    if opening.service_day is not None:
        label = KIND_LABELS.get(opening.service_day.kind)
        if label:
            text += f" ({t.gettext(label)})"
    return text


def _schedule_lines(t: Translator, sched: PlaceSchedule, *, single_day: bool) -> list[str]:
    _ = t.gettext
    lines = [f"<b>{html.escape(sched.place.name)}</b>"]
    for status in sched.days:
        if status.openings:
            parts = []
            for o in status.openings:
                part = t.time_range(o.opens, o.closes)
                if o.service_day is not None and o.service_day.kind in KIND_LABELS:
                    part += f" ({t.gettext(KIND_LABELS[o.service_day.kind])})"
                parts.append(part)
            value = ", ".join(parts)
        else:
            value = _closed_text(t, status)
        if single_day:
            lines.append(value[:1].upper() + value[1:])
        else:
            lines.append(f"{t.date_short(status.date)}: {value}")
    if sched.later:
        lines.append(
            _("Later: {openings}").format(
                openings=" · ".join(_opening_text(t, o) for o in sched.later)
            )
        )
    # a closed day already says why (holiday, closure); "no seats left" would hide the reason
    if sched.free is not None and any(status.openings for status in sched.days):
        lines.append(_free_text(t, sched.free))
    return lines


def _booking_opens_text(t: Translator, day: date, opens: date) -> str:
    return t.gettext("Booking for {date} opens on {opens}.").format(
        date=t.date(day), opens=t.date(opens)
    )


def _holiday_note(t: Translator, holiday: str) -> str:
    return t.gettext(
        "🎌 {holiday}: a national holiday. Offices are closed; service days still take place."
    ).format(holiday=html.escape(holiday))


def _free_text(t: Translator, free: Sequence[FreeDay]) -> str:
    """The days with seats to book; a day whose seats (or daily quota) are all taken is named
    full, never listed among the free ones."""
    _ = t.gettext
    full = [item.date for item in free if item.seats is not None and item.seats <= 0]
    free = [item for item in free if item.seats is None or item.seats > 0]
    lines = [_free_days_text(t, free)]
    if full:
        lines.append(
            _("Fully booked: {days}").format(days=" · ".join(t.date_short(d) for d in full[:7]))
        )
    return "\n".join(lines)


def _free_days_text(t: Translator, free: Sequence[FreeDay]) -> str:
    _ = t.gettext
    if not free:
        return _("No free seats in these days.")
    parts = []
    for item in list(free)[:7]:
        if item.seats is None:
            parts.append(t.date_short(item.date))
        else:
            parts.append(
                t.ngettext("{date} ({n} seat)", "{date} ({n} seats)", item.seats).format(
                    date=t.date_short(item.date), n=t.number(item.seats)
                )
            )
    return _("Free seats: {days}").format(days=" · ".join(parts))


def _openings_lines(context: BotContext, t: Translator, ov: Overview) -> list[str]:
    """Every place open on the day, grouped by kecamatan, with its hours."""
    _ = t.gettext
    lines = [_("Open on this day (choose your kecamatan below for free seats):")]
    current = None
    for shown, opening in enumerate(ov.openings):
        if shown >= MAX_LIST:
            lines.append(_("… and {n} more").format(n=t.number(len(ov.openings) - shown)))
            break
        code = opening.place.kecamatan_code
        if code != current:
            current = code
            lines.extend(["", f"<b>{html.escape(_district_name(context, code))}</b>"])
        hours = t.time_range(opening.opens, opening.closes)
        lines.append(f"• {hours} · {_place_label(context, opening.place)}")
    return lines


def _overview_text(context: BotContext, t: Translator, ov: Overview, day: date | None) -> str:
    _ = t.gettext
    if day is not None:
        lines = [_("🗓 <b>Recording services on {date}</b>").format(date=t.date(day))]
        holiday = holiday_name(day, t.lang)
        if holiday:
            lines.append(_holiday_note(t, holiday))
    else:
        lines = [
            _("🗓 <b>Recording services, {start} – {end}</b>").format(
                start=t.date_short(ov.start), end=t.date_short(ov.end)
            )
        ]
    if day is not None and ov.openings:
        lines.extend(_openings_lines(context, t, ov))
    else:
        lines.append(
            _(
                "Disdukcapil and kecamatan offices are open on working days; hours differ per "
                "office. Choose your kecamatan below for its exact hours and free seats."
            )
        )
    lines.extend(_overview_sections(context, t, ov))
    if not (ov.weekend or ov.jemput_bola or ov.openings) and day is not None:
        lines.extend(["", _("No weekend service or jemput bola day on that date.")])
    return "\n".join(lines)


def _overview_sections(context: BotContext, t: Translator, ov: Overview) -> list[str]:
    """Extra service days, jemput bola days, closures and holidays, each capped at MAX_LIST."""
    _ = t.gettext

    def event_line(event: Any) -> str:
        sd = event.service_day
        where = _place_label(context, event.place)
        status = " ⚠️ " + _("changed") if sd.status == "changed" else ""
        return f"• {t.date_short(sd.date)} {t.time_range(sd.opens, sd.closes)} · {where}{status}"

    closed = [
        "• {date} · {place}{reason}".format(
            date=t.date_short(c.date),
            place=html.escape(p.name) if p else _("every place"),
            reason=f" — {html.escape(c.reason)}" if c.reason else "",
        )
        for c, p in ov.closures
    ]
    holidays = [
        f"• {t.date_short(d)} · {html.escape(holiday_name(d, t.lang) or '')}" for d in ov.holidays
    ]
    sections = [
        (
            _("<b>Extra service days: weekends, evenings, longer hours</b>"),
            [] if ov.openings else [event_line(e) for e in ov.weekend],  # with the openings
        ),
        (_("<b>Jemput bola days at village halls</b>"), [event_line(e) for e in ov.jemput_bola]),
        (_("<b>Closed</b>"), closed),
        (_("<b>National holidays</b> (offices closed)"), holidays),
    ]
    lines: list[str] = []
    for title, items in sections:
        if not items:
            continue
        lines.extend(["", title, *items[:MAX_LIST]])
        if len(items) > MAX_LIST:
            lines.append(_("… and {n} more").format(n=t.number(len(items) - MAX_LIST)))
    return lines


async def _send_with_pins(
    update: Update,
    context: BotContext,
    text: str,
    rows: list[list[InlineKeyboardButton]],
    places: Sequence[Place],
) -> None:
    """The answer with its buttons, then a map pin for each place."""
    remove = _take_keyboard_flag(context)
    await reply(update, context, _fit(text), InlineKeyboardMarkup(rows))
    chat = update.effective_chat
    if chat is None:
        return
    for index, place in enumerate(places[:4]):
        if place.lat is None or place.lon is None:
            continue
        await context.bot.send_venue(
            chat.id,
            latitude=place.lat,
            longitude=place.lon,
            title=place.name[:100],
            address=place.address[:200] or _district_name(context, place.kecamatan_code),
            reply_markup=ReplyKeyboardRemove() if remove and index == 0 else None,
        )
        remove = False


def _lokasi_rows(t: Translator) -> list[list[InlineKeyboardButton]]:
    _ = t.gettext
    return [
        [button(_("📍 Use my location"), LOC.pack("n"))],
        [button(_("🗓 Weekend and jemput bola days"), JDW.pack("o"))],
    ]


async def _turn_page(update: Update, context: BotContext, codec: CallbackCodec, page: int) -> None:
    """Another page of the picker, in place."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    extra = _lokasi_rows(context.t) if codec is LOC else None
    markup = kecamatan_keyboard(
        context.t, codec, context.services.served_districts, page, extra_rows=extra
    )
    try:
        await query.answer()
    except BadRequest:
        pass
    try:
        await query.message.edit_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def _stale(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(
                context.t.gettext("This button is no longer active. Type /start for the menu."),
                show_alert=True,
            )
        except BadRequest:
            pass


def _fields(codec: CallbackCodec, data: str | None) -> list[str]:
    try:
        return [*codec.unpack(data).values(), "", "", ""][:3]
    except ValueError:
        return ["", "", ""]


def _parse_day_field(value: str) -> tuple[date | None, date | None]:
    if len(value) == 9 and value[0] in "dw" and value[1:].isdigit():
        try:
            parsed = date(int(value[1:5]), int(value[5:7]), int(value[7:9]))
        except ValueError:
            return None, None
        return (parsed, None) if value[0] == "d" else (None, parsed)
    return None, None


def _served_codes(context: BotContext) -> set[str]:
    return {d.code for d in context.services.served_districts}


def _district_name(context: BotContext, code: str) -> str:
    district = context.services.regions.districts.get(code)
    return district.name if district else code


def _regency_name(context: BotContext, code: str) -> str:
    regions = context.services.regions
    district = regions.districts.get(code)
    regency = regions.regencies.get(district.regency_code) if district else None
    return regency.name_full if regency else ""


def _regency_short(context: BotContext, code: str) -> str:
    regions = context.services.regions
    district = regions.districts.get(code)
    regency = regions.regencies.get(district.regency_code) if district else None
    if regency is None:
        return ""
    return ("Kab. " if regency.kind == "kabupaten" else "Kota ") + regency.name


def _place_label(context: BotContext, place: Place) -> str:
    """'Kantor Kecamatan Setu', or 'Balai Desa Taban (Jambe)' when the name lacks the
    kecamatan."""
    district = _district_name(context, place.kecamatan_code)
    if district.casefold() in place.name.casefold():
        return html.escape(place.name)
    label = context.t.gettext("{place} ({kecamatan})").format(place=place.name, kecamatan=district)
    return html.escape(label)


def _short(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _fit(text: str, limit: int = 4000) -> str:
    """Keep a message under Telegram's limit, cutting at a line break."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 2)
    return text[: cut if cut > 0 else limit - 2] + "\n…"


HANDLERS = [
    CommandHandler(["lokasi", "tempat"], final(cmd_lokasi)),
    CommandHandler(["jadwal"], final(cmd_jadwal)),
    CallbackQueryHandler(final(menu_where), pattern=f"^{MENU.pack(MENU_WHERE)}$"),
    CallbackQueryHandler(final(picked), pattern=LOC.pattern),
    CallbackQueryHandler(final(picked_schedule), pattern=JDW.pattern),
    MessageHandler(
        filters.UpdateType.MESSAGE & filters.LOCATION & filters.ChatType.PRIVATE,
        final(shared_location),
    ),
]

__all__ = [
    "HANDLERS",
    "JDW",
    "LOC",
    "ask_kecamatan",
    "book_data",
    "clear_match",
    "final",
    "pending",
    "show_overview",
    "show_places",
    "show_schedule",
]
