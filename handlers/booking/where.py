"""Booking step 1, where: the kecamatan (paged buttons, a typed name, or a shared location), then
the place when the kecamatan has several.

The step puts up a reply keyboard with a "send my location" button (the phone asks, then shares
the location); choosing a place takes it away, and so does leaving the flow.
"""

from __future__ import annotations

from html import escape

from telegram import KeyboardButton, Location, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.geo import nearest
from bot.i18n import N_, Translator
from handlers.booking.draft import (
    BookingTurn,
    kecamatan_name,
    served,
    service,
)
from handlers.booking.when import choose_day
from handlers.common import echo
from handlers.flow import LEAVE, NEXT, REASK, STAY, Button, Goto, Invalid, Result, words
from handlers.pickers import kecamatan_buttons

SEND_LOCATION = N_("📍 Send my location")
# Places a page of step 1 shows: each takes four lines (name, address, next free day) and a button,
# so a kecamatan with many places (village halls, schools, malls) stays far below Telegram's
# 4,096 characters and 100 buttons.
PLACES_PER_PAGE = 8


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard of step 1: one button that shares the phone's location."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.gettext(SEND_LOCATION), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def picker_rows(turn: BookingTurn) -> list[list[Button]]:
    """The served kecamatan, three a row, a page at a time (``handlers.pickers``)."""
    return kecamatan_buttons(turn.t, turn.services.served_districts, turn.draft.page)


async def show_kec(turn: BookingTurn, *, edit: bool = False) -> None:
    t, draft = turn.t, turn.draft
    _ = t.gettext
    if draft.cands:
        rows = [[Button(kecamatan_name(turn.services, c), "k", c)] for c in draft.cands]
        rows.append([Button(_("Show all kecamatan"), "p", "0")])
        await turn.ask(_("Which kecamatan do you mean?"), rows)
        return
    if not draft.kb:
        # A message carries either the inline picker or a reply keyboard: the title carries the
        # location button (once per visit of the step), the step's text the picker.
        draft.kb = True
        intro = _("📝 <b>Book a recording slot</b> (free of charge)")
        hint = _("On a phone, the “{button}” button below shows the places nearest to you.")
        await turn.say(
            intro + "\n\n" + hint.format(button=t.gettext(SEND_LOCATION)), location_keyboard(t)
        )
    text = _(
        "<b>Step 1 of 4 — where?</b> Choose your kecamatan below, type its name, or send your "
        "location."
    )
    if draft.want:
        text += "\n" + _("Date noted: {date}.").format(date=t.date(draft.want))
    await turn.ask(text, picker_rows(turn), edit=edit)


async def press_kec(turn: BookingTurn, action: str, value: str) -> Result:
    if action == "p":
        # A page turn changes the picker in place: the same step, the same message.
        paging = not turn.draft.cands
        turn.draft.cands = None
        turn.draft.page = int(value) if value.isdigit() else 0
        await turn.toast()  # STAY: the engine leaves the press to the step to answer
        await show_kec(turn, edit=paging)
        return STAY
    if not served(turn.services, value):
        return REASK
    return pick_kecamatan(turn, value)


def pick_kecamatan(turn: BookingTurn, code: str) -> Result:
    """The kecamatan's places are looked up by ``first`` (``resolve_kecamatan``)."""
    draft = turn.draft
    draft.kec, draft.cands, draft.choices, draft.dist = code, None, None, None
    draft.place_page = 0
    draft.place = draft.day = draft.slot = draft.full_day = None
    return NEXT


async def read_kec(turn: BookingTurn, text: str) -> Result:
    services, t = turn.services, turn.t
    _ = t.gettext
    if words.is_in(text, words.BACK):
        return LEAVE  # back from the first step: out of the flow, as before
    if words.normalize(text) in (words.normalize(t.gettext(SEND_LOCATION)), "send my location"):
        # The location button's label as text: an app that cannot share a location sent it.
        await turn.say(
            _(
                "No location arrived, only the button's text. On a phone, allow Telegram to "
                "share your location; or choose your kecamatan below."
            )
        )
        return REASK
    analysis = services.nlu.analyze(text, today=services.clock.today())
    matches = [m for m in services.nlu.match_kecamatan(text) if served(services, m.code)]
    if (
        not matches
        and analysis.kecamatan is not None
        and served(services, analysis.kecamatan.code)
    ):
        matches = [analysis.kecamatan]
    if not matches and analysis.date is None:
        return Invalid(
            _("I could not find a kecamatan named “{text}”. Please choose from the list.").format(
                text=echo(text)
            )
        )
    if analysis.date is not None:
        turn.draft.want = analysis.date
    if matches and (len(matches) == 1 or matches[0].score > matches[1].score + 0.05):
        return pick_kecamatan(turn, matches[0].code)
    turn.draft.cands = [m.code for m in matches[:6]] or None
    return REASK


