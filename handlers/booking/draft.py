"""The booking flow's typed draft and the small helpers its steps share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.services.booking import BookingService
from bot.services.container import Services
from bot.storage.places import Place
from handlers.flow import Turn

# Modes: a new booking; moving one (the code stays); booking again after a closure.
NEW, MOVE, REBOOKING = "new", "move", "rebook"

TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3])(?:[.:](\d{2}))?(?!\d)")


@dataclass
class BookingDraft:
    mode: str = NEW
    booking: int | None = None  # the booking moved or booked again
    waitlist: int | None = None  # the waitlist entry whose offered seat is taken up
    school: int | None = None  # a school event's booking moves among that school's slots
    kec: str | None = None
    cands: list[str] | None = None  # kecamatan a typed name may mean
    page: int = 0
    choices: list[int] | None = None  # places to choose from (None: not yet looked up)
    dist: list[float] | None = None  # km to each of ``choices`` after a shared location
    place_page: int = 0  # the page of ``choices`` shown (PLACES_PER_PAGE a page)
    kb: bool = False  # the "send my location" reply keyboard is shown
    want: date | None = None  # a date the resident named before choosing the place
    place: int | None = None
    full_day: date | None = None  # a full day: the waitlist is offered
    day: date | None = None
    slot: int | None = None
    name: str | None = None
    nik: str | None = None
    # A NIK was refused (already booked): the next NIK typed is another person's, whose name is
    # then asked anew, so that no booking pairs one person's name with another's NIK.
    nik_refused: bool = False
    married: bool | None = None
    phone: str | None = None
    phone_done: bool = False


BookingTurn = Turn[BookingDraft]


def service(turn: BookingTurn) -> BookingService:
    return turn.services.booking


async def place_of(turn: BookingTurn) -> Place | None:
    if turn.draft.place is None:
        return None
    return await turn.services.places.place(turn.draft.place)


def kecamatan_name(services: Services, code: str | None) -> str:
    district = services.regions.districts.get(code or "")
    return district.name if district else (code or "")


def served(services: Services, code: str) -> bool:
    return any(d.code == code for d in services.served_districts)
