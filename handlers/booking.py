"""Booking a recording slot: /daftar, the menu button, or a sentence like "daftar rekam ktp di
pondok aren sabtu ini" (its kecamatan and date are carried over).

1. where: kecamatan (paged buttons, a typed name, or a shared location → the nearest places),
   then the place when the kecamatan has several;
2. when: the days of the booking horizon with free seats (a full day offers the waitlist), then
   the time slots with the seats left;
3. who: full name, NIK, "married?" only when the person is under 17 on that day, phone (optional);
4. confirm: a summary (NIK masked) with confirm / change / cancel;
5. the result: code, place and map pin, what to bring, QR code, calendar file.

The same conversation reschedules a booking (from step 2, the code stays), takes up a seat
offered from the waitlist (at step 3) and books again after a closure. Every step accepts /batal
and ◀️ Back; buttons carry a per-flow token so that a button of an earlier attempt is recognised.
All rules live in ``bot.services.booking``.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.errors import DomainError, NotAllowed, NotFound
from bot.geo import nearest
from bot.privacy import mask_nik, mask_phone
from bot.services import booking as bk
from bot.services.booking import OFFER, REBOOK, BookingError, BookingService
from bot.services.container import Services
from bot.services.schedule import holiday_name
from bot.services.tickets import ALPHABET
from bot.storage.places import Place
from bot.validation import (
    ADULT_AGE,
    ELIGIBLE_ADULT,
    NameError_,
    PhoneError,
    age_on,
    eligibility_text,
    name_error_text,
    nik_warning_text,
    normalize_phone,
    phone_error_text,
    validate_name,
)
from handlers.booking_views import (
    BK,
    BKK,
    BKM,
    answer,
    day_label,
    error_text,
    final,
    markup,
    nik_active_text,
    send_ticket,
    slot_label,
    when_text,
)
from handlers.common import user_id_of
from handlers.intents import analysis_of, starts
from handlers.keyboards import MENU, MENU_BOOK, main_menu
from handlers.pickers import kecamatan_keyboard, parse_pick

log = logging.getLogger(__name__)

DRAFT = "booking"
END = ConversationHandler.END

# Steps (also the conversation states).
KEC, PLACE, DAY, SLOT = "kec", "place", "day", "slot"
NAME, NIK, MARRIED, REFUSED, PHONE = "name", "nik", "married", "refused", "phone"
CONFIRM, CHANGE = "confirm", "change"
STEPS = (KEC, PLACE, DAY, SLOT, NAME, NIK, MARRIED, REFUSED, PHONE, CONFIRM, CHANGE)

NEW, MOVE, REBOOKING = "new", "move", "rebook"

YES_WORDS = {"ya", "iya", "yes", "y", "ok", "oke", "benar", "betul", "setuju", "sudah", "pernah"}
NO_WORDS = {"tidak", "no", "n", "belum", "nggak", "gak", "ga", "enggak", "tdk"}
QUIT_WORDS = {"batal", "cancel", "stop", "keluar"}
BACK_WORDS = {"kembali", "back", "mundur"}
SKIP_WORDS = {"lewati", "skip", "-", "tidak ada", "ga ada", "gak ada", "tidak", "no", "none"}
CHANGE_WORDS = {"ubah", "ganti", "change", "edit"}
_TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)")


# --------------------------------------------------------------------------------------------
# Draft and small helpers


def _draft(context: BotContext) -> dict[str, Any]:
    data = context.user_data
    if data is None:
        return {}
    draft = data.get(DRAFT)
    if not isinstance(draft, dict):
        draft = {}
        data[DRAFT] = draft
    return draft


def _new_draft(context: BotContext, **values: Any) -> dict[str, Any]:
    draft = {"tok": "".join(secrets.choice(ALPHABET) for _ in range(4)), "mode": NEW, **values}
    if context.user_data is not None:
        context.user_data[DRAFT] = draft
    return draft


def _clear(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _service(context: BotContext) -> BookingService:
    return context.services.booking


def _words(text: str) -> str:
    return " ".join(text.casefold().strip(" .!?").split())


def _day_value(day: date) -> str:
    return day.strftime("%Y%m%d")


def _parse_day(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


def _b(draft: dict[str, Any], act: str, value: object = "") -> str:
    return BK.pack(draft.get("tok", ""), act, value)


async def _close_buttons(update: Update) -> None:
    """The pressed message keeps its text and loses its buttons: one answer per step."""
    query = update.callback_query
    if query is None:
        return
    await answer(query)
    if query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest:
            pass


async def _say(
    update: Update,
    context: BotContext,
    text: str,
    rows_: list[list[tuple[str, str]]] | None = None,
) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, reply_markup=markup(rows_) if rows_ else None)


def _previous(step: str, draft: dict[str, Any]) -> str | None:
    mode = draft.get("mode", NEW)
    fixed_who = mode in (MOVE, REBOOKING)
    if step == PLACE:
        return KEC
    if step == DAY:
        if mode == MOVE:
            return None
        return PLACE if len(draft.get("choices") or []) > 1 else KEC
    if step == SLOT:
        return DAY
    if step == NAME:
        return None if draft.get("waitlist") else SLOT
    if step in (NIK,):
        return NAME
    if step in (MARRIED, REFUSED):
        return NIK
    if step == PHONE:
        return MARRIED if draft.get("asked_married") else NIK
    if step == CONFIRM:
        return SLOT if fixed_who else PHONE
    if step == CHANGE:
        return CONFIRM
    return None


def _nav(context: BotContext, draft: dict[str, Any], step: str) -> list[tuple[str, str]]:
    _ = context.t.gettext
    row = []
    if _previous(step, draft) is not None:
        row.append((_("◀️ Back"), _b(draft, "back")))
    row.append((_("✖️ Cancel"), _b(draft, "x")))
    return row


async def _place_of(context: BotContext, draft: dict[str, Any]) -> Place | None:
    place_id = draft.get("place")
    return await context.services.places.place(int(place_id)) if place_id else None


def _kecamatan_name(services: Services, code: str | None) -> str:
    district = services.regions.districts.get(code or "")
    return district.name if district else (code or "")


# --------------------------------------------------------------------------------------------
# Prompts: each shows its step and returns it


async def _ask(update: Update, context: BotContext, step: str) -> str:
    draft = _draft(context)
    draft["step"] = step
    return await PROMPTS[step](update, context, draft)


async def _prompt_kec(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    services = context.services
    nav = [
        [
            InlineKeyboardButton(label, callback_data=data)
            for label, data in _nav(context, draft, KEC)
        ]
    ]
    candidates = draft.pop("cands", None)
    chat = update.effective_chat
    if chat is None:
        return KEC
    if candidates:
        buttons = [[(_kecamatan_name(services, code), BKK.pack("k", code))] for code in candidates]
        buttons.append([(_("Show all kecamatan"), BKK.pack("p", 0))])
        buttons.append(_nav(context, draft, KEC))
        await chat.send_message(_("Which kecamatan do you mean?"), reply_markup=markup(buttons))
        return KEC
    text = _(
        "📝 <b>Book a recording slot</b> (free of charge)\n\n"
        "<b>Step 1 of 4 — where?</b> Choose your kecamatan below, type its name, or share your "
        "location (📎 → Location) to see the nearest places."
    )
    if draft.get("want"):
        text += "\n" + _("Date noted: {date}.").format(date=t.date(draft["want"]))
    keyboard = kecamatan_keyboard(
        t, BKK, services.served_districts, int(draft.get("page") or 0), extra_rows=nav
    )
    await chat.send_message(text, reply_markup=keyboard)
    return KEC


async def _prompt_place(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    services = context.services
    service = _service(context)
    start, days = service.horizon()
    distances: dict[str, float] = draft.get("dist") or {}
    if distances:
        lines = [_("<b>Step 1 of 4 — where?</b> The nearest places with open dates:")]
    else:
        lines = [
            _("<b>Step 1 of 4 — where?</b> Places in {kecamatan}:").format(
                kecamatan=escape(_kecamatan_name(services, draft.get("kec")))
            )
        ]
    buttons: list[list[tuple[str, str]]] = []
    for number, place_id in enumerate(draft.get("choices") or [], start=1):
        place = await services.places.place(int(place_id))
        if place is None:
            continue
        open_days = await service.free_days(place.id, start, days)
        free = [d for d in open_days if d.seats_left > 0]
        if free:
            nxt = _("next free day: {date}").format(date=t.date_short(free[0].date))
        else:
            nxt = _("fully booked in the coming days")
        label = place.name
        km = distances.get(str(place.id))
        if km is not None:
            label = _("{name} · {km} km").format(name=place.name, km=t.number(round(km, 1)))
        lines.append("")
        lines.append(f"{number}. <b>{escape(place.name)}</b>")
        if place.address:
            lines.append(escape(place.address))
        lines.append(f"<i>{nxt}</i>")
        buttons.append([(label[:60], _b(draft, "pl", place.id))])
    buttons.append(_nav(context, draft, PLACE))
    await _say(update, context, "\n".join(lines), buttons)
    return PLACE


async def _prompt_day(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    service = _service(context)
    place = await _place_of(context, draft)
    if place is None:
        return await _ask(update, context, KEC)
    start, horizon = service.horizon()
    open_days = await service.free_days(place.id, start, horizon, school_id=draft.get("school"))
    lines = []
    if draft.get("mode") == MOVE and draft.get("booking"):
        current = await service.booking(int(draft["booking"]))
        if current is not None:
            lines.append(
                _("🔁 <b>Reschedule booking {code}</b> ({name}), now on {when}.").format(
                    code=current.code,
                    name=escape(current.person_name),
                    when=when_text(t, current.date, current),
                )
            )
            lines.append("")
    lines.append(f"📍 <b>{escape(place.name)}</b>")
    if place.address:
        lines.append(escape(place.address))
    lines.append("")
    if not open_days:
        lines.append(
            _("There are no open days for booking here in the next {days} days.").format(
                days=t.number(horizon)
            )
        )
        await _say(update, context, "\n".join(lines), [_nav(context, draft, DAY)])
        return DAY
    lines.append(_("<b>Step 2 of 4 — when?</b> Choose a day; the number is the seats left."))
    specials = []
    for day in open_days:
        for opening in day.openings:
            sd = opening.service_day
            if sd is not None:
                title = sd.title or _("extra service")
                specials.append(
                    f"⭐ {t.date_short(day.date)}: {escape(title)}, "
                    f"{t.time_range(opening.opens, opening.closes)}"
                )
    if specials:
        lines.append("")
        lines.extend(specials[:6])
    if any(d.seats_left <= 0 for d in open_days):
        lines.append("")
        lines.append(_("🔔 Full days: tap one to be told when a seat frees up."))
    buttons = [
        (
            day_label(t, day),
            _b(draft, "d" if day.seats_left > 0 else "full", _day_value(day.date)),
        )
        for day in open_days
    ]
    keyboard = [
        [(label, data) for label, data in row]
        for row in [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    ]
    keyboard.append(_nav(context, draft, DAY))
    await _say(update, context, "\n".join(lines), keyboard)
    return DAY


async def _prompt_slot(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    place = await _place_of(context, draft)
    day = draft.get("day")
    if place is None or not isinstance(day, date):
        return await _ask(update, context, DAY)
    slots = await _service(context).free_slots(place.id, day, school_id=draft.get("school"))
    if not slots:
        await _say(
            update,
            context,
            _("Sorry, {date} has no free seats left. Please choose another day.").format(
                date=t.date(day)
            ),
        )
        return await _ask(update, context, DAY)
    text = _("📍 <b>{place}</b> · {date}\nChoose a time (seats left):").format(
        place=escape(place.name), date=t.date(day)
    )
    buttons = [(slot_label(t, s), _b(draft, "s", s.slot_id)) for s in slots]
    keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    keyboard.append(_nav(context, draft, SLOT))
    await _say(update, context, text, keyboard)
    return SLOT


async def _prompt_name(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    text = _(
        "<b>Step 3 of 4 — who will record?</b> Type the full name as written on the "
        "Kartu Keluarga."
    )
    await _say(update, context, text, [_nav(context, draft, NAME)])
    return NAME


async def _prompt_nik(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    text = _("Type the NIK of <b>{name}</b>: the 16 digits on the Kartu Keluarga.").format(
        name=escape(draft.get("name", ""))
    )
    await _say(update, context, text, [_nav(context, draft, NIK)])
    return NIK


async def _prompt_married(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    facts = await _who_facts(context, draft)
    if facts is None:
        return await _next_missing(update, context)
    birth_date, day, _service_day = facts
    text = _(
        "{name} will be {age} on {date}. Is {name} married, or have they been married "
        "before? (Married residents may record before 17.)"
    ).format(
        name=escape(draft.get("name", "")),
        age=t.number(age_on(birth_date, day)),
        date=t.date(day),
    )
    buttons = [
        [(_("Yes, married"), _b(draft, "m", "y")), (_("No"), _b(draft, "m", "n"))],
        _nav(context, draft, MARRIED),
    ]
    await _say(update, context, text, buttons)
    return MARRIED


async def _prompt_refused(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    facts = await _who_facts(context, draft)
    if facts is None:
        return await _next_missing(update, context)
    birth_date, day, service_day = facts
    service = _service(context)
    verdict = service.eligibility(
        birth_date, day, married=bool(draft.get("married")), service_day=service_day
    )
    lines = [
        _("<b>{name} cannot record on {date}.</b>").format(
            name=escape(draft.get("name", "")), date=t.date(day)
        ),
        eligibility_text(verdict, _, t),
    ]
    buttons: list[list[tuple[str, str]]] = []
    start, horizon = service.horizon()
    if verdict.eligible_from and verdict.eligible_from < start + timedelta(days=horizon):
        buttons.append([(_("📅 Choose a later day"), _b(draft, "days"))])
    buttons.append([(_("👤 Book for someone else"), _b(draft, "who"))])
    buttons.append(_nav(context, draft, REFUSED))
    await _say(update, context, "\n".join(lines), buttons)
    return REFUSED


async def _prompt_phone(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    text = _(
        "A phone number the officers can call if something changes (optional). "
        "Type it, or tap <b>Skip</b>."
    )
    buttons = [[(_("Skip ➡️"), _b(draft, "skip"))], _nav(context, draft, PHONE)]
    await _say(update, context, text, buttons)
    return PHONE


async def _prompt_confirm(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    service = _service(context)
    info = await service.slot_info(int(draft.get("slot") or 0))
    if info is None or info.slot.date is None:
        draft.pop("slot", None)
        return await _ask(update, context, DAY)
    place = info.place
    where = [f"📍 <b>{escape(place.name)}</b>"] + (
        [escape(place.address)] if place.address else []
    )
    when = f"🗓 {when_text(t, info.slot.date, info.slot)}"
    mode = draft.get("mode", NEW)
    if mode in (MOVE, REBOOKING):
        current = await service.booking(int(draft.get("booking") or 0))
        if current is None:
            _clear(context)
            await _say(update, context, _("I cannot find this booking any more."))
            return END
        if mode == MOVE:
            head = _("🔁 <b>Move booking {code}</b> for {name}").format(
                code=current.code, name=escape(current.person_name)
            )
            lines = [
                head,
                _("from: {when}").format(when=when_text(t, current.date, current)),
                _("to: {when}").format(when=when_text(t, info.slot.date, info.slot)),
                *where,
                "",
                _("The code stays the same. Confirm the change?"),
            ]
        else:
            lines = [
                _("📝 <b>Book again: {code}</b> for {name}").format(
                    code=current.code, name=escape(current.person_name)
                ),
                *where,
                when,
                "",
                _("Same person, same code. Confirm?"),
            ]
        buttons = [
            [(_("✅ Confirm"), _b(draft, "ok"))],
            [(_("📅 Another time"), _b(draft, "days"))],
            _nav(context, draft, CONFIRM),
        ]
        await _say(update, context, "\n".join(lines), buttons)
        return CONFIRM
    phone = draft.get("phone")
    lines = [
        _("<b>Step 4 of 4 — please check:</b>"),
        *where,
        when,
        _("👤 {name}").format(name=escape(draft.get("name", ""))),
        _("🪪 NIK {nik}").format(nik=mask_nik(draft.get("nik", ""))),
        _("📞 {phone}").format(phone=mask_phone(phone)) if phone else _("📞 no phone number"),
    ]
    facts = await _who_facts(context, draft)
    if facts is not None:
        birth_date, day, service_day = facts
        verdict = service.eligibility(
            birth_date, day, married=bool(draft.get("married")), service_day=service_day
        )
        if verdict.ok and verdict.reason_code != ELIGIBLE_ADULT:
            lines += ["", eligibility_text(verdict, _, t)]
    lines += ["", _("Book this time?")]
    buttons = [
        [(_("✅ Confirm"), _b(draft, "ok")), (_("✏️ Change"), _b(draft, "chg"))],
        _nav(context, draft, CONFIRM),
    ]
    await _say(update, context, "\n".join(lines), buttons)
    return CONFIRM


async def _prompt_change(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    _ = context.t.gettext
    buttons = [
        [(_("📍 Place"), _b(draft, "c", "where")), (_("🗓 Day and time"), _b(draft, "c", "when"))],
        [(_("👤 Name"), _b(draft, "c", "name")), (_("🪪 NIK"), _b(draft, "c", "nik"))],
        [(_("📞 Phone"), _b(draft, "c", "phone"))],
        _nav(context, draft, CHANGE),
    ]
    await _say(update, context, _("What would you like to change?"), buttons)
    return CHANGE


PROMPTS = {
    KEC: _prompt_kec,
    PLACE: _prompt_place,
    DAY: _prompt_day,
    SLOT: _prompt_slot,
    NAME: _prompt_name,
    NIK: _prompt_nik,
    MARRIED: _prompt_married,
    REFUSED: _prompt_refused,
    PHONE: _prompt_phone,
    CONFIRM: _prompt_confirm,
    CHANGE: _prompt_change,
}


# --------------------------------------------------------------------------------------------
# Moving through the steps


async def _who_facts(context: BotContext, draft: dict[str, Any]):
    """(birth date, visit date, service day) of the person and slot in the draft, or None."""
    service = _service(context)
    if not draft.get("nik") or not draft.get("slot"):
        return None
    try:
        info = service.parse_nik(draft["nik"])
    except BookingError:
        draft.pop("nik", None)
        return None
    slot = await service.slot_info(int(draft["slot"]))
    if slot is None or slot.slot.date is None:
        draft.pop("slot", None)
        return None
    return info.birth_date, slot.slot.date, slot.service_day


async def _next_missing(update: Update, context: BotContext) -> str:
    """The first step whose answer the draft still lacks (or the confirmation)."""
    draft = _draft(context)
    if not draft.get("place"):
        return await _ask(update, context, KEC)
    if not draft.get("slot"):
        return await _ask(update, context, DAY if not isinstance(draft.get("day"), date) else SLOT)
    if draft.get("mode") in (MOVE, REBOOKING):
        return await _ask(update, context, CONFIRM)
    if not draft.get("name"):
        return await _ask(update, context, NAME)
    if not draft.get("nik"):
        return await _ask(update, context, NIK)
    facts = await _who_facts(context, draft)
    if facts is None:
        return await _next_missing(update, context)
    birth_date, day, service_day = facts
    if age_on(birth_date, day) < ADULT_AGE and draft.get("married") is None:
        return await _ask(update, context, MARRIED)
    verdict = _service(context).eligibility(
        birth_date, day, married=bool(draft.get("married")), service_day=service_day
    )
    if not verdict.ok:
        return await _ask(update, context, REFUSED)
    if not draft.get("phone_done"):
        return await _ask(update, context, PHONE)
    return await _ask(update, context, CONFIRM)


async def _set_kecamatan(update: Update, context: BotContext, code: str) -> str:
    draft = _draft(context)
    services = context.services
    service = _service(context)
    t = context.t
    _ = t.gettext
    draft["kec"] = code
    for key in ("place", "day", "slot", "dist", "cands"):
        draft.pop(key, None)
    start, horizon = service.horizon()
    places = await services.places.places(kecamatan_code=code)
    bookable = [p for p in places if await service.free_days(p.id, start, horizon)]
    if len(bookable) == 1:
        draft["choices"] = [bookable[0].id]
        return await _set_place(update, context, bookable[0].id)
    if bookable:
        draft["choices"] = [p.id for p in bookable]
        return await _ask(update, context, PLACE)
    await _say(
        update,
        context,
        _("There are no dates open for booking in {kecamatan} in the next {days} days.").format(
            kecamatan=escape(_kecamatan_name(services, code)), days=t.number(horizon)
        ),
    )
    anchor = next((p for p in places if p.lat is not None and p.lon is not None), None)
    if (
        anchor is not None
        and anchor.lat is not None
        and anchor.lon is not None
        and await _nearest_choices(context, anchor.lat, anchor.lon, exclude={p.id for p in places})
    ):
        return await _ask(update, context, PLACE)
    return await _ask(update, context, KEC)


async def _nearest_choices(
    context: BotContext, lat: float, lon: float, *, exclude: set[int] | None = None
) -> bool:
    """Put the nearest public places with open dates in the draft's choices."""
    draft = _draft(context)
    service = _service(context)
    start, horizon = service.horizon()
    places = [p for p in await context.services.places.places() if p.id not in (exclude or set())]
    found = []
    for place, km in nearest(places, lat, lon, limit=10):
        if await service.free_days(place.id, start, horizon):
            found.append((place, km))
        if len(found) >= 4:
            break
    if not found:
        return False
    draft["choices"] = [p.id for p, _km in found]
    draft["dist"] = {str(p.id): km for p, km in found}
    return True


