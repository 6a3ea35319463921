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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.errors import NotAllowed, NotFound
from bot.i18n import N_, Translator
from bot.nlu import parse_date
from bot.services.staff import (
    MAX_SEATS,
    SERVICE_DAY_KINDS,
    SLOT_LENGTHS,
    BadDate,
    BadHours,
    BadSeats,
    format_opening,
    one_range,
    parse_opening,
    parse_seats,
)
from bot.storage.places import Place, ServiceDay
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
from handlers.keyboards import typed_date
from handlers.staff_holidays import with_holiday_warning
from handlers.staff_steps import (
    booking_lines,
    day_watch,
    districts_of,
    kecamatan_rows,
    managed,
    member_of,
    press_kecamatan_of,
    read_kecamatan_of,
    report_delivery,
)

ACTION = "aturtempat"
KEC, PLACE, CARD, HOURS, SEATS, SLOT, CONFIRM = (
    "kec", "place", "card", "hours", "seats", "slot", "confirm"
)  # fmt: skip
SD_DATE, SD_HOURS, SD_SEATS, SD_KIND = "sd_date", "sd_hours", "sd_seats", "sd_kind"
# Changing an existing service day: pick it, then what to change.
SD_LIST, SD_EDIT, SD_NEW_HOURS, SD_NEW_SEATS, SD_TITLE = (
    "sd_list", "sd_edit", "sd_new_hours", "sd_new_seats", "sd_title"
)  # fmt: skip
# Pending changes of a service day (PlaceDraft.change), confirmed like the weekly hours.
DAY_CHANGES = ("sd_hours", "sd_seats", "sd_cancel")
# Typed hours and dates look like schedule questions to the NLU: here they are answers.
SCHEDULE_INTENTS = frozenset({"jadwal", "lokasi", "biaya"})
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
# What the card says on top after a step (kept as a key: the draft holds no texts).
NOTES = {
    "hours": N_("✅ Hours saved; no booking was affected."),
    "hours_hit": N_(
        "✅ Hours saved. The bookings outside them were cancelled; the residents are told "
        "and offered new times. You get a report once the messages went out."
    ),
    "seats": N_("✅ Seats per slot saved."),
    "slot": N_("✅ Slot length changed."),
    "slot_hit": N_(
        "✅ Slot length changed. The bookings that lost their slot were cancelled; the "
        "residents are told and offered new times. You get a report once the messages went out."
    ),
    "hours_later": N_("✅ New hours saved; they start on the date shown below."),
    "hours_later_hit": N_(
        "✅ New hours saved; they start on the date shown below. The bookings from then on "
        "outside them were cancelled; the residents are told and offered new times. You get a "
        "report once the messages went out."
    ),
    "kept": N_("Nothing was changed."),
    "sd_hours": N_("✅ Hours of the service day saved; no booking was affected."),
    "sd_hours_hit": N_(
        "✅ Hours of the service day saved. The bookings outside them were cancelled; the "
        "residents are told and offered new times. You get a report once the messages went out."
    ),
    "sd_seats": N_("✅ Seats per slot of the service day saved; no booking was cancelled."),
    "sd_title": N_("✅ Title of the service day saved."),
    "sd_cancel": N_("✅ Service day cancelled. No booking was affected."),
    "sd_cancel_hit": N_(
        "✅ Service day cancelled. Its bookings were cancelled; the residents are told and "
        "offered new times. You get a report once the messages went out."
    ),
    "sd_gone": N_("That service day is no longer open to changes; nothing was changed."),
    "sd": N_("✅ Service day added. Residents can book it now; announce it with /siaran."),
}


@dataclass
class PlaceDraft:
    kecamatan: str | None = None
    page: int = 0
    place_id: int | None = None
    weekday: int | None = None
    change: str | None = None  # "hours", "seats", "slot": waiting for the staff's confirmation
    hours: str | None = None  # the weekday's new hours, as parse_opening reads them
    seats: int | None = None
    minutes: int | None = None
    starts_on: date | None = None  # new hours from this date on; None: from now
    sd_date: date | None = None
    sd_hours: str | None = None
    sd_seats: int | None = None
    sd_id: int | None = None  # the service day being changed
    told: int = 0  # residents sent an announcement of the day, told of its change
    stopped: int = 0  # announcements of the day stopped before they went out
    note: str = ""
    saved: int = 0  # changes saved since the flow opened (the exit says they stay)


