"""Staff at the counter: check-in, the day list, and closing a day or a slot.

- ``/hadir KODE`` marks a booking attended; the QR code on the resident's ticket is the deep link
  ``/start ci_KODE``: a staff member who scans it gets the booking with a one-tap check-in, the
  owner sees their booking, anyone else learns nothing.
- ``/daftarhadir [tempat] [tanggal]``: who is booked (full names, masked NIK, status) and a CSV
  with the full data, for staff of the place's kecamatan.
- ``/tutup``: close a whole day or one time slot at a place; the bookings there are cancelled and
  their residents told in their language with the next free times (``BookingService.close``).

Every command and button checks the staff role on each use; operators act only on places of
their kecamatan. Every staff action is in the audit log.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import date, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import CallbackCodec
from bot.config import StaffMember
from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.i18n import Translator
from bot.privacy import mask_nik
from bot.services.booking import CLOSE_REASONS, BookingError, BookingView
from bot.services.container import Services
from bot.services.tickets import code_from_start_payload, normalize_code
from bot.storage.places import Place
from handlers.booking_views import (
    STATUS_ICONS,
    action_buttons,
    booking_card,
    error_text,
    status_label,
    t_local,
)
from handlers.common import answer, final, refuse, staff_member, user_id_of
from handlers.keyboards import day_data, markup, parse_day_data
from handlers.pickers import kecamatan_keyboard, parse_pick

log = logging.getLogger(__name__)

# Check-in buttons: in (today), force (another day); day list of a place and date.
CHK = CallbackCodec("chk", "act", "id", "day")
DLK = CallbackCodec("chkd", "kind", "value")  # day list: kecamatan picker for admins
# The closing flow: its buttons, and its kecamatan picker.
CL = CallbackCodec("chc", "act", "value")
CLK = CallbackCodec("chck", "kind", "value")

CLOSING = "closing"
END = ConversationHandler.END
CL_KEC, CL_PLACE, CL_DAY, CL_WHAT, CL_REASON, CL_CONFIRM = (
    "kec",
    "place",
    "day",
    "what",
    "reason",
    "confirm",
)
CLOSE_STEPS = (CL_KEC, CL_PLACE, CL_DAY, CL_WHAT, CL_REASON, CL_CONFIRM)
LIST_LIMIT = 60
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DMY_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")


async def _refuse_place(update: Update, context: BotContext, action: str) -> None:
    """An operator outside their kecamatan: polite, and on the record."""
    services = context.services
    uid = user_id_of(update)
    log.warning("refused %s outside the kecamatan of staff %s", action, uid)
    await services.audit.record(services.clock.epoch(), uid, "refused", "action", action)
    _ = context.t.gettext
    text = _("Sorry, this place is outside the kecamatan you manage.")
    if update.callback_query is not None:
        await answer(update.callback_query, text, alert=True)
        return
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text)


# --------------------------------------------------------------------------------------------
# Check-in


async def _show_for_staff(
    update: Update, context: BotContext, member: StaffMember, view: BookingView, *, act: bool
) -> None:
    """The booking for staff; with ``act``, check it in when it is for today."""
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    if not member.may_manage(view.place.kecamatan_code):
        await _refuse_place(update, context, "check_in")
        return
    card = booking_card(t, view, staff=True)
    if view.status == "attended":
        await chat.send_message(
            error_text(t, BookingError("already_attended", booking=view)) + "\n\n" + card
        )
        return
    if view.status != "active":
        await chat.send_message(
            _("This booking cannot be checked in: it is {status}.").format(
                status=status_label(t, view.status)
            )
            + "\n\n"
            + card
        )
        return
    today = context.services.clock.today()
    if view.date != today:
        await chat.send_message(
            card
            + "\n\n"
            + _("⚠️ This booking is for {date}, not today.").format(date=t.date(view.date)),
            reply_markup=markup([[(_("✅ Check in anyway"), CHK.pack("force", view.id))]]),
        )
        return
    if not act:
        await chat.send_message(
            card, reply_markup=markup([[(_("✅ Check in"), CHK.pack("in", view.id))]])
        )
        return
    await _do_check_in(update, context, view)


async def _do_check_in(update: Update, context: BotContext, view: BookingView) -> None:
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    try:
        done = await context.services.booking.check_in(view.id, user_id_of(update))
    except NotAllowed:
        await _refuse_place(update, context, "check_in")
        return
    except (BookingError, NotFound) as err:
        if chat is not None:
            await chat.send_message(error_text(t, err))
        return
    if chat is not None:
        await chat.send_message(
            _("✅ <b>Checked in</b>: {name}, booking {code}, at {time}.").format(
                name=escape(done.person_name),
                code=done.code,
                time=t.time(t_local(t, done.checked_in_at or 0)),
            )
        )


async def hadir(update: Update, context: BotContext) -> None:
    """/hadir KODE: mark a booking attended."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "check_in")
        return
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    text = " ".join(context.args or [])
    if not text:
        await chat.send_message(
            _("Type /hadir followed by the booking code, for example: /hadir K7MX3Q")
        )
        return
    code = normalize_code(text)
    if code is None:
        await chat.send_message(
            _("“{text}” is not a booking code (6 letters and digits, for example K7MX3Q).").format(
                text=escape(text[:20])
            )
        )
        return
    view = await context.services.booking.by_code(code)
    if view is None:
        await chat.send_message(_("There is no booking with the code {code}.").format(code=code))
        return
    await _show_for_staff(update, context, member, view, act=True)


