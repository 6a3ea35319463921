"""Service days changed or cancelled in /aturtempat (issue 17): the bookings a change hits are
shown (masked) and confirmed first, residents hit are told with new times one tap away, those
waiting for the day hear it too, widening hurts nobody and says so, and the staff member gets a
report once the messages went out. Through the real Application."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.storage.broadcasts import Audience
from tests.booking_helpers import next_account, nik, place_id, slot_at
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts
from tests.reminders_helpers import dispatch

SATURDAY = date(2026, 11, 28)


@pytest.fixture
async def saturday(services):
    """A Saturday service day 08.00–12.00 (5 seats a slot) at Kantor Kecamatan Pondok Aren."""
    office = await place_id(services)
    day_id = await services.places.upsert_service_day(
        place_id=office,
        day=SATURDAY,
        opens=time(8),
        closes=time(12),
        seats_per_slot=5,
        kind="weekend",
        title="Layanan Sabtu",
    )
    await services.events.emit("service_day.created", service_day_id=day_id)
    return office, day_id


async def book(services, make_chat, office: int, starts: time, serial: int):
    owner = next_account()
    chat = make_chat(owner)
    await chat.send("/start")
    slot = await slot_at(services, office, SATURDAY, starts)
    view = await services.booking.book(
        slot.slot_id,
        owner_id=owner,
        person_name="Dewi Lestari",
        nik=nik(serial),
        phone="081234567890",
    )
    return chat, view


async def open_day(operator):
    """/aturtempat → the operator's place → change a service day → the Saturday."""
    messages = await operator.send("/aturtempat")
    await operator.press(messages[-1].button_labels[0])
    await operator.press("Ubah atau batalkan hari layanan")
    return await operator.press("Sab, 28 Nov")


async def status(services, view) -> str:
    return (await services.booking.booking(view.id)).status


async def test_shorter_hours_are_previewed_then_residents_are_told_and_staff_get_a_report(
    make_chat, services, app, api, saturday
):
    office, _day = saturday
    early, early_view = await book(services, make_chat, office, time(8), 1)
    late, late_view = await book(services, make_chat, office, time(11), 2)
    operator = make_chat(OPERATOR_ID)
    shown = texts(await open_day(operator))
    assert "Layanan Sabtu" in shown and "pendaftaran aktif: 2" in shown
    await operator.press("Jam")
    preview = texts(await operator.send("8-10"))
    # Only the 11.00 booking falls outside; it is listed masked and nothing changes yet.
    assert "1 pendaftaran aktif tidak lagi sesuai" in preview
    assert late_view.code in preview and early_view.code not in preview
    assert "Dewi L." in preview and "Dewi Lestari" not in preview
    assert await status(services, late_view) == "active"
    applied = texts(await operator.press("Terapkan perubahan"))
    assert "Jam hari layanan disimpan" in applied and "laporan" in applied
    assert "28 Nov 2026 08.00–10.00" in applied
    assert await status(services, late_view) == "cancelled"
    assert await status(services, early_view) == "active"
    # The resident hit is told why, with new times one tap away; the other hears nothing.
    api.blocked.add(early.chat_id)  # blocking changes nothing for someone not messaged
    await dispatch(services, app)
    notice = late.last.plain_text()
    assert late_view.code in notice and "jam hari layanan ini berubah" in notice
    assert late.last.button_labels
    assert "Mohon maaf" not in early.last.plain_text()
    report = operator.last.plain_text()
    assert "Hari layanan di Kantor Kecamatan Pondok Aren" in report
    assert "Warga yang sudah diberi tahu: 1 dari 1" in report
    assert "Tidak dapat dihubungi" in report
    assert (await services.audit.recent(1))[0].action == "service_day_change"


async def test_longer_hours_and_more_seats_hit_nobody_and_say_so(make_chat, services, saturday):
    office, day_id = saturday
    _chat, view = await book(services, make_chat, office, time(8), 3)
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    await operator.press("Jam")
    saved = texts(await operator.send("07.00-14.00"))
    assert "tidak ada pendaftaran yang terdampak" in saved
    await operator.press("Ubah atau batalkan hari layanan")
    await operator.press("Sab, 28 Nov")
    await operator.press("Kuota per sesi")
    assert "tidak ada pendaftaran yang dibatalkan" in texts(await operator.send("10"))
    day = await services.places.service_day(day_id)
    assert (day.opens, day.closes, day.seats_per_slot) == (time(7), time(14), 10)
    assert await status(services, view) == "active"