def _kind_name(t: Translator, kind: str) -> str:
    return t.gettext(KIND_NAMES[kind]) if kind in KIND_NAMES else escape(kind)


def _example_date(turn: Turn[Any]) -> str:
    """A date a week ahead, as staff type it: an example never already past."""
    return typed_date(turn.services.clock.today())


def hours_error(t: Translator, err: BadHours) -> str:
    reason = err.params.get("reason")
    if reason == "order":
        return t.gettext(
            "Those hours close before they open. Type the opening time first, e.g. 08.00-15.00."
        )
    if reason == "overlap":
        return t.gettext("Those ranges overlap. Type them in order, e.g. 08.00-12.00,13.00-15.00.")
    if reason == "one_range":
        return t.gettext(
            "A service day has one opening time: type for example 08.00-12.00. To close it, "
            "cancel the day."
        )
    if reason == "clash":
        return t.gettext("Another service day of this place already opens then on that date.")
    return t.gettext("I couldn't read those hours. Type for example 08.00-15.00, 8-12, or tutup.")


def _seats_error(t: Translator) -> str:
    return t.gettext("Please type a number from 1 to {max}.").format(max=t.number(MAX_SEATS))


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


async def _place(turn: Turn[PlaceDraft]) -> Place | None:
    """The chosen place, if the staff member (still) manages it."""
    place_id = turn.draft.place_id
    place = await turn.services.places.place(place_id) if place_id else None
    member = member_of(turn)
    if place is None or member is None or not member.may_manage(place.kecamatan_code):
        return None
    return place


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
        lines = [t.gettext(NOTES[turn.draft.note]), *_told_lines(turn), "", *lines]
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
            f"• {t.date_medium(d.date)} {t.time_range(d.opens, d.closes)} "
            f"({_kind_name(t, d.kind)})"
            for d in days[:10]
        ]
    return "\n".join(lines) + "\n\n" + _("Press a weekday to change its hours.")


async def show_card(turn: Turn[PlaceDraft]) -> None:
    _ = turn._
    place = await _place(turn)
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


async def show_seats(turn: Turn[PlaceDraft]) -> None:
    t = turn.t
    await turn.ask(
        t.gettext("How many seats per slot? Type a number from 1 to {max}.").format(
            max=t.number(MAX_SEATS)
        )
    )


async def read_seats(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        turn.draft.seats = parse_seats(text)
    except BadSeats:
        return Invalid(_seats_error(turn.t))
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
        return await _day_hit(turn, place)
    if draft.change == "hours":
        return await admin.preview_day_hours(
            member, place, draft.weekday or 0, draft.hours or "", draft.starts_on
        )
    if draft.change == "slot":
        return await admin.preview_slot_minutes(member, place, draft.minutes or 0)
    return await turn.services.booking.overbooked_by_seats(place.id, draft.seats or 0)


async def _preview_or_apply(turn: Turn[PlaceDraft]) -> Result:
    place = await _place(turn)
    if place is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    if await _hit(turn, place) or await _announcement_lines(turn, place):
        return Goto(CONFIRM)
    return await _apply(turn, place, hit=[])


async def _apply(turn: Turn[PlaceDraft], place: Place, *, hit: list[Any]) -> Result:
    """Apply the pending change; ``hit``: what its preview showed (the bookings it cancels, whose
    residents are told, and then the staff member gets a delivery report)."""
    draft, admin, member = turn.draft, turn.services.place_admin, member_of(turn)
    if draft.change in DAY_CHANGES:
        return await _apply_day(turn, place)
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
    place = await _place(turn)
    hit = await _hit(turn, place) if place is not None else []
    hours = turn.draft.change == "hours"  # only new hours can start later
    cancel = turn.draft.change == "sd_cancel"  # asked even when nobody booked
    announced = await _announcement_lines(turn, place) if place is not None else []
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
            ).format(example=_example_date(turn))
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
    place = await _place(turn)
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


# --- changing or cancelling a service day -------------------------------------------------------


