"""The day list: ``/daftarhadir [tempat] [tanggal]``, who is booked at a place on a day, for staff
of the place's kecamatan.

In a private chat: full names (the counter calls people by name and checks them against their
KK), masked NIK, status, and an Excel file with the full data (the CSV too with the word ``csv``).
In a group, which others read (operators of other kecamatan too): names masked like every other
chat list, and no file.
"""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import Chat, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import NotAllowed
from bot.i18n import Translator
from bot.privacy import mask_name, mask_nik
from bot.services.booking import BookingView
from bot.services.container import Services
from bot.services.counter import queue_label
from bot.services.reports import Period
from bot.storage.places import Place
from handlers.booking_views import STATUS_ICONS, status_label
from handlers.checkin.counter import counter_buttons
from handlers.checkin.shared import (
    CHK,
    DLK,
    manages,
    parse_list_date,
    places_for,
    refuse_place,
)
from handlers.common import answer, checked_staff, echo, staff_only, user_id_of
from handlers.keyboards import day_data, markup
from handlers.pickers import kecamatan_keyboard, parse_pick
from handlers.staff_files import BOOKING_COLUMNS, booking_cells, columns, send_workbook, wants_csv

LIST_LIMIT = 60
# Characters of the list itself: the header, the closing lines and HTML tags stay well under
# Telegram's 4,096 (the tags are counted here, so the visible text is shorter still).
TEXT_BUDGET = 3_600
# Check-in buttons under the list; Telegram allows 100 buttons, and a long list is unreadable.
BUTTON_LIMIT = 40


async def _open_or_booked(services: Services, places: list[Place], day: date) -> list[Place]:
    """Of several places, those open or with bookings on the day (all of them when none is)."""
    if len(places) <= 1:
        return places
    busy = []
    for place in places:
        status = await services.schedule.day(place, day)
        if status.openings or await services.booking.store.day_list(place.id, day):
            busy.append(place)
    return busy or places


async def _named_places(context: BotContext, member: StaffMember, rest: str) -> list[Place]:
    """The places the words after /daftarhadir name: a place code, else a kecamatan's places;
    none named: an operator's own places (an admin chooses a kecamatan)."""
    services = context.services
    if not rest:
        return [] if member.role == "admin" else await places_for(services, member)
    for word in rest.split():
        found = await services.places.place_by_code(word.lower())
        if found is not None:
            return [found]
    matches = services.nlu.match_kecamatan(rest)
    if not matches:
        return []
    return await services.places.places(kecamatan_code=matches[0].code, public_only=False)


@staff_only(action="day_list")
async def daftarhadir(update: Update, context: BotContext) -> None:
    """/daftarhadir [tempat] [tanggal]: the day list of a place."""
    member = checked_staff(update, context)
    services = context.services
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    csv_too, words = wants_csv(context.args or [])
    text = " ".join(words).strip()
    today = services.clock.today()
    day, rest = parse_list_date(text, today) if text else (None, "")
    day = day or today
    rest = rest.strip()
    named = await _named_places(context, member, rest)
    candidates = await _open_or_booked(services, named, day)
    if len(candidates) == 1:
        await send_day_list(update, context, candidates[0].id, day, csv_too=csv_too)
        return
    if candidates:
        allowed = [p for p in candidates if member.may_manage(p.kecamatan_code)]
        if not allowed:
            await refuse_place(update, context, "day_list")
            return
        rows = [[(p.name[:60], CHK.pack("dl", p.id, day_data(day)))] for p in allowed]
        await chat.send_message(
            _("Day list for {date}: which place?").format(date=t.date(day)),
            reply_markup=markup(rows),
        )
        return
    if rest:
        await chat.send_message(
            _("I do not know the place “{text}”. Choose a kecamatan:").format(text=echo(rest))
        )
    if context.user_data is not None:
        context.user_data["daylist_day"] = day
    await chat.send_message(
        _("Day list for {date}: choose the kecamatan.").format(date=t.date(day)),
        reply_markup=kecamatan_keyboard(t, DLK, services.served_districts),
    )


@staff_only(action="day_list")
async def on_daylist_kecamatan(update: Update, context: BotContext) -> None:
    member = checked_staff(update, context)
    query = update.callback_query
    picked = parse_pick(DLK, query.data if query else None)
    services = context.services
    t = context.t
    _ = t.gettext
    if picked is None:
        await answer(query)
        return
    kind, value = picked
    stored = (context.user_data or {}).get("daylist_day")
    day = stored if isinstance(stored, date) else services.clock.today()
    await answer(query)
    if kind == "p":
        if query is not None:
            try:
                await query.edit_message_reply_markup(
                    kecamatan_keyboard(t, DLK, services.served_districts, int(value or 0))
                )
            except (BadRequest, ValueError):
                pass
        return
    if not await manages(update, context, member, value, "day_list"):
        return
    places = await services.places.places(kecamatan_code=value, public_only=False)
    chat = update.effective_chat
    if chat is None:
        return
    if not places:
        await chat.send_message(_("There are no recording places in this kecamatan."))
        return
    rows = [[(p.name[:60], CHK.pack("dl", p.id, day_data(day)))] for p in places]
    await chat.send_message(
        _("Day list for {date}: which place?").format(date=t.date(day)), reply_markup=markup(rows)
    )