async def test_fewer_seats_than_booked_keeps_the_bookings(make_chat, services, saturday):
    office, _day = saturday
    views = [(await book(services, make_chat, office, time(9), 10 + i))[1] for i in range(2)]
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    await operator.press("Kuota per sesi")
    preview = texts(await operator.send("1"))
    assert "lebih banyak dari 1 kursi" in preview and "Tidak ada yang dibatalkan" in preview
    await operator.press("Terapkan perubahan")
    assert [await status(services, v) for v in views] == ["active", "active"]


async def test_cancelling_a_day_asks_first_then_tells_bookers_and_the_waitlist(
    make_chat, services, app, saturday
):
    office, day_id = saturday
    booker, view = await book(services, make_chat, office, time(10), 4)
    waiting = next_account()
    waiter = make_chat(waiting)
    await waiter.send("/start")
    await services.booking.join_waitlist(waiting, office, SATURDAY)
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    preview = texts(await operator.press("Batalkan hari layanan ini"))
    assert "1 pendaftaran aktif" in preview and view.code in preview
    assert "1 warga dalam daftar tunggu hari itu diberi tahu" in preview
    kept = texts(await operator.press("Biarkan seperti semula"))
    assert "Tidak ada yang diubah" in kept
    assert await status(services, view) == "active"
    await operator.press("Ubah atau batalkan hari layanan")
    await operator.press("Sab, 28 Nov")
    await operator.press("Batalkan hari layanan ini")
    done = texts(await operator.press("Terapkan perubahan"))
    assert "Hari layanan dibatalkan" in done and "laporan" in done
    assert (await services.places.service_day(day_id)).status == "cancelled"
    assert await status(services, view) == "cancelled"
    await dispatch(services, app)
    assert "hari layanan ini dibatalkan" in booker.last.plain_text()
    assert booker.last.button_labels  # new times, one tap
    assert "daftar tunggu Anda" in waiter.last.plain_text()
    report = operator.last.plain_text()
    assert "dibatalkan" in report and "Warga yang sudah diberi tahu: 2 dari 2" in report
    assert (await services.audit.recent(1))[0].action == "service_day_cancel"
    audit = texts(await make_chat(ADMIN_ID).send("/audit"))
    assert "Rina Marlina · membatalkan hari layanan" in audit


async def test_cancelling_a_day_nobody_booked_still_asks(make_chat, services, saturday):
    _office, day_id = saturday
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    preview = texts(await operator.press("Batalkan hari layanan ini"))
    assert "Tidak ada pendaftaran aktif yang terdampak" in preview
    assert (await services.places.service_day(day_id)).status != "cancelled"
    assert "Silakan tekan ✅" in texts(await operator.send("30/11"))  # not a start date here
    assert (await services.places.service_day(day_id)).status != "cancelled"
    done = texts(await operator.send("ya"))
    assert "Tidak ada pendaftaran yang terdampak" in done and "laporan" not in done
    assert (await services.places.service_day(day_id)).status == "cancelled"


async def test_a_title_is_saved_and_a_question_is_not(make_chat, services, saturday):
    _office, day_id = saturday
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    await operator.press("Judul")
    await operator.send("syaratnya apa aja?")
    assert (await services.places.service_day(day_id)).title == "Layanan Sabtu"
    await operator.press("Lanjutkan")
    saved = texts(await operator.send("Layanan Sabtu Ceria"))
    assert "Judul hari layanan disimpan" in saved
    assert (await services.places.service_day(day_id)).title == "Layanan Sabtu Ceria"


async def test_a_service_day_has_one_opening_time(make_chat, services, saturday):
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    await operator.press("Jam")
    assert "satu jam buka" in texts(await operator.send("08.00-10.00,11.00-12.00"))
    assert "lebih awal dari jam buka" in texts(await operator.send("12.00-08.00"))