def _day_label(t: Translator, day: ServiceDay) -> str:
    label = f"{t.date_short(day.date)} {t.time_range(day.opens, day.closes)}"
    if day.school_id is not None:
        label = "🏫 " + label
    return f"{label} · {day.title}" if day.title else label


async def show_sd_list(turn: Turn[PlaceDraft]) -> None:
    _ = turn._
    place = await _place(turn)
    admin = turn.services.place_admin
    days = await admin.upcoming_service_days(member_of(turn), place) if place else []
    if not days:
        await turn.ask(_("This place has no upcoming service day to change."))
        return
    rows = [[Button(_day_label(turn.t, d), "day", str(d.id))] for d in days[:20]]
    text = _(
        "Which service day? (🏫: a school event; it opens in /acara, which tells its followers.)"
    )
    await turn.ask(text, rows)


async def press_sd_list(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    day_id = int(value) if value.isdigit() else 0
    place = await _place(turn)
    admin = turn.services.place_admin
    days = await admin.upcoming_service_days(member_of(turn), place) if place else []
    school_day = next((d for d in days if d.id == day_id and d.school_id is not None), None)
    if school_day is not None:
        return await _open_school_event(turn, school_day)
    day = await _chosen_day(turn, day_id)
    if day is None:
        return REASK
    turn.draft.sd_id, turn.draft.sd_date = day.id, day.date
    return Goto(SD_EDIT)


async def _open_school_event(turn: Turn[PlaceDraft], day: ServiceDay) -> Result:
    """A school event is changed in /acara (its previews tell the bookers and the school's
    followers): that flow opens on this event, and this one ends (what was saved stays)."""
    from handlers.school_staff.conversation import FLOW as SCHOOL_FLOW
    from handlers.school_staff.flow import StaffDraft

    draft = StaffDraft(school=day.school_id, event=day.id)
    await start(turn.update, turn.context, SCHOOL_FLOW, draft)
    return FINISH


async def _chosen_day(turn: Turn[PlaceDraft], day_id: int | None = None) -> ServiceDay | None:
    """The service day being changed, if it still can be (not cancelled, not past)."""
    place = await _place(turn)
    wanted = day_id if day_id is not None else turn.draft.sd_id
    if place is None or not wanted:
        return None
    try:
        return await turn.services.place_admin.service_day(member_of(turn), place, wanted)
    except (NotFound, NotAllowed):
        return None


async def show_sd_edit(turn: Turn[PlaceDraft]) -> None:
    t, _ = turn.t, turn._
    day = await _chosen_day(turn)
    if day is None:
        await turn.ask(t.gettext(NOTES["sd_gone"]))
        return
    booked = await turn.services.booking.booked_on_service_day(day.id)
    lines = [
        f"<b>{escape(day.title) if day.title else _kind_name(t, day.kind)}</b>",
        f"{t.date(day.date)}, {t.time_range(day.opens, day.closes)}",
        _("Seats per slot: {seats} · active bookings: {n}").format(
            seats=t.number(day.seats_per_slot), n=t.number(len(booked))
        ),
        "",
        _("What do you want to change?"),
    ]
    rows = [
        [Button(_("🕘 Hours"), "hours"), Button(_("💺 Seats per slot"), "seats")],
        [Button(_("🏷 Title"), "title")],
        [Button(_("🗑 Cancel this service day"), "cancel")],
    ]
    await turn.ask("\n".join(lines), rows)


async def press_sd_edit(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    if await _chosen_day(turn) is None:
        return REASK
    steps = {"hours": SD_NEW_HOURS, "seats": SD_NEW_SEATS, "title": SD_TITLE}
    if action in steps:
        return Goto(steps[action])
    if action == "cancel":
        turn.draft.change = "sd_cancel"
        return Goto(CONFIRM)
    return REASK


async def show_sd_new_hours(turn: Turn[PlaceDraft]) -> None:
    day = turn.draft.sd_date or turn.services.clock.today()
    text = turn._("{day}: the new hours? (e.g. 08.00-12.00 or 8-12)").format(day=turn.t.date(day))
    await turn.ask(text)


async def read_sd_new_hours(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        turn.draft.sd_hours = format_opening((one_range(text),))
    except BadHours as err:
        return Invalid(hours_error(turn.t, err))
    turn.draft.change = "sd_hours"
    return await _preview_or_apply(turn)


async def read_sd_new_seats(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        turn.draft.sd_seats = parse_seats(text)
    except BadSeats:
        return Invalid(_seats_error(turn.t))
    turn.draft.change, turn.draft.seats = "sd_seats", turn.draft.sd_seats
    return await _preview_or_apply(turn)


async def show_sd_title(turn: Turn[PlaceDraft]) -> None:
    await turn.ask(
        turn._(
            "The title residents see (e.g. Layanan Sabtu di Balai Desa), at most 100 characters:"
        )
    )


async def read_sd_title(turn: Turn[PlaceDraft], text: str) -> Result:
    title = " ".join(text.split())
    if not title or len(title) > 100:
        return Invalid(turn._("Please type a title of at most 100 characters."))
    place = await _place(turn)
    if place is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    try:
        await turn.services.place_admin.change_service_day(
            member_of(turn), place, turn.draft.sd_id or 0, title=title
        )
    except NotFound:
        turn.draft.note = "sd_gone"
        return Goto(CARD)
    except NotAllowed:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    turn.draft.note, turn.draft.saved = "sd_title", turn.draft.saved + 1
    return Goto(CARD)


async def _day_hit(turn: Turn[PlaceDraft], place: Place) -> list[Any]:
    """What the pending change of a service day would do (as ``_hit`` for the weekly hours)."""
    draft, admin, member = turn.draft, turn.services.place_admin, member_of(turn)
    day_id, hours, seats = draft.sd_id or 0, draft.sd_hours or "", draft.sd_seats or 0
    try:
        if draft.change == "sd_hours":
            return await admin.preview_service_day_hours(member, place, day_id, hours)
        if draft.change == "sd_seats":
            return await admin.preview_service_day_seats(member, place, day_id, seats)
        return await admin.preview_service_day_cancel(member, place, day_id)
    except (NotFound, BadHours):
        return []


async def _announcement_lines(turn: Turn[PlaceDraft], place: Place) -> list[str]:
    """Before new hours or a cancellation of a service day: who its announcement reached (they
    are told) and its announcements still to go out (they are stopped)."""
    if turn.draft.change not in ("sd_hours", "sd_cancel"):
        return []
    t = turn.t
    try:
        announced = await turn.services.place_admin.announced(
            member_of(turn), place, turn.draft.sd_id or 0
        )
    except (NotFound, NotAllowed):
        return []
    lines = []
    if announced.reached:
        n = len(announced.reached)
        lines.append(
            t.ngettext(
                "📢 {n} resident was sent the announcement of this day: they are told of the "
                "change.",
                "📢 {n} residents were sent the announcement of this day: they are told of the "
                "change.",
                n,
            ).format(n=t.number(n))
        )
    if announced.still_open:
        n = len(announced.still_open)
        lines.append(
            t.ngettext(
                "⏹ {n} announcement of this day has not gone out yet: it is stopped, as it no "
                "longer holds. Announce the day again with /siaran if needed.",
                "⏹ {n} announcements of this day have not gone out yet: they are stopped, as "
                "they no longer hold. Announce the day again with /siaran if needed.",
                n,
            ).format(n=t.number(n))
        )
    return lines


def _told_lines(turn: Turn[PlaceDraft]) -> list[str]:
    """After a change of a service day: the announcement's readers told, announcements stopped."""
    t, lines = turn.t, []
    if turn.draft.told:
        lines.append(
            t.ngettext(
                "📢 {n} resident who got the announcement of this day is told of the change.",
                "📢 {n} residents who got the announcement of this day are told of the change.",
                turn.draft.told,
            ).format(n=t.number(turn.draft.told))
        )
    if turn.draft.stopped:
        lines.append(
            t.ngettext(
                "⏹ {n} announcement of this day not sent yet was stopped.",
                "⏹ {n} announcements of this day not sent yet were stopped.",
                turn.draft.stopped,
            ).format(n=t.number(turn.draft.stopped))
        )
    return lines


async def _apply_day(turn: Turn[PlaceDraft], place: Place) -> Result:
    """Apply the change of a service day; the residents it cancels are told with new times, and
    the staff member gets a report once those messages went out."""
    draft, admin, member = turn.draft, turn.services.place_admin, member_of(turn)
    change, day_id = draft.change, draft.sd_id or 0
    try:
        if change == "sd_cancel":
            outcome = await admin.cancel_service_day(member, place, day_id)
        elif change == "sd_hours":
            outcome = await admin.change_service_day(member, place, day_id, hours=draft.sd_hours)
        else:
            outcome = await admin.change_service_day(member, place, day_id, seats=draft.sd_seats)
    except BadHours as err:
        return Invalid(hours_error(turn.t, err))
    except NotFound:
        draft.change, draft.note = None, "sd_gone"
        return Goto(CARD)
    except NotAllowed:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    await report_delivery(
        turn, member, day_watch(outcome), change or "", place.id, outcome.day.date
    )
    hit = bool(outcome.cancelled or outcome.waitlisted)
    draft.note = f"{change}_hit" if hit and f"{change}_hit" in NOTES else change or "kept"
    draft.told, draft.stopped = len(outcome.told), len(outcome.stopped)
    draft.change, draft.saved = None, draft.saved + 1
    return Goto(CARD)


# --- a new service day ---------------------------------------------------------------------------


async def show_sd_date(turn: Turn[PlaceDraft]) -> None:
    t = turn.t
    today = turn.services.clock.today()
    choices = [today + timedelta(days=n) for n in range(1, 22)]
    rows = [
        [Button(t.date_short(d), "date", d.isoformat()) for d in choices[i : i + 3]]
        for i in range(0, len(choices), 3)
    ]
    text = t.gettext("Which date? Press one or type it (e.g. {example}).")
    await turn.ask(text.format(example=_example_date(turn)), rows)


async def press_sd_date(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    try:
        return _set_sd_date(turn, date.fromisoformat(value))
    except ValueError:
        return REASK


async def read_sd_date(turn: Turn[PlaceDraft], text: str) -> Result:
    return _set_sd_date(turn, parse_date(text, turn.services.clock.today()))


def _set_sd_date(turn: Turn[PlaceDraft], chosen: date | None) -> Result:
    today = turn.services.clock.today()
    if chosen is None or not today <= chosen <= today + timedelta(days=366):
        return Invalid(
            turn._("Please choose a date from today on (e.g. {example}).").format(
                example=_example_date(turn)
            )
        )
    turn.draft.sd_date = chosen
    return Goto(SD_HOURS)


async def show_sd_hours(turn: Turn[PlaceDraft]) -> None:
    day = turn.draft.sd_date or turn.services.clock.today()
    text = turn._("{day}: the hours? (e.g. 08.00-12.00 or 8-12)").format(day=turn.t.date(day))
    await turn.ask(with_holiday_warning(turn.t, turn.draft.sd_date, text))


async def read_sd_hours(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        ranges = parse_opening(text)
    except BadHours as err:
        return Invalid(hours_error(turn.t, err))
    if not ranges:
        return Invalid(hours_error(turn.t, BadHours()))
    turn.draft.sd_hours = format_opening(ranges)
    return Goto(SD_SEATS)


async def read_sd_seats(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        turn.draft.sd_seats = parse_seats(text)
    except BadSeats:
        return Invalid(_seats_error(turn.t))
    return Goto(SD_KIND)


async def show_sd_kind(turn: Turn[PlaceDraft]) -> None:
    rows = [[Button(turn.t.gettext(KIND_NAMES[k]), "kind", k)] for k in SERVICE_DAY_KINDS]
    text = with_holiday_warning(turn.t, turn.draft.sd_date, turn._("What kind of service day?"))
    await turn.ask(text, rows)


async def press_sd_kind(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    draft = turn.draft
    place = await _place(turn)
    if place is None or draft.sd_date is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    try:
        await turn.services.place_admin.add_service_day(
            member_of(turn),
            place,
            draft.sd_date,
            draft.sd_hours or "",
            str(draft.sd_seats or 0),
            value,
        )
    except (BadHours, BadSeats, BadDate):
        return Invalid(turn._("That service day could not be saved; please check it again."))
    except NotAllowed:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    draft.note, draft.saved = "sd", draft.saved + 1
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
