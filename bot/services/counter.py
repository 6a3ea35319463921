"""The counter: queue numbers, undoing a check-in, the day's no-shows, calling the next number,
walk-ins and the daily quota of a place (issue 17).

Services return data and raise domain errors; the words are in ``handlers/checkin``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.errors import DomainError, NotAllowed, NotFound
from bot.storage.counter import (
    AlreadyWalkedIn,
    CalledTicket,
    CounterStore,
    NotCheckedIn,
    QuotaFull,
    WalkInRow,
)
from bot.storage.places import Place

if TYPE_CHECKING:
    from bot.services.booking import BookingView
    from bot.services.container import Services

QUEUE_PREFIX = "A"


def queue_label(number: int) -> str:
    """The number as the counter calls it: 7 → "A-007"."""
    return f"{QUEUE_PREFIX}-{number:03d}"


NOT_CHECKED_IN = "not_checked_in"  # nothing to undo
QUOTA_FULL = "quota_full"  # the place's day has reached its daily quota (params: quota)
WALKED_IN = "walked_in"  # this NIK is already registered as a walk-in here today
HAS_BOOKING = "has_booking"  # this NIK has a booking today here: check that in (params: code)
MAX_QUOTA = 5000


class CounterError(DomainError):
    code = "counter"


@dataclass(frozen=True, slots=True)
class WalkIn:
    id: int
    number: int
    person_name: str
    place: Place


class Counter:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = CounterStore(services.db)

    async def _place_for(self, place_id: int, actor_id: int) -> Place:
        place = await self.services.places.place(place_id)
        if place is None:
            raise NotFound("place")
        member = self.services.staff(actor_id)
        if member is None or not member.may_manage(place.kecamatan_code):
            raise NotAllowed()
        return place

    async def undo_check_in(self, booking_id: int, actor_id: int) -> BookingView:
        """Put an attended booking back to booked (a check-in by mistake). Raises NotFound,
        NotAllowed, CounterError("not_checked_in")."""
        booking = self.services.booking
        view = await booking.booking(booking_id)
        if view is None:
            raise NotFound("booking")
        await self._place_for(view.place.id, actor_id)
        now = self.services.clock.epoch()
        try:
            await self.store.undo_check_in(booking_id, actor_id=actor_id, now=now)
        except NotCheckedIn:
            raise CounterError(NOT_CHECKED_IN) from None
        await self.services.audit.record(
            now, actor_id, "booking.check_in_undone", "booking", booking_id, view.code
        )
        again = await booking.booking(booking_id)
        assert again is not None
        return again

    async def still_booked(self, place_id: int, day: date, actor_id: int) -> int:
        """How many bookings of the day nobody checked in (what ``close_day`` would mark)."""
        await self._place_for(place_id, actor_id)
        return await self.store.active_count(place_id, day)

    async def close_day(self, place_id: int, day: date, actor_id: int) -> int:
        """Mark every booking of the day still booked as no-show; returns how many."""
        await self._place_for(place_id, actor_id)
        now = self.services.clock.epoch()
        ids = await self.store.mark_day_no_shows(place_id, day, actor_id=actor_id, now=now)
        await self.services.audit.record(
            now, actor_id, "booking.no_show_day", "place", place_id, f"{day} ({len(ids)})"
        )
        return len(ids)

    async def call_next(self, place_id: int, actor_id: int) -> tuple[CalledTicket | None, int]:
        """Call the lowest number of today not called yet; returns it (None: nobody waits) and
        how many still wait after it."""
        await self._place_for(place_id, actor_id)
        today = self.services.clock.today()
        called = await self.store.call_next(place_id, today, self.services.clock.epoch())
        return called, await self.store.waiting(place_id, today)

    async def walk_ins(self, place_id: int, day: date, actor_id: int) -> list[WalkInRow]:
        """The day's walk-ins of a place, for staff of its kecamatan (the day list)."""
        await self._place_for(place_id, actor_id)
        return await self.store.walk_ins_of_day(place_id, day)

    async def register_walk_in(
        self, place_id: int, actor_id: int, *, name: str, nik: str, phone: str | None
    ) -> WalkIn:
        """A resident who came without a booking gets today's next number, if the day is under
        the place's quota. ``name``, ``nik`` and ``phone`` are already validated. Raises
        NotFound, NotAllowed, CounterError (QUOTA_FULL, WALKED_IN, HAS_BOOKING)."""
        place = await self._place_for(place_id, actor_id)
        today = self.services.clock.today()
        booked = await self.services.booking.store.active_for_nik(nik)
        if booked is not None and booked.place_id == place_id and booked.date == today:
            raise CounterError(HAS_BOOKING, booking_code=booked.code)
        now = self.services.clock.epoch()
        try:
            walk_in_id, number = await self.store.register_walk_in(
                place_id, today, name=name, nik=nik, phone=phone, actor_id=actor_id, now=now
            )
        except QuotaFull:
            quota = (await self.store.day_load(place_id, today))[1]
            raise CounterError(QUOTA_FULL, quota=quota) from None
        except AlreadyWalkedIn:
            raise CounterError(WALKED_IN) from None
        await self.services.audit.record(
            now, actor_id, "walk_in.register", "walk_in", walk_in_id, f"{place.code} {number}"
        )
        return WalkIn(walk_in_id, number, name, place)

    async def day_load(self, place_id: int, day: date) -> tuple[int, int | None]:
        """Residents counted against the place's day (booked seats and walk-ins), and its
        quota (None: no daily limit)."""
        return await self.store.day_load(place_id, day)

    async def set_quota(self, place_id: int, quota: int | None, actor_id: int) -> Place:
        """Set (or with None remove) how many residents the place serves a day."""
        place = await self._place_for(place_id, actor_id)
        if quota is not None and not 1 <= quota <= MAX_QUOTA:
            raise CounterError("bad_quota")
        await self.store.set_quota(place_id, quota)
        await self.services.audit.record(
            self.services.clock.epoch(), actor_id, "place.quota", "place", place_id, str(quota)
        )
        # A raised or removed quota makes room on every day: those waiting are offered it, as
        # after a cancellation (a lowered one finds no room and offers nothing).
        await self.services.booking.offer_waiting_days(place_id)
        return place
