"""Staff management of places: weekly hours, capacity, slot length and extra service days.

Every change is checked (hours that make sense, seats and slot length in range, an operator only in
their own kecamatan), audited, and announced as an event so that slots and reminders follow.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.config import StaffMember
from bot.errors import DomainError, NotAllowed, NotFound
from bot.services.booking import NOTICE_REF_SERVICE_DAY
from bot.services.outbox import declare
from bot.storage.places import Place, ServiceDay, WeeklyHours
from bot.validation import MAX_SEATS_PER_SLOT

if TYPE_CHECKING:
    from bot.services.booking import BookingView, SlotView
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


# The reasons residents read when a service day's change cancels their booking (keys of
# handlers/booking_notices.py CLOSE_REASONS, said in each resident's language).
SERVICE_DAY_CHANGED = "service_day"
SERVICE_DAY_CANCELLED = "service_day_cancelled"
# Residents who were sent the announcement of a service day hear when its hours change or it is
# cancelled (rendered from the day as it is then: handlers/booking_notices.py).
SERVICE_DAY_NEWS = "service_day_news"
declare(SERVICE_DAY_NEWS)


@dataclass(frozen=True)
class Announced:
    """Who an announcement told of a service day, and its announcements still to go out."""

    reached: list[int] = field(default_factory=list)
    still_open: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class DayOutcome:
    """What a change of a service day did: the bookings it cancelled (their residents are told
    with new times) and the residents whose wait for a seat that day ended (told too)."""

    day: ServiceDay
    cancelled: list[int] = field(default_factory=list)
    waitlisted: list[int] = field(default_factory=list)
    told: list[int] = field(default_factory=list)  # residents the announcement had reached
    stopped: list[int] = field(default_factory=list)  # announcements stopped before sending


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

    # --- changing or cancelling a service day (previewed like the weekly hours) --------------

    async def service_day(
        self, member: StaffMember | None, place: Place, service_day_id: int
    ) -> ServiceDay:
        """A public service day of the place, from today on and not cancelled: the days
        /aturtempat changes (school events change with /acara, which tells their followers).
        Raises NotAllowed, NotFound."""
        self._check(member, place)
        day = await self.services.places.service_day(service_day_id)
        if (
            day is None
            or day.place_id != place.id
            or day.school_id is not None
            or day.status == "cancelled"
            or day.date < self.services.clock.today()
        ):
            raise NotFound("service_day")
        return day

    async def upcoming_service_days(
        self, member: StaffMember | None, place: Place
    ) -> list[ServiceDay]:
        """The place's service days from today on, school events included (those are changed
        by the schools service, /acara, which also tells the school's followers)."""
        self._check(member, place)
        today = self.services.clock.today()
        days = await self.services.places.service_days(
            today, today + timedelta(days=366), place_id=place.id
        )
        return list(days)

    async def preview_service_day_hours(
        self, member: StaffMember | None, place: Place, service_day_id: int, text: str
    ) -> list[BookingView]:
        """The active bookings new hours of the day would cancel; nothing is changed."""
        day = await self.service_day(member, place, service_day_id)
        opens, closes = one_range(text)
        return await self.services.booking.affected_by_service_day(
            day.id, closes, day.slot_minutes, opens=opens
        )

    async def preview_service_day_seats(
        self, member: StaffMember | None, place: Place, service_day_id: int, seats: int
    ) -> list[SlotView]:
        """The day's slots holding more bookings than ``seats`` (they keep them)."""
        day = await self.service_day(member, place, service_day_id)
        return await self.services.booking.overbooked_on_service_day(day.id, seats)

    async def preview_service_day_cancel(
        self, member: StaffMember | None, place: Place, service_day_id: int
    ) -> list[BookingView]:
        day = await self.service_day(member, place, service_day_id)
        return await self.services.booking.booked_on_service_day(day.id)

    async def change_service_day(
        self,
        member: StaffMember | None,
        place: Place,
        service_day_id: int,
        *,
        hours: str | None = None,
        seats: int | None = None,
        title: str | None = None,
    ) -> DayOutcome:
        """New hours, seats per slot or title of a service day. Bookings outside new hours are
        cancelled and their residents told with new times (``BookingService._sync``); fewer
        seats never cancel one. Raises BadHours (also ``reason="clash"``: another day of the
        place opens then), BadSeats, NotAllowed, NotFound."""
        member = self._check(member, place)
        day = await self.service_day(member, place, service_day_id)
        opens, closes = one_range(hours) if hours is not None else (day.opens, day.closes)
        if seats is not None:
            seats = parse_seats(str(seats))
        new_title = " ".join((title if title is not None else day.title).split())[:100]
        booked = await self.services.booking.booked_on_service_day(day.id)
        changed = await self.services.places.update_service_day(
            day.id,
            opens=opens,
            closes=closes,
            seats_per_slot=seats if seats is not None else day.seats_per_slot,
            title=new_title,
        )
        if not changed:
            raise BadHours(reason="clash")
        detail = f"{day.date} {opens:%H:%M}-{closes:%H:%M} seats={seats or day.seats_per_slot}"
        await self._audit(member, "service_day_change", place, detail)
        await self.services.events.emit(
            "service_day.changed",
            service_day_id=day.id,
            actor_id=member.user_id,
            reason_key=SERVICE_DAY_CHANGED,
        )
        after = await self.service_day(member, place, day.id)
        lost = await self._lost(booked)
        if (opens, closes) == (day.opens, day.closes):
            return DayOutcome(after, lost)  # seats or title: what was announced still holds
        told, stopped = await self._correct_announcements(member, after, booked, lost)
        return DayOutcome(after, lost, told=told, stopped=stopped)

    async def cancel_service_day(
        self, member: StaffMember | None, place: Place, service_day_id: int
    ) -> DayOutcome:
        """Cancel a service day: its bookings are cancelled and their residents told with new
        times; when the place has no other opening that date, the day's waitlist ends and those
        waiting are told (as /tutup does). Raises NotAllowed, NotFound."""
        member = self._check(member, place)
        day = await self.service_day(member, place, service_day_id)
        services = self.services
        booked = await services.booking.booked_on_service_day(day.id)
        await services.places.set_service_day_status(day.id, "cancelled")
        await self._audit(
            member, "service_day_cancel", place, f"{day.date} {day.opens:%H:%M}-{day.closes:%H:%M}"
        )
        await services.events.emit(
            "service_day.cancelled",
            service_day_id=day.id,
            actor_id=member.user_id,
            reason_key=SERVICE_DAY_CANCELLED,
        )
        waitlisted: list[int] = []
        if not (await services.schedule.day(place, day.date)).openings:
            waitlisted = await services.booking.end_waitlist(
                place.id,
                day.date,
                SERVICE_DAY_CANCELLED,
                SERVICE_DAY_CANCELLED,
                ref=(NOTICE_REF_SERVICE_DAY, day.id),
            )
        cancelled = dataclasses.replace(day, status="cancelled")
        lost = await self._lost(booked)
        told, stopped = await self._correct_announcements(
            member, cancelled, booked, lost, also_told=waitlisted
        )
        return DayOutcome(cancelled, lost, waitlisted, told, stopped)

    async def waiting_if_cancelled(
        self, member: StaffMember | None, place: Place, service_day_id: int
    ) -> int:
        """How many residents waiting for a seat that day cancelling the service day would tell
        (their wait ends when the place has no other opening that date)."""
        day = await self.service_day(member, place, service_day_id)
        openings = (await self.services.schedule.day(place, day.date)).openings
        if any(o.service_day is None or o.service_day.id != day.id for o in openings):
            return 0
        return await self.services.booking.waiting_for_day(place.id, day.date)

    async def announced(
        self, member: StaffMember | None, place: Place, service_day_id: int
    ) -> Announced:
        """Who was told of the day by an announcement and which announcements of it are still
        to go out (shown before a change of its hours, or its cancellation, is confirmed)."""
        day = await self.service_day(member, place, service_day_id)
        reached, still_open = await self.services.broadcasts.announced(day.id)
        return Announced(reached, still_open)

    async def _correct_announcements(
        self,
        member: StaffMember,
        day: ServiceDay,
        booked: list[BookingView],
        lost: list[int],
        *,
        also_told: list[int] | None = None,
    ) -> tuple[list[int], list[int]]:
        """Nobody keeps a false announcement: those still to go out are stopped, and those it
        reached are told what holds now (not those whose booking was cancelled, nor
        ``also_told``, e.g. those whose wait ended: their own notice says it). Returns
        (residents told, announcements stopped)."""
        broadcasts, outbox = self.services.broadcasts, self.services.outbox
        reached, still_open = await broadcasts.announced(day.id)
        stopped = [b for b in still_open if await broadcasts.stop_outdated(b, member.user_id)]
        skip = {v.owner_id for v in booked if v.id in lost} | set(also_told or ())
        told = [user_id for user_id in reached if user_id not in skip]
        ends = datetime.combine(day.date, day.closes, tzinfo=self.services.config.tz)
        for user_id in told:
            await outbox.enqueue(
                user_id,
                SERVICE_DAY_NEWS,
                {"service_day_id": day.id},
                expires_at=ends,
                ref_type=NOTICE_REF_SERVICE_DAY,
                ref_id=day.id,
            )
        return told, stopped

    async def _lost(self, booked: list[BookingView]) -> list[int]:
        """Which of these bookings (active before the change) the change cancelled."""
        return await self.services.booking.cancelled_among([v.id for v in booked])


def one_range(text: str) -> tuple[time, time]:
    """A service day's hours: one range ("08.00-12.00", "8-12"). Raises BadHours
    (``reason="one_range"`` for closed or several ranges)."""
    ranges = parse_opening(text)
    if len(ranges) != 1:
        raise BadHours(reason="one_range")
    return ranges[0]
