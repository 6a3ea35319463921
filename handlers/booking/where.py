"""Booking step 1, where: the kecamatan (buttons, typed, or a shared location), then the place.

The step puts up a reply keyboard with a "send my location" button (the phone asks, then shares
the location); choosing a place takes it away, and so does leaving the flow (flow.cancel).
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.geo import nearest
from bot.i18n import N_, Translator
from handlers.booking.flow import (
    DAY,
    DRAFT,
    KEC,
    LOCATION_KEYBOARD,
    PLACE,
    _ask,
    _b,
    _earlier_button,
    _kecamatan_name,
    _lost,
    _nav,
    _served,
    _service,
    _words,
    prompt,
    remove_reply_keyboard,
)
from handlers.booking.when import _choose_day
from handlers.booking_views import BKK
from handlers.common import answer, close_buttons, draft_of, echo, say
from handlers.keyboards import markup
from handlers.pickers import kecamatan_keyboard, parse_pick

SEND_LOCATION = N_("📍 Send my location")


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard of step 1: one button that shares the phone's location."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t.gettext(SEND_LOCATION), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@prompt(KEC)
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
    if not draft.get(LOCATION_KEYBOARD):
        # A message carries either the inline picker or a reply keyboard: the title carries the
        # location button (once per visit of the step), the step's text the picker.
        draft[LOCATION_KEYBOARD] = True
        intro = _("📝 <b>Book a recording slot</b> (free of charge)")
        hint = _("On a phone, the “{button}” button below shows the places nearest to you.")
        await chat.send_message(
            intro + "\n\n" + hint.format(button=t.gettext(SEND_LOCATION)),
            reply_markup=location_keyboard(t),
        )
    text = _(
        "<b>Step 1 of 4 — where?</b> Choose your kecamatan below, type its name, or send your "
        "location."
    )
    if draft.get("want"):
        text += "\n" + _("Date noted: {date}.").format(date=t.date(draft["want"]))
    keyboard = kecamatan_keyboard(
        t, BKK, services.served_districts, int(draft.get("page") or 0), extra_rows=nav
    )
    await chat.send_message(text, reply_markup=keyboard)
    return KEC


@prompt(PLACE)
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
    await say(update, "\n".join(lines), buttons)
    return PLACE


async def _set_kecamatan(update: Update, context: BotContext, code: str) -> str:
    draft = draft_of(context, DRAFT)
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
    await say(
        update,
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
    draft = draft_of(context, DRAFT)
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
    draft = draft_of(context, DRAFT)
    place = await context.services.places.place(place_id)
    if place is None or not place.active or place.kind == "school":
        return await _ask(update, context, KEC)
    draft["place"] = place.id
    draft["kec"] = place.kecamatan_code
    for key in ("day", "slot"):
        draft.pop(key, None)
    if draft.pop(LOCATION_KEYBOARD, None):
        _ = context.t.gettext
        await remove_reply_keyboard(
            update, _("✅ Place chosen: <b>{place}</b>").format(place=escape(place.name))
        )
    wanted = draft.pop("want", None)
    if isinstance(wanted, date):
        return await _choose_day(update, context, wanted)
    return await _ask(update, context, DAY)


async def _read_kec(update: Update, context: BotContext, draft: dict[str, Any], text: str) -> str:
    services = context.services
    t = context.t
    _ = t.gettext
    if _words(text) in (_words(t.gettext(SEND_LOCATION)), _words(SEND_LOCATION)):
        # The location button's label as text: an app that cannot share a location sent it.
        await say(
            update,
            _(
                "No location arrived, only the button's text. On a phone, allow Telegram to "
                "share your location; or choose your kecamatan below."
            ),
        )
        return await _ask(update, context, KEC)
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
        await say(
            update,
            _("I could not find a kecamatan named “{text}”. Please choose from the list.").format(
                text=echo(text)
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


async def on_location(update: Update, context: BotContext) -> object:
    """A shared location at step 1: the nearest places with open dates."""
    message = update.effective_message
    draft = draft_of(context, DRAFT)
    if not draft.get("tok"):
        return await _lost(update, context)
    _ = context.t.gettext
    step = draft.get("step")
    if message is None or message.location is None or step not in (KEC, PLACE):
        return await _ask(update, context, step or KEC)
    location = message.location
    if not await _nearest_choices(context, location.latitude, location.longitude):
        await say(update, _("I found no place with open dates near you."))
        return await _ask(update, context, KEC)
    draft["kec"] = None
    return await _ask(update, context, PLACE)


async def on_kecamatan_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    draft = draft_of(context, DRAFT)
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
            await close_buttons(update)
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
    await close_buttons(update)
    return await _set_kecamatan(update, context, value)