async def checkin_link(update: Update, context: BotContext) -> None:
    """/start ci_KODE (the QR code): staff get a one-tap check-in; the owner sees the booking;
    anyone else sees nothing about it."""
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    payload = (context.args or [""])[0]
    code = code_from_start_payload(payload)
    view = await context.services.booking.by_code(code) if code else None
    member = staff_member(update, context)
    if member is not None:
        if view is None:
            await chat.send_message(_("There is no booking with this code."))
            return
        if member.may_manage(view.place.kecamatan_code):
            services = context.services
            await services.audit.record(
                services.clock.epoch(),
                member.user_id,
                "booking.view",
                "booking",
                view.id,
                view.code,
            )
        await _show_for_staff(update, context, member, view, act=False)
        return
    if view is not None and view.owner_id == user_id_of(update):
        keyboard = None
        if view.status == "active":
            keyboard = InlineKeyboardMarkup([action_buttons(t, view.id)])
        await chat.send_message(
            _("This is the QR code of your booking:") + "\n\n" + booking_card(t, view),
            reply_markup=keyboard,
        )
        return
    await chat.send_message(
        _(
            "This is the check-in code of an e-KTP recording booking. Only Disdukcapil staff "
            "can check it in. To book your own slot: /daftar"
        )
    )


async def on_check_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    try:
        data = CHK.unpack(query.data if query else None)
    except ValueError:
        await answer(query)
        return
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "check_in")
        return
    act = data["act"]
    if act == "dl":
        await answer(query)
        day = parse_day_data(data["day"])
        if day is None or not data["id"].isdigit():
            return
        await _send_day_list(update, context, int(data["id"]), day)
        return
    if act not in ("in", "force") or not data["id"].isdigit():
        await answer(query)
        return
    view = await context.services.booking.booking(int(data["id"]))
    if view is None:
        await answer(query, error_text(context.t, NotFound("booking")), alert=True)
        return
    if not member.may_manage(view.place.kecamatan_code):
        await _refuse_place(update, context, "check_in")
        return
    await answer(query)
    if query is not None and query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass
    if act == "in":
        await _show_for_staff(update, context, member, view, act=True)
    elif view.status == "active":
        await _do_check_in(update, context, view)
    else:
        await _show_for_staff(update, context, member, view, act=True)


# --------------------------------------------------------------------------------------------
# Day list


