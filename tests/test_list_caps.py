"""Every answer that lists data stays inside Telegram's limits however much data there is.

A message may hold 4,096 characters and an inline keyboard 100 buttons; beyond that Telegram
refuses it ("message is too long", "reply markup is too long") and the user sees nothing. The
in-process Bot API refuses the same way, and the ``app`` fixture fails a test on any handler error,
so each test here builds the worst case one list can meet after years of service (a busy day, a
long history, many places, schools, events, visits, audit entries) and asks for the list as a user
would.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from bot.fakebotapi import MAX_INLINE_BUTTONS
from bot.services.container import Services
from tests.booking_helpers import TUESDAY, nik, slot_at, small_place
from tests.conftest import ADMIN_ID, texts

TELEGRAM_TEXT_LIMIT = 4096


def spelled(number: int) -> str:
    """A name part for ``number`` in letters (names may not hold digits)."""
    letters = ""
    while True:
        number, rest = divmod(number, 26)
        letters = chr(ord("a") + rest) + letters
        if not number:
            return letters.capitalize()


def assert_within_limits(messages) -> None:
    assert messages, "nothing was answered"
    for message in messages:
        assert len(message.text or "") <= TELEGRAM_TEXT_LIMIT
        assert sum(len(row) for row in message.buttons) <= MAX_INLINE_BUTTONS


async def busy_day(services: Services, bookings: int) -> int:
    """A village hall with ``bookings`` residents booked on Tuesday 08–10."""
    place = await small_place(services, seats=500)
    for serial in range(bookings):
        slot = await slot_at(services, place, TUESDAY, time(8 + serial % 2, 0))
        await services.booking.book(
            slot.slot_id,
            owner_id=700000 + serial,
            person_name=f"Warga {spelled(serial)} Binti Seseorang Yang Namanya Panjang",
            nik=nik(serial + 1),
            phone="081234567890",
        )
    return place


async def test_a_busy_day_list_stays_within_the_limits(services, clock, make_chat, api) -> None:
    await busy_day(services, 400)
    clock.set(datetime.combine(TUESDAY, time(7, 30), tzinfo=clock.now().tzinfo))
    admin = make_chat(ADMIN_ID)
    await admin.send("/daftarhadir pondok aren")
    day_list = await admin.press("Balai Uji Coba")
    assert_within_limits(day_list)
    assert "400" in texts(day_list)  # the count is said even when the names are cut


async def test_a_long_history_in_my_bookings_is_paged(services, clock, make_chat) -> None:
    place = await small_place(services, seats=5, weekdays=(0, 1, 2, 3, 4, 5, 6))
    owner = 610001
    for serial in range(120):  # booked and cancelled again and again: a long history
        day = TUESDAY + timedelta(days=serial % 10)
        slot = await slot_at(services, place, day, time(8, 0))
        view = await services.booking.book(
            slot.slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(5000 + serial)
        )
        await services.booking.cancel(view.id, owner)
    assert_within_limits(await make_chat(owner).send("/saya"))


async def test_many_places_in_one_kecamatan(services, make_chat) -> None:
    for serial in range(130):
        await small_place(services, code=f"hall-{serial}", weekdays=(0, 1, 2, 3, 4))
    chat = make_chat(620001)
    assert_within_limits(await chat.send("/lokasi pondok aren"))
    assert_within_limits(await chat.send("/jadwal pondok aren"))
    assert_within_limits(await chat.send("/daftar"))
    assert_within_limits(await chat.send("pondok aren"))


async def test_many_places_in_booking_step_one_are_paged(services, make_chat) -> None:
    for serial in range(20):
        await small_place(services, code=f"hall-{serial}", weekdays=(0, 1, 2, 3, 4))
    chat = make_chat(620002)
    await chat.send("/daftar")
    first = await chat.send("pondok aren")
    assert_within_limits(first)
    assert "Halaman 1 dari 3" in texts(first)
    assert "\n9. " not in texts(first)  # the ninth place is on the next page
    second = await chat.press("Tempat lainnya")
    assert "\n9. " in texts(second) and "\n1. " not in texts(second)
    ninth = texts(second).split("9. ")[1].splitlines()[0]
    assert ninth.strip()
    back = await chat.press("Tempat sebelumnya")
    assert "Halaman 1 dari 3" in texts(back)
    chosen = await chat.send("9")  # the number of a place on another page still counts
    assert "Langkah 2" in texts(chosen)


async def test_many_service_days_at_one_place(services, make_chat) -> None:
    place = await small_place(services, weekdays=(0, 1, 2, 3, 4))
    async with services.db.transaction() as conn:
        for offset in range(1, 90):
            await conn.execute(
                "INSERT INTO service_days (place_id, date, opens, closes, seats_per_slot, kind,"
                " title, note) VALUES (?, ?, '08:00', '16:00', 20, 'jemput_bola', ?, ?)",
                (
                    place,
                    (TUESDAY + timedelta(days=offset)).isoformat(),
                    f"Jemput bola hari ke-{offset} di balai warga yang cukup jauh",
                    "Bawa fotokopi KK dan surat pengantar RT/RW " * 3,
                ),
            )
    chat = make_chat(630001)
    assert_within_limits(await chat.send("/jadwal pondok aren"))
    assert_within_limits(await chat.send("/lokasi pondok aren"))


async def test_many_schools_match_a_search(services, make_chat) -> None:
    async with services.db.transaction() as conn:
        for serial in range(150):
            await conn.execute(
                "INSERT INTO schools (code, name, kind, kecamatan_code)"
                " VALUES (?, ?, 'SMAN', '367403')",
                (f"sma-{serial}", f"SMA Negeri {serial + 20} Tangerang Selatan"),
            )
    assert_within_limits(await make_chat(640001).send("/sekolah sma"))


async def test_many_recording_days_at_one_school(services, make_chat) -> None:
    school = await services.db.fetchone(
        "SELECT id, place_id FROM schools WHERE code = 'sman-6-tangsel'"
    )
    assert school is not None and school["place_id"] is not None
    async with services.db.transaction() as conn:
        for offset in range(1, 60):
            await conn.execute(
                "INSERT INTO service_days (place_id, date, opens, closes, seats_per_slot, kind,"
                " school_id, title, room, note) VALUES (?, ?, '08:00', '12:00', 25, 'school', ?,"
                " ?, 'Laboratorium Komputer Lantai Dua', ?)",
                (
                    school["place_id"],
                    (TUESDAY + timedelta(days=offset)).isoformat(),
                    school["id"],
                    "Disdukcapil Goes to School: perekaman untuk siswa kelas dua belas",
                    "Siswa yang sudah berusia 17 tahun langsung dicetak. Bawa fotokopi KK. " * 2,
                ),
            )
    chat = make_chat(645001)
    card = await chat.send("/sekolah sman 6 tangsel")
    assert_within_limits(card)
    assert "Halaman 1 dari 12" in texts(card)
    later = await chat.press("Hari berikutnya")
    assert_within_limits(later)
    assert "Halaman 2 dari 12" in texts(later)
    labels = [button["text"] for row in later[-1].buttons for button in row]
    assert "📝 Daftar · Min, 29 Nov" in labels  # the sixth day, bookable from its page
    assert "⬅️ Hari sebelumnya" in labels


async def test_many_open_home_visits_in_the_staff_queue(services, make_chat) -> None:
    async with services.db.transaction() as conn:
        for serial in range(250):
            await conn.execute(
                "INSERT INTO home_visits (ticket, owner_id, person_name, nik, reason, address,"
                " kecamatan_code, phone, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'elderly', ?, '367403', '081234567890', ?, ?)",
                (
                    f"KR-{serial:05d}",
                    650000 + serial,
                    f"Ibu Sepuh {spelled(serial)} Yang Namanya Cukup Panjang",
                    nik(serial + 1),
                    "Jl. Panjang Sekali No. 1 RT 001 RW 002 Kelurahan Pondok Aren",
                    1_795_000_000 + serial,
                    1_795_000_000 + serial,
                ),
            )
    assert_within_limits(await make_chat(ADMIN_ID).send("/kunjungan"))


async def test_a_long_audit_log(services, make_chat) -> None:
    for serial in range(1500):
        await services.audit.record(
            services.clock.epoch() - serial,
            ADMIN_ID,
            "booking.check_in",
            "booking",
            serial,
            detail=f"HH{serial:04d}",
        )
    assert_within_limits(await make_chat(ADMIN_ID).send("/audit"))


@pytest.mark.parametrize("period", ["", "30 hari", "tahun ini"])
async def test_reports_over_long_periods(services, make_chat, period) -> None:
    await busy_day(services, 50)
    assert_within_limits(await make_chat(ADMIN_ID).send(f"/rekap {period}".strip()))