async def _set_place(update: Update, context: BotContext, place_id: int) -> str:
    draft = _draft(context)
    place = await context.services.places.place(place_id)
    if place is None or not place.active or place.kind == "school":
        return await _ask(update, context, KEC)
    draft["place"] = place.id
    draft["kec"] = place.kecamatan_code
    for key in ("day", "slot"):
        draft.pop(key, None)
    wanted = draft.pop("want", None)
    if isinstance(wanted, date):
        return await _choose_day(update, context, wanted)
    return await _ask(update, context, DAY)


async def _choose_day(update: Update, context: BotContext, day: date) -> str:
    draft = _draft(context)
    service = _service(context)
    t = context.t
    _ = t.gettext
    place = await _place_of(context, draft)
    if place is None:
        return await _ask(update, context, KEC)
    start, horizon = service.horizon()
    open_days = await service.free_days(place.id, start, horizon, school_id=draft.get("school"))
    found = next((d for d in open_days if d.date == day), None)
    if found is None:
        last = start + timedelta(days=horizon - 1)
        if day < start:
            text = _("{date} has passed. Please choose a day below.").format(date=t.date(day))
        elif day > last:
            text = _(
                "Bookings are open up to {last} ({days} days ahead). Please choose a day below."
            ).format(last=t.date(last), days=t.number(horizon))
        else:
            holiday = holiday_name(day, t.lang)
            if holiday:
                text = _("{date} is a public holiday ({holiday}): closed.").format(
                    date=t.date(day), holiday=escape(holiday)
                )
            else:
                text = _("{place} has no open times to book on {date}.").format(
                    place=escape(place.name), date=t.date(day)
                )
        await _say(update, context, text)
        return await _ask(update, context, DAY)
    if found.seats_left <= 0:
        return await _offer_waitlist(update, context, day)
    draft["day"] = day
    draft.pop("slot", None)
    return await _ask(update, context, SLOT)