def _parse_list_date(text: str, today: date) -> tuple[date | None, str]:
    """A date in the arguments (ISO, 28/11[/2026], or words like "besok", "sabtu"), and the text
    without it."""
    match = _ISO_DATE.search(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), text.replace(match[0], " ")
        except ValueError:
            return None, text
    match = _DMY_DATE.search(text)
    if match:
        year = int(match[3]) if match[3] else today.year
        if year < 100:
            year += 2000
        try:
            return date(year, int(match[2]), int(match[1])), text.replace(match[0], " ")
        except ValueError:
            return None, text
    from bot.nlu import parse_date

    found = parse_date(text, today)
    return found, text


async def _places_for(
    services: Services, member: StaffMember, kecamatan: str | None = None
) -> list[Place]:
    places = await services.places.places(kecamatan_code=kecamatan, public_only=False)
    return [p for p in places if member.may_manage(p.kecamatan_code)]


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


async def daftarhadir(update: Update, context: BotContext) -> None:
    """/daftarhadir [tempat] [tanggal]: the day list of a place."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "day_list")
        return
    services = context.services
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return
    text = " ".join(context.args or []).strip()
    today = services.clock.today()
    day, rest = _parse_list_date(text, today) if text else (None, "")
    day = day or today
    rest = rest.strip()
    place: Place | None = None
    candidates: list[Place] = []
    if rest:
        for word in rest.split():
            found = await services.places.place_by_code(word.lower())
            if found is not None:
                place = found
                break
        if place is None:
            matches = services.nlu.match_kecamatan(rest)
            if matches:
                candidates = await services.places.places(
                    kecamatan_code=matches[0].code, public_only=False
                )
    else:
        candidates = await _places_for(services, member)
        if member.role == "admin":
            candidates = []
    if place is not None:
        candidates = [place]
    candidates = await _open_or_booked(services, candidates, day)
    if len(candidates) == 1:
        await _send_day_list(update, context, candidates[0].id, day)
        return
    if candidates:
        allowed = [p for p in candidates if member.may_manage(p.kecamatan_code)]
        if not allowed:
            await _refuse_place(update, context, "day_list")
            return
        rows = [[(p.name[:60], CHK.pack("dl", p.id, day_data(day)))] for p in allowed]
        await chat.send_message(
            _("Day list for {date}: which place?").format(date=t.date(day)),
            reply_markup=markup(rows),
        )
        return
    if rest:
        await chat.send_message(
            _("I do not know the place “{text}”. Choose a kecamatan:").format(
                text=escape(rest[:40])
            )
        )
    if context.user_data is not None:
        context.user_data["daylist_day"] = day
    await chat.send_message(
        _("Day list for {date}: choose the kecamatan.").format(date=t.date(day)),
        reply_markup=kecamatan_keyboard(t, DLK, services.served_districts),
    )


async def on_daylist_kecamatan(update: Update, context: BotContext) -> None:
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "day_list")
        return
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
    if not member.may_manage(value):
        await _refuse_place(update, context, "day_list")
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


def _csv(t: Translator, views: list[BookingView]) -> bytes:
    _ = t.gettext
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("time"),
            _("code"),
            _("name"),
            "NIK",
            _("phone"),
            _("status"),
            _("checked in at"),
        ]
    )
    for view in views:
        writer.writerow(
            [
                t.time_range(view.starts, view.ends),
                view.code,
                view.person_name,
                view.nik,
                view.phone or "",
                status_label(t, view.status),
                t.datetime(t_local(t, view.checked_in_at)) if view.checked_in_at else "",
            ]
        )
    # A byte-order mark so that spreadsheet programs read the names as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def _send_day_list(update: Update, context: BotContext, place_id: int, day: date) -> None:
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
        await _refuse_place(update, context, "day_list")
        return
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
    for view in shown[:LIST_LIMIT]:
        lines.append(
            f"{t.time(view.starts)} · <code>{view.code}</code> · {escape(view.person_name)} · "
            f"{mask_nik(view.nik)} · {STATUS_ICONS.get(view.status, '')} "
            f"{status_label(t, view.status)}"
        )
    if len(shown) > LIST_LIMIT:
        lines.append(
            _("… and {n} more: see the CSV file.").format(n=t.number(len(shown) - LIST_LIMIT))
        )
    await chat.send_message("\n".join(lines))
    if views:
        await chat.send_document(
            InputFile(_csv(t, views), filename=f"daftar-hadir-{place.code}-{day.isoformat()}.csv"),
            caption=_("Full data (names, NIK, phone numbers): handle with care, do not forward."),
        )


# --------------------------------------------------------------------------------------------
# Closing a day or a slot (a short conversation)


def _closing(context: BotContext) -> dict[str, Any]:
    data = context.user_data
    if data is None:
        return {}
    draft = data.get(CLOSING)
    if not isinstance(draft, dict):
        draft = {}
        data[CLOSING] = draft
    return draft


def _cancel_row(context: BotContext) -> list[tuple[str, str]]:
    _ = context.t.gettext
    return [(_("◀️ Back"), CL.pack("back")), (_("✖️ Cancel"), CL.pack("x"))]


async def _close_ask(update: Update, context: BotContext, step: str) -> object:
    draft = _closing(context)
    draft["step"] = step
    member = staff_member(update, context)
    if member is None:
        return END
    services = context.services
    t = context.t
    _ = t.gettext
    chat = update.effective_chat
    if chat is None:
        return step
    if step == CL_KEC:
        extra = [[InlineKeyboardButton(_("✖️ Cancel"), callback_data=CL.pack("x"))]]
        await chat.send_message(
            _("🚫 <b>Close a day or a time</b>\nChoose the kecamatan:"),
            reply_markup=kecamatan_keyboard(
                t, CLK, services.served_districts, int(draft.get("page") or 0), extra_rows=extra
            ),
        )
        return step
    if step == CL_PLACE:
        places = await _places_for(services, member, draft.get("kec"))
        if not places:
            await chat.send_message(_("There are no recording places in this kecamatan."))
            draft.pop("kec", None)
            return await _close_ask(update, context, CL_KEC)
        rows = [[(p.name[:60], CL.pack("place", p.id))] for p in places]
        rows.append(_cancel_row(context))
        await chat.send_message(
            _("🚫 <b>Close a day or a time</b>\nWhich place?"), reply_markup=markup(rows)
        )
        return step
    place = await services.places.place(int(draft.get("place") or 0))
    if place is None:
        return await _close_ask(update, context, CL_PLACE)
    if step == CL_DAY:
        today = services.clock.today()
        horizon = services.config.booking.horizon_days
        statuses = await services.schedule.days(place, today, today + timedelta(days=horizon - 1))
        rows = []
        for status in statuses:
            if not status.openings:
                continue
            slots = await services.booking.open_slots(place.id, status.date)
            if not slots:
                continue
            booked = sum(s.booked for s in slots)
            rows.append(
                (
                    _("{day} ({n} booked)").format(
                        day=t.date_short(status.date), n=t.number(booked)
                    ),
                    CL.pack("day", day_data(status.date)),
                )
            )
        if not rows:
            await chat.send_message(
                _("{place} has no open days in the coming {days} days.").format(
                    place=escape(place.name), days=t.number(horizon)
                ),
                reply_markup=markup([_cancel_row(context)]),
            )
            return step
        keyboard = [rows[i : i + 2] for i in range(0, len(rows), 2)]
        keyboard.append(_cancel_row(context))
        await chat.send_message(
            _("<b>{place}</b>: which day?").format(place=escape(place.name)),
            reply_markup=markup(keyboard),
        )
        return step
    day = draft.get("day")
    if not isinstance(day, date):
        return await _close_ask(update, context, CL_DAY)
    if step == CL_WHAT:
        slots = await services.booking.open_slots(place.id, day)
        rows = [[(_("🚫 The whole day"), CL.pack("what", "day"))]]
        buttons = [
            (
                _("{time} ({n} booked)").format(
                    time=t.time_range(s.starts, s.ends), n=t.number(s.booked)
                ),
                CL.pack("what", s.slot_id),
            )
            for s in slots
        ]
        rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append(_cancel_row(context))
        await chat.send_message(
            _("<b>{place}</b>, {date}: close the whole day, or one time?").format(
                place=escape(place.name), date=t.date(day)
            ),
            reply_markup=markup(rows),
        )
        return step
    if step == CL_REASON:
        rows = [
            [(t.gettext(text).capitalize(), CL.pack("reason", key))]
            for key, text in CLOSE_REASONS.items()
        ]
        rows.append(_cancel_row(context))
        await chat.send_message(
            _("Why? The residents will read the reason. Choose one, or type it."),
            reply_markup=markup(rows),
        )
        return step
    if step == CL_CONFIRM:
        starts, ends = _closing_window(draft)
        affected = await services.booking.affected_by_closing(place.id, day, starts, ends)
        what = _("the whole day") if starts is None or ends is None else t.time_range(starts, ends)
        text = _(
            "Close <b>{place}</b> on {date} ({what})?\nReason: {reason}\n\n"
            "{n} active bookings will be cancelled; the residents are told in their language "
            "and offered the next free times."
        ).format(
            place=escape(place.name),
            date=t.date(day),
            what=what,
            reason=escape(_reason_text(context, draft)),
            n=t.number(affected),
        )
        await chat.send_message(
            text,
            reply_markup=markup([[(_("✅ Close"), CL.pack("ok"))], _cancel_row(context)]),
        )
        return step
    return step


def _closing_window(draft: dict[str, Any]):
    from datetime import time

    starts, ends = draft.get("starts"), draft.get("ends")
    if isinstance(starts, str) and isinstance(ends, str):
        return time.fromisoformat(starts), time.fromisoformat(ends)
    return None, None


def _reason_text(context: BotContext, draft: dict[str, Any]) -> str:
    key = draft.get("reason_key")
    if key in CLOSE_REASONS:
        return context.t.gettext(CLOSE_REASONS[key])
    return str(draft.get("reason") or "")


async def close_start(update: Update, context: BotContext) -> object:
    """/tutup: staff close a day or a time slot."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "close")
        return END
    if context.user_data is not None:
        context.user_data[CLOSING] = {}
    draft = _closing(context)
    if member.role != "admin" and len(member.kecamatan) == 1:
        draft["kec"] = member.kecamatan[0]
        draft["single_kec"] = True
        return await _close_ask(update, context, CL_PLACE)
    if member.role != "admin":
        draft["kec"] = None
        return await _close_ask(update, context, CL_PLACE)
    return await _close_ask(update, context, CL_KEC)


