"""Helpers for the booking tests: valid NIKs, test places with small capacity, event recording."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, time
from typing import Any

from bot.services.booking import SlotView
from bot.services.container import Services
from bot.storage.places import WeeklyHours

MONDAY = date(2026, 11, 23)  # the test clock's day (09:00)
TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)
SATURDAY = date(2026, 11, 28)


def nik(serial: int = 1, *, born: date = date(1990, 5, 17), female: bool = False) -> str:
    """A valid NIK of Pondok Aren (367403) for someone born on ``born``."""
    day = born.day + (40 if female else 0)
    return f"367403{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


async def place_id(services: Services, code: str = "kec-pondok-aren") -> int:
    place = await services.places.place_by_code(code)
    assert place is not None, code
    return place.id


async def small_place(
    services: Services,
    *,
    code: str = "test-hall",
    seats: int = 1,
    kecamatan: str = "367403",
    weekdays: tuple[int, ...] = (1,),
    opens: time = time(8, 0),
    closes: time = time(10, 0),
) -> int:
    """A place with few seats: 60-minute slots on ``weekdays`` (default Tuesday 08–10)."""
    place = await services.places.upsert_place(
        code=code,
        name="Balai Uji Coba",
        kind="village_hall",
        kecamatan_code=kecamatan,
        address="Jl. Uji No. 1",
        lat=-6.26,
        lon=106.71,
        slot_minutes=60,
        seats_per_slot=seats,
    )
    await services.places.replace_hours(
        place, [WeeklyHours(weekday, opens, closes) for weekday in weekdays]
    )
    return place


async def slot_at(services: Services, place: int, day: date, starts: time) -> SlotView:
    """The slot of a place starting at ``starts`` (materialised on the way)."""
    for slot in await services.booking.day_slots(place, day, include_past=True):
        if slot.starts == starts:
            return slot
    raise AssertionError(f"no slot at {starts} on {day}")


class EventLog:
    """Records every booking event with its payload."""

    NAMES = (
        "booking.created",
        "booking.moved",
        "booking.cancelled",
        "booking.attended",
        "slots.closed",
        "seat.freed",
    )

    def __init__(self, services: Services) -> None:
        self.seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for name in self.NAMES:
            services.events.subscribe(name, self._listener(name))

    def _listener(self, name: str):
        async def listen(**payload: Any) -> None:
            self.seen[name].append(payload)

        listen.__qualname__ = f"EventLog.{name}"
        return listen

    def ids(self, name: str) -> list[int]:
        return [p["booking_id"] for p in self.seen[name] if "booking_id" in p]


# Each test talks from its own account (see ``next_account``).
_accounts = itertools.count(810001)


def next_account() -> int:
    """A user id no other test uses. handlers/intents.py caches the analysis of a message by
    (chat, message id), and the in-process Bot API numbers messages from 1 in every test, so two
    tests in one chat could see each other's analyses."""
    return next(_accounts)
