"""Staff management of places: weekly hours, capacity, slot length and extra service days.

Every change is checked (hours that make sense, seats and slot length in range, an operator only in
their own kecamatan), audited, and announced as an event so that slots and reminders follow.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from bot.config import StaffMember
from bot.errors import DomainError, NotAllowed
from bot.storage.places import Place, WeeklyHours
from bot.validation import MAX_SEATS_PER_SLOT

if TYPE_CHECKING:
    from bot.services.booking import BookingView
    from bot.services.container import Services

SLOT_LENGTHS = (15, 20, 30, 45, 60, 90, 120)
SERVICE_DAY_KINDS = ("weekend", "jemput_bola", "evening", "extra")
# One bound for seats per slot wherever staff set them (here, service days, broadcasts).
MAX_SEATS = MAX_SEATS_PER_SLOT
CLOSED_WORDS = ("tutup", "libur", "closed", "-", "0")
_TIME = re.compile(r"^\s*([01]?\d|2[0-3])(?:[.:]([0-5]\d))?\s*$")
_DASHES = re.compile(r"\s*(?:-|–|—|s/?d|sampai|to)\s*")


class BadHours(DomainError):
    code = "bad_hours"


class BadSeats(DomainError):
    code = "bad_seats"


class BadDate(DomainError):
    code = "bad_date"


def parse_opening(text: str) -> tuple[tuple[time, time], ...]:
    """'08:00-12:00,13:00-15:00' / '08.00–15.00' / '8-12' → ranges; 'tutup'/'closed'/'-' → closed.

    ``BadHours(reason="order")`` when a range closes before it opens (staff read "15.00-08.00"
    as a slip, not as gibberish), ``reason="overlap"`` for ranges out of order, else unreadable.
    """
    cleaned = text.strip().lower()
    if cleaned in CLOSED_WORDS:
        return ()
    ranges: list[tuple[time, time]] = []
    for part in cleaned.replace(";", ",").split(","):
        pieces = _DASHES.split(part.strip(), maxsplit=1)
        times = [_TIME.match(p) for p in pieces]
        if len(pieces) != 2 or not all(times):
            raise BadHours()
        start, end = (time(int(m[1]), int(m[2] or 0)) for m in times if m)
        if start >= end:
            raise BadHours(reason="order")
        if ranges and start < ranges[-1][1]:
            raise BadHours(reason="overlap")
        ranges.append((start, end))
    if not ranges:
        raise BadHours()
    return tuple(ranges)


def format_hours(ranges: tuple[tuple[time, time], ...]) -> str:
    """Ranges as stored: '08:00-12:00,13:00-15:00', '' when closed."""
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


def format_opening(ranges: tuple[tuple[time, time], ...]) -> str:
    """The inverse of ``parse_opening``: '08:00-12:00,13:00-15:00', 'tutup' when closed."""
    if not ranges:
        return "tutup"
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


def parse_seats(text: str) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_SEATS:
        raise BadSeats(max=MAX_SEATS)
    return int(cleaned)


class PlaceAdmin:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _check(self, member: StaffMember | None, place: Place) -> StaffMember:
        if member is None or not member.may_manage(place.kecamatan_code):
            raise NotAllowed()
        return member

    async def _audit(self, member: StaffMember, action: str, place: Place, detail: str) -> None:
        services = self.services
        await services.audit.record(
            services.clock.epoch(), member.user_id, action, "place", place.code, detail
        )

    async def week_with(
        self, place: Place, weekday: int, ranges: tuple[tuple[time, time], ...]
    ) -> list[WeeklyHours]:
        """The place's weekly hours with ``weekday`` replaced by ``ranges``."""
        hours = [h for h in await self.services.places.hours(place.id) if h.weekday != weekday]
        hours += [WeeklyHours(weekday, start, end) for start, end in ranges]
        return sorted(hours, key=lambda h: (h.weekday, h.opens))

    async def preview_day_hours(
        self,
        member: StaffMember | None,
        place: Place,
        weekday: int,
        text: str,
        starts_on: date | None = None,
    ) -> list[BookingView]:
        """The active bookings new hours for ``weekday`` (from ``starts_on``, else from now)
        would cancel; nothing is changed."""
        self._check(member, place)
        hours = await self.week_with(place, weekday, parse_opening(text))
        return await self.services.booking.affected_by_schedule(
            place.id, hours=hours, weekday=weekday, starts_on=starts_on
        )

    async def set_day_hours(
        self,
        member: StaffMember | None,
        place: Place,
        weekday: int,
        text: str,
        starts_on: date | None = None,
    ) -> list[WeeklyHours]:
        """New hours for a weekday, from now or from ``starts_on``: bookings outside them are
        cancelled and their residents told with new times (``BookingService._sync``); preview
        them first."""
        member = self._check(member, place)
        ranges = parse_opening(text)
        places, today = self.services.places, self.services.clock.today()
        if starts_on is not None and starts_on > today:
            await places.change_hours_from(place.id, weekday, starts_on, format_hours(ranges))
            await places.drop_unbooked_future_slots(place.id, starts_on)
            detail = f"weekday={weekday} from={starts_on.isoformat()} {text.strip()}"
            await self._audit(member, "place_hours", place, detail)
            await self._changed(member, place)
            return await places.hours(place.id)
        hours = await self.week_with(place, weekday, ranges)
        await places.replace_hours(place.id, hours)
        await places.drop_hour_changes(place.id, weekday)
        await places.drop_unbooked_future_slots(place.id, today)
        await self._audit(member, "place_hours", place, f"weekday={weekday} {text.strip()}")
        await self._changed(member, place)
        return hours

    async def _changed(self, member: StaffMember, place: Place) -> None:
        await self.services.events.emit(
            "hours.changed", place_id=place.id, actor_id=member.user_id, reason_key="hours"
        )

    async def set_seats(self, member: StaffMember | None, place: Place, text: str) -> int:
        """New seats per slot: slots already holding more bookings keep them (never cancelled)."""
        member = self._check(member, place)
        seats = parse_seats(text)
        places = self.services.places
        await places.set_place_capacity(place.id, slot_minutes=place.slot_minutes, seats=seats)
        await places.resize_future_slots(place.id, self.services.clock.today(), seats)
        await self._audit(member, "place_seats", place, str(seats))
        await self._changed(member, place)
        return seats

    async def preview_slot_minutes(
        self, member: StaffMember | None, place: Place, minutes: int
    ) -> list[BookingView]:
        self._check(member, place)
        if minutes not in SLOT_LENGTHS:
            raise BadHours()
        return await self.services.booking.affected_by_schedule(place.id, slot_minutes=minutes)

    async def set_slot_minutes(
        self, member: StaffMember | None, place: Place, minutes: int
    ) -> None:
        member = self._check(member, place)
        if minutes not in SLOT_LENGTHS:
            raise BadHours()
        places = self.services.places
        await places.set_place_capacity(place.id, slot_minutes=minutes, seats=place.seats_per_slot)
        await places.drop_unbooked_future_slots(place.id, self.services.clock.today())
        await self._audit(member, "place_slot_minutes", place, str(minutes))
        await self._changed(member, place)

    async def add_service_day(
        self,
        member: StaffMember | None,
        place: Place,
        day: date,
        hours_text: str,
        seats_text: str,
        kind: str,
    ) -> list[int]:
        member = self._check(member, place)
        today = self.services.clock.today()
        if not today <= day <= today + timedelta(days=366):
            raise BadDate()
        ranges = parse_opening(hours_text)
        if not ranges:
            raise BadHours()
        seats = parse_seats(seats_text)
        if kind not in SERVICE_DAY_KINDS:
            raise BadHours()
        created = []
        for start, end in ranges:
            service_day_id = await self.services.places.upsert_service_day(
                place_id=place.id,
                day=day,
                opens=start,
                closes=end,
                seats_per_slot=seats,
                kind=kind,
            )
            created.append(service_day_id)
            await self.services.events.emit("service_day.created", service_day_id=service_day_id)
        await self._audit(member, "service_day_add", place, f"{day} {hours_text.strip()} {kind}")
        return created