async def close_cancel(update: Update, context: BotContext) -> object:
    if context.user_data is not None:
        context.user_data.pop(CLOSING, None)
    _ = context.t.gettext
    await answer(update.callback_query)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(_("Stopped. Nothing was closed."))
    return END


def _close_previous(step: str, draft: dict[str, Any]) -> str | None:
    if step == CL_PLACE:
        return None if draft.get("single_kec") or draft.get("kec") is None else CL_KEC
    return {
        CL_DAY: CL_PLACE,
        CL_WHAT: CL_DAY,
        CL_REASON: CL_WHAT,
        CL_CONFIRM: CL_REASON,
    }.get(step)


async def _remove_buttons(update: Update) -> None:
    query = update.callback_query
    await answer(query)
    if query is not None and query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass


async def close_button(update: Update, context: BotContext) -> object:
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "close")
        return END
    query = update.callback_query
    try:
        data = CL.unpack(query.data if query else None)
    except ValueError:
        await answer(query)
        return None
    draft = _closing(context)
    step = draft.get("step")
    act, value = data["act"], data["value"]
    services = context.services
    if act == "x":
        await _remove_buttons(update)
        return await close_cancel(update, context)
    if act == "back":
        previous = _close_previous(step or "", draft)
        await _remove_buttons(update)
        if previous is None:
            return await close_cancel(update, context)
        return await _close_ask(update, context, previous)
    if act == "place" and step == CL_PLACE and value.isdigit():
        place = await services.places.place(int(value))
        if place is None or not member.may_manage(place.kecamatan_code):
            await _refuse_place(update, context, "close")
            return None
        await _remove_buttons(update)
        draft["place"] = place.id
        return await _close_ask(update, context, CL_DAY)
    if act == "day" and step == CL_DAY:
        day = parse_day_data(value)
        if day is not None:
            await _remove_buttons(update)
            draft["day"] = day
            return await _close_ask(update, context, CL_WHAT)
    if act == "what" and step == CL_WHAT:
        await _remove_buttons(update)
        draft.pop("starts", None)
        draft.pop("ends", None)
        if value.isdigit():
            slot = await services.booking.slot_info(int(value))
            if slot is not None:
                draft["starts"] = slot.slot.starts.strftime("%H:%M")
                draft["ends"] = slot.slot.ends.strftime("%H:%M")
        return await _close_ask(update, context, CL_REASON)
    if act == "reason" and step == CL_REASON and value in CLOSE_REASONS:
        await _remove_buttons(update)
        draft["reason_key"] = value
        draft["reason"] = services.translator(services.config.default_language).gettext(
            CLOSE_REASONS[value]
        )
        return await _close_ask(update, context, CL_CONFIRM)
    if act == "ok" and step == CL_CONFIRM:
        await _remove_buttons(update)
        return await _close_submit(update, context, member)
    await answer(
        query,
        context.t.gettext(
            "That button belongs to an earlier step; please answer the last question."
        ),
        alert=True,
    )
    return None


