"""The weekend-service steps of /siaran: kecamatan, place, dates, an existing day on a chosen date,
hours and seats. The service days are written only when staff confirm (handlers.broadcast.send)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape

from bot.errors import NotAllowed
from bot.services.broadcast import MAX_SEATS, BroadcastError, parse_dates, parse_hours, parse_seats
from handlers.broadcast.draft import (
    BroadcastDraft,
    allowed_districts,
    district_name,
    in_pairs,
    kecamatan_rows,
    member_of,
    unresolved,
)
from handlers.broadcast.flow import (
    HOUR_CHOICES,
    SEAT_CHOICES,
    WEEKENDS_OFFERED,
    error_text,
    not_yours,
)
from handlers.common import echo
from handlers.flow import NEXT, REASK, STAY, Button, Invalid, Result, Turn, words
from handlers.keyboards import typed_date

T = Turn[BroadcastDraft]


# --- kecamatan and place -------------------------------------------------------------------------


async def show_kecamatan(turn: T, *, edit: bool = False) -> None:
    text = turn._("📍 Where is the service? Choose the kecamatan, or type its name.")
    await turn.ask(text, kecamatan_rows(turn, allowed_districts(turn)), edit=edit)


async def choose_kecamatan(turn: T, codes: list[str]) -> Result:
    """A kecamatan chosen by button or by name; staff choose only their own."""
    member = member_of(turn)
    if not codes:
        return REASK
    if not all(member.may_manage(code) for code in codes):
        await not_yours(turn.update, turn.context, "siaran.kecamatan")
        return STAY
    turn.draft.kecamatan = codes[0]
    turn.draft.place_id = None
    return NEXT


async def read_kecamatan(turn: T, text: str) -> Result:
    codes, unknown = kecamatan_codes(turn, text)
    if unknown:
        return unknown_kecamatan(turn, unknown)
    return await choose_kecamatan(turn, codes[:1])


def unknown_kecamatan(turn: T, text: str) -> Invalid:
    return Invalid(turn._("I did not recognise the kecamatan “{text}”.").format(text=echo(text)))


def kecamatan_codes(turn: T, text: str) -> tuple[list[str], str | None]:
    """Kecamatan codes of typed names ("ciputat dan serpong"), or the first unknown name."""
    import re

    codes = []
    for part in (p.strip() for p in re.split(r"[,;\n]|\s+(?:dan|and|&)\s+", text)):
        if not part:
            continue
        matches = turn.services.nlu.match_kecamatan(part)
        if not matches:
            return [], part
        codes.append(matches[0].code)
    return codes, None


async def press_picker(turn: T, action: str, value: str) -> Result:
    """The kecamatan picker of the service's place: a kecamatan, or a page turn."""
    if action == "page" and value.isdigit():
        turn.draft.page = int(value)
        await turn.toast()
        await show_kecamatan(turn, edit=True)
        return STAY
    if action == "kec":
        return await choose_kecamatan(turn, [value])
    return REASK


async def show_place(turn: T) -> None:
    _ = turn._
    code = turn.draft.kecamatan
    places = await turn.services.places.places(kecamatan_code=code)
    name = escape(district_name(turn, code))
    text = _("Which place in {kecamatan}? Choose it, or type part of its name.")
    if not places:
        text = _("There is no recording place in {kecamatan} yet.")
    buttons = [[Button(p.name[:60], "place", str(p.id))] for p in places]
    await turn.ask(text.format(kecamatan=name), buttons)


async def read_place(turn: T, text: str) -> Result:
    places = await turn.services.places.places(kecamatan_code=turn.draft.kecamatan)
    word = text.strip().casefold()
    found = [p for p in places if word and word in p.name.casefold()]
    if word.isdigit() and 1 <= int(word) <= len(places):
        found = [places[int(word) - 1]]
    if len(found) != 1:
        return Invalid(turn._("Please choose one of the places below."))
    return await choose_place(turn, found[0].id)