async def _offer_waitlist(update: Update, context: BotContext, day: date) -> str:
    draft = _draft(context)
    t = context.t
    _ = t.gettext
    place = await _place_of(context, draft)
    if place is None:
        return await _ask(update, context, KEC)
    minutes = context.services.config.booking.waitlist_offer_minutes
    text = _(
        "{date} is fully booked at {place}. I can tell you as soon as a seat frees up: the first "
        "in line gets it, kept for {minutes} minutes."
    ).format(date=t.date(day), place=escape(place.name), minutes=t.number(minutes))
    buttons = [
        [(_("🔔 Tell me if a seat frees up"), _b(draft, "wl", _day_value(day)))],
        [(_("📅 Other days"), _b(draft, "days"))],
        _nav(context, draft, DAY),
    ]
    draft["step"] = DAY
    await _say(update, context, text, buttons)
    return DAY


async def _join_waitlist(update: Update, context: BotContext, day: date) -> object:
    draft = _draft(context)
    t = context.t
    _ = t.gettext
    place_id = draft.get("place")
    if not place_id:
        return await _ask(update, context, KEC)
    try:
        view = await _service(context).join_waitlist(user_id_of(update), int(place_id), day)
    except (DomainError, NotFound) as err:
        await _say(update, context, error_text(t, err))
        return await _ask(update, context, DAY)
    _clear(context)
    if view.entry.status == "offered":
        text = _(
            "Good news: a seat on {date} has just become free and is kept for you. The offer "
            "will reach you in a moment."
        ).format(date=t.date(day))
    else:
        minutes = context.services.config.booking.waitlist_offer_minutes
        text = _(
            "🔔 You are on the waitlist for <b>{place}</b> on {date}, number {position} in line. "
            "When a seat frees up I will message you, and it is kept for you for {minutes} "
            "minutes. You can leave the waitlist in /saya."
        ).format(
            place=escape(view.place.name),
            date=t.date(day),
            position=t.number(view.position),
            minutes=t.number(minutes),
        )
    await _say(update, context, text)
    return END


