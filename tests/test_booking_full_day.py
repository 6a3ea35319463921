"""Issue 17: a full day (its slots all taken, or the place's daily quota reached) is never offered
as bookable; the booking flow names it full and offers the nearest later days with free seats in
one tap, then the waitlist; /jadwal and a school's card name it full too.
Test clock: Monday 23 November 2026."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from tests.booking_helpers import TUESDAY, next_account, nik, slot_at, small_place
from tests.conftest import texts
from tests.school_helpers import TUE as SCHOOL_TUESDAY
from tests.school_helpers import book as book_student
from tests.school_helpers import event as school_event

THURSDAY = date(2026, 11, 26)


@pytest.fixture
def chat(make_chat):
    return make_chat(next_account())


async def hall_with_quota(services, quota: int, *, weekdays=(1, 3)):
    """Balai Uji Coba in Balaraja: Tuesday and Thursday 08–10, two seats a slot, ``quota`` a
    day; on Tuesday one seat is booked."""
    hall = await small_place(services, kecamatan="360301", seats=2, weekdays=weekdays)
    await services.counter.store.set_quota(hall, quota)
    slot = await slot_at(services, hall, TUESDAY, time(8))
    await services.booking.book(slot.slot_id, owner_id=1, person_name="X Y", nik=nik(1))
    return hall


async def test_a_day_at_its_quota_is_shown_full_with_the_next_free_day(chat, services):
    await hall_with_quota(services, 1)
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    labels = chat.last.button_labels
    assert "Sel, 24 Nov · penuh 🔔" in labels, labels  # seats are left, the quota is not
    assert "Kam, 26 Nov · sisa 1" in labels
    full = await chat.press("Sel, 24 Nov · penuh")
    text = texts(full)
    assert "sudah penuh" in text and "terdekat" in text, text
    assert "Kam, 26 Nov · sisa 1" in chat.last.button_labels
    assert any("Kabari saya" in label for label in chat.last.button_labels)
    times = await chat.press("Kam, 26 Nov · sisa 1")
    assert "Kamis, 26 November 2026" in texts(times)
    assert "08.00–09.00 · sisa 1" in chat.last.button_labels


async def test_a_typed_full_day_offers_the_next_free_day(chat, services):
    await hall_with_quota(services, 1)
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    answer = texts(await chat.send("selasa"))
    assert "sudah penuh" in answer
    assert "Kam, 26 Nov · sisa 1" in chat.last.button_labels


async def test_slots_all_taken_offer_the_next_free_day(chat, services):
    hall = await small_place(services, kecamatan="360301", weekdays=(1, 3))
    for serial, starts in ((1, time(8)), (2, time(9))):
        slot = await slot_at(services, hall, TUESDAY, starts)
        await services.booking.book(
            slot.slot_id, owner_id=serial, person_name="X Y", nik=nik(serial)
        )
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    await chat.press("Sel, 24 Nov · penuh")
    assert "Kam, 26 Nov · sisa 2" in chat.last.button_labels


async def test_no_later_free_day_leaves_the_waitlist(chat, services):
    hall = await hall_with_quota(services, 1, weekdays=(1,))
    day = TUESDAY + timedelta(days=7)
    while day < date(2026, 11, 23) + timedelta(days=14):  # every Tuesday of the horizon
        slot = await slot_at(services, hall, day, time(8))
        await services.booking.book(slot.slot_id, owner_id=2, person_name="X Y", nik=nik(2))
        day += timedelta(days=7)
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    full = texts(await chat.press("Sel, 24 Nov · penuh"))
    assert "Tidak ada hari lain" in full, full
    labels = chat.last.button_labels
    assert not any("sisa" in label for label in labels)
    joined = await chat.press("Kabari saya")
    assert "urutan ke-1" in texts(joined)


async def test_a_day_at_its_quota_has_no_times_to_book(services):
    hall = await hall_with_quota(services, 1)
    assert await services.booking.free_slots(hall, TUESDAY) == []
    days = {d.date: d.seats_left for d in await services.booking.free_days(hall, TUESDAY, 3)}
    assert days == {TUESDAY: 0, THURSDAY: 1}


async def test_jadwal_names_a_day_at_its_quota_full(chat, services):
    await hall_with_quota(services, 1)
    text = texts(await chat.send("/jadwal balaraja selasa"))
    hall = text[text.index("Balai Uji Coba") :]
    assert "Kuota penuh: Sel, 24 Nov" in hall, hall
    assert "kursi" not in hall, hall  # not "Sel, 24 Nov (3 kursi)": its quota is reached


async def test_a_school_event_at_its_place_quota_is_shown_full(chat, services):
    ev = await school_event(services, "sman-6-tangsel", SCHOOL_TUESDAY)
    await book_student(services, ev, next_account())
    await services.counter.store.set_quota(ev.place_id, 1)  # seats left, the quota reached
    card = texts(await chat.send("/sekolah sman 6 tangsel"))
    assert "Penuh" in card, card
    assert not any(label.startswith("Daftar") for label in chat.last.button_labels)


async def test_the_quota_reached_while_choosing_offers_the_next_free_day(chat, services):
    hall = await hall_with_quota(services, 2)
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    await chat.press("Sel, 24 Nov")
    await chat.press("09.00–10.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(5))
    await chat.press("Lewati")
    nine = await slot_at(services, hall, TUESDAY, time(9))
    await services.booking.book(nine.slot_id, owner_id=2, person_name="X Y", nik=nik(2))
    refused = texts(await chat.press("Konfirmasi"))
    assert "kuota harian tempat ini pada tanggal itu sudah penuh" in refused, refused
    assert "terdekat" in refused
    await chat.press("Kam, 26 Nov · sisa 2")
    summary = await chat.press("08.00–09.00")
    assert "Langkah 4 dari 4" in texts(summary)  # the answers about the person are kept
    done = await chat.press("Konfirmasi")
    assert "Berhasil dipesan" in texts(done)
