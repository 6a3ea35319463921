"""Staff changes that would hurt residents are previewed (design.md §8, issue 17): /aturtempat
hours, slot length and seats, and /tutup, through the real Application; plus the conversation
rules on these two staff flows (typed equivalents, honest exits, typed kecamatan names)."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.booking_helpers import MONDAY, next_account, nik, place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts
from tests.reminders_helpers import dispatch

NEXT_MONDAY = date(2026, 11, 30)


async def book_monday_8(services, owner: int, serial: int):
    office = await place_id(services)
    slot = next(
        s for s in await services.booking.free_slots(office, NEXT_MONDAY) if s.starts == time(8)
    )
    return await services.booking.book(
        slot.slot_id,
        owner_id=owner,
        person_name="Siti Aminah",
        nik=nik(serial),
        phone="081234567890",
    )


@pytest.fixture
async def three_mondays(make_chat, services):
    """Three residents booked for next Monday 08.00 at Kantor Kecamatan Pondok Aren."""
    residents = [next_account() for _ in range(3)]
    chats = [make_chat(r) for r in residents]
    for c in chats:
        await c.send("/start")
    views = [await book_monday_8(services, r, i + 1) for i, r in enumerate(residents)]
    return chats, views


async def open_card(operator):
    messages = await operator.send("/aturtempat")
    return await operator.press(messages[-1].button_labels[0])


async def statuses(services, views):
    return [(await services.booking.booking(v.id)).status for v in views]


async def test_monday_hours_preview_keep_then_apply_tells_each_resident(
    make_chat, services, app, three_mondays
):
    chats, views = three_mondays
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Sen")
    preview = texts(await operator.send("10.00-15.00"))
    # The preview lists the three bookings; nothing is cancelled before confirmation.
    assert "3 pendaftaran aktif tidak lagi sesuai dan akan dibatalkan" in preview
    assert all(v.code in preview for v in views)
    assert "Siti A." in preview and "Siti Aminah" not in preview
    assert "Belum ada yang diubah" in preview
    assert await statuses(services, views) == ["active"] * 3
    # Keeping it as it is keeps the bookings and the hours.
    kept = texts(await operator.press("Biarkan seperti semula"))
    assert "Tidak ada yang diubah" in kept and "Senin: 08.00–" in kept
    assert await statuses(services, views) == ["active"] * 3
    # Confirming cancels them; the card never claims they stay valid.
    await operator.press("Sen")
    await operator.send("10-15")
    applied = texts(await operator.press("Terapkan perubahan"))
    assert "Jam layanan disimpan" in applied and "Senin: 10.00–15.00" in applied
    assert "tetap berlaku" not in applied and "dibatalkan" in applied
    assert await statuses(services, views) == ["cancelled"] * 3
    # Each resident is told why, with new times one tap away.
    await dispatch(services, app)
    for chat, view in zip(chats, views, strict=True):
        notice = chat.last
        assert view.code in notice.plain_text() and "Mohon maaf" in notice.plain_text()
        assert "jam layanan tempat ini berubah" in notice.plain_text()
        assert notice.button_labels
    rebooked = await chats[0].press(1, chats[0].last)
    assert "didaftarkan ulang" in texts(rebooked)
    assert (await services.booking.booking(views[0].id)).status == "active"


async def test_hours_that_hit_nobody_are_saved_at_once(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Sab")
    saved = texts(await operator.send("8-12"))
    assert "tidak ada pendaftaran yang terdampak" in saved
    assert "Sabtu: 08.00–12.00" in saved


async def test_a_slot_length_that_hits_nobody_is_saved_at_once(make_chat, services, three_mondays):
    _chats, views = three_mondays
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Lama sesi")
    # 30-minute slots still start at 08.00: nobody is hit, so nothing to confirm.
    done = texts(await operator.send("30"))  # typed minutes, not button number 30
    assert "Lama sesi diubah" in done
    assert await statuses(services, views) == ["active"] * 3


async def test_fewer_seats_than_booked_keeps_every_booking(make_chat, services, three_mondays):
    _chats, views = three_mondays
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Kuota per sesi")
    preview = texts(await operator.send("2"))
    assert "1 sesi sudah memiliki pendaftaran lebih banyak dari 2 kursi" in preview
    assert "3 terdaftar" in preview and "Tidak ada yang dibatalkan" in preview
    saved = texts(await operator.press("Terapkan perubahan"))
    assert "Kuota per sesi: 2" in saved
    assert await statuses(services, views) == ["active"] * 3


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("15.00-08.00", "Jam tutupnya lebih awal dari jam buka"),
        ("08.00-12.00,11.00-15.00", "bertumpuk"),
        ("pagi saja", "tidak terbaca"),
    ],
)
async def test_hours_that_cannot_be_saved_say_why(make_chat, services, typed, said):
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Sab")
    assert said in texts(await operator.send(typed))
    place = await services.places.place(await place_id(services))
    assert not any(h.weekday == 5 for h in await services.places.hours(place.id))


async def test_seat_bound_and_a_date_example_that_is_not_past(make_chat, clock):
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Kuota per sesi")
    assert "1 sampai 500" in texts(await operator.send("501"))
    await operator.press("◀️")
    prompt = texts(await operator.press("Tambah hari layanan"))
    assert "misalnya 30/11" in prompt  # a week after the test clock's Monday 23 November


async def test_admin_types_a_kecamatan_name(make_chat):
    admin = make_chat(ADMIN_ID)
    assert "Kecamatan mana?" in texts(await admin.send("/aturtempat"))
    places = await admin.send("pondok aren")
    assert "Tempat yang mana?" in texts(places)
    assert "Kantor Kecamatan Pondok Aren" in places[-1].button_labels


async def test_typed_equivalents_and_honest_exits(make_chat):
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    assert "Selesai." in texts(await operator.send("selesai"))
    await open_card(operator)
    left = texts(await operator.send("keluar"))
    assert "Dihentikan. Tidak ada yang diubah." in left
    await open_card(operator)
    await operator.send("2")  # the second button: Sel(asa)
    await operator.send("8-12")
    left = texts(await operator.send("/batal"))
    assert "Perubahan yang sudah disimpan tetap berlaku" in left


async def test_closing_a_day_nobody_booked_says_so(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    await operator.send("/tutup")
    await operator.press("Kantor Kecamatan Pondok Aren")
    await operator.press("Sel, 24 Nov")
    await operator.press("Seharian")
    confirm = texts(await operator.press("Listrik padam"))
    assert "Tidak ada pendaftaran aktif yang terdampak" in confirm
    done = texts(await operator.send("ya"))
    assert "Tidak ada pendaftaran yang terdampak" in done and "0 pendaftaran" not in done


async def test_leaving_the_closing_flow_closes_nothing(make_chat, services):
    operator = make_chat(OPERATOR_ID)
    await operator.send("/tutup")
    await operator.press("Kantor Kecamatan Pondok Aren")
    left = texts(await operator.press("Keluar"))
    assert "Tidak ada yang ditutup" in left
    assert await services.places.closures(MONDAY, NEXT_MONDAY) == []


async def test_a_longer_slot_that_hits_bookings_is_previewed(make_chat, services):
    office = await place_id(services)
    nine = next(
        s for s in await services.booking.free_slots(office, NEXT_MONDAY) if s.starts == time(9)
    )
    owner = next_account()
    view = await services.booking.book(
        nine.slot_id, owner_id=owner, person_name="Budi Santoso", nik=nik(7), phone=None
    )
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Lama sesi")
    preview = texts(await operator.press("90 menit"))  # 08.00, 09.30, …: no slot at 09.00 any more
    assert "1 pendaftaran aktif tidak lagi sesuai" in preview and view.code in preview
    assert "Budi S." in preview
    assert (await services.booking.booking(view.id)).status == "active"
    applied = texts(await operator.press("Terapkan perubahan"))
    assert "Lama sesi diubah" in applied
    assert (await services.booking.booking(view.id)).status == "cancelled"


@pytest.mark.parametrize("data", ["pl:wd:0", "pl:place:1", "chc:ok:", "chck:k:367403"])
async def test_buttons_from_before_the_engine_are_answered(make_chat, api, data):
    operator = make_chat(OPERATOR_ID)
    await operator.send("/staf")
    await operator.press_data(data)
    assert "tidak aktif lagi" in api.callback_answers[-1]["text"]


async def test_a_closure_can_be_reopened(make_chat, services):
    office = await place_id(services)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/tutup")
    await operator.press("Kantor Kecamatan Pondok Aren")
    await operator.press("Sel, 24 Nov")
    await operator.press("09.00–10.00")
    await operator.press("Listrik padam")
    await operator.send("ya")
    free = [s.starts for s in await services.booking.free_slots(office, date(2026, 11, 24))]
    assert time(9) not in free
    await operator.send("/tutup")
    await operator.press("Kantor Kecamatan Pondok Aren")
    reopened = texts(await operator.press("🔓 Buka lagi Sel, 24 Nov"))
    assert "Buka kembali pada Selasa, 24 November 2026 (09.00–10.00)" in reopened
    assert "tetap batal" in reopened
    free = [s.starts for s in await services.booking.free_slots(office, date(2026, 11, 24))]
    assert time(9) in free
    assert (await services.audit.recent(1))[0].action == "booking.reopen"


async def test_new_hours_can_start_later_and_spare_the_bookings_before(
    make_chat, services, three_mondays
):
    _chats, views = three_mondays
    office = await place_id(services)
    place = await services.places.place(office)
    operator = make_chat(OPERATOR_ID)
    await open_card(operator)
    await operator.press("Sen")
    await operator.send("10.00-15.00")
    # Next week (Monday 30 November) still hits the three bookings of that day.
    week = texts(await operator.press("📅 Mulai"))
    assert "mulai Senin, 30 November 2026" in week and "3 pendaftaran aktif" in week
    # From 1 December on, nobody is hit: the bookings before stay as they are.
    later = texts(await operator.send("1/12"))
    assert "Tidak ada pendaftaran aktif yang terdampak" in later
    saved = texts(await operator.press("Terapkan perubahan"))
    assert "mulai berlaku pada tanggal" in saved and "→ mulai Sel, 1 Des: 10.00–15.00" in saved
    assert await statuses(services, views) == ["active"] * 3
    monday_30 = await services.schedule.day(place, NEXT_MONDAY)
    monday_7 = await services.schedule.day(place, date(2026, 12, 7))
    assert monday_30.openings[0].opens == time(8)
    assert [(o.opens, o.closes) for o in monday_7.openings] == [(time(10), time(15))]
    # Hours set "from now" later replace the planned change.
    await operator.press("Sen")
    assert "tidak ada pendaftaran yang terdampak" in texts(await operator.send("8-12"))
    monday_7 = await services.schedule.day(place, date(2026, 12, 7))
    assert [(o.opens, o.closes) for o in monday_7.openings] == [(time(8), time(12))]