async def _choose_slot(update: Update, context: BotContext, slot_id: int) -> str:
    draft = _draft(context)
    t = context.t
    _ = t.gettext
    place = await _place_of(context, draft)
    day = draft.get("day")
    if place is None or not isinstance(day, date):
        return await _ask(update, context, DAY)
    slots = await _service(context).free_slots(place.id, day, school_id=draft.get("school"))
    if slot_id not in {s.slot_id for s in slots}:
        await _say(update, context, _("Sorry, that time is no longer free."))
        return await _ask(update, context, SLOT)
    if draft.get("mode") == MOVE:
        current = await _service(context).booking(int(draft.get("booking") or 0))
        if current is not None and current.slot_id == slot_id:
            await _say(update, context, error_text(t, BookingError(bk.SAME_SLOT)))
            return await _ask(update, context, SLOT)
    draft["slot"] = slot_id
    return await _next_missing(update, context)


async def cancel(update: Update, context: BotContext) -> object:
    """/batal or ✖️: leave the flow; nothing is booked."""
    _clear(context)
    _ = context.t.gettext
    await _close_buttons(update)
    await _say(update, context, _("Stopped. Nothing was booked. /daftar starts again."))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(_("What would you like to do?"), reply_markup=main_menu(context.t))
    return END


async def back(update: Update, context: BotContext) -> object:
    draft = _draft(context)
    step = draft.get("step", KEC)
    previous = _previous(step, draft)
    await _close_buttons(update)
    if previous is None:
        return await cancel(update, context)
    if previous == KEC:
        draft.pop("page", None)
    return await _ask(update, context, previous)


