"""The /tutup delivery report (issue 17): once the messages of a closure (or a reopening) went out,
the staff member hears how many residents were told and how many could not be reached; a report
waits for messages still being retried; a closure that hit nobody says so and sends no report.
Through the real Application."""

from __future__ import annotations

from datetime import date, time

from tests.booking_helpers import next_account, nik, slot_at, small_place
from tests.conftest import OPERATOR_ID, texts
from tests.reminders_helpers import dispatch

TUESDAY = date(2026, 11, 24)


async def booked_resident(services, make_chat, place: int, starts: time, serial: int):
    owner = next_account()
    chat = make_chat(owner)
    await chat.send("/start")
    slot = await slot_at(services, place, TUESDAY, starts)
    view = await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Agus Salim", nik=nik(serial), phone=None
    )
    return chat, view


async def close(operator, what: str) -> str:
    await operator.send("/tutup")
    await operator.press("Balai Uji Coba")
    await operator.press("Sel, 24 Nov")
    await operator.press(what)
    await operator.press("Listrik padam")
    return texts(await operator.send("ya"))


async def test_the_report_counts_residents_told_and_those_who_blocked_the_bot(
    make_chat, services, app, api
):
    place = await small_place(services)
    told, _ = await booked_resident(services, make_chat, place, time(8), 1)
    blocked, _ = await booked_resident(services, make_chat, place, time(9), 2)
    operator = make_chat(OPERATOR_ID)
    done = await close(operator, "Seharian")
    assert "2 pendaftaran dibatalkan" in done and "laporan" in done
    api.blocked.add(blocked.chat_id)
    await dispatch(services, app)
    assert "Mohon maaf" in told.last.plain_text()
    report = operator.last.plain_text()
    assert "Penutupan Balai Uji Coba, Selasa, 24 November 2026" in report
    assert "Warga yang sudah diberi tahu: 1 dari 2" in report
    assert "Tidak dapat dihubungi (memblokir bot atau sudah tidak memakai Telegram): 1" in report


async def test_the_report_waits_for_a_message_being_retried(make_chat, services, app, api, clock):
    place = await small_place(services)
    resident, _ = await booked_resident(services, make_chat, place, time(8), 3)
    operator = make_chat(OPERATOR_ID)
    await close(operator, "08.00–09.00")
    before = len(operator.transcript)
    api.fail("sendMessage", status=502, description="Bad Gateway")
    await dispatch(services, app)
    assert len(operator.transcript) == before  # the notice failed: no report yet
    clock.advance(seconds=61)
    await dispatch(services, app)
    assert "Mohon maaf" in resident.last.plain_text()
    assert "Warga yang sudah diberi tahu: 1 dari 1" in operator.last.plain_text()


async def test_those_waiting_for_a_closed_day_are_shown_told_and_reported(
    make_chat, services, app
):
    place = await small_place(services)
    waiting = next_account()
    waiter = make_chat(waiting)
    await waiter.send("/start")
    await services.booking.join_waitlist(waiting, place, TUESDAY)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/tutup")
    await operator.press("Balai Uji Coba")
    await operator.press("Sel, 24 Nov")
    await operator.press("Seharian")
    confirm = texts(await operator.press("Listrik padam"))
    assert "1 warga dalam daftar tunggu hari itu diberi tahu" in confirm
    done = texts(await operator.send("ya"))
    assert "Tidak ada pendaftaran yang terdampak" in done and "laporan" in done
    await dispatch(services, app)
    assert "daftar tunggu Anda" in waiter.last.plain_text()
    assert "Warga yang sudah diberi tahu: 1 dari 1" in operator.last.plain_text()


async def test_a_closure_nobody_booked_sends_no_report(make_chat, services, app):
    await small_place(services)
    operator = make_chat(OPERATOR_ID)
    done = await close(operator, "Seharian")
    assert "Tidak ada pendaftaran yang terdampak" in done
    assert "tidak ada warga yang perlu diberi pesan" in done
    assert "0 pendaftaran" not in done and "sedang diberi tahu" not in done
    before = len(operator.transcript)
    await dispatch(services, app)
    assert len(operator.transcript) == before


async def test_a_reopening_offers_the_seat_to_the_waitlist_and_reports(make_chat, services, app):
    place = await small_place(services)  # one seat a slot: 08.00 and 09.00
    await booked_resident(services, make_chat, place, time(8), 4)
    await booked_resident(services, make_chat, place, time(9), 5)
    waiting = next_account()
    waiter = make_chat(waiting)
    await waiter.send("/start")
    await services.booking.join_waitlist(waiting, place, TUESDAY)
    operator = make_chat(OPERATOR_ID)
    await close(operator, "09.00–10.00")
    await dispatch(services, app)
    assert "Warga yang sudah diberi tahu: 1 dari 1" in operator.last.plain_text()
    await operator.send("/tutup")
    await operator.press("Balai Uji Coba")
    reopened = texts(await operator.press("🔓 Buka lagi Sel, 24 Nov"))
    assert "1 warga dalam daftar tunggu hari itu ditawari kuota" in reopened
    await dispatch(services, app)
    assert "Ada kuota tersedia" in waiter.last.plain_text()
    report = operator.last.plain_text()
    assert "Pembukaan kembali Balai Uji Coba" in report
    assert "Warga yang sudah diberi tahu: 1 dari 1" in report


async def test_new_weekly_hours_that_cancel_bookings_are_reported_too(make_chat, services, app):
    place = await small_place(services)  # Tuesdays 08–10
    resident, view = await booked_resident(services, make_chat, place, time(9), 6)
    operator = make_chat(OPERATOR_ID)
    await operator.send("/aturtempat")
    await operator.press("Balai Uji Coba")
    await operator.press("Sel")
    await operator.send("8-9")
    applied = texts(await operator.press("Terapkan perubahan"))
    assert "laporan" in applied
    await dispatch(services, app)
    assert view.code in resident.last.plain_text()
    report = operator.last.plain_text()
    assert "Jam layanan baru Balai Uji Coba" in report
    assert "Warga yang sudah diberi tahu: 1 dari 1" in report