async def close_kecamatan(update: Update, context: BotContext) -> object:
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "close")
        return END
    query = update.callback_query
    draft = _closing(context)
    picked = parse_pick(CLK, query.data if query else None)
    if picked is None or draft.get("step") != CL_KEC:
        await answer(query)
        return None
    kind, value = picked
    if kind == "p":
        await answer(query)
        try:
            draft["page"] = int(value)
        except ValueError:
            draft["page"] = 0
        _ = context.t.gettext
        extra = [[InlineKeyboardButton(_("✖️ Cancel"), callback_data=CL.pack("x"))]]
        if query is not None:
            try:
                await query.edit_message_reply_markup(
                    kecamatan_keyboard(
                        context.t,
                        CLK,
                        context.services.served_districts,
                        draft["page"],
                        extra_rows=extra,
                    )
                )
            except BadRequest:
                pass
        return CL_KEC
    if not member.may_manage(value):
        await _refuse_place(update, context, "close")
        return None
    await _remove_buttons(update)
    draft["kec"] = value
    return await _close_ask(update, context, CL_PLACE)


async def close_text(update: Update, context: BotContext) -> object:
    """Typed answers: a kecamatan, a place (number or name), a date, "seharian" or a time, the
    reason, "ya" to confirm, "kembali" to go back."""
    member = staff_member(update, context)
    if member is None:
        await refuse(update, context, "close")
        return END
    services = context.services
    draft = _closing(context)
    step = draft.get("step", CL_KEC)
    message = update.effective_message
    text = " ".join(((message.text or "") if message else "").split())
    words = text.casefold()
    if words in ("kembali", "back"):
        previous = _close_previous(step, draft)
        if previous is None:
            return await close_cancel(update, context)
        return await _close_ask(update, context, previous)
    if step == CL_KEC:
        matches = services.nlu.match_kecamatan(text)
        if matches and member.may_manage(matches[0].code):
            draft["kec"] = matches[0].code
            return await _close_ask(update, context, CL_PLACE)
        if matches:
            await _refuse_place(update, context, "close")
    elif step == CL_PLACE:
        places = await _places_for(services, member, draft.get("kec"))
        chosen = None
        if words.isdigit() and 1 <= int(words) <= len(places):
            chosen = places[int(words) - 1]
        else:
            chosen = next((p for p in places if words and words in p.name.casefold()), None)
        if chosen is not None:
            draft["place"] = chosen.id
            return await _close_ask(update, context, CL_DAY)
    elif step == CL_DAY:
        day, _rest = _parse_list_date(text, services.clock.today())
        if day is not None and day >= services.clock.today():
            draft["day"] = day
            return await _close_ask(update, context, CL_WHAT)
    elif step == CL_WHAT:
        if words in ("seharian", "semua", "whole day", "all day", "sehari"):
            draft.pop("starts", None)
            draft.pop("ends", None)
            return await _close_ask(update, context, CL_REASON)
        match = re.search(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)", text)
        day = draft.get("day")
        place_id = draft.get("place")
        if match and isinstance(day, date) and place_id:
            wanted = (int(match[1]), int(match[2] or 0))
            for slot in await services.booking.open_slots(int(place_id), day):
                if (slot.starts.hour, slot.starts.minute) == wanted:
                    draft["starts"] = slot.starts.strftime("%H:%M")
                    draft["ends"] = slot.ends.strftime("%H:%M")
                    return await _close_ask(update, context, CL_REASON)
    elif step == CL_REASON and text:
        draft["reason"] = text[:200]
        draft.pop("reason_key", None)
        return await _close_ask(update, context, CL_CONFIRM)
    elif step == CL_CONFIRM and words in ("ya", "yes", "ok", "oke", "tutup", "close"):
        return await _close_submit(update, context, member)
    return await _close_ask(update, context, step)


