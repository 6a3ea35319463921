"""/aturtempat, the service days of a place: add one, or change an upcoming one's hours, seats or
title, or cancel it (school events open in /acara). The steps of the flow in
handlers/staff_places.py; a change that hits bookings, or reaches the readers of the day's
announcement, goes through that flow's confirmation like the weekly hours (design.md §8)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from bot.errors import NotAllowed, NotFound
from bot.i18n import Translator
from bot.nlu import parse_date
from bot.services.staff import (
    SERVICE_DAY_KINDS,
    BadDate,
    BadHours,
    BadSeats,
    format_opening,
    one_range,
    parse_opening,
    parse_seats,
)
from bot.storage.places import Place, ServiceDay
from handlers.common import refuse
from handlers.flow import FINISH, REASK, Button, Goto, Invalid, Result, Turn, start
from handlers.staff_holidays import with_holiday_warning
from handlers.staff_place_base import (
    ACTION,
    CARD,
    CONFIRM,
    KIND_NAMES,
    NOTES,
    SD_EDIT,
    SD_HOURS,
    SD_KIND,
    SD_NEW_HOURS,
    SD_NEW_SEATS,
    SD_SEATS,
    SD_TITLE,
    PlaceDraft,
    example_date,
    hours_error,
    kind_name,
    place_of,
    seats_error,
)
from handlers.staff_steps import day_watch, member_of, report_delivery

# --- changing or cancelling a service day -------------------------------------------------------


def _day_label(t: Translator, day: ServiceDay) -> str:
    label = f"{t.date_short(day.date)} {t.time_range(day.opens, day.closes)}"
    if day.school_id is not None:
        label = "🏫 " + label
    return f"{label} · {day.title}" if day.title else label


async def show_sd_list(turn: Turn[PlaceDraft]) -> None:
    _ = turn._
    place = await place_of(turn)
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
    place = await place_of(turn)
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
    place = await place_of(turn)
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
        f"<b>{escape(day.title) if day.title else kind_name(t, day.kind)}</b>",
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
    return await preview_or_apply_day(turn)


async def read_sd_new_seats(turn: Turn[PlaceDraft], text: str) -> Result:
    try:
        turn.draft.sd_seats = parse_seats(text)
    except BadSeats:
        return Invalid(seats_error(turn.t))
    turn.draft.change, turn.draft.seats = "sd_seats", turn.draft.sd_seats
    return await preview_or_apply_day(turn)


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
    place = await place_of(turn)
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


async def preview_or_apply_day(turn: Turn[PlaceDraft]) -> Result:
    """Confirm first when the change hits bookings or an announcement's readers; else apply."""
    place = await place_of(turn)
    if place is None:
        await refuse(turn.update, turn.context, ACTION)
        return FINISH
    if await day_hit(turn, place) or await also_told_lines(turn, place):
        return Goto(CONFIRM)
    return await apply_day(turn, place)


async def day_hit(turn: Turn[PlaceDraft], place: Place) -> list[Any]:
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


async def also_told_lines(turn: Turn[PlaceDraft], place: Place) -> list[str]:
    """Before new hours or a cancellation of a service day, who else hears of it: those waiting
    for a seat that day (a cancellation ends their wait), those its announcement reached (they
    are told), and its announcements still to go out (they are stopped)."""
    if turn.draft.change not in ("sd_hours", "sd_cancel"):
        return []
    t, admin, member, day_id = turn.t, turn.services.place_admin, member_of(turn), turn.draft.sd_id
    try:
        announced = await admin.announced(member, place, day_id or 0)
        cancel = turn.draft.change == "sd_cancel"
        waiting = await admin.waiting_if_cancelled(member, place, day_id or 0) if cancel else 0
    except (NotFound, NotAllowed):
        return []
    lines = []
    if waiting:
        lines.append(
            t.ngettext(
                "⏳ {n} resident waiting for a seat that day is told the wait has ended, with "
                "the next free times.",
                "⏳ {n} residents waiting for a seat that day are told the wait has ended, with "
                "the next free times.",
                waiting,
            ).format(n=t.number(waiting))
        )
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


def told_lines(turn: Turn[PlaceDraft]) -> list[str]:
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


async def apply_day(turn: Turn[PlaceDraft], place: Place) -> Result:
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
    await turn.ask(text.format(example=example_date(turn)), rows)


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
                example=example_date(turn)
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
        return Invalid(seats_error(turn.t))
    return Goto(SD_KIND)


async def show_sd_kind(turn: Turn[PlaceDraft]) -> None:
    rows = [[Button(turn.t.gettext(KIND_NAMES[k]), "kind", k)] for k in SERVICE_DAY_KINDS]
    text = with_holiday_warning(turn.t, turn.draft.sd_date, turn._("What kind of service day?"))
    await turn.ask(text, rows)


async def press_sd_kind(turn: Turn[PlaceDraft], action: str, value: str) -> Result:
    draft = turn.draft
    place = await place_of(turn)
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