async def resolve_kecamatan(turn: BookingTurn) -> None:
    """The bookable places of the chosen kecamatan: one is taken, several are offered; none:
    the nearest places elsewhere, else the kecamatan is asked again."""
    draft, services = turn.draft, turn.services
    start, horizon = service(turn).horizon()
    places = await services.places.places(kecamatan_code=draft.kec)
    bookable = [p for p in places if await service(turn).free_days(p.id, start, horizon)]
    if len(bookable) == 1:
        draft.choices = [bookable[0].id]
        await set_place(turn, bookable[0].id)
        return
    if bookable:
        draft.choices = [p.id for p in bookable]
        return
    _ = turn._
    await turn.say(
        _("There are no dates open for booking in {kecamatan} in the next {days} days.").format(
            kecamatan=escape(kecamatan_name(services, draft.kec)), days=turn.t.number(horizon)
        )
    )
    anchor = next((p for p in places if p.lat is not None and p.lon is not None), None)
    draft.kec = None
    if anchor is not None and anchor.lat is not None and anchor.lon is not None:
        await nearest_choices(turn, anchor.lat, anchor.lon, exclude={p.id for p in places})


async def nearest_choices(
    turn: BookingTurn, lat: float, lon: float, *, exclude: set[int] | None = None
) -> bool:
    """Put the nearest public places with open dates in the draft's choices."""
    start, horizon = service(turn).horizon()
    places = [p for p in await turn.services.places.places() if p.id not in (exclude or set())]
    found = []
    for place, km in nearest(places, lat, lon, limit=10):
        if await service(turn).free_days(place.id, start, horizon):
            found.append((place, km))
        if len(found) >= 4:
            break
    if not found:
        return False
    turn.draft.choices = [p.id for p, _km in found]
    turn.draft.place_page = 0
    turn.draft.dist = [km for _p, km in found]
    return True


async def on_location(turn: BookingTurn, location: Location) -> Result:
    """A shared location at step 1: the nearest places with open dates."""
    if not await nearest_choices(turn, location.latitude, location.longitude):
        await turn.say(turn._("I found no place with open dates near you."))
        return REASK
    turn.draft.kec = None
    turn.draft.place = None
    return Goto("place")


async def show_place(turn: BookingTurn) -> None:
    t, draft, services = turn.t, turn.draft, turn.services
    _ = t.gettext
    start, days = service(turn).horizon()
    if draft.dist:
        lines = [_("<b>Step 1 of 4 — where?</b> The nearest places with open dates:")]
    else:
        lines = [
            _("<b>Step 1 of 4 — where?</b> Places in {kecamatan}:").format(
                kecamatan=escape(kecamatan_name(services, draft.kec))
            )
        ]
    rows = []
    choices = draft.choices or []
    pages = max(1, -(-len(choices) // PLACES_PER_PAGE))
    page = min(max(draft.place_page, 0), pages - 1)
    first = page * PLACES_PER_PAGE
    for number, place_id in enumerate(choices[first : first + PLACES_PER_PAGE], start=first + 1):
        place = await services.places.place(place_id)
        if place is None:
            continue
        free = [d for d in await service(turn).free_days(place.id, start, days) if d.seats_left]
        if free:
            nxt = _("next free day: {date}").format(date=t.date_short(free[0].date))
        else:
            nxt = _("fully booked in the coming days")
        label = place.name
        if draft.dist and number <= len(draft.dist):
            km = t.number(round(draft.dist[number - 1], 1))
            label = _("{name} · {km} km").format(name=place.name, km=km)
        lines += ["", f"{number}. <b>{escape(place.name)}</b>"]
        lines += [escape(place.address)] if place.address else []
        lines.append(f"<i>{nxt}</i>")
        rows.append([Button(label[:60], "pl", str(place.id))])
    if pages > 1:
        lines += [
            "",
            _("Page {page} of {pages}.").format(page=t.number(page + 1), pages=t.number(pages)),
        ]
        rows.append(page_buttons(turn, page, pages))
    await turn.ask("\n".join(lines), rows)


def page_buttons(turn: BookingTurn, page: int, pages: int) -> list[Button]:
    _ = turn._
    nav = []
    if page > 0:
        nav.append(Button(_("⬅️ Previous places"), "plp", str(page - 1)))
    if page < pages - 1:
        nav.append(Button(_("More places ➡️"), "plp", str(page + 1)))
    return nav


async def press_place(turn: BookingTurn, action: str, value: str) -> Result:
    if action == "pl" and value.isdigit():
        return await set_place(turn, int(value))
    if action == "plp" and value.isdigit():
        turn.draft.place_page = int(value)
    return REASK


async def read_place(turn: BookingTurn, text: str) -> Result:
    choices = turn.draft.choices or []
    typed = words.normalize(text)
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return await set_place(turn, choices[int(typed) - 1])
    for place_id in choices:
        place = await turn.services.places.place(place_id)
        if place is not None and typed and typed in place.name.casefold():
            return await set_place(turn, place_id)
    return await read_kec(turn, text)  # maybe another kecamatan


async def set_place(turn: BookingTurn, place_id: int) -> Result:
    draft = turn.draft
    place = await turn.services.places.place(place_id)
    if place is None or not place.active or place.kind == "school":
        draft.place = None
        return Goto("kec")
    draft.place, draft.kec = place.id, place.kecamatan_code
    draft.day = draft.slot = draft.full_day = None
    if draft.kb:
        draft.kb = False
        text = turn._("✅ Place chosen: <b>{place}</b>").format(place=escape(place.name))
        await turn.say(text, ReplyKeyboardRemove())
    if draft.want is not None:
        wanted, draft.want = draft.want, None
        await choose_day(turn, wanted)
    return NEXT
