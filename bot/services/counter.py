"""The counter: queue numbers, undoing a check-in, the day's no-shows, calling the next number,
walk-ins and the daily quota of a place (issue 17).

Services return data and raise domain errors; the words are in ``handlers/checkin``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.errors import DomainError, NotAllowed, NotFound
from bot.storage.counter import CalledTicket, CounterStore, NotCheckedIn
from bot.storage.places import Place

if TYPE_CHECKING:
    from bot.services.booking import BookingView
    from bot.services.container import Services

QUEUE_PREFIX = "A"


def queue_label(number: int) -> str:
    """The number as the counter calls it: 7 → "A-007"."""
    return f"{QUEUE_PREFIX}-{number:03d}"


class CounterError(DomainError):
    """``not_checked_in``: nothing to undo; ``quota_full``: the place's day is full."""

    code = "counter"


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
            raise CounterError("not_checked_in") from None
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