async def press_place(turn: T, action: str, value: str) -> Result:
    if action != "place" or not value.isdigit():
        return REASK
    return await choose_place(turn, int(value))


async def choose_place(turn: T, place_id: int) -> Result:
    try:
        place = await turn.services.broadcasts.check_place(member_of(turn), place_id)
    except NotAllowed:
        await not_yours(turn.update, turn.context, "siaran.place")
        return STAY
    except BroadcastError as exc:
        return Invalid(error_text(turn.context, exc))
    turn.draft.place_id = place.id
    turn.draft.kecamatan = place.kecamatan_code
    return NEXT


# --- dates ---------------------------------------------------------------------------------------


def offered_days(today: date) -> list[date]:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    days = [saturday + timedelta(days=7 * week + extra) for week in range(WEEKENDS_OFFERED)
            for extra in (0, 1)]  # fmt: skip
    return [d for d in days if d >= today]


def _dates_example(turn: T) -> str:
    """A weekend as staff type it, a week ahead or more: an example never already past, and
    never a weekday the flow would refuse."""
    today = turn.services.clock.today()
    saturday = (5 - today.weekday()) % 7 + 7  # days to the Saturday after next week begins
    return f"{typed_date(today, saturday)}, {typed_date(today, saturday + 1)}"


async def show_dates(turn: T, *, edit: bool = False) -> None:
    t = turn.t
    _ = t.gettext
    chosen = sorted(turn.draft.dates)
    buttons = [
        Button(("✅ " if day in chosen else "") + t.date_short(day), "date", f"{day:%Y%m%d}")
        for day in offered_days(turn.services.clock.today())
    ]
    text = _(
        "🗓 Which dates? Press each day (several are fine), then Done. Or type them, "
        "e.g. <i>{example}</i>."
    ).format(example=_dates_example(turn))
    if chosen:
        text += "\n" + _("Chosen: {dates}").format(dates=", ".join(map(t.date_short, chosen)))
    done = [Button(_("✔️ Done"), "datesdone", words=words.DONE)]
    await turn.ask(text, [*in_pairs(buttons), done], edit=edit)


async def read_dates(turn: T, text: str) -> Result:
    dates = parse_dates(text, turn.services.clock.today())
    if dates is None:
        return Invalid(
            turn._("I could not read those dates. Please type them like <i>{example}</i>.").format(
                example=_dates_example(turn)
            )
        )
    try:
        turn.services.broadcasts.check_dates(dates, weekend=True)
    except BroadcastError as exc:
        return Invalid(error_text(turn.context, exc))
    turn.draft.dates = dates
    turn.draft.dates_done = True
    return NEXT


