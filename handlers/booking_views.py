"""Rendering shared by the booking handlers (flow, /saya, check-in): callback codecs, labels,
booking cards, error messages and the ticket (code, map pin, QR code, calendar file)."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from telegram import Chat, InlineKeyboardButton, InputFile

from bot.callbacks import CallbackCodec
from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import Translator
from bot.privacy import initials, mask_nik, mask_phone
from bot.services import booking as bk
from bot.services.booking import BookingService, BookingView, DayAvailability, SlotView
from bot.services.tickets import CalendarEvent, checkin_link, ics, ticket_png
from bot.validation import eligibility_text, nik_error_text
from handlers.keyboards import MENU, MENU_MINE, markup

# "📝 Book at <place>" on other screens (/lokasi, /jadwal): the place, or the kecamatan, and the
# day the screen showed, carried into the booking flow (design.md §7 rule 5).
BKP = CallbackCodec("bkp", "place", "kec", "day")
# "Reschedule" on a booking (/saya, reminders): enters the flow at step 2.
BKM = CallbackCodec("bkm", "id")
# "👪 Book another family member" under a new ticket: a new booking with the phone (and the
# place) of this one; the person's name and NIK are asked.
BKF = CallbackCodec("bkf", "id")
# /saya: cancel (cx) → confirm (cy) or keep; ticket again (tk); leave the waitlist (wl).
MINE = CallbackCodec("my", "act", "id")

STATUS_ICONS = {"active": "🟢", "attended": "✅", "no_show": "⚪", "cancelled": "✖️"}


def status_label(t: Translator, status: str) -> str:
    _ = t.gettext
    return {
        "active": _("booked"),
        "attended": _("attended"),
        "no_show": _("did not come"),
        "cancelled": _("cancelled"),
    }.get(status, status)


def seats_text(t: Translator, n: int) -> str:
    # Short: a WhatsApp list row title holds 24 characters ("Sel, 24 Nov ⭐ · sisa 96").
    return t.ngettext("{n} left", "{n} left", n).format(n=t.number(n))


def duration_text(t: Translator, minutes: int) -> str:
    """ "2 hours", not "120 minutes": whole hours in hours."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return t.ngettext("{n} hour", "{n} hours", hours).format(n=t.number(hours))
    return t.ngettext("{n} minute", "{n} minutes", minutes).format(n=t.number(minutes))


def day_label(t: Translator, day: DayAvailability) -> str:
    _ = t.gettext
    star = " ⭐" if day.special else ""
    if day.seats_left <= 0:
        return _("{day}{star} · full 🔔").format(day=t.date_short(day.date), star=star)
    return f"{t.date_short(day.date)}{star} · {seats_text(t, day.seats_left)}"


def slot_label(t: Translator, slot: SlotView) -> str:
    return f"{t.time_range(slot.starts, slot.ends)} · {seats_text(t, slot.seats_left)}"


def when_text(t: Translator, day: date, slot: SlotView | BookingView) -> str:
    return f"{t.date(day)}, {t.time_range(slot.starts, slot.ends)}"


def place_lines(view_place_name: str, address: str) -> list[str]:
    lines = [f"📍 <b>{escape(view_place_name)}</b>"]
    if address:
        lines.append(escape(address))
    return lines


def place_entry_data(place_id: int | None, kecamatan: str = "", day: date | None = None) -> str:
    """The callback data of a button that opens the booking flow at a place (or a kecamatan),
    on ``day`` when the screen showed one."""
    return BKP.pack(place_id or "", kecamatan, day.strftime("%Y%m%d") if day else "")


def bring_list(t: Translator, *, nik: str, day: date, married: bool) -> list[str]:
    _ = t.gettext
    items = [_("the latest Kartu Keluarga (KK), original or photocopy")]
    if BookingService.needs_marriage_book(nik, day, married):
        items.append(_("the marriage book (buku nikah) or marriage certificate"))
    return items


def booking_card(t: Translator, view: BookingView, *, staff: bool = False) -> str:
    """A booking in a few lines; the NIK masked; the phone only for staff (masked too)."""
    _ = t.gettext
    lines = [
        _("📝 <b>Booking {code}</b> · {icon} {status}").format(
            code=view.code,
            icon=STATUS_ICONS.get(view.status, ""),
            status=status_label(t, view.status),
        ),
        _("👤 {name} (NIK {nik})").format(name=escape(view.person_name), nik=mask_nik(view.nik)),
        *place_lines(view.place.name, view.place.address),
        f"🗓 {when_text(t, view.date, view)}",
    ]
    if staff and view.phone:
        lines.append(_("📞 {phone}").format(phone=mask_phone(view.phone)))
    if view.checked_in_at:
        lines.append(
            _("Checked in at {time}.").format(time=t.datetime(t_local(t, view.checked_in_at)))
        )
    return "\n".join(lines)