async def _send_files(
    context: BotContext, chat: Chat, place: Place, day: date, csv_too: bool
) -> None:
    """The day's workbook (the ``/ekspor bookings`` columns), and the CSV when asked for."""
    t = context.t
    services = context.services
    caption = t.gettext("Full data (names, NIK, phone numbers): handle with care, do not forward.")
    period = Period(day, day)
    found = await services.reports.booking_rows(period, None, place.id)
    label, local = services.regions.district_label, services.clock.local
    stem = f"daftar-hadir-{place.code}-{day.isoformat()}"
    await send_workbook(
        chat,
        f"{stem}.xlsx",
        t.gettext("Day list"),
        columns(t, BOOKING_COLUMNS),
        (booking_cells(t, r, label, local) for r in found),
        caption,
    )
    if csv_too:
        data = await services.reports.bookings_csv(period, None, place.id)
        await chat.send_document(InputFile(data, filename=f"{stem}.csv"), caption=caption)


def _counter_keyboard(
    t: Translator, views: list[BookingView], place: Place, day: date
) -> InlineKeyboardMarkup:
    """A check-in button per resident still booked (first by time), then the counter's own."""
    waiting = [v for v in views if v.status == "active"][:BUTTON_LIMIT]
    rows = [
        [(f"✅ {t.time(v.starts)} {v.person_name}"[:60], CHK.pack("li", v.id, ""))]
        for v in waiting
    ]
    return markup(rows + counter_buttons(t, place.id, day))


async def send_day_list(
    update: Update, context: BotContext, place_id: int, day: date, *, csv_too: bool = False
) -> None:
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    place = await context.services.places.place(place_id)
    if place is None:
        await chat.send_message(_("I cannot find this place any more."))
        return
    try:
        views = await context.services.booking.day_list(place_id, day, user_id_of(update))
    except NotAllowed:
        await refuse_place(update, context, "day_list")
        return
    private = chat.type == "private"
    lines = _day_list_lines(t, place, day, views, private=private)
    keyboard = _counter_keyboard(t, views, place, day) if private else None
    await chat.send_message("\n".join(lines), reply_markup=keyboard)
    if views and private:
        await _send_files(context, chat, place, day, csv_too)


def _day_list_lines(
    t: Translator, place: Place, day: date, views: list[BookingView], *, private: bool
) -> list[str]:
    """The day list's text, within one Telegram message: past ``TEXT_BUDGET`` characters the
    rest is counted and left to the Excel file (a busy office books hundreds a day)."""
    _ = t.gettext
    shown = [v for v in views if v.status != "cancelled"]
    counts = {s: sum(1 for v in views if v.status == s) for s in STATUS_ICONS}
    lines = [
        _("📋 <b>{place}</b> — {date}").format(place=escape(place.name), date=t.date(day)),
        _(
            "{active} booked · {attended} attended · {no_show} did not come · "
            "{cancelled} cancelled"
        ).format(
            active=t.number(counts["active"]),
            attended=t.number(counts["attended"]),
            no_show=t.number(counts["no_show"]),
            cancelled=t.number(counts["cancelled"]),
        ),
        "",
    ]
    if not shown:
        lines.append(_("Nobody is booked for this day."))
    used = sum(len(line) + 1 for line in lines)
    listed = 0
    for view in shown[:LIST_LIMIT]:
        name = view.person_name if private else mask_name(view.person_name)
        number = f"<b>{queue_label(view.queue_no)}</b> · " if view.queue_no else ""
        line = (
            f"{number}{t.time(view.starts)} · <code>{view.code}</code> · {escape(name)} · "
            f"{mask_nik(view.nik)} · {STATUS_ICONS.get(view.status, '')} "
            f"{status_label(t, view.status)}"
        )
        if used + len(line) + 1 > TEXT_BUDGET:
            break
        lines.append(line)
        used += len(line) + 1
        listed += 1
    if len(shown) > listed:
        lines.append(
            _("… and {n} more: see the Excel file.").format(n=t.number(len(shown) - listed))
        )
    if views and not private:
        lines += [
            "",
            _("Full names and the Excel file: send /daftarhadir to me in a private chat."),
        ]
    return lines
