"""Walk-ins and the daily quota (issue 17): staff register a resident without a booking in a few
taps or by typing (on the flow engine) and they get a queue number; a place's daily quota counts
online bookings and walk-ins together and refuses the one past it atomically, even when many
residents book at once."""

from __future__ import annotations

import asyncio
import io

import openpyxl

from bot.services.booking import DAY_FULL, BookingError
from tests.booking_helpers import MONDAY, TUESDAY, next_account, nik, place_id, small_place
from tests.conftest import OPERATOR_ID, texts


def name_of(serial: int) -> str:
    """A valid name per serial (names have no digits)."""
    return "Warga " + "".join(chr(ord("a") + int(d)) for d in str(serial)).title()


async def book(services, slot_id: int, serial: int):
    return await services.booking.book(
        slot_id, owner_id=next_account(), person_name=name_of(serial), nik=nik(serial)
    )


async def test_walk_in_by_buttons_from_the_day_list(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    await operator.send("/daftarhadir pondok aren")
    asked = texts(await operator.press("Datang langsung"))
    assert "1/3 Nama" in asked
    assert "2/3 NIK" in texts(await operator.send("Siti Aminah"))
    assert "3/3 Nomor HP" in texts(await operator.send(nik(5)))
    summary = texts(await operator.press("Lewati"))
    assert "Siti Aminah" in summary and nik(5) not in summary  # masked
    done = texts(await operator.press("Daftarkan"))
    assert "Nomor antrean: A-001" in done and "Siti Aminah" in done
    office = await place_id(services)
    assert (await services.counter.day_load(office, MONDAY))[0] == 1
    listed = await operator.send("/daftarhadir pondok aren")
    day_list = texts(listed)
    # The day list shows the walk-in with their number (full name: a private chat) ...
    assert "Warga datang langsung" in day_list and "A-001 · Siti Aminah" in day_list
    # ... and so does its Excel file, with the NIK in full as text.
    book = next(m.file_bytes for m in listed if m.file_name.endswith(".xlsx"))
    cells = [
        [c for c in row if c is not None]
        for row in openpyxl.load_workbook(io.BytesIO(book)).active.iter_rows(values_only=True)
    ]
    assert any("Siti Aminah" in row and nik(5) in row and "A-001" in row for row in cells)


async def test_walk_in_by_typing_gets_the_next_number(make_chat, services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, MONDAY))[0]
    booked = await book(services, slot.slot_id, 1)
    await services.booking.check_in(booked.id, OPERATOR_ID)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/walkin kec-pondok-aren")
    await operator.send("Budi Santoso")
    await operator.send(nik(7))
    confirm = texts(await operator.send("081234567890"))
    assert "Budi Santoso" in confirm
    done = texts(await operator.send("ya"))
    assert "A-002" in done
    # The same NIK twice in a day is one walk-in; a NIK with a booking here is checked in instead.
    await operator.send("/walkin kec-pondok-aren")
    await operator.send("Budi Santoso")
    await operator.send(nik(7))
    await operator.send("lewati")
    assert "sudah terdaftar" in texts(await operator.send("ya"))


async def test_bad_answers_are_asked_again_and_batal_leaves(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    await operator.send("/walkin kec-pondok-aren")
    await operator.send("Siti Aminah")
    again = texts(await operator.send("12345"))
    assert "16" in again  # the NIK must have 16 digits
    left = texts(await operator.send("/batal"))
    assert "tidak ada yang didaftarkan" in left
    office = await place_id(services)
    assert (await services.counter.day_load(office, MONDAY))[0] == 0


async def test_walk_in_is_for_staff_only(make_chat):
    resident = make_chat(next_account())
    assert "hanya untuk petugas" in texts(await resident.send("/walkin kec-pondok-aren"))


async def test_the_quota_counts_bookings_and_walk_ins(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    shown = texts(await operator.send("/kuota kec-pondok-aren 2"))
    assert "paling banyak 2 warga" in shown
    office = await place_id(services)
    slots = await services.booking.free_slots(office, MONDAY)
    await book(services, slots[0].slot_id, 1)
    await operator.send("/walkin kec-pondok-aren")
    await operator.send("Siti Aminah")
    await operator.send(nik(2))
    await operator.send("lewati")
    assert "A-001" in texts(await operator.send("ya"))
    try:
        await book(services, slots[1].slot_id, 3)
    except BookingError as err:
        assert err.code == DAY_FULL
    else:
        raise AssertionError("the third resident was booked past the quota")
    await operator.send("/walkin kec-pondok-aren")
    await operator.send("Budi Santoso")
    await operator.send(nik(4))
    await operator.send("lewati")
    assert "kuota harian tempat ini (2 warga) sudah penuh" in texts(await operator.send("ya"))
    # Another day is not affected; removing the quota lets bookings in again.
    tuesday = await services.booking.free_slots(office, TUESDAY)
    await book(services, tuesday[0].slot_id, 5)
    await operator.send("/kuota kec-pondok-aren off")
    await book(services, slots[1].slot_id, 3)


async def test_the_quota_refuses_the_301st_booking_under_concurrent_attempts(services):
    hall = await small_place(services, seats=200)  # Tuesday 08–10: 400 seats in two slots
    await services.counter.set_quota(hall, 300, OPERATOR_ID)
    slots = await services.booking.free_slots(hall, TUESDAY)
    assert sum(s.seats_left for s in slots) == 400

    async def attempt(serial: int) -> str:
        try:
            await book(services, slots[serial % 2].slot_id, serial)
        except BookingError as err:
            return err.code
        return "booked"

    results = await asyncio.gather(*(attempt(serial) for serial in range(1, 351)))
    assert results.count("booked") == 300
    assert set(results) == {"booked", DAY_FULL}
    assert (await services.counter.day_load(hall, TUESDAY)) == (300, 300)


async def test_staf_lists_the_counter_commands(make_chat):
    listing = texts(await make_chat(OPERATOR_ID).send("/staf"))
    assert "/walkin" in listing and "/kuota" in listing


async def test_raising_the_quota_offers_the_room_to_those_waiting(make_chat, services):
    """A day full by its quota fills a waitlist; raising the quota (or removing it) is room
    like a cancellation: the first in line is offered a seat at once."""
    operator = make_chat(OPERATOR_ID)
    await operator.send("/kuota kec-pondok-aren 1")
    office = await place_id(services)
    slots = await services.booking.free_slots(office, TUESDAY)
    await book(services, slots[0].slot_id, 1)
    waiting = next_account()
    await services.booking.join_waitlist(waiting, office, TUESDAY)
    offers = "SELECT count(*) FROM outbox WHERE kind = 'waitlist_offer' AND user_id = ?"
    assert await services.db.scalar(offers, (waiting,)) == 0
    await operator.send("/kuota kec-pondok-aren 2")
    entry = (await services.booking.waitlist_for_owner(waiting))[0]
    assert entry.entry.status == "offered"
    assert await services.db.scalar(offers, (waiting,)) == 1
