"""What the booking service's outbox messages say: a seat offered from the waitlist, a waitlisted
day closed, a booking cancelled by the office (with new times one tap away), and the reasons
staff give for closing, in each resident's language."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

from bot.callbacks import MENU, MENU_BOOK
from bot.i18n import N_, Translator
from bot.services.booking import OFFER, REBOOK, BookingService, SlotView
from bot.services.outbox import Notice, renderer
from bot.services.staff import SERVICE_DAY_NEWS
from handlers.booking_views import place_entry_data

if TYPE_CHECKING:
    from bot.services.container import Services

# Reasons staff pick from a list when closing a day or a slot; residents read them in their own
# language (a typed reason is shown as typed).
CLOSE_REASONS = {
    "ill": N_("the officers are ill"),
    "power": N_("a power cut"),
    "system": N_("a network or system outage"),
    "event": N_("an official event"),
    # Not offered as a button: what a change of weekly hours or slot length gives as its reason.
    "hours": N_("the opening hours of this place changed"),
    # What a service day changed or cancelled in /aturtempat gives (bot.services.staff).
    "service_day": N_("the hours of this service day changed"),
    "service_day_cancelled": N_("this service day was cancelled"),
}


def slot_button_label(t: Translator, slot: SlotView) -> str:
    assert slot.date is not None
    return f"{t.date_short(slot.date)} · {t.time(slot.starts)}"


@renderer("waitlist_offer")
async def render_waitlist_offer(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """A seat freed up on a day the resident waits for; held for them until the deadline."""
    _ = t.gettext
    service: BookingService = services.booking
    entry = await service.store.waitlist_entry(int(payload.get("waitlist_id", 0)))
    if (
        entry is None
        or entry.status != "offered"
        or entry.offer_expires_at is None
        or entry.offer_expires_at <= services.clock.epoch()
        or entry.offered_slot_id is None
    ):
        return None
    info = await service.slot_info(entry.offered_slot_id)
    if info is None or info.closed or info.slot.date is None:
        return None
    deadline = services.clock.local(entry.offer_expires_at)
    text = _(
        "🔔 <b>A seat is free!</b>\n"
        "{place}\n"
        "{date}, {time}\n\n"
        "It is kept for you until {deadline}. Tap <b>Book this seat</b> to book it; if you no "
        "longer need it, tap <b>No, thanks</b> so that the next person in line gets it."
    ).format(
        place=escape(info.place.name),
        date=t.date(info.slot.date),
        time=t.time_range(info.slot.starts, info.slot.ends),
        deadline=t.datetime(deadline),
    )
    return Notice(
        text,
        [
            [(_("✅ Book this seat"), OFFER.pack("a", entry.id))],
            [(_("No, thanks"), OFFER.pack("n", entry.id))],
        ],
        fields={
            "place": info.place.name,
            "date": t.date(info.slot.date),
            "time": t.time_range(info.slot.starts, info.slot.ends),
            "deadline": t.datetime(deadline),
        },
        action=OFFER.pack("a", entry.id),
    )


@renderer("waitlist_day_closed")
async def render_waitlist_day_closed(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """A resident on the waitlist of a day that was closed: say so, offer the next free times."""
    _ = t.gettext
    service: BookingService = services.booking
    place = await services.places.place(int(payload.get("place_id", 0)))
    if place is None:
        return None
    day = date.fromisoformat(str(payload.get("date")))
    key = str(payload.get("reason_key") or "")
    reason = (
        t.gettext(CLOSE_REASONS[key]) if key in CLOSE_REASONS else str(payload.get("reason") or "")
    )
    text = _(
        "You were waiting for a seat at <b>{place}</b> on {date}. We are sorry: that day has been "
        "closed, so your place in the queue has ended."
    ).format(place=escape(place.name), date=t.date(day))
    if reason:
        text += "\n" + _("Reason: {reason}").format(reason=escape(reason))
    options = await service.next_free_slots(place.id, limit=3)
    if options:
        text += (
            "\n\n"
            + _("The next free times there:")
            + "\n"
            + "\n".join(f"• {slot_button_label(t, s)}" for s in options)
        )
    book = MENU.pack(MENU_BOOK)
    fields = {"place": place.name, "date": t.date(day)}
    return Notice(text, [[(_("📝 Book another day"), book)]], fields=fields, action=book)


@renderer("booking_closed")
async def render_booking_closed(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """The resident's slot was closed: apologise and offer the next free times (one tap)."""
    _ = t.gettext
    service: BookingService = services.booking
    view = await service.booking(int(payload.get("booking_id", 0)))
    if view is None or view.status != "cancelled":
        return None  # rebooked meanwhile
    key = str(payload.get("reason_key") or "")
    reason = (
        t.gettext(CLOSE_REASONS[key]) if key in CLOSE_REASONS else str(payload.get("reason") or "")
    )
    text = _(
        "We are sorry: <b>{place}</b> cannot serve you on {date} at {time}, so booking "
        "<b>{code}</b> for {name} has been cancelled."
    ).format(
        place=escape(view.place.name),
        date=t.date(view.date),
        time=t.time(view.starts),
        code=view.code,
        name=escape(view.person_name),
    )
    if reason:
        text += "\n" + _("Reason: {reason}").format(reason=escape(reason))
    school_id = await service.school_of(view)
    options = await service.next_free_slots(view.place.id, limit=6, school_id=school_id)
    buttons: list[list[tuple[str, str]]] = []
    if options:
        text += "\n\n" + _(
            "Choose a new time below: one tap books it again for the same person, with the "
            "same code."
        )
        buttons = [[(slot_button_label(t, s), REBOOK.pack(view.id, s.slot_id))] for s in options]
    else:
        text += "\n\n" + _("This place has no free times in the coming days.")
    if school_id is None:
        buttons.append([(_("📝 Another place or day"), REBOOK.pack(view.id, "other"))])
    fields = {
        "place": view.place.name,
        "date": t.date(view.date),
        "time": t.time(view.starts),
        "code": view.code,
    }
    return Notice(text, buttons, fields=fields)


@renderer(SERVICE_DAY_NEWS)
async def render_service_day_news(
    services: Services, t: Translator, payload: dict[str, Any]
) -> Notice | None:
    """A service day the resident was sent an announcement of changed its hours or was
    cancelled: what holds now (read when sent, so a second change is told as it stands)."""
    _ = t.gettext
    day = await services.places.service_day(int(payload.get("service_day_id", 0)))
    place = await services.places.place(day.place_id) if day else None
    if day is None or place is None:
        return None
    values = {
        "place": escape(place.name),
        "date": t.date(day.date),
        "hours": t.time_range(day.opens, day.closes),
    }
    head = _("📢 <b>About a service day we announced</b>")
    if day.status == "cancelled":
        text = _(
            "The service day at <b>{place}</b> on {date} ({hours}) has been cancelled. We are "
            "sorry for the inconvenience."
        ).format(**values)
        news = _("it has been cancelled. We are sorry for the inconvenience.")
        book = MENU.pack(MENU_BOOK)
        buttons = [[(_("📝 Book another day"), book)]]
    else:
        text = _("The service day at <b>{place}</b> on {date} now runs {hours}.").format(**values)
        news = _("it now runs {hours}.").format(hours=values["hours"])
        book = place_entry_data(place.id, place.kecamatan_code, day.date)
        buttons = [[(_("📝 Book a slot"), book)]]
    fields = {"place": place.name, "date": values["date"], "news": news}
    return Notice(f"{head}\n{text}", buttons, fields=fields, action=book)
