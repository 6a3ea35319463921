"""Booking step 2, when: the day (or the waitlist of a full day), then the time slot."""

from __future__ import annotations

from datetime import date, time, timedelta
from html import escape
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.errors import DomainError, NotFound
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.services.schedule import holiday_name
from handlers.booking.flow import (
    _TIME_RE,
    DAY,
    DRAFT,
    END,
    KEC,
    MOVE,
    SLOT,
    _ask,
    _b,
    _nav,
    _next_missing,
    _place_of,
    _service,
    prompt,
)
from handlers.booking_views import (
    day_label,
    error_text,
    slot_label,
    when_text,
)
from handlers.common import clear_draft, draft_of, say, user_id_of
from handlers.keyboards import day_data


@prompt(DAY)
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
        await say(update, "\n".join(lines), [_nav(context, draft, DAY)])
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
            _b(draft, "d" if day.seats_left > 0 else "full", day_data(day.date)),
        )
        for day in open_days
    ]
    keyboard = [
        [(label, data) for label, data in row]
        for row in [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    ]
    keyboard.append(_nav(context, draft, DAY))
    await say(update, "\n".join(lines), keyboard)
    return DAY


@prompt(SLOT)
async def _prompt_slot(update: Update, context: BotContext, draft: dict[str, Any]) -> str:
    t = context.t
    _ = t.gettext
    place = await _place_of(context, draft)
    day = draft.get("day")
    if place is None or not isinstance(day, date):
        return await _ask(update, context, DAY)
    slots = await _service(context).free_slots(place.id, day, school_id=draft.get("school"))
    if not slots:
        await say(
            update,
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
    await say(update, text, keyboard)
    return SLOT


async def _choose_day(update: Update, context: BotContext, day: date) -> str:
    draft = draft_of(context, DRAFT)
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
        await say(update, text)
        return await _ask(update, context, DAY)
    if found.seats_left <= 0:
        return await _offer_waitlist(update, context, day)
    draft["day"] = day
    draft.pop("slot", None)
    return await _ask(update, context, SLOT)


async def _offer_waitlist(update: Update, context: BotContext, day: date) -> str:
    draft = draft_of(context, DRAFT)
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
        [(_("🔔 Tell me if a seat frees up"), _b(draft, "wl", day_data(day)))],
        [(_("📅 Other days"), _b(draft, "days"))],
        _nav(context, draft, DAY),
    ]
    draft["step"] = DAY
    await say(update, text, buttons)
    return DAY


async def _join_waitlist(update: Update, context: BotContext, day: date) -> object:
    draft = draft_of(context, DRAFT)
    t = context.t
    _ = t.gettext
    place_id = draft.get("place")
    if not place_id:
        return await _ask(update, context, KEC)
    try:
        view = await _service(context).join_waitlist(user_id_of(update), int(place_id), day)
    except (DomainError, NotFound) as err:
        await say(update, error_text(t, err))
        return await _ask(update, context, DAY)
    clear_draft(context, DRAFT)
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
    await say(update, text)
    return END


async def _choose_slot(update: Update, context: BotContext, slot_id: int) -> str:
    draft = draft_of(context, DRAFT)
    t = context.t
    _ = t.gettext
    place = await _place_of(context, draft)
    day = draft.get("day")
    if place is None or not isinstance(day, date):
        return await _ask(update, context, DAY)
    slots = await _service(context).free_slots(place.id, day, school_id=draft.get("school"))
    if slot_id not in {s.slot_id for s in slots}:
        await say(update, _("Sorry, that time is no longer free."))
        return await _ask(update, context, SLOT)
    if draft.get("mode") == MOVE:
        current = await _service(context).booking(int(draft.get("booking") or 0))
        if current is not None and current.slot_id == slot_id:
            await say(update, error_text(t, BookingError(bk.SAME_SLOT)))
            return await _ask(update, context, SLOT)
    draft["slot"] = slot_id
    return await _next_missing(update, context)


async def _read_day(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    from bot.nlu import parse_date

    _ = context.t.gettext
    day = parse_date(text, context.services.clock.today())
    if day is None:
        await say(
            update,
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
        await say(
            update,
            _("There is no free time starting at {time} on {date}.").format(
                time=t.time(time(hour, minute)), date=t.date(day)
            ),
        )
        return await _ask(update, context, SLOT)
    other = parse_date(text, context.services.clock.today())
    if other is not None:
        return await _choose_day(update, context, other)
    await say(update, _("Please choose a time below, or type it (for example 09.00)."))
    return await _ask(update, context, SLOT)