async def _close_submit(update: Update, context: BotContext, member: StaffMember) -> object:
    t = context.t
    _ = t.gettext
    draft = _closing(context)
    services = context.services
    day = draft.get("day")
    starts, ends = _closing_window(draft)
    chat = update.effective_chat
    if not isinstance(day, date) or not draft.get("place"):
        return await close_cancel(update, context)
    try:
        result = await services.booking.close(
            int(draft["place"]),
            day,
            starts=starts,
            ends=ends,
            reason=str(draft.get("reason") or ""),
            reason_key=str(draft.get("reason_key") or ""),
            actor_id=member.user_id,
        )
    except NotAllowed:
        await _refuse_place(update, context, "close")
        return END
    except (DomainError, NotFound) as err:
        if chat is not None:
            await chat.send_message(error_text(t, err))
        return END
    if context.user_data is not None:
        context.user_data.pop(CLOSING, None)
    if chat is not None:
        await chat.send_message(
            t.ngettext(
                "🚫 Closed. {n} booking was cancelled; the resident is being told.",
                "🚫 Closed. {n} bookings were cancelled; the residents are being told.",
                len(result.booking_ids),
            ).format(n=t.number(len(result.booking_ids)))
        )
    return END


def build_handlers() -> list:
    """Fresh handler objects: a ConversationHandler keeps its states in memory as well as in the
    persistence, so each Application (the tests build many) gets its own."""
    return [
        # The QR code's deep link; before the plain /start (handlers.start).
        CommandHandler("start", checkin_link, filters=filters.Regex(r"^/start ci_")),
        CommandHandler(["hadir", "checkin"], hadir),
        CommandHandler("daftarhadir", daftarhadir),
        CallbackQueryHandler(final(on_check_button), pattern=CHK.pattern),
        CallbackQueryHandler(final(on_daylist_kecamatan), pattern=DLK.pattern),
        ConversationHandler(
            entry_points=[CommandHandler("tutup", close_start)],
            states={
                step: [
                    CallbackQueryHandler(final(close_button), pattern=CL.pattern),
                    CallbackQueryHandler(final(close_kecamatan), pattern=CLK.pattern),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, close_text),
                ]
                for step in CLOSE_STEPS
            },
            fallbacks=[CommandHandler(["batal", "cancel"], close_cancel)],
            name="booking_close",
            persistent=True,
            allow_reentry=True,
        ),
    ]


def __getattr__(name: str) -> Any:
    # ``HANDLERS``, as bot.app reads it from every feature module: built anew on each read.
    if name == "HANDLERS":
        return build_handlers()
    raise AttributeError(name)
