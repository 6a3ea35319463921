"""/aturtempat (staff): a place's weekly hours, seats per slot, slot length, extra service days.

Runs on the conversation engine (handlers/flow). A change that would cancel bookings (hours, slot
length) or leave slots over their seats is previewed first: staff see the bookings it hits and
apply it or keep things as they are (design.md §8); residents hit are told with new times in one
tap (``BookingService._bookings_lost_their_seat``, as /tutup does).

    kecamatan ─▶ place ─▶ card ─┬▶ hours ──┐
                                ├▶ seats ──┼─(bookings hit?)─▶ confirm ─▶ card
                                ├▶ slot ───┘                       ▲
                                ├▶ service day ▶ hours / seats ────┤ (or announced?)
                                │              ▶ cancel ───────────┘ (always asked)
                                │              ▶ title ─▶ card
                                └▶ date ▶ hours ▶ seats ▶ kind ─▶ card

A change of a service day's hours or its cancellation also reaches those its announcement was
sent to, and stops its announcements not sent yet (``PlaceAdmin._correct_announcements``); the
staff member gets a delivery report once the messages went out (handlers/staff_delivery_report).

This module holds the flow, the card, the weekly changes and the confirmation; the service days'
steps are in handlers/staff_service_days.py, what both share in handlers/staff_place_base.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.errors import NotAllowed
from bot.nlu import parse_date
from bot.services.staff import (
    SLOT_LENGTHS,
    BadHours,
    BadSeats,
    format_opening,
    parse_opening,
    parse_seats,
)
from bot.storage.places import Place
from handlers.common import answer, refuse
from handlers.flow import (
    FINISH,
    NEXT,
    REASK,
    STAY,
    Button,
    Flow,
    Goto,
    Invalid,
    Result,
    Step,
    Turn,
    register,
    start,
    words,
)
from handlers.staff_place_base import (
    ACTION,
    CARD,
    CONFIRM,
    DAY_CHANGES,
    HOURS,
    KEC,
    NOTES,
    PLACE,
    SCHEDULE_INTENTS,
    SD_DATE,
    SD_EDIT,
    SD_HOURS,
    SD_KIND,
    SD_LIST,
    SD_NEW_HOURS,
    SD_NEW_SEATS,
    SD_SEATS,
    SD_TITLE,
    SEATS,
    SLOT,
    WEEKDAY_NAMES,
    PlaceDraft,
    example_date,
    hours_error,
    kind_name,
    place_of,
    seats_error,
    show_seats,
)
from handlers.staff_service_days import (
    also_told_lines,
    apply_day,
    day_hit,
    press_sd_date,
    press_sd_edit,
    press_sd_kind,
    press_sd_list,
    read_sd_date,
    read_sd_hours,
    read_sd_new_hours,
    read_sd_new_seats,
    read_sd_seats,
    read_sd_title,
    show_sd_date,
    show_sd_edit,
    show_sd_hours,
    show_sd_kind,
    show_sd_list,
    show_sd_new_hours,
    show_sd_title,
    told_lines,
)
from handlers.staff_steps import (
    booking_lines,
    districts_of,
    kecamatan_rows,
    managed,
    member_of,
    press_kecamatan_of,
    read_kecamatan_of,
    report_delivery,
)

# --- entry ---------------------------------------------------------------------------------------


async def cmd_aturtempat(update: Update, context: BotContext) -> None:
    """/aturtempat: staff only; operators see their kecamatan only."""
    if context.services.staff(update.effective_user.id if update.effective_user else 0) is None:
        await refuse(update, context, ACTION)
        return
    await start(update, context, FLOW, PlaceDraft())


async def first_missing(turn: Turn[PlaceDraft]) -> str:
    draft = turn.draft
    if draft.place_id is not None:
        return CARD
    if draft.kecamatan is None:
        member = member_of(turn)
        districts = districts_of(turn, member) if member else []
        if len(districts) != 1:
            return KEC
        draft.kecamatan = districts[0].code  # an operator of one kecamatan skips the question
    return PLACE


async def on_leave(turn: Turn[PlaceDraft]) -> str:
    if turn.draft.saved:
        return turn._("Stopped. The changes you saved stay; nothing else was changed.")
    return turn._("Stopped. Nothing was changed.")


# --- kecamatan and place -------------------------------------------------------------------------


async def show_kecamatan(turn: Turn[PlaceDraft]) -> None:
    member = member_of(turn)
    districts = districts_of(turn, member) if member else []
    await turn.ask(
        turn._("Which kecamatan? Press one or type its name."),
        kecamatan_rows(turn, districts, turn.draft.page),
        edit=bool(turn.update.callback_query),
    )


async def press_kecamatan(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    return await press_kecamatan_of(turn, action, value, ACTION, Goto(PLACE))


async def read_kecamatan(turn: Turn[PlaceDraft], text: str) -> Result:
    return await read_kecamatan_of(turn, text, ACTION, Goto(PLACE))


async def _places(turn: Turn[PlaceDraft]) -> list[Place]:
    places = await turn.services.places.places(kecamatan_code=turn.draft.kecamatan)
    member = member_of(turn)
    return [p for p in places if member is not None and member.may_manage(p.kecamatan_code)]


async def show_place(turn: Turn[PlaceDraft]) -> None:
    _ = turn._
    places = await _places(turn)
    if not places:
        await turn.ask(_("There is no recording place in this kecamatan yet."))
        return
    await turn.ask(_("Which place?"), [[Button(p.name, "place", str(p.id))] for p in places])


async def press_place(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    place = await turn.services.places.place(int(value)) if value.isdigit() else None
    if place is None:
        return REASK
    if not await managed(turn, place.kecamatan_code, ACTION):
        return STAY  # refused with an alert on the button; the step stays as it was
    turn.draft.place_id = place.id
    return NEXT


async def read_place(turn: Turn[PlaceDraft], text: str) -> Result:
    wanted = text.strip().casefold()
    for place in await _places(turn):
        if wanted and wanted in place.name.casefold():
            turn.draft.place_id = place.id
            return NEXT
    return Invalid(turn._("Please press one of the places, or type part of its name."))


# --- the card ------------------------------------------------------------------------------------


def _ranges_text(turn: Turn[PlaceDraft], ranges: Sequence[tuple[time, time]]) -> str:
    return ", ".join(turn.t.time_range(a, b) for a, b in ranges) or turn._("closed")


async def card_text(turn: Turn[PlaceDraft], place: Place) -> str:
    t, _ = turn.t, turn._
    hours = await turn.services.places.hours(place.id)
    today = turn.services.clock.today()
    days = await turn.services.places.service_days(
        today, today + timedelta(days=60), place_id=place.id
    )
    lines = [f"<b>{escape(place.name)}</b>", escape(place.address), ""]
    if turn.draft.note in NOTES:
        lines = [t.gettext(NOTES[turn.draft.note]), *told_lines(turn), "", *lines]
    changes = [c for c in await turn.services.places.hour_changes(place.id) if c.starts_on > today]
    for weekday, name in enumerate(WEEKDAY_NAMES):
        ranges = [(h.opens, h.closes) for h in hours if h.weekday == weekday]
        line = f"{t.gettext(name)}: {_ranges_text(turn, ranges)}"
        for change in (c for c in changes if c.weekday == weekday):
            line += " " + _("→ from {date}: {hours}").format(
                date=t.date_short(change.starts_on), hours=_ranges_text(turn, change.ranges)
            )
        lines.append(line)
    lines += [
        "",
        _("Seats per slot: {seats} · slot length: {minutes} minutes").format(
            seats=t.number(place.seats_per_slot), minutes=t.number(place.slot_minutes)
        ),
    ]
    if days:
        lines += ["", _("<b>Service days</b>")]
        lines += [
            f"• {t.date_medium(d.date)} {t.time_range(d.opens, d.closes)} ({kind_name(t, d.kind)})"
            for d in days[:10]
        ]
    return "\n".join(lines) + "\n\n" + _("Press a weekday to change its hours.")


async def show_card(turn: Turn[PlaceDraft]) -> None:
    _ = turn._
    place = await place_of(turn)
    if place is None:
        await turn.ask(_("This place is not among the places you manage."))
        return
    days = [Button(turn.t.gettext(name)[:3], "wd", str(i)) for i, name in enumerate(WEEKDAY_NAMES)]
    rows = [
        days[:4],
        days[4:],
        [Button(_("Seats per slot"), "seats"), Button(_("Slot length"), "slot")],
        [Button(_("➕ Add a service day"), "sd")],
    ]
    if await turn.services.place_admin.upcoming_service_days(member_of(turn), place):
        rows.append([Button(_("✏️ Change or cancel a service day"), "sdx")])
    rows.append([Button(_("Done"), "done", words=words.DONE)])
    await turn.ask(await card_text(turn, place), rows)
    turn.draft.note, turn.draft.told, turn.draft.stopped = "", 0, 0


async def press_card(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    draft = turn.draft
    draft.change, draft.starts_on = None, None
    if action == "wd" and value.isdigit() and 0 <= int(value) <= 6:
        draft.weekday = int(value)
        return Goto(HOURS)
    if action in ("seats", "slot"):
        return Goto(SEATS if action == "seats" else SLOT)
    if action == "sd":
        draft.sd_date, draft.sd_hours, draft.sd_seats = None, None, None
        return Goto(SD_DATE)
    if action == "sdx":
        draft.sd_id = None
        return Goto(SD_LIST)
    if action == "done":
        await turn.say(turn._("Done."))
        return FINISH
    return REASK


# --- hours, seats, slot length: previewed when they hit bookings ---------------------------------


def _weekday_name(turn: Turn[PlaceDraft]) -> str:
    return turn.t.gettext(WEEKDAY_NAMES[turn.draft.weekday or 0])


async def show_hours(turn: Turn[PlaceDraft]) -> None:
    await turn.ask(
        turn._(
            "New hours for {day}: type for example 08.00-15.00 or 8-15, or "
            "08.00-12.00,13.00-15.00 with a break, or tutup when closed."
        ).format(day=_weekday_name(turn))
    )


async def read_hours(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        ranges = parse_opening(text)
    except BadHours as err:
        return Invalid(hours_error(turn.t, err))
    turn.draft.hours, turn.draft.change = format_opening(ranges), "hours"
    return await _preview_or_apply(turn)


async def read_seats(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        turn.draft.seats = parse_seats(text)
    except BadSeats:
        return Invalid(seats_error(turn.t))
    turn.draft.change = "seats"
    return await _preview_or_apply(turn)


async def show_slot(turn: Turn[PlaceDraft]) -> None:
    t = turn.t
    label = t.gettext("{minutes} min")
    buttons = [Button(label.format(minutes=t.number(m)), "len", str(m)) for m in SLOT_LENGTHS]
    rows = [buttons[:4], buttons[4:]]
    await turn.ask(turn._("Slot length in minutes?"), rows)


async def read_slot(turn: Turn[PlaceDraft], text: str) -> Result:
    """Typed minutes ("30", "30 menit") are the slot length, not a button's number."""
    minutes = text.split()[0] if text.split() else ""
    if minutes.isdigit() and int(minutes) in SLOT_LENGTHS:
        return await press_slot(turn, "len", minutes)
    return Invalid(turn._("Please press one of the lengths."))


