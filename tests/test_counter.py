"""The counter (issue 17): queue numbers at check-in (one sequence per place and day, unique and
gapless under concurrent check-ins), shown to staff, in the day list and to the resident; check-in
from the day list by buttons, undo, call next, and the rest marked no-show after a confirmation."""

from __future__ import annotations

import asyncio

from handlers.checkin.counter import CNT
from tests.booking_helpers import MONDAY, next_account, nik, place_id
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts
from tests.reminders_helpers import dispatch


async def book_today(services, count: int, *, names=None) -> list:
    """``count`` bookings at the Pondok Aren office today (the test clock's Monday)."""
    office = await place_id(services)
    views = []
    serial = 0
    for slot in await services.booking.free_slots(office, MONDAY):
        for _seat in range(slot.seats_left):
            if len(views) == count:
                return views
            serial += 1
            name = (
                names[serial - 1]
                if names
                else f"Warga {chr(64 + serial % 26 + 1)}{chr(65 + serial // 26)}"
            )
            views.append(
                await services.booking.book(
                    slot.slot_id, owner_id=next_account(), person_name=name, nik=nik(serial)
                )
            )
    assert len(views) == count
    return views


async def test_hadir_gives_the_next_queue_number_and_tells_the_resident(make_chat, services, app):
    first, second = await book_today(services, 2, names=["Siti Aminah", "Budi Santoso"])
    operator = make_chat(OPERATOR_ID)
    one = texts(await operator.send(f"/hadir {first.code}"))
    two = texts(await operator.send(f"/hadir {second.code}"))
    assert "Nomor antrean: A-001" in one and "Nomor antrean: A-002" in two
    resident = make_chat(first.owner_id)
    await dispatch(services, app)
    assert "A-001" in resident.last.plain_text() and "dipanggil" in resident.last.plain_text()
    day_list = texts(await operator.send("/daftarhadir pondok aren"))
    assert "A-001" in day_list and "A-002" in day_list


async def test_queue_numbers_are_unique_and_sequential_under_concurrent_check_ins(services):
    views = await book_today(services, 40)
    done = await asyncio.gather(
        *(services.booking.check_in(view.id, OPERATOR_ID) for view in views)
    )
    assert sorted(view.queue_no for view in done) == list(range(1, 41))
    # Another place starts its own sequence.
    setu = await place_id(services, "kec-setu")
    slot = (await services.booking.free_slots(setu, MONDAY))[0]
    other = await services.booking.book(
        slot.slot_id, owner_id=next_account(), person_name="Rina", nik=nik(99)
    )
    admin_done = await services.booking.check_in(other.id, ADMIN_ID)
    assert admin_done.queue_no == 1


async def test_check_in_from_the_day_list_by_buttons_and_undo(make_chat, services):
    first, second = await book_today(services, 2, names=["Siti Aminah", "Budi Santoso"])
    operator = make_chat(OPERATOR_ID)
    await operator.send("/daftarhadir pondok aren")
    listed = operator.last_with_buttons()
    checked = texts(await operator.press("Budi Santoso", listed))
    assert "Tercatat hadir" in checked and "A-001" in checked
    assert (await services.booking.booking(second.id)).status == "attended"
    undone = texts(await operator.press("Batalkan catatan hadir"))
    assert "kembali terdaftar" in undone
    again = await services.booking.booking(second.id)
    assert again.status == "active" and again.queue_no is None
    # Checked in again: a new number, the old one is never called twice.
    assert "A-002" in texts(await operator.send(f"/hadir {second.code}"))
    twice = await operator.press_data(CNT.pack("undo", first.id, ""))
    assert (await services.booking.booking(first.id)).status == "active"
    assert twice == [] or "belum tercatat hadir" in texts(twice)


async def test_call_next_calls_numbers_in_order(make_chat, services):
    views = await book_today(services, 2, names=["Siti Aminah", "Budi Santoso"])
    for view in views:
        await services.booking.check_in(view.id, OPERATOR_ID)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/daftarhadir pondok aren")
    first = texts(await operator.press("Panggil berikutnya"))
    assert "A-001" in first and "Siti Aminah" in first and "1 masih menunggu" in first
    second = texts(await operator.press("Panggil berikutnya"))
    assert "A-002" in second and "Budi Santoso" in second
    await operator.press("Panggil berikutnya")
    assert (await services.counter.store.waiting(views[0].place.id, MONDAY)) == 0


async def test_end_of_day_marks_the_rest_no_show_after_a_confirmation(make_chat, services):
    views = await book_today(services, 3)
    await services.booking.check_in(views[0].id, OPERATOR_ID)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/daftarhadir pondok aren")
    asked = texts(await operator.press("Tutup hari"))
    assert "Tandai 2 pendaftaran" in asked
    assert (await services.booking.booking(views[1].id)).status == "active"  # not yet
    kept = texts(await operator.press("Tidak, biarkan"))
    assert (await services.booking.booking(views[1].id)).status == "active" and kept
    await operator.send("/daftarhadir pondok aren")
    await operator.press("Tutup hari")
    done = texts(await operator.press("Ya, tandai"))
    assert "2 pendaftaran ditandai tidak datang" in done
    statuses = [(await services.booking.booking(v.id)).status for v in views]
    assert statuses == ["attended", "no_show", "no_show"]


async def test_counter_buttons_are_for_staff_of_the_kecamatan_only(make_chat, services):
    view = (await book_today(services, 1))[0]
    await services.booking.check_in(view.id, OPERATOR_ID)
    resident = make_chat(view.owner_id)
    await resident.press_data(CNT.pack("undo", view.id, ""))  # refused with an alert
    assert (await services.booking.booking(view.id)).status == "attended"
    await resident.press_data(CNT.pack("nsy", view.place.id, MONDAY.strftime("%Y%m%d")))
    assert (await services.booking.booking(view.id)).status == "attended"


async def test_the_day_list_prints_as_a_pdf(make_chat, services):
    views = await book_today(services, 2, names=["Siti Aminah", "Budi Santoso"])
    await services.booking.check_in(views[0].id, OPERATOR_ID)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/daftarhadir pondok aren")
    sent = await operator.press("PDF untuk dicetak")
    pdf = next(m for m in sent if m.kind == "document")
    assert pdf.file_name.endswith(".pdf") and pdf.file_bytes.startswith(b"%PDF")
    assert len(pdf.file_bytes) > 1000