# --------------------------------------------------------------------------------------------
# Entry points


async def start(update: Update, context: BotContext) -> object:
    """/daftar [kecamatan] [date], the menu button, or a sentence about booking."""
    services = context.services
    draft = _new_draft(context)
    await _close_buttons(update)
    if not await _service(context).room_for_another(user_id_of(update)):
        _clear(context)
        limit = services.config.booking.max_active_per_account
        await _say(
            update, context, error_text(context.t, BookingError(bk.OWNER_LIMIT, limit=limit))
        )
        return END
    text = " ".join(context.args or [])
    analysis = None
    message = update.message
    if text:
        analysis = services.nlu.analyze(text, today=services.clock.today())
    elif message is not None and message.text and not message.text.startswith("/"):
        analysis = analysis_of(update, context)
    if analysis is not None:
        if analysis.date is not None:
            draft["want"] = analysis.date
        match = analysis.kecamatan
        if match is not None and _served(services, match.code):
            return await _set_kecamatan(update, context, match.code)
    return await _ask(update, context, KEC)


def _served(services: Services, code: str) -> bool:
    return any(d.code == code for d in services.served_districts)


async def text_entry(update: Update, context: BotContext) -> object:
    """A sentence about booking. Inside the flow it is the answer to the current step."""
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if isinstance(draft, dict) and draft.get("step") in STEPS:
        return await on_text(update, context)
    return await start(update, context)