def t_local(t: Translator, epoch: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).astimezone(t.tz)


def action_buttons(t: Translator, booking_id: int) -> list[InlineKeyboardButton]:
    """Reschedule and cancel, for /saya and for the reminders."""
    _ = t.gettext
    return [
        InlineKeyboardButton(_("🔁 Reschedule"), callback_data=BKM.pack(booking_id)),
        InlineKeyboardButton(_("✖️ Cancel booking"), callback_data=MINE.pack("cx", booking_id)),
    ]


def error_text(t: Translator, err: DomainError) -> str:
    """The message for a refusal of the booking service."""
    _ = t.gettext
    code = err.code
    params = err.params
    if isinstance(err, NotAllowed):
        return _("This booking belongs to another account.")
    if isinstance(err, NotFound):
        return _("I cannot find this booking any more.")
    if code in (bk.SLOT_FULL, bk.SLOT_MISSING):
        return _("Sorry, the last seat of that time was just taken by someone else.")
    if code == bk.SLOT_CLOSED:
        return _("Sorry, that time is no longer open for booking.")
    if code == bk.DAY_FULL:
        return _(
            "Sorry, this place has reached the number of residents it can serve that day. "
            "Please choose another date."
        )
    if code in (bk.SLOT_PAST, bk.TOO_SOON):
        return _("That time is too close: bookings close {duration} before the start.").format(
            duration=duration_text(t, int(params.get("minutes") or 0))
        )
    if code == bk.BEYOND_HORIZON:
        return _("Bookings open {days} days ahead; please choose an earlier date.").format(
            days=t.number(int(params.get("days") or 0))
        )
    if code == bk.WRONG_AUDIENCE:
        return _("This time is reserved for a school recording event.")
    if code == bk.SAME_SLOT:
        return _("That is the time the booking already has; choose another one.")
    if code == bk.NIK_INVALID:
        return nik_error_text(params["error"], _)
    if code == bk.NIK_ACTIVE:
        return nik_active_text(t, err)
    if code == bk.NIK_HELD:
        return nik_held_text(t)
    if code == bk.OWNER_LIMIT:
        return _(
            "This account already has {limit} active bookings, the most one account may hold. "
            "Please cancel one in /saya first, or wait until one has taken place."
        ).format(limit=t.number(int(params.get("limit") or 0)))
    if code == bk.NOT_ELIGIBLE:
        return eligibility_text(params["eligibility"], _, t)
    if code == bk.NOT_ACTIVE:
        return _("This booking is no longer active (it was cancelled or has taken place).")
    if code == bk.NOT_REBOOKABLE:
        return _("This booking has already been booked again or changed. See /saya.")
    if code == bk.OFFER_GONE:
        return _(
            "This offer has ended: the time to accept it ran out, or it was answered already."
        )
    if code == bk.ALREADY_ATTENDED:
        view = params.get("booking")
        if isinstance(view, BookingView) and view.checked_in_at:
            return _("Booking {code} was already checked in at {time}.").format(
                code=view.code, time=t.datetime(t_local(t, view.checked_in_at))
            )
        return _("This booking was already checked in.")
    return _("Sorry, that did not work. Please try again.")


def nik_active_text(t: Translator, err: DomainError) -> str:
    """This account's own booking of the NIK (NIK_HELD, another account's, says nothing)."""
    _ = t.gettext
    view = err.params.get("booking")
    if err.code != bk.NIK_ACTIVE or not isinstance(view, BookingView):
        return nik_held_text(t)
    return _(
        "{name} already has an active booking: <b>{code}</b> on {when}. One booking per "
        "person: you can move or cancel it in /saya."
    ).format(
        name=escape(view.person_name),
        code=view.code,
        when=when_text(t, view.date, view),
    )


def nik_held_text(t: Translator) -> str:
    """A NIK held by another account's booking. Nothing about that booking (who, when, that it
    is another account's): anyone can type anyone's NIK. What the NIK's owner can do instead."""
    return t.gettext(
        "This NIK cannot be booked online right now. If it is your NIK (or your child's) and you "
        "did not book it, come to the counter of your kecamatan office or Disdukcapil with your "
        "KK and e-KTP (or birth certificate): staff can release it, and you can then book here."
    )


