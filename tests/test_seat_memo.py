"""The slots of a place are read once and kept (bot/storage/seat_memo.py): what residents are shown
must still change the moment the seats change, by a booking, a cancellation, a closed slot or a
held seat whose offer ran out."""

from __future__ import annotations

import sqlite3
import time as time_module
from datetime import time

import pytest

from bot.storage.watch import EXTERNAL_CHECK_SECONDS
from tests.booking_helpers import TUESDAY, nik, slot_at, small_place

A, B = 620001, 620002


async def seats_on_tuesday(services, hall) -> int:
    days = await services.booking.free_days(hall, services.clock.today(), 14)
    return next((d.seats_left for d in days if d.date == TUESDAY), 0)


async def test_seats_follow_bookings_cancellations_and_closures(services):
    hall = await small_place(services)  # one seat at 08:00 and one at 09:00
    eight = await slot_at(services, hall, TUESDAY, time(8))
    assert await seats_on_tuesday(services, hall) == 2
    assert await seats_on_tuesday(services, hall) == 2  # read again: kept
    booked = await services.booking.book(eight.slot_id, owner_id=A, person_name="Ani", nik=nik(1))
    assert await seats_on_tuesday(services, hall) == 1
    await services.booking.cancel(booked.id, A)
    assert await seats_on_tuesday(services, hall) == 2
    # Any write to the slots counts, a plain statement as much as the booking service's.
    await services.db.write("UPDATE slots SET closed = 1 WHERE id = ?", (eight.slot_id,))
    assert await seats_on_tuesday(services, hall) == 1
    assert [s.starts for s in await services.booking.free_slots(hall, TUESDAY)] == [time(9)]


async def test_a_held_seat_comes_back_when_its_offer_runs_out(services, clock):
    """No write happens when an offer ends: the kept read must not outlive the hold."""
    hall = await small_place(services, weekdays=(1,), closes=time(9))  # one seat, at 08:00
    eight = await slot_at(services, hall, TUESDAY, time(8))
    first = await services.booking.book(eight.slot_id, owner_id=A, person_name="Ani", nik=nik(1))
    await services.booking.join_waitlist(B, hall, TUESDAY)
    await services.booking.cancel(first.id, A)  # offered to B: the seat is held for two hours
    assert await services.booking.free_slots(hall, TUESDAY) == []
    clock.advance(minutes=119)
    assert await services.booking.free_slots(hall, TUESDAY) == []
    clock.advance(minutes=2)
    assert [s.starts for s in await services.booking.free_slots(hall, TUESDAY)] == [time(8)]


async def test_another_process_booking_is_seen_after_the_check_interval(services, config):
    """A seat taken by another process (no trigger of ours fires) shows as soon as the places
    copy's watch looks at the database file again (at most a second later)."""
    watch = services.db.watch
    now = [time_module.monotonic() + 100]  # past any earlier look
    watch._monotonic = lambda: now[0]
    hall = await small_place(services)
    eight = await slot_at(services, hall, TUESDAY, time(8))
    assert await seats_on_tuesday(services, hall) == 2
    other = sqlite3.connect(config.database)
    with other:
        other.execute("UPDATE slots SET booked = 1 WHERE id = ?", (eight.slot_id,))
    other.close()
    now[0] += EXTERNAL_CHECK_SECONDS
    assert await seats_on_tuesday(services, hall) == 1


async def test_a_read_inside_a_rolled_back_transaction_is_not_kept(services):
    hall = await small_place(services)
    eight = await slot_at(services, hall, TUESDAY, time(8))
    assert await seats_on_tuesday(services, hall) == 2
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as conn:
            await conn.execute("UPDATE slots SET booked = 1 WHERE id = ?", (eight.slot_id,))
            assert await seats_on_tuesday(services, hall) == 1  # its own uncommitted write
            raise RuntimeError("undo")
    assert await seats_on_tuesday(services, hall) == 2
