"""/acara changes and cancellations of an event: ask, preview, confirm, apply."""

from __future__ import annotations

from html import escape
from typing import Any

from bot.config import StaffMember
from bot.errors import NotAllowed
from bot.i18n import Translator
from bot.services import schools as sc
from bot.services.schools import Affected, SchoolError
from bot.storage.places import ServiceDay
from handlers.flow import FINISH, REASK, STAY, Button, Goto, Invalid, Result
from handlers.keyboards import parse_day_data, typed_date
from handlers.school.texts import lost_text
from handlers.school_staff.flow import (
    FIELD_NAMES,
    SEAT_PRESETS,
    StaffTurn,
    date_rows,
    error_text,
    hour_rows,
    hours_of,
    member_of,
    outside,
    school_service,
    value_text,
)
from handlers.school_staff.panels import press_anywhere, show_history
from handlers.staff_holidays import with_holiday_warning

# --- the event panel's buttons --------------------------------------------------------------


async def press_event(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    d = turn.draft
    if action == "hist":
        try:
            await show_history(turn, member)
        except NotAllowed:
            await outside(turn.update, turn.context, "acara")
            return STAY
        return REASK
    if action == "fld" and value in (*sc.EVENT_FIELDS, "hours"):
        d.field = value
        return Goto("field")
    if action == "tog" and value in ("same_day_print", "allow_16"):
        event = await school_service(turn.context).event(d.event or 0)
        d.field, d.ch_flag = value, not getattr(event, value)
        return await to_preview(turn, member)
    if action == "cx":
        return Goto("reason")
    return await press_anywhere(turn, member, action, value)


# --- changing an event ------------------------------------------------------------------------


async def show_field(turn: StaffTurn) -> None:
    _ = turn._
    field = turn.draft.field
    if field == "date":
        example = typed_date(turn.services.clock.today())
        text = _("The new date? Press one or type it (e.g. {example}).").format(example=example)
        await turn.ask(text, date_rows(turn))
    elif field == "hours":
        await turn.ask(_("The new hours? Press one or type them (e.g. 08:00-12:00)."), hour_rows())
    elif field == "seats_per_slot":
        await turn.ask(
            _("Seats per slot? Press one or type a number from 1 to 500."),
            [[Button(str(n), "n", str(n)) for n in SEAT_PRESETS]],
        )
    elif field == "room":
        await turn.ask(_("The room in the school? (e.g. Aula)"))
    else:
        await turn.ask(_("The note for parents (what to bring, etc.)? Type - to remove it."))


async def read_field(turn: StaffTurn, text: str) -> Result:
    """A typed value for the field being changed."""
    member = await member_of(turn)
    if member is None:
        return FINISH
    d = turn.draft
    event = await school_service(turn.context).event(d.event or 0)
    try:
        if d.field == "date":
            d.ch_date = sc.parse_event_date(text, turn.services.clock.today())
        elif d.field == "hours":
            d.ch_opens, d.ch_closes = sc.parse_event_hours(text, event.slot_minutes or 60)
        elif d.field == "seats_per_slot":
            d.ch_seats = sc.parse_seats(text)
        elif d.field == "note":
            d.ch_text = "" if text.strip() == "-" else text
        else:
            d.ch_text = text
    except SchoolError as err:
        return Invalid(error_text(turn.t, err))
    return await to_preview(turn, member)


async def press_field(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    d = turn.draft
    if action == "d" and d.field == "date" and (day := parse_day_data(value)) is not None:
        d.ch_date = day
        return await to_preview(turn, member)
    if action == "h" and d.field == "hours":
        return await read_field(turn, hours_of(value))
    if action == "n" and d.field == "seats_per_slot" and value.isdigit():
        d.ch_seats = int(value)
        return await to_preview(turn, member)
    return REASK


async def to_preview(turn: StaffTurn, member: StaffMember) -> Result:
    """The change is checked (and its effects computed) before it is shown to confirm."""
    try:
        await school_service(turn.context).preview_change(
            member, turn.draft.event or 0, turn.draft.changes()
        )
    except NotAllowed:
        await outside(turn.update, turn.context, "acara")
        return Goto("event")
    except SchoolError as err:
        await turn.say(error_text(turn.t, err))
        if err.code in (sc.GONE, sc.STARTED, sc.NOTHING):
            return Goto("event")
        return Goto("field")
    return Goto("preview")


async def show_preview(turn: StaffTurn) -> None:
    """What the change would do, to confirm."""
    t, _ = turn.t, turn._
    member = await member_of(turn)
    if member is None:
        return
    schools = school_service(turn.context)
    changes = turn.draft.changes()
    event = await schools.event(turn.draft.event or 0)
    try:
        affected = await schools.preview_change(member, event.id, changes)
    except (NotAllowed, SchoolError) as err:
        text = error_text(t, err) if isinstance(err, SchoolError) else ""
        await turn.ask(text or _("Sorry, that did not work. Please try again."))
        return
    followers = set(await schools.store.followers(event.school_id or 0))
    lines = [_("<b>Change this recording day?</b>")]
    for field, value in _display_changes(event, changes).items():
        lines.append(
            _("{field}: {old} → {new}").format(
                field=t.gettext(FIELD_NAMES[field]),
                old=value_text(t, field, value[0]),
                new=value_text(t, field, value[1]),
            )
        )
    lines += ["", *_affected_lines(t, affected)]
    bookers = {a.owner_id for a in affected}
    if not schools.tells(changes) and all(a.outcome == "kept" for a in affected):
        lines.append(_("Nobody is told of a change of seats."))
    elif bookers or followers:
        lines.append(
            _(
                "{n} people (bookers and followers) will be told at once, in their language."
            ).format(n=t.number(len(bookers | followers)))
        )
    else:
        lines.append(_("Nobody has booked or follows this school yet."))
    rows = [[Button(_("✅ Change it"), "ok"), Button(_("✖️ Keep as it is"), "keep")]]
    text = with_holiday_warning(t, changes.get("date"), "\n".join(lines))
    await turn.ask(text, rows)


def _display_changes(event: ServiceDay, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    shown: dict[str, tuple[Any, Any]] = {}
    for key, value in changes.items():
        if key in ("opens", "closes"):
            shown["hours"] = (
                (event.opens, event.closes),
                (changes.get("opens", event.opens), changes.get("closes", event.closes)),
            )
        else:
            shown[key] = (getattr(event, key), value)
    return shown


def _affected_lines(t: Translator, affected: list[Affected]) -> list[str]:
    _ = t.gettext
    if not affected:
        return [_("No active bookings.")]
    kept = [a for a in affected if a.outcome == "kept"]
    moved = [a for a in affected if a.outcome == "moved"]
    lost = [a for a in affected if a.outcome == "lost"]
    lines = [
        _(
            "Active bookings: {n} — {kept} stay, {moved} move to a new time, {lost} lose their "
            "seat."
        ).format(
            n=t.number(len(affected)),
            kept=t.number(len(kept)),
            moved=t.number(len(moved)),
            lost=t.number(len(lost)),
        )
    ]
    reasons: dict[str, int] = {}
    for a in lost:
        reasons[a.reason or ""] = reasons.get(a.reason or "", 0) + 1
    for reason, n in reasons.items():
        lines.append(f"• {lost_text(t, reason)}: {t.number(n)}")
    return lines


async def press_preview(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    if action != "ok":
        return Goto("event")
    t = turn.t
    try:
        result = await school_service(turn.context).change_event(
            member, turn.draft.event or 0, turn.draft.changes()
        )
    except NotAllowed:
        await outside(turn.update, turn.context, "acara")
        return Goto("event")
    except SchoolError as err:
        await turn.say(error_text(t, err))
        return Goto("event")
    lines = [t.gettext("✅ Changed."), *_affected_lines(t, result.bookings)]
    lines.append(
        t.ngettext(
            "{n} person is being told.", "{n} people are being told.", result.notified
        ).format(n=t.number(result.notified))
    )
    turn.draft.note = "\n".join(lines)
    return Goto("event")


# --- cancelling an event ----------------------------------------------------------------------


async def show_reason(turn: StaffTurn) -> None:
    await turn.ask(
        turn._("Why is this recording day cancelled? The bookers and followers will read it.")
    )


async def read_reason(turn: StaffTurn, text: str) -> Result:
    turn.draft.reason = text[:300]
    return Goto("cancel_ok")


async def show_cancel_ok(turn: StaffTurn) -> None:
    t, _ = turn.t, turn._
    member = await member_of(turn)
    if member is None:
        return
    schools = school_service(turn.context)
    event_id = turn.draft.event or 0
    try:
        view, _counts = await schools.event_report(member, event_id)
    except (NotAllowed, SchoolError):
        await turn.ask(_("This recording day no longer exists."))
        return
    bookings = await schools.store.event_bookings(event_id)
    followers = set(await schools.store.followers(view.school.id))
    people = len({b.owner_id for b in bookings} | followers)
    text = _(
        "Cancel the recording day at <b>{school}</b> on {date}, {time}?\nReason: {reason}\n\n"
        "{n} active bookings will be cancelled; {people} people (bookers and followers) will be "
        "told at once, in their language."
    ).format(
        school=escape(view.school.name),
        date=t.date(view.event.date),
        time=t.time_range(view.event.opens, view.event.closes),
        reason=escape(turn.draft.reason or ""),
        n=t.number(len(bookings)),
        people=t.number(people),
    )
    await turn.ask(text, [[Button(_("❌ Cancel the day"), "ok"), Button(_("◀️ Keep it"), "keep")]])


async def press_cancel_ok(turn: StaffTurn, action: str, value: str) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    if action != "ok":
        return Goto("event")
    t = turn.t
    try:
        result = await school_service(turn.context).cancel_event(
            member, turn.draft.event or 0, turn.draft.reason or ""
        )
    except NotAllowed:
        await outside(turn.update, turn.context, "acara")
        return Goto("event")
    except SchoolError as err:
        await turn.say(error_text(t, err))
        return Goto("event")
    turn.draft.note = t.ngettext(
        "❌ Cancelled. {n} booking was cancelled; {people} people are being told.",
        "❌ Cancelled. {n} bookings were cancelled; {people} people are being told.",
        len(result.bookings),
    ).format(n=t.number(len(result.bookings)), people=t.number(result.notified))
    return Goto("event")