async def press_dates(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    if action == "date":
        try:
            day = datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            return REASK
        draft.dates = sorted(set(draft.dates) ^ {day})
        await turn.toast()
        await show_dates(turn, edit=True)
        return STAY
    if action == "datesdone":
        try:
            turn.services.broadcasts.check_dates(draft.dates, weekend=True)
        except BroadcastError as exc:
            return Invalid(error_text(turn.context, exc))
        draft.dates_done = True
        return NEXT
    return REASK


# --- a date that already has a service day -------------------------------------------------------


async def show_overlap(turn: T) -> None:
    """Say what the place already has on the date and let staff decide, before anything is
    written: keep it as it is (and announce it so), replace it, or leave the date out."""
    t = turn.t
    _ = t.gettext
    overlap = await unresolved(turn)
    if overlap is None:  # resolved meanwhile (another tap, a deploy): carry on
        await turn.ask(_("Nothing to decide here any more."), [[Button(_("➡️ Next"), "next")]])
        return
    day, old, draft = overlap.day, overlap.existing, turn.draft
    lines = [
        _("⚠️ {date} already has a service day at this place:").format(date=t.date(day)),
        _("🕗 {hours}, {seats} seats per time slot").format(
            hours=t.time_range(old.opens, old.closes), seats=t.number(old.seats_per_slot)
        ),
    ]
    if old.title:
        lines.append(_("Title: {title}").format(title=escape(old.title)))
    lines.append(
        t.ngettext("{n} active booking", "{n} active bookings", overlap.bookings).format(
            n=t.number(overlap.bookings)
        )
    )
    lines.append(_("What should happen on that date?"))
    value = f"{day:%Y%m%d}"
    choices = [[Button(_("Keep the existing day as it is"), "keep", value)]]
    new = t.time_range(draft.opens or time(8), draft.closes or time(12))
    if overlap.bookings == 0:
        label = _("Replace it: {hours}, {seats} seats").format(
            hours=new, seats=t.number(draft.seats or 0)
        )
        choices.append([Button(label, "replace", value)])
    else:
        lines.append(_("It has bookings, so it cannot be replaced here."))
    choices.append([Button(_("Leave {date} out").format(date=t.date_short(day)), "drop", value)])
    await turn.ask("\n".join(lines), choices)


async def press_overlap(turn: T, action: str, value: str) -> Result:
    draft = turn.draft
    try:
        day = datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return NEXT
    if action == "keep":
        draft.keep = sorted({*draft.keep, day})
    elif action == "replace":
        draft.replace = sorted({*draft.replace, day})
    elif action == "drop":
        draft.dates = [d for d in draft.dates if d != day]
        if not draft.dates:
            draft.dates_done = False
            await turn.say(turn._("No date is left; please choose the dates again."))
    return NEXT


# --- hours and seats -----------------------------------------------------------------------------


async def show_hours(turn: T) -> None:
    t = turn.t
    buttons = []
    for choice in HOUR_CHOICES:
        opens, closes = (time.fromisoformat(x) for x in choice.split("-"))
        buttons.append(Button(t.time_range(opens, closes), "hours", f"{opens:%H%M}{closes:%H%M}"))
    text = turn._("🕗 Opening hours? Choose, or type them, e.g. <i>08.00-12.00</i>.")
    await turn.ask(text, in_pairs(buttons))


async def read_hours(turn: T, text: str) -> Result:
    hours = parse_hours(text)
    if hours is None:
        return Invalid(
            turn._("Please type the hours like <i>08.00-12.00</i> (closing after opening).")
        )
    turn.draft.opens, turn.draft.closes = hours
    return NEXT


async def press_hours(turn: T, action: str, value: str) -> Result:
    if action != "hours" or len(value) != 8 or not value.isdigit():
        return REASK
    hours = parse_hours(f"{value[:2]}.{value[2:4]}-{value[4:6]}.{value[6:]}")
    if hours is None:
        return REASK
    turn.draft.opens, turn.draft.closes = hours
    return NEXT


async def show_seats(turn: T) -> None:
    t = turn.t
    place = await turn.services.places.place(turn.draft.place_id or 0)
    minutes = place.slot_minutes if place else 60
    buttons = [Button(t.number(n), "seats", str(n)) for n in SEAT_CHOICES]
    text = turn._(
        "💺 How many seats per time slot ({minutes}-minute slots)? Choose, or type a number."
    ).format(minutes=t.number(minutes))
    await turn.ask(text, [buttons])


async def read_seats(turn: T, text: str) -> Result:
    return _set_seats(turn, parse_seats(text))


async def press_seats(turn: T, action: str, value: str) -> Result:
    return _set_seats(turn, int(value) if value.isdigit() else None)


def _set_seats(turn: T, seats: int | None) -> Result:
    """A sign is never dropped: "-5" and "0" are refused, not read as 5 or as nothing."""
    if seats is None or not 1 <= seats <= MAX_SEATS:
        return Invalid(error_text(turn.context, BroadcastError("bad_seats", limit=MAX_SEATS)))
    turn.draft.seats = seats
    return NEXT
