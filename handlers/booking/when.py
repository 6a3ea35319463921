"""Booking step 2, when: the day (or the waitlist of a full day), then the time slot."""

from __future__ import annotations

from datetime import date, time, timedelta
from html import escape

from bot.errors import DomainError, NotFound
from bot.nlu import parse_date
from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.services.schedule import holiday_name
from handlers.booking.draft import MOVE, TIME_RE, BookingTurn, place_of, service
from handlers.booking_views import day_label, duration_text, error_text, slot_label, when_text
from handlers.flow import FINISH, NEXT, REASK, Button, Goto, Invalid, Result
from handlers.keyboards import day_data, parse_day_data


async def _move_header(turn: BookingTurn) -> list[str]:
    if turn.draft.mode != MOVE or not turn.draft.booking:
        return []
    current = await service(turn).booking(turn.draft.booking)
    if current is None:
        return []
    return [
        turn._("🔁 <b>Reschedule booking {code}</b> ({name}), now on {when}.").format(
            code=current.code,
            name=escape(current.person_name),
            when=when_text(turn.t, current.date, current),
        ),
        "",
    ]


async def show_day(turn: BookingTurn) -> None:
    t = turn.t
    _ = t.gettext
    place = await place_of(turn)
    if place is None:
        await turn.ask(_("I cannot find this place any more."))
        return
    start, horizon = service(turn).horizon()
    open_days = await service(turn).free_days(
        place.id, start, horizon, school_id=turn.draft.school
    )
    lines = await _move_header(turn)
    lines += [
        f"📍 <b>{escape(place.name)}</b>",
        *([escape(place.address)] if place.address else []),
    ]
    lines.append("")
    if not open_days:
        lines.append(
            _("There are no open days for booking here in the next {days} days.").format(
                days=t.number(horizon)
            )
        )
        await turn.ask("\n".join(lines), _move_rows(turn))
        return
    lines.append(_("<b>Step 2 of 4 — when?</b> Choose a day; the number is the seats left."))
    specials = []
    for day in open_days:
        for opening in day.openings:
            if opening.service_day is not None:
                title = opening.service_day.title or _("extra service")
                specials.append(
                    f"⭐ {t.date_short(day.date)}: {escape(title)}, "
                    f"{t.time_range(opening.opens, opening.closes)}"
                )
    if specials:
        lines += ["", *specials[:6]]
    if any(d.seats_left <= 0 for d in open_days):
        lines += ["", _("🔔 Full days: tap one to be told when a seat frees up.")]
    buttons = [
        Button(day_label(t, d), "d" if d.seats_left > 0 else "full", day_data(d.date))
        for d in open_days
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await turn.ask("\n".join(lines), rows + _move_rows(turn))


def _move_rows(turn: BookingTurn) -> list[list[Button]]:
    """A booking being moved may go to another place too (the code stays); a school event's
    booking stays among that school's slots."""
    if turn.draft.mode != MOVE or turn.draft.school is not None:
        return []
    return [[Button(turn._("📍 Another place"), "where", words=PLACE_WORDS)]]


PLACE_WORDS = frozenset({"tempat lain", "lokasi lain", "pindah tempat", "another place"})


def forget_place(turn: BookingTurn) -> Result:
    """Choose the place again, from the kecamatan (the person and the code stay)."""
    draft = turn.draft
    draft.place = draft.kec = draft.day = draft.slot = draft.full_day = None
    draft.choices = draft.dist = None
    draft.page = 0
    return Goto("kec")


async def press_day(turn: BookingTurn, action: str, value: str) -> Result:
    if action == "where":
        return forget_place(turn)
    day = parse_day_data(value)
    if day is None:
        return REASK
    if action == "full":
        turn.draft.full_day = day
        return Goto("full")
    return await choose_day(turn, day)


async def read_day(turn: BookingTurn, text: str) -> Result:
    day = parse_date(text, turn.services.clock.today())
    if day is None:
        return Invalid(
            turn._("Please choose a day below, or type a date (for example “Sabtu” or “28/11”).")
        )
    return await choose_day(turn, day)


async def choose_day(turn: BookingTurn, day: date) -> Result:
    """``day`` when it has free seats; a full day offers the waitlist; else why not."""
    t = turn.t
    _ = t.gettext
    place = await place_of(turn)
    if place is None:
        return Goto("kec")
    start, horizon = service(turn).horizon()
    open_days = await service(turn).free_days(
        place.id, start, horizon, school_id=turn.draft.school
    )
    found = next((d for d in open_days if d.date == day), None)
    if found is None:
        last = start + timedelta(days=horizon - 1)
        holiday = holiday_name(day, t.lang)
        if day < start:
            text = _("{date} has passed. Please choose a day below.").format(date=t.date(day))
        elif day > last:
            text = _(
                "Bookings are open up to {last} ({days} days ahead). Please choose a day below."
            ).format(last=t.date(last), days=t.number(horizon))
        elif holiday:
            text = _("{date} is a public holiday ({holiday}): closed.").format(
                date=t.date(day), holiday=escape(holiday)
            )
        else:
            text = _("{place} has no open times to book on {date}.").format(
                place=escape(place.name), date=t.date(day)
            )
        await turn.say(text)
        turn.draft.day = None
        return Goto("day")
    if found.seats_left <= 0:
        turn.draft.full_day = day
        return Goto("full")
    turn.draft.day, turn.draft.slot = day, None
    return Goto("slot")


async def show_full(turn: BookingTurn) -> None:
    """A full day: the waitlist, or other days."""
    t = turn.t
    _ = t.gettext
    place = await place_of(turn)
    day = turn.draft.full_day
    if place is None or day is None:
        await turn.ask(_("Please choose another day."), [[Button(_("📅 Other days"), "days")]])
        return
    minutes = turn.services.config.booking.waitlist_offer_minutes
    text = _(
        "{date} is fully booked at {place}. I can tell you as soon as a seat frees up: the first "
        "in line gets it, kept for {duration}."
    ).format(date=t.date(day), place=escape(place.name), duration=duration_text(t, minutes))
    later = await service(turn).next_free_days(place.id, day, school_id=turn.draft.school)
    if later:
        text += "\n\n" + _("The nearest days with free seats here: tap one to book it.")
    else:
        days = service(turn).horizon()[1]
        text += "\n\n" + _("No later day has free seats here in the next {days} days.").format(
            days=t.number(days)
        )
    await turn.ask(
        text,
        [
            *([Button(day_label(t, d), "d", day_data(d.date))] for d in later),
            [Button(_("🔔 Tell me if a seat frees up"), "wl", day_data(day))],
            [Button(_("📅 Other days"), "days")],
        ],
    )


async def press_full(turn: BookingTurn, action: str, value: str) -> Result:
    day, turn.draft.full_day = turn.draft.full_day, None
    later = parse_day_data(value) if action == "d" else None
    if later is not None:  # the nearest free day, offered with the full one
        return await choose_day(turn, later)
    if action != "wl" or day is None or turn.draft.place is None:
        turn.draft.day = turn.draft.slot = None
        return Goto("day")
    t = turn.t
    _ = t.gettext
    try:
        view = await service(turn).join_waitlist(turn.user_id, turn.draft.place, day)
    except (DomainError, NotFound) as err:
        await turn.say(error_text(t, err))
        return Goto("day")
    if view.entry.status == "offered":
        text = _(
            "Good news: a seat on {date} has just become free and is kept for you. The offer "
            "will reach you in a moment."
        ).format(date=t.date(day))
    else:
        minutes = turn.services.config.booking.waitlist_offer_minutes
        text = _(
            "🔔 You are on the waitlist for <b>{place}</b> on {date}, number {position} in line. "
            "When a seat frees up I will message you, and it is kept for you for {duration}. "
            "You can leave the waitlist in /saya."
        ).format(
            place=escape(view.place.name),
            date=t.date(day),
            position=t.number(view.position),
            duration=duration_text(t, minutes),
        )
    await turn.say(text)
    return FINISH


async def show_slot(turn: BookingTurn) -> None:
    t = turn.t
    _ = t.gettext
    place, day = await place_of(turn), turn.draft.day
    if place is None or day is None:
        # ◀️ from the day step after a typed day was refused there: no day to show times of,
        # so the days again (the engine keeps the step this turn ends on).
        turn.step = "day" if place is not None else "kec"
        await (show_day(turn) if place is not None else turn.flow.steps["kec"].show(turn))
        return
    slots = await service(turn).free_slots(place.id, day, school_id=turn.draft.school)
    text = _("📍 <b>{place}</b> · {date}\nChoose a time (seats left):").format(
        place=escape(place.name), date=t.date(day)
    )
    if not slots:
        text = _("Sorry, {date} has no free seats left. Please choose another day.").format(
            date=t.date(day)
        )
    buttons = [Button(slot_label(t, s), "s", str(s.slot_id)) for s in slots]
    await turn.ask(text, [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def press_slot(turn: BookingTurn, action: str, value: str) -> Result:
    return await choose_slot(turn, int(value)) if value.isdigit() else REASK


async def choose_slot(turn: BookingTurn, slot_id: int) -> Result:
    draft = turn.draft
    place = await place_of(turn)
    if place is None or draft.day is None:
        return Goto("day")
    slots = await service(turn).free_slots(place.id, draft.day, school_id=draft.school)
    if slot_id not in {s.slot_id for s in slots}:
        await turn.say(turn._("Sorry, that time is no longer free."))
        return REASK
    if draft.mode == MOVE:
        current = await service(turn).booking(draft.booking or 0)
        if current is not None and current.slot_id == slot_id:
            await turn.say(error_text(turn.t, BookingError(bk.SAME_SLOT)))
            return REASK
    draft.slot = slot_id
    return NEXT


async def read_slot(turn: BookingTurn, text: str) -> Result:
    t = turn.t
    _ = t.gettext
    match = TIME_RE.search(text)
    place, day = await place_of(turn), turn.draft.day
    if match and place is not None and day is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        for slot in await service(turn).free_slots(place.id, day, school_id=turn.draft.school):
            if slot.starts == time(hour, minute) or (
                match.group(2) is None and slot.starts.hour == hour
            ):
                return await choose_slot(turn, slot.slot_id)
        return Invalid(
            _("There is no free time starting at {time} on {date}.").format(
                time=t.time(time(hour, minute)), date=t.date(day)
            )
        )
    other = parse_date(text, turn.services.clock.today())
    if other is not None:
        return await choose_day(turn, other)
    return Invalid(_("Please choose a time below, or type it (for example 09.00)."))
