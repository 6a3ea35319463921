"""/acara new recording day: date, hours, seats, room, printing, 16-year-olds, note."""

from __future__ import annotations

from html import escape

from bot.errors import NotAllowed
from bot.services import schools as sc
from bot.services.schools import SchoolError
from handlers.flow import FINISH, REASK, Button, Goto, Invalid, Result, words
from handlers.keyboards import parse_day_data, typed_date
from handlers.school_staff.flow import (
    SEAT_PRESETS,
    StaffTurn,
    bool_text,
    date_rows,
    error_text,
    hour_rows,
    hours_of,
    member_of,
    outside,
    school_service,
)
from handlers.staff_holidays import with_holiday_warning


def _yes_no(turn: StaffTurn) -> list[list[Button]]:
    _ = turn._
    return [[Button(_("Yes"), "yn", "1", words.YES), Button(_("No"), "yn", "0", words.NO)]]


def _skip(turn: StaffTurn) -> list[list[Button]]:
    return [[Button(turn._("Skip"), "skip", words=words.SKIP)]]


# --- showing each step ------------------------------------------------------------------------


async def show_date(turn: StaffTurn) -> None:
    text = turn._(
        "➕ <b>New recording day</b>\nWhich date? Press one or type it (e.g. {example})."
    ).format(example=typed_date(turn.services.clock.today()))
    await turn.ask(text, date_rows(turn))


async def show_hours(turn: StaffTurn) -> None:
    text = turn._("{date}: the hours? Press one or type them (e.g. 08:00-12:00).")
    day = turn.t.date(turn.draft.n_date) if turn.draft.n_date else ""
    text = text.format(date=day)
    await turn.ask(with_holiday_warning(turn.t, turn.draft.n_date, text), hour_rows())


async def show_seats(turn: StaffTurn) -> None:
    await turn.ask(
        turn._("Seats per one-hour slot? Press one or type a number from 1 to 500."),
        [[Button(str(n), "n", str(n)) for n in SEAT_PRESETS]],
    )


async def show_room(turn: StaffTurn) -> None:
    await turn.ask(
        turn._("The room in the school? (e.g. Aula, Laboratorium Komputer)"), _skip(turn)
    )


async def show_print(turn: StaffTurn) -> None:
    await turn.ask(
        turn._("Are cards printed the same day for students who are 17?"), _yes_no(turn)
    )


async def show_16(turn: StaffTurn) -> None:
    await turn.ask(
        turn._("May 16-year-olds record (first recording; the card is handed over at 17)?"),
        _yes_no(turn),
    )


async def show_note(turn: StaffTurn) -> None:
    await turn.ask(
        turn._("A note for parents (what to bring, etc.)? Type it, or press Skip."), _skip(turn)
    )


async def show_ok(turn: StaffTurn) -> None:
    t, _ = turn.t, turn._
    d = turn.draft
    school = await school_service(turn.context).school(d.school or 0)
    if d.n_date is None or d.n_opens is None or d.n_closes is None:
        await turn.ask(_("Sorry, that did not work. Please try again."))
        return
    lines = [
        _("<b>Create this recording day?</b>"),
        f"🏫 {escape(school.name)}",
        f"📅 {t.date(d.n_date)}, {t.time_range(d.n_opens, d.n_closes)}",
        _("🪑 {n} seats per slot").format(n=t.number(d.n_seats or 0)),
        _("🚪 Room: {room}").format(room=escape(d.n_room or "—")),
        _("🪪 Same-day printing: {v}").format(v=bool_text(t, d.n_print)),
        _("🎂 16-year-olds: {v}").format(v=bool_text(t, d.n_16)),
        _("📝 Note: {note}").format(note=escape(d.n_note or "—")),
        "",
        _("The school's followers will be told at once."),
    ]
    text = with_holiday_warning(t, d.n_date, "\n".join(lines))
    await turn.ask(text, [[Button(_("✅ Create"), "ok")]])