async def start_move(update: Update, context: BotContext) -> object:
    """🔁 Reschedule (from /saya or a reminder): the same flow from step 2; the code stays."""
    query = update.callback_query
    t = context.t
    try:
        booking_id = int(BKM.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return None
    view = await _service(context).booking(booking_id)
    if view is None or view.owner_id != user_id_of(update):
        await answer(query, t.gettext("This booking belongs to another account."), alert=True)
        return None
    if view.status != "active":
        await answer(query, error_text(t, BookingError(bk.NOT_ACTIVE)), alert=True)
        return None
    await _close_buttons(update)
    # A booking at a school event moves among that school's event slots (the audience rule).
    held = await _service(context).slot_info(view.slot_id)
    school = held.service_day.school_id if held and held.service_day else None
    _new_draft(
        context,
        mode=MOVE,
        booking=view.id,
        place=view.place.id,
        kec=view.place.kecamatan_code,
        choices=[view.place.id],
        school=school,
    )
    return await _ask(update, context, DAY)


async def accept_offer(update: Update, context: BotContext) -> object:
    """✅ Book this seat (a waitlist offer): straight to step 3 with the seat kept."""
    query = update.callback_query
    t = context.t
    _ = t.gettext
    try:
        entry_id = int(OFFER.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return None
    service = _service(context)
    try:
        offer = await service.offer(entry_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This offer was made to another account."), alert=True)
        return None
    except BookingError as err:
        await _close_buttons(update)
        await _say(update, context, error_text(t, err) + "\n" + _("/daftar shows the free times."))
        return END
    await _close_buttons(update)
    if offer.slot is None or offer.slot.date is None:
        return END
    if not await service.room_for_another(user_id_of(update)):
        limit = context.services.config.booking.max_active_per_account
        await _say(update, context, error_text(t, BookingError(bk.OWNER_LIMIT, limit=limit)))
        return END
    _new_draft(
        context,
        place=offer.place.id,
        kec=offer.place.kecamatan_code,
        day=offer.slot.date,
        slot=offer.slot.slot_id,
        waitlist=entry_id,
    )
    deadline = offer.entry.offer_expires_at or 0
    await _say(
        update,
        context,
        _("The seat on {when} at {place} is kept for you until {deadline}.").format(
            when=when_text(t, offer.slot.date, offer.slot),
            place=escape(offer.place.name),
            deadline=t.datetime(context.services.clock.local(deadline)),
        ),
    )
    return await _ask(update, context, NAME)


async def rebook_other(update: Update, context: BotContext) -> object:
    """📝 Another place or day, after a closure: the flow for the same person and code."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        booking_id = int(REBOOK.unpack(query.data if query else None)["booking"])
    except (ValueError, KeyError):
        await answer(query)
        return None
    view = await _service(context).booking(booking_id)
    if view is None or view.owner_id != user_id_of(update):
        await answer(query, _("This booking belongs to another account."), alert=True)
        return None
    if view.status != "cancelled" or await _service(context).school_of(view) is not None:
        await answer(query, error_text(context.t, BookingError(bk.NOT_REBOOKABLE)), alert=True)
        return None
    await _close_buttons(update)
    _new_draft(context, mode=REBOOKING, booking=view.id)
    return await _set_kecamatan(update, context, view.place.kecamatan_code)


# --------------------------------------------------------------------------------------------
# Typed answers


async def _lost(update: Update, context: BotContext) -> object:
    """The conversation is at a step but its draft is gone (a restart between two saves)."""
    _clear(context)
    _ = context.t.gettext
    await _close_buttons(update)
    await _say(
        update,
        context,
        _("Sorry, I lost track of this booking. Please start again with /daftar."),
    )
    return END


async def on_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    text = (message.text or "") if message else ""
    draft = _draft(context)
    if not draft.get("tok"):
        return await _lost(update, context)
    step = draft.get("step", KEC)
    words = _words(text)
    if words in BACK_WORDS:
        return await back(update, context)
    if words in QUIT_WORDS and step != PHONE:
        return await cancel(update, context)
    reader = READERS.get(step)
    if reader is None:
        return await _ask(update, context, step)
    return await reader(update, context, draft, text)


async def _read_kec(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    services = context.services
    t = context.t
    _ = t.gettext
    analysis = services.nlu.analyze(text, today=services.clock.today())
    if analysis.date is not None:
        draft["want"] = analysis.date
    matches = [m for m in services.nlu.match_kecamatan(text) if _served(services, m.code)]
    if (
        not matches
        and analysis.kecamatan is not None
        and _served(services, analysis.kecamatan.code)
    ):
        matches = [analysis.kecamatan]
    if matches and (len(matches) == 1 or matches[0].score > matches[1].score + 0.05):
        return await _set_kecamatan(update, context, matches[0].code)
    if matches:
        draft["cands"] = [m.code for m in matches[:6]]
        return await _ask(update, context, KEC)
    if analysis.date is None:
        await _say(
            update,
            context,
            _("I could not find a kecamatan named “{text}”. Please choose from the list.").format(
                text=escape(text.strip()[:40])
            ),
        )
    return await _ask(update, context, KEC)


async def _read_place(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    choices = [int(c) for c in draft.get("choices") or []]
    words = _words(text)
    if words.isdigit() and 1 <= int(words) <= len(choices):
        return await _set_place(update, context, choices[int(words) - 1])
    for place_id in choices:
        place = await context.services.places.place(place_id)
        if place is not None and words and words in place.name.casefold():
            return await _set_place(update, context, place_id)
    # Maybe another kecamatan.
    return await _read_kec(update, context, draft, text)


async def _read_day(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    from bot.nlu import parse_date

    _ = context.t.gettext
    day = parse_date(text, context.services.clock.today())
    if day is None:
        await _say(
            update,
            context,
            _("Please choose a day below, or type a date (for example “Sabtu” or “28/11”)."),
        )
        return await _ask(update, context, DAY)
    return await _choose_day(update, context, day)


async def _read_slot(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    from bot.nlu import parse_date

    t = context.t
    _ = t.gettext
    match = _TIME_RE.search(text)
    place = await _place_of(context, draft)
    day = draft.get("day")
    if match and place is not None and isinstance(day, date):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        for slot in await _service(context).free_slots(
            place.id, day, school_id=draft.get("school")
        ):
            if slot.starts == time(hour, minute) or (
                match.group(2) is None and slot.starts.hour == hour
            ):
                return await _choose_slot(update, context, slot.slot_id)
        await _say(
            update,
            context,
            _("There is no free time starting at {time} on {date}.").format(
                time=t.time(time(hour, minute)), date=t.date(day)
            ),
        )
        return await _ask(update, context, SLOT)
    other = parse_date(text, context.services.clock.today())
    if other is not None:
        return await _choose_day(update, context, other)
    await _say(update, context, _("Please choose a time below, or type it (for example 09.00)."))
    return await _ask(update, context, SLOT)


async def _read_name(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    _ = context.t.gettext
    try:
        name = validate_name(text)
    except NameError_ as err:
        await _say(
            update,
            context,
            escape(name_error_text(err, _), quote=False),
            [_nav(context, draft, NAME)],
        )
        return NAME
    draft["name"] = name
    return await _next_missing(update, context)


async def _read_nik(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    t = context.t
    _ = t.gettext
    service = _service(context)
    try:
        info = service.parse_nik(text)
        await service.check_nik_free(info.nik, user_id_of(update))
    except BookingError as err:
        message = error_text(t, err) if err.code != bk.NIK_ACTIVE else nik_active_text(t, err)
        if err.code == bk.NIK_ACTIVE:
            message += "\n" + _("To book for someone else, type their NIK.")
        await _say(update, context, message, [_nav(context, draft, NIK)])
        return NIK
    for warning in info.warnings:
        await _say(update, context, nik_warning_text(warning, _))
    draft["nik"] = info.nik
    draft.pop("married", None)
    draft.pop("asked_married", None)
    return await _next_missing(update, context)


async def _set_married(update: Update, context: BotContext, married: bool) -> str:
    draft = _draft(context)
    draft["married"] = married
    draft["asked_married"] = True
    return await _next_missing(update, context)


async def _read_married(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    words = _words(text)
    if words in YES_WORDS or words.startswith(("ya", "sudah", "yes")):
        return await _set_married(update, context, True)
    if words in NO_WORDS or words.startswith(("tidak", "belum", "no")):
        return await _set_married(update, context, False)
    return await _ask(update, context, MARRIED)


async def _read_phone(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    _ = context.t.gettext
    if _words(text) in SKIP_WORDS:
        draft["phone"] = None
        draft["phone_done"] = True
        return await _next_missing(update, context)
    try:
        draft["phone"] = normalize_phone(text)
    except PhoneError as err:
        await _say(
            update,
            context,
            phone_error_text(err, _),
            [[(_("Skip ➡️"), _b(draft, "skip"))], _nav(context, draft, PHONE)],
        )
        return PHONE
    draft["phone_done"] = True
    return await _next_missing(update, context)


async def _read_confirm(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> object:
    words = _words(text)
    if words in YES_WORDS or words in {"konfirmasi", "confirm", "pesan", "daftar"}:
        return await submit(update, context)
    if words in NO_WORDS:
        return await cancel(update, context)
    if words in CHANGE_WORDS and draft.get("mode", NEW) == NEW:
        return await _ask(update, context, CHANGE)
    return await _ask(update, context, CONFIRM)


CHANGE_FIELDS = {
    "where": ("tempat", "lokasi", "kecamatan", "place", "where"),
    "when": ("hari", "tanggal", "jam", "waktu", "jadwal", "day", "date", "time", "when"),
    "name": ("nama", "name"),
    "nik": ("nik",),
    "phone": ("telepon", "telp", "hp", "nomor", "phone", "wa"),
}


async def _read_change(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    words = set(_words(text).split())
    for field, keys in CHANGE_FIELDS.items():
        if words & set(keys):
            return await _change(update, context, field)
    return await _ask(update, context, CHANGE)


async def _read_refused(
    update: Update, context: BotContext, draft: dict[str, Any], text: str
) -> str:
    words = set(_words(text).split())
    if words & {"hari", "tanggal", "day", "date", "later"}:
        draft.pop("slot", None)
        draft.pop("day", None)
        return await _ask(update, context, DAY)
    if words & {"orang", "lain", "someone", "else", "other"}:
        for key in ("name", "nik", "married", "asked_married"):
            draft.pop(key, None)
        return await _ask(update, context, NAME)
    return await _ask(update, context, REFUSED)


READERS = {
    KEC: _read_kec,
    PLACE: _read_place,
    DAY: _read_day,
    SLOT: _read_slot,
    NAME: _read_name,
    NIK: _read_nik,
    MARRIED: _read_married,
    REFUSED: _read_refused,
    PHONE: _read_phone,
    CONFIRM: _read_confirm,
    CHANGE: _read_change,
}


async def on_location(update: Update, context: BotContext) -> object:
    """A shared location at step 1: the nearest places with open dates."""
    message = update.effective_message
    draft = _draft(context)
    if not draft.get("tok"):
        return await _lost(update, context)
    _ = context.t.gettext
    step = draft.get("step")
    if message is None or message.location is None or step not in (KEC, PLACE):
        return await _ask(update, context, step or KEC)
    location = message.location
    if not await _nearest_choices(context, location.latitude, location.longitude):
        await _say(update, context, _("I found no place with open dates near you."))
        return await _ask(update, context, KEC)
    draft["kec"] = None
    return await _ask(update, context, PLACE)


async def not_text(update: Update, context: BotContext) -> object:
    """A photo or sticker where a typed answer or a button is expected."""
    _ = context.t.gettext
    draft = _draft(context)
    await _say(update, context, _("Please answer with text or use the buttons."))
    return await _ask(update, context, draft.get("step", KEC))


# --------------------------------------------------------------------------------------------
# Buttons inside the flow


async def _earlier_button(
    update: Update, context: BotContext, *, other_flow: bool = False
) -> None:
    _ = context.t.gettext
    if other_flow:
        text = _(
            "This button belongs to an earlier booking attempt; please use the latest message."
        )
    else:
        text = _("That button belongs to an earlier step; please answer the last question.")
    await answer(update.callback_query, text, alert=True)


async def on_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    try:
        data = BK.unpack(query.data if query else None)
    except ValueError:
        return None
    draft = _draft(context)
    if not draft.get("tok"):
        return await _lost(update, context)
    if data["tok"] != draft.get("tok"):
        await _earlier_button(update, context, other_flow=True)
        return None
    step = draft.get("step")
    act, value = data["act"], data["val"]
    if act == "x":
        return await cancel(update, context)
    if act == "back":
        return await back(update, context)
    if act == "pl" and step in (KEC, PLACE) and value.isdigit():
        await _close_buttons(update)
        return await _set_place(update, context, int(value))
    if act in ("d", "full", "wl") and step in (DAY, SLOT):
        day = _parse_day(value)
        if day is not None:
            await _close_buttons(update)
            if act == "d":
                return await _choose_day(update, context, day)
            if act == "full":
                return await _offer_waitlist(update, context, day)
            return await _join_waitlist(update, context, day)
    if act == "days" and step in (DAY, SLOT, REFUSED, CONFIRM):
        await _close_buttons(update)
        draft.pop("slot", None)
        draft.pop("day", None)
        return await _ask(update, context, DAY)
    if act == "s" and step == SLOT and value.isdigit():
        await _close_buttons(update)
        return await _choose_slot(update, context, int(value))
    if act == "m" and step == MARRIED and value in ("y", "n"):
        await _close_buttons(update)
        return await _set_married(update, context, value == "y")
    if act == "who" and step == REFUSED:
        await _close_buttons(update)
        for key in ("name", "nik", "married", "asked_married"):
            draft.pop(key, None)
        return await _ask(update, context, NAME)
    if act == "skip" and step == PHONE:
        await _close_buttons(update)
        draft["phone"] = None
        draft["phone_done"] = True
        return await _next_missing(update, context)
    if act == "ok" and step == CONFIRM:
        await _close_buttons(update)
        return await submit(update, context)
    if act == "chg" and step == CONFIRM:
        await _close_buttons(update)
        return await _ask(update, context, CHANGE)
    if act == "c" and step == CHANGE:
        await _close_buttons(update)
        return await _change(update, context, value)
    await _earlier_button(update, context)
    return None


async def _change(update: Update, context: BotContext, field: str) -> str:
    draft = _draft(context)
    if field == "where":
        for key in ("place", "day", "slot", "choices", "dist", "page"):
            draft.pop(key, None)
        return await _ask(update, context, KEC)
    if field == "when":
        draft.pop("day", None)
        draft.pop("slot", None)
        return await _ask(update, context, DAY)
    if field == "name":
        draft.pop("name", None)
        return await _ask(update, context, NAME)
    if field == "nik":
        for key in ("nik", "married", "asked_married"):
            draft.pop(key, None)
        return await _ask(update, context, NIK)
    if field == "phone":
        draft.pop("phone_done", None)
        return await _ask(update, context, PHONE)
    return await _ask(update, context, CONFIRM)


async def on_kecamatan_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    draft = _draft(context)
    if not draft.get("tok"):
        return await _lost(update, context)
    if draft.get("step") not in (KEC, PLACE):
        await _earlier_button(update, context)
        return None
    picked = parse_pick(BKK, query.data if query else None)
    if picked is None:
        await answer(query)
        return None
    kind, value = picked
    if kind == "p":
        try:
            draft["page"] = int(value)
        except ValueError:
            draft["page"] = 0
        if draft.get("step") != KEC:
            await _close_buttons(update)
            return await _ask(update, context, KEC)
        await answer(query)
        nav = [
            [
                InlineKeyboardButton(label, callback_data=data)
                for label, data in _nav(context, draft, KEC)
            ]
        ]
        keyboard = kecamatan_keyboard(
            context.t, BKK, context.services.served_districts, draft["page"], extra_rows=nav
        )
        if query is not None:
            try:
                await query.edit_message_reply_markup(keyboard)
            except BadRequest:
                pass
        return KEC
    if not _served(context.services, value):
        await answer(query)
        return None
    await _close_buttons(update)
    return await _set_kecamatan(update, context, value)


# --------------------------------------------------------------------------------------------
# The booking itself


async def submit(update: Update, context: BotContext) -> object:
    t = context.t
    _ = t.gettext
    draft = _draft(context)
    service = _service(context)
    uid = user_id_of(update)
    mode = draft.get("mode", NEW)
    slot_id = int(draft.get("slot") or 0)
    try:
        if mode == MOVE:
            view = await service.move(int(draft.get("booking") or 0), slot_id, uid)
            headline = _("🔁 <b>Moved.</b> The code stays the same; the new time:")
        elif mode == REBOOKING:
            view = await service.rebook(int(draft.get("booking") or 0), slot_id, uid)
            headline = _("✅ <b>Booked again</b>, with the same code:")
        else:
            if not (draft.get("name") and draft.get("nik")):
                return await _next_missing(update, context)
            view = await service.book(
                slot_id,
                owner_id=uid,
                person_name=draft["name"],
                nik=draft["nik"],
                phone=draft.get("phone"),
                married=bool(draft.get("married")),
                waitlist_id=draft.get("waitlist"),
            )
            headline = _("✅ <b>Booked!</b>")
    except BookingError as err:
        return await _refused(update, context, err)
    except (NotAllowed, NotFound) as err:
        _clear(context)
        await _say(update, context, error_text(t, err))
        return END
    _clear(context)
    chat = update.effective_chat
    if chat is not None:
        await send_ticket(chat, context, view, headline=headline)
    return END


async def _refused(update: Update, context: BotContext, err: BookingError) -> object:
    t = context.t
    draft = _draft(context)
    code = err.code
    await _say(update, context, error_text(t, err))
    if code in (bk.SLOT_FULL, bk.SLOT_MISSING, bk.SLOT_CLOSED, bk.TOO_SOON, bk.SLOT_PAST):
        draft.pop("slot", None)
        draft.pop("waitlist", None)
        place = await _place_of(context, draft)
        day = draft.get("day")
        if (
            place is not None
            and isinstance(day, date)
            and await _service(context).free_slots(place.id, day, school_id=draft.get("school"))
        ):
            return await _ask(update, context, SLOT)
        draft.pop("day", None)
        return await _ask(update, context, DAY)
    if code == bk.SAME_SLOT:
        return await _ask(update, context, SLOT)
    if code == bk.NIK_ACTIVE and not err.params.get("same_owner"):
        draft.pop("nik", None)
        return await _ask(update, context, NIK)
    if code == bk.NOT_ELIGIBLE:
        return await _ask(update, context, REFUSED)
    if code in (bk.NIK_INVALID,):
        draft.pop("nik", None)
        return await _ask(update, context, NIK)
    _clear(context)
    return END


# --------------------------------------------------------------------------------------------
# Buttons of the outbox messages, outside the conversation


async def decline_offer(update: Update, context: BotContext) -> None:
    """No, thanks: the offered seat goes to the next in line."""
    query = update.callback_query
    _ = context.t.gettext
    try:
        entry_id = int(OFFER.unpack(query.data if query else None)["id"])
    except (ValueError, KeyError):
        await answer(query)
        return
    try:
        ended = await _service(context).leave_waitlist(entry_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This offer was made to another account."), alert=True)
        return
    await _close_buttons(update)
    if ended:
        await _say(update, context, _("All right: the seat goes to the next person in line."))
    else:
        await _say(update, context, _("This offer has already ended."))


async def rebook_slot(update: Update, context: BotContext) -> None:
    """One tap on a new time after a closure: the same person and code, in that slot."""
    query = update.callback_query
    t = context.t
    _ = t.gettext
    try:
        data = REBOOK.unpack(query.data if query else None)
        booking_id, slot_id = int(data["booking"]), int(data["slot"])
    except (ValueError, KeyError):
        await answer(query)
        return
    service = _service(context)
    try:
        view = await service.rebook(booking_id, slot_id, user_id_of(update))
    except NotAllowed:
        await answer(query, _("This booking belongs to another account."), alert=True)
        return
    except NotFound as err:
        await answer(query, error_text(t, err), alert=True)
        return
    except BookingError as err:
        await _close_buttons(update)
        text = error_text(t, err)
        if err.code in (bk.SLOT_FULL, bk.SLOT_CLOSED, bk.SLOT_MISSING, bk.TOO_SOON, bk.SLOT_PAST):
            current = await service.booking(booking_id)
            school_id = await service.school_of(current) if current is not None else None
            options = []
            if current is not None:
                options = await service.next_free_slots(current.place.id, school_id=school_id)
            rows_ = [
                [(bk.slot_button_label(t, s), REBOOK.pack(booking_id, s.slot_id))] for s in options
            ]
            if school_id is None:
                rows_.append([(_("📝 Another place or day"), REBOOK.pack(booking_id, "other"))])
            await _say(update, context, text + "\n" + _("Choose another time:"), rows_)
            return
        await _say(update, context, text)
        return
    await _close_buttons(update)
    chat = update.effective_chat
    if chat is not None:
        await send_ticket(
            chat, context, view, headline=_("✅ <b>Booked again</b>, with the same code:")
        )


# --------------------------------------------------------------------------------------------
# Wiring


def _state_handlers() -> list:
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(filters.LOCATION, on_location),
        CallbackQueryHandler(final(on_button), pattern=BK.pattern),
        CallbackQueryHandler(final(on_kecamatan_button), pattern=BKK.pattern),
    ]


def build_handlers() -> list:
    """Fresh handler objects: a ConversationHandler keeps its states in memory as well as in the
    persistence, so each Application (the tests build many) gets its own."""
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("daftar", start),
                CallbackQueryHandler(final(start), pattern=f"^{MENU.pack(MENU_BOOK)}$"),
                CallbackQueryHandler(final(start_move), pattern=BKM.pattern),
                CallbackQueryHandler(final(accept_offer), pattern=r"^bkw:a:\d+$"),
                CallbackQueryHandler(final(rebook_other), pattern=r"^bkr:\d+:other$"),
                MessageHandler(starts("daftar"), text_entry),
            ],
            states={step: _state_handlers() for step in STEPS},
            fallbacks=[
                CommandHandler(["batal", "cancel"], cancel),
                MessageHandler(~filters.COMMAND & ~filters.TEXT & ~filters.LOCATION, not_text),
            ],
            name="booking",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(final(decline_offer), pattern=r"^bkw:n:\d+$"),
        CallbackQueryHandler(final(rebook_slot), pattern=r"^bkr:\d+:\d+$"),
    ]


def __getattr__(name: str) -> Any:
    # ``HANDLERS``, as bot.app reads it from every feature module: built anew on each read.
    if name == "HANDLERS":
        return build_handlers()
    raise AttributeError(name)


def jobs(services: Services) -> list[tuple[str, Any, float]]:
    """Every minute: expired waitlist offers pass to the next in line; bookings of finished
    days that nobody checked in become no-show."""

    async def housekeeping(context: Any) -> None:
        await services.booking.housekeeping()

    return [("booking_housekeeping", housekeeping, 60)]