async def announce(services, day_id: int, *, sent_to: list[int]) -> tuple[int, int]:
    """A weekend-service announcement of the day already sent to ``sent_to``, and a second one
    still scheduled for later; returns their ids."""
    store, now = services.broadcasts.store, services.clock.epoch()
    for user_id in sent_to:
        await services.subscriptions.subscribe_kecamatan(user_id, "367403")
    ids = []
    for later in (0, 3600):
        ids.append(
            await store.create(
                author_id=ADMIN_ID,
                text_id="Layanan Sabtu 08.00–12.00",
                text_en="",
                audience=Audience(kind="kecamatan", kecamatan=("367403",)),
                scheduled_at=now + later,
                kind="service",
                details={"service_day_ids": [day_id]},
                now=now,
            )
        )
    await store.start(ids[0], now)
    await services.db.write(
        "UPDATE broadcast_deliveries SET status = 'sent' WHERE broadcast_id = ?", (ids[0],)
    )
    await store.finish(ids[0], now)
    return ids[0], ids[1]


async def test_those_the_announcement_reached_are_told_and_a_pending_one_is_stopped(
    make_chat, services, app, saturday
):
    office, day_id = saturday
    booker, view = await book(services, make_chat, office, time(11), 20)
    reader = make_chat(next_account())
    await reader.send("/start")
    _sent, scheduled = await announce(services, day_id, sent_to=[reader.chat_id, booker.chat_id])
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    await operator.press("Jam")
    preview = texts(await operator.send("8-10"))
    assert "2 warga menerima pengumuman hari ini" in preview
    assert "⏹ 1 pengumuman hari ini belum terkirim" in preview
    applied = texts(await operator.press("Terapkan perubahan"))
    assert "1 warga yang menerima pengumuman hari ini diberi tahu" in applied
    assert (await services.broadcasts.get(scheduled)).status == "cancelled"
    await dispatch(services, app)
    # The reader hears the hours as they are now; the booker only their booking's notice.
    news = reader.last.plain_text()
    assert "Sabtu, 28 November 2026 sekarang buka 08.00–10.00" in news
    assert reader.last.button_labels
    assert view.code in booker.last.plain_text()
    assert "Warga yang sudah diberi tahu: 2 dari 2" in operator.last.plain_text()


async def test_cancelling_an_announced_day_tells_its_readers(make_chat, services, app, saturday):
    _office, day_id = saturday
    reader = make_chat(next_account())
    await reader.send("/start")
    await announce(services, day_id, sent_to=[reader.chat_id])
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    await operator.press("Batalkan hari layanan ini")
    await operator.press("Terapkan perubahan")
    await dispatch(services, app)
    assert "dibatalkan" in reader.last.plain_text()
    assert "Kantor Kecamatan Pondok Aren" in reader.last.plain_text()


async def test_a_school_event_shown_here_opens_in_acara(make_chat, services, saturday):
    office, _day = saturday
    school = await services.places.school_by_code("sman-4-tangsel")
    event_id = await services.places.upsert_service_day(
        place_id=office,
        day=date(2026, 11, 26),
        opens=time(8),
        closes=time(11),
        seats_per_slot=20,
        kind="school",
        school_id=school.id,
    )
    await services.events.emit("service_day.created", service_day_id=event_id)
    operator = make_chat(ADMIN_ID)
    await operator.send("/aturtempat")
    await operator.send("pondok aren")
    await operator.press("Kantor Kecamatan Pondok Aren")
    listed = await operator.press("Ubah atau batalkan hari layanan")
    assert "🏫 Kam, 26 Nov 08.00–11.00" in listed[-1].button_labels
    panel = texts(await operator.press("🏫 Kam, 26 Nov 08.00–11.00"))
    assert "Kamis, 26 November 2026" in panel
    assert "Batalkan" in " ".join(operator.last.button_labels)


async def test_a_long_list_of_bookings_is_capped_below_telegrams_limit(
    make_chat, services, saturday
):
    office, _day = saturday
    starts = [time(h) for h in (8, 9, 10, 11)]
    for serial in range(20):  # every seat of the day: 4 slots of 5
        slot = await slot_at(services, office, SATURDAY, starts[serial // 5])
        await services.booking.book(
            slot.slot_id,
            owner_id=next_account(),
            person_name="Rahmat Hidayat",
            nik=nik(100 + serial),
            phone=None,
        )
    operator = make_chat(OPERATOR_ID)
    await open_day(operator)
    preview = await operator.press("Batalkan hari layanan ini")
    text = preview[-1].text
    assert "20 pendaftaran aktif" in text and "dan 5 lainnya" in text
    assert text.count("Rahmat H.") == 15 and "Rahmat Hidayat" not in text
    assert len(text) < 4096