# --- reading each answer ----------------------------------------------------------------------


async def read_date(turn: StaffTurn, text: str) -> Result:
    today = turn.services.clock.today()
    try:
        day = sc.parse_event_date(text, today)
    except SchoolError as err:
        return Invalid(error_text(turn.t, err))
    return _set_date(turn, day)


def _set_date(turn: StaffTurn, day) -> Result:
    if day is None or not turn.services.clock.today() < day:
        return Invalid(error_text(turn.t, SchoolError(sc.BAD_DATE, max_days=sc.MAX_DAYS_AHEAD)))
    turn.draft.n_date = day
    return Goto("n_hours")


async def read_hours(turn: StaffTurn, text: str) -> Result:
    try:
        turn.draft.n_opens, turn.draft.n_closes = sc.parse_event_hours(text)
    except SchoolError as err:
        return Invalid(error_text(turn.t, err))
    return Goto("n_seats")


async def read_seats(turn: StaffTurn, text: str) -> Result:
    try:
        turn.draft.n_seats = sc.parse_seats(text)
    except SchoolError as err:
        return Invalid(error_text(turn.t, err))
    return Goto("n_room")


async def read_room(turn: StaffTurn, text: str) -> Result:
    turn.draft.n_room = " ".join(text.split())[:100]
    return Goto("n_print")


async def read_note(turn: StaffTurn, text: str) -> Result:
    turn.draft.n_note = text.strip()[:500]
    return Goto("n_ok")


async def press_new(turn: StaffTurn, action: str, value: str) -> Result:
    """The buttons of every new-day step: a preset, yes / no, skip, create."""
    d = turn.draft
    step = turn.step
    if step == "n_date" and action == "d":
        result = _set_date(turn, parse_day_data(value))
        if isinstance(result, Invalid):
            await turn.say(result.text)
            return REASK
        return result
    if step == "n_hours" and action == "h":
        return await _pressed(turn, await read_hours(turn, hours_of(value)))
    if step == "n_seats" and action == "n":
        return await _pressed(turn, await read_seats(turn, value))
    if step == "n_room" and action == "skip":
        d.n_room = ""
        return Goto("n_print")
    if step == "n_print" and action == "yn":
        d.n_print = value == "1"
        return Goto("n_16")
    if step == "n_16" and action == "yn":
        d.n_16 = value == "1"
        return Goto("n_note")
    if step == "n_note" and action == "skip":
        d.n_note = ""
        return Goto("n_ok")
    if step == "n_ok" and action == "ok":
        return await _create(turn)
    return REASK


async def _pressed(turn: StaffTurn, result: Result) -> Result:
    if isinstance(result, Invalid):
        await turn.say(result.text)
        return REASK
    return result


async def _create(turn: StaffTurn) -> Result:
    member = await member_of(turn)
    if member is None:
        return FINISH
    t, d = turn.t, turn.draft
    if d.n_date is None or d.n_opens is None or d.n_closes is None or d.n_seats is None:
        return Goto("n_date")
    try:
        event = await school_service(turn.context).create_event(
            member,
            d.school or 0,
            day=d.n_date,
            opens=d.n_opens,
            closes=d.n_closes,
            seats=d.n_seats,
            room=d.n_room or "",
            note=d.n_note or "",
            same_day_print=d.n_print,
            allow_16=d.n_16,
        )
    except NotAllowed:
        await outside(turn.update, turn.context, "acara")
        return Goto("panel")
    except SchoolError as err:
        await turn.say(error_text(t, err))
        return Goto("n_date") if err.code in (sc.CLASH, sc.BAD_DATE) else REASK
    followers = len(await school_service(turn.context).store.followers(d.school or 0))
    d.event = event.id
    d.note = t.ngettext(
        "✅ Recording day created. {n} follower is being told.",
        "✅ Recording day created. {n} followers are being told.",
        followers,
    ).format(n=t.number(followers))
    return Goto("event")
