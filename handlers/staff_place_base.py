"""What the /aturtempat steps share (handlers/staff_places.py, handlers/staff_service_days.py): the
step names, the draft, the notes the card shows after a change, and the small texts both use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from bot.i18n import N_, Translator
from bot.services.staff import MAX_SEATS, BadHours
from bot.storage.places import Place
from handlers.flow import Turn
from handlers.keyboards import typed_date
from handlers.staff_steps import member_of

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


def kind_name(t: Translator, kind: str) -> str:
    return t.gettext(KIND_NAMES[kind]) if kind in KIND_NAMES else escape(kind)


def example_date(turn: Turn[Any]) -> str:
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


def seats_error(t: Translator) -> str:
    return t.gettext("Please type a number from 1 to {max}.").format(max=t.number(MAX_SEATS))


async def place_of(turn: Turn[PlaceDraft]) -> Place | None:
    """The chosen place, if the staff member (still) manages it."""
    place_id = turn.draft.place_id
    place = await turn.services.places.place(place_id) if place_id else None
    member = member_of(turn)
    if place is None or member is None or not member.may_manage(place.kecamatan_code):
        return None
    return place


async def show_seats(turn: Turn[PlaceDraft]) -> None:
    t = turn.t
    await turn.ask(
        t.gettext("How many seats per slot? Type a number from 1 to {max}.").format(
            max=t.number(MAX_SEATS)
        )
    )