async def press_slot(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    if not value.isdigit() or int(value) not in SLOT_LENGTHS:
        return REASK
    turn.draft.minutes, turn.draft.change = int(value), "slot"
    return await _preview_or_apply(turn)


async def _hit(turn: Turn[PlaceDraft], place: Place) -> list[Any]:
    """What the pending change would do to bookings: the bookings it cancels (hours, slot
    length) or the slots left with more bookings than seats (seats)."""
    draft, admin = turn.draft, turn.services.place_admin
    member = member_of(turn)
    if draft.change in DAY_CHANGES:
        return await day_hit(turn, place)
    if draft.change == "hours":
        return await admin.preview_day_hours(
            member, place, draft.weekday or 0, draft.hours or "", draft.starts_on
        )
    if draft.change == "slot":
        return await admin.preview_slot_minutes(member, place, draft.minutes or 0)
    return await turn.services.booking.overbooked_by_seats(place.id, draft.seats or 0)


async def _preview_or_apply(turn: Turn[PlaceDraft]) -> Result:
    place = await place_of(turn)
    if place is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    if await _hit(turn, place) or await also_told_lines(turn, place):
        return Goto(CONFIRM)
    return await _apply(turn, place, hit=[])


async def _apply(turn: Turn[PlaceDraft], place: Place, *, hit: list[Any]) -> Result:
    """Apply the pending change; ``hit``: what its preview showed (the bookings it cancels, whose
    residents are told, and then the staff member gets a delivery report)."""
    draft, admin, member = turn.draft, turn.services.place_admin, member_of(turn)
    if draft.change in DAY_CHANGES:
        return await apply_day(turn, place)
    try:
        if draft.change == "hours":
            await admin.set_day_hours(
                member, place, draft.weekday or 0, draft.hours or "", draft.starts_on
            )
        elif draft.change == "slot":
            await admin.set_slot_minutes(member, place, draft.minutes or 0)
        elif draft.change == "seats":
            await admin.set_seats(member, place, str(draft.seats or 0))
    except NotAllowed:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    note = draft.change or "kept"
    if note in ("hours", "slot") and hit:  # seats never cancel a booking
        lost = await turn.services.booking.cancelled_among([v.id for v in hit])
        watch = [("booking", lost, "booking_closed")]
        await report_delivery(turn, member, watch, note, place.id, turn.services.clock.today())
    if note == "hours" and draft.starts_on is not None:
        note = "hours_later"
    draft.note = f"{note}_hit" if hit and f"{note}_hit" in NOTES else note
    draft.change, draft.saved = None, draft.saved + 1
    return Goto(CARD)


async def show_confirm(turn: Turn[PlaceDraft]) -> None:
    _ = turn._
    place = await place_of(turn)
    hit = await _hit(turn, place) if place is not None else []
    hours = turn.draft.change == "hours"  # only new hours can start later
    cancel = turn.draft.change == "sd_cancel"  # asked even when nobody booked
    announced = await also_told_lines(turn, place) if place is not None else []
    if place is None or not (hit or hours or cancel or announced):  # changed meanwhile
        await turn.ask(_("Nothing left to confirm; press ◀️ to go back to the place."))
        return
    if turn.draft.change in ("seats", "sd_seats"):
        text = _seats_preview(turn, hit)
    else:
        text = _cancel_preview(turn, place, hit)
    if announced:
        text += "\n\n" + "\n".join(announced)
    rows = [[Button(_("✅ Apply the change"), "apply", words=words.YES)]]
    if hours:
        rows.append(_when_row(turn))
    rows.append([Button(_("↩️ Keep it as it is"), "keep", words=words.NO)])
    await turn.ask(text, rows)


def _next_monday(turn: Turn[PlaceDraft]) -> date:
    today = turn.services.clock.today()
    return today + timedelta(days=7 - today.weekday())


def _when_row(turn: Turn[PlaceDraft]) -> list[Button]:
    """From when new hours start: now, next week, or a typed date."""
    t, _ = turn.t, turn._
    monday = _next_monday(turn)
    return [
        Button(_("⏱ From now"), "when", "now"),
        Button(_("📅 From {date}").format(date=t.date_short(monday)), "when", monday.isoformat()),
    ]


async def read_confirm(turn: Turn[PlaceDraft], text: str) -> Result:
    """A typed date: the new hours start then (only weekly hours can start later)."""
    if turn.draft.change != "hours":
        return Invalid(turn._("Please press ✅ to apply the change, or ↩️ to keep it as it is."))
    today = turn.services.clock.today()
    chosen = parse_date(text, today)
    if chosen is None or not today < chosen <= today + timedelta(days=366):
        return Invalid(
            turn._(
                "Press a button, or type the date the new hours start (e.g. {example})."
            ).format(example=example_date(turn))
        )
    turn.draft.starts_on = chosen
    return REASK


def _change_text(turn: Turn[PlaceDraft]) -> str:
    t, draft = turn.t, turn.draft
    if draft.change == "sd_hours":
        hours = _ranges_text(turn, parse_opening(draft.sd_hours or ""))
        return turn._("service day {date}: {hours}").format(
            date=t.date(draft.sd_date or date.min), hours=hours
        )
    if draft.change == "sd_cancel":
        return turn._("cancel the service day of {date}").format(
            date=t.date(draft.sd_date or date.min)
        )
    if draft.change == "hours":
        hours = f"{_weekday_name(turn)}: {_ranges_text(turn, parse_opening(draft.hours or ''))}"
        if draft.starts_on is None:
            return hours + " " + turn._("(from now)")
        return hours + " " + turn._("(from {date})").format(date=t.date(draft.starts_on))
    return turn._("slot length {minutes} minutes").format(minutes=t.number(draft.minutes or 0))


def _cancel_preview(turn: Turn[PlaceDraft], place: Place, hit: list[Any]) -> str:
    t = turn.t
    if not hit and turn.draft.change in DAY_CHANGES:
        return turn._("<b>{place}</b>, {change}\nNo active booking is affected.").format(
            place=escape(place.name), change=_change_text(turn)
        )
    if not hit:
        return turn._(
            "<b>{place}</b>, {change}\nNo active booking is affected: the bookings before that "
            "date stay as they are."
        ).format(place=escape(place.name), change=_change_text(turn))
    head = t.ngettext(
        "⚠️ <b>{place}</b>, {change}\n{n} active booking no longer fits and would be cancelled:",
        "⚠️ <b>{place}</b>, {change}\n{n} active bookings no longer fit and would be cancelled:",
        len(hit),
    ).format(place=escape(place.name), change=_change_text(turn), n=t.number(len(hit)))
    tail = turn._(
        "Nothing has changed yet. If you apply the change now, these bookings are cancelled and "
        "each resident is told and offered new times in one tap."
    )
    return f"{head}\n{booking_lines(t, hit)}\n\n{tail}"


def _seats_preview(turn: Turn[PlaceDraft], slots: list[Any]) -> str:
    t = turn.t
    head = t.ngettext(
        "⚠️ {n} slot already has more bookings than {seats} seats:",
        "⚠️ {n} slots already have more bookings than {seats} seats:",
        len(slots),
    ).format(n=t.number(len(slots)), seats=t.number(turn.draft.seats or 0))
    lines = [
        turn._("• {date} {time}: {booked} booked").format(
            date=t.date_short(s.date), time=t.time(s.starts), booked=t.number(s.booked)
        )
        for s in slots[:15]
    ]
    tail = turn._(
        "Nobody is cancelled: those slots keep their bookings and take no new ones. Other slots "
        "get the new number."
    )
    return "\n".join([head, *lines, "", tail])


async def press_confirm(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    place = await place_of(turn)
    if place is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    if action == "when":
        try:
            turn.draft.starts_on = None if value == "now" else date.fromisoformat(value)
        except ValueError:
            pass
        return REASK
    if action == "apply" and turn.draft.change:
        return await _apply(turn, place, hit=await _hit(turn, place))
    turn.draft.change, turn.draft.note = None, "kept"
    return Goto(CARD)


FLOW = register(
    Flow(
        name="aturtempat",
        draft=PlaceDraft,
        steps={
            KEC: Step(
                show_kecamatan,
                read=read_kecamatan,
                press=press_kecamatan,
                own_intents=SCHEDULE_INTENTS,
            ),
            PLACE: Step(show_place, read=read_place, press=press_place),
            CARD: Step(show_card, press=press_card, back=PLACE),
            HOURS: Step(show_hours, read=read_hours, back=CARD, own_intents=SCHEDULE_INTENTS),
            SEATS: Step(show_seats, read=read_seats, back=CARD, own_intents=SCHEDULE_INTENTS),
            SLOT: Step(show_slot, read=read_slot, press=press_slot, back=CARD),
            CONFIRM: Step(
                show_confirm,
                read=read_confirm,
                press=press_confirm,
                back=CARD,
                own_intents=SCHEDULE_INTENTS,
            ),
            SD_DATE: Step(
                show_sd_date,
                read=read_sd_date,
                press=press_sd_date,
                back=CARD,
                own_intents=SCHEDULE_INTENTS,
            ),
            SD_HOURS: Step(show_sd_hours, read=read_sd_hours, own_intents=SCHEDULE_INTENTS),
            SD_SEATS: Step(show_seats, read=read_sd_seats, own_intents=SCHEDULE_INTENTS),
            SD_LIST: Step(show_sd_list, press=press_sd_list, back=CARD),
            SD_EDIT: Step(show_sd_edit, press=press_sd_edit, back=SD_LIST),
            SD_NEW_HOURS: Step(
                show_sd_new_hours,
                read=read_sd_new_hours,
                back=SD_EDIT,
                own_intents=SCHEDULE_INTENTS,
            ),
            SD_NEW_SEATS: Step(
                show_seats, read=read_sd_new_seats, back=SD_EDIT, own_intents=SCHEDULE_INTENTS
            ),
            SD_TITLE: Step(
                show_sd_title,
                read=read_sd_title,
                back=SD_EDIT,
                guard="always",  # a question typed here is answered, never saved as a title
                own_intents=SCHEDULE_INTENTS,
            ),
            SD_KIND: Step(show_sd_kind, press=press_sd_kind),
        },
        first=first_missing,
        title=lambda t: t.gettext("place settings"),
        leave=on_leave,
    )
)


async def stale(update: Update, context: BotContext) -> None:
    """A button of the place settings from before the engine (``pl:…``): answered, not silent."""
    await answer(
        update.callback_query,
        context.t.gettext("This button is no longer active. Type /aturtempat to start again."),
        alert=True,
    )


HANDLERS = [
    CommandHandler("aturtempat", cmd_aturtempat),
    CallbackQueryHandler(stale, pattern=r"^pl:"),
]