def ticket_lines(t: Translator, view: BookingView, headline: str, bring: list[str]) -> list[str]:
    """The ticket's text: code, person (NIK masked), place, time, what to bring, the rules."""
    _ = t.gettext
    return [
        headline,
        _("Booking code: <b>{code}</b>").format(code=view.code),
        "",
        _("👤 {name} (NIK {nik})").format(name=escape(view.person_name), nik=mask_nik(view.nik)),
        *place_lines(view.place.name, view.place.address),
        f"🗓 {t.date(view.date)}",
        f"🕗 {t.time_range(view.starts, view.ends)}",
        "",
        _("<b>Bring:</b>"),
        *[f"• {item}" for item in bring],
        "",
        _(
            "Please come 10 minutes early and show the code or the QR code below to the "
            "officer. The person to be recorded must come in person."
        ),
        _("Recording is free of charge. If anyone asks you for money, report it with /lapor."),
        _("To move or cancel: /saya."),
    ]


async def _send_qr(chat: Chat, context: BotContext, view: BookingView) -> None:
    """The QR code, with what it stands for readable under it: a screenshot or a printout means
    something at the counter even unscanned; initials only, no NIK (the picture gets shared)."""
    t = context.t
    link = checkin_link(context.bot.username or "", view.code)
    readable = [
        view.code,
        initials(view.person_name),
        view.place.name,
        t.date(view.date),
        t.time_range(view.starts, view.ends),
    ]
    await chat.send_photo(
        InputFile(ticket_png(link, readable), filename=f"ektp-{view.code}.png"),
        caption=t.gettext("QR code of booking {code}: show it at the counter.").format(
            code=view.code
        ),
    )


async def send_ticket(
    chat: Chat,
    context: BotContext,
    view: BookingView,
    *,
    headline: str,
    qr: bool = True,
    family: bool = False,
) -> None:
    """The result of a booking: code, place, time, what to bring; map pin; QR; calendar file.
    ``family``: a new booking, so the next family member can be booked in one tap."""
    t = context.t
    _ = t.gettext
    place = view.place
    bring = bring_list(t, nik=view.nik, day=view.date, married=view.married)
    lines = ticket_lines(t, view, headline, bring)
    from handlers.subscribe import subscribe_offer_button

    # Offer the kecamatan's announcements (weekend services, jemput bola days) in one tap.
    offer = subscribe_offer_button(t, place.kecamatan_code)
    rows = [
        [(_("📋 My bookings"), MENU.pack(MENU_MINE))],
        [(offer.text, str(offer.callback_data))],
    ]
    if family:
        rows.insert(0, [(_("👪 Book another family member"), BKF.pack(view.id))])
    await chat.send_message("\n".join(lines), reply_markup=markup(rows))
    if place.lat is not None and place.lon is not None:
        await chat.send_venue(
            latitude=place.lat,
            longitude=place.lon,
            title=place.name[:100],
            address=(place.address or place.name)[:100],
        )
    if qr:
        await _send_qr(chat, context, view)
    tz = context.services.clock.tz
    calendar = booking_calendar(
        t,
        code=view.code,
        place_name=place.name,
        address=place.address,
        starts=view.start_at(tz),
        ends=view.end_at(tz),
        lat=place.lat,
        lon=place.lon,
        sequence=max(0, view.updated_at - view.created_at),
        bring=bring,
        now=context.services.clock.now(),
    )
    await chat.send_document(
        InputFile(calendar, filename=f"ektp-{view.code}.ics"),
        caption=_("Add the appointment to your calendar."),
    )


def eligibility_reason(t: Translator, verdict) -> str:
    return eligibility_text(verdict, t.gettext, t)


def booking_calendar(
    t: Translator,
    *,
    code: str,
    place_name: str,
    address: str,
    starts: datetime,
    ends: datetime,
    lat: float | None,
    lon: float | None,
    sequence: int = 0,
    link: str = "",
    bring: list[str] | None = None,
    now: datetime,
) -> bytes:
    """The calendar file of a booking, in the resident's language."""
    _ = t.gettext
    lines = [
        _("e-KTP recording, booking code {code}.").format(code=code),
        _("Show the code or the QR code to the officer."),
    ]
    if bring:
        lines.append(_("Bring: {items}").format(items="; ".join(bring)))
    lines.append(_("Recording is free of charge."))
    event = CalendarEvent(
        uid=f"booking-{code}@ektp-bot",
        starts=starts,
        ends=ends,
        title=_("e-KTP recording – {place}").format(place=place_name),
        location=", ".join(part for part in (place_name, address) if part),
        description="\n".join(lines),
        lat=lat,
        lon=lon,
        sequence=sequence,
        url=link,
    )
    return ics(event, now=now)
