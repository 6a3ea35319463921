"""/saya: the active bookings with reschedule and cancel, the ticket again, the waitlist, and the
refusal of buttons naming someone else's booking."""

from __future__ import annotations

from datetime import time

import pytest

from handlers.booking_views import BKM, MINE
from handlers.mine import booking_action_buttons
from tests.booking_helpers import (
    TUESDAY,
    WEDNESDAY,
    next_account,
    nik,
    place_id,
    slot_at,
    small_place,
)
from tests.conftest import texts


@pytest.fixture
def resident() -> int:
    return next_account()


@pytest.fixture
def chat(make_chat, resident):
    return make_chat(resident)


async def booked(services, owner, serial=1, day=TUESDAY, index=0):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, day))[index]
    return await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(serial)
    )


async def test_nothing_yet(chat):
    messages = await chat.send("/saya")
    assert "belum punya pendaftaran" in texts(messages)
    assert any("Daftar" in label for label in chat.last.button_labels)


async def test_lists_every_active_booking_with_its_buttons(resident, chat, services):
    first = await booked(services, resident, serial=1)
    second = await booked(services, resident, serial=2, day=WEDNESDAY)
    messages = await chat.send("/saya")
    text = texts(messages)
    assert first.code in text and second.code in text
    assert "3674••••••••0001" in text and nik(1) not in text
    card = next(m for m in messages if first.code in m.plain_text())
    assert card.button_labels == [
        "🔁 Pindah jadwal",
        "✖️ Batalkan pendaftaran",
        "🎫 Kode, QR dan kalender",
    ]


async def test_the_menu_button_and_a_sentence_show_the_list(resident, chat, services):
    view = await booked(services, resident)
    await chat.send("/start")
    by_button = await chat.press("Pendaftaran saya")
    assert view.code in texts(by_button)
    by_text = await chat.send("cek booking saya")
    assert view.code in texts(by_text)


async def test_cancel_asks_first_then_frees_the_seat(resident, chat, services):
    view = await booked(services, resident)
    await chat.send("/saya")
    question = await chat.press("Batal")
    assert "Batalkan pendaftaran" in texts(question) and view.code in texts(question)
    kept = await chat.press("Tidak, tetap")
    assert "tetap seperti semula" in texts(kept)
    assert (await services.booking.booking(view.id)).status == "active"
    await chat.send("/saya")
    await chat.press("Batal")
    done = await chat.press("Ya, batalkan")
    assert "sudah dibatalkan" in texts(done)
    assert (await services.booking.booking(view.id)).status == "cancelled"
    office = await place_id(services)
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 12


async def test_someone_elses_booking_is_refused(resident, chat, services, api):
    other = await booked(services, resident + 1, serial=7)
    await chat.send("/start")
    for data in (MINE.pack("cx", other.id), MINE.pack("cy", other.id), MINE.pack("tk", other.id)):
        await chat.press_data(data)
        assert "milik akun lain" in api.callback_answers[-1]["text"]
    await chat.press_data(BKM.pack(other.id))
    assert "milik akun lain" in api.callback_answers[-1]["text"]
    assert (await services.booking.booking(other.id)).status == "active"


async def test_reschedule_keeps_the_code(resident, chat, services):
    view = await booked(services, resident)
    await chat.send("/saya")
    days = await chat.press("Pindah jadwal")
    assert "Pindah jadwal" in texts(days) and view.code in texts(days)
    await chat.press("Rab, 25 Nov")
    summary = await chat.press("10.00–11.00")
    text = texts(summary)
    assert "dari: Selasa, 24 November 2026, 08.00–09.00" in text
    assert "ke: Rabu, 25 November 2026, 10.00–11.00" in text
    done = await chat.press("Konfirmasi")
    assert "Jadwal dipindah" in texts(done) and view.code in texts(done)
    moved = await services.booking.booking(view.id)
    assert moved.code == view.code and moved.date == WEDNESDAY and moved.starts == time(10)


async def test_reschedule_from_a_cancelled_booking_is_stale(resident, chat, services, api):
    view = await booked(services, resident)
    await chat.send("/saya")
    card = chat.last
    await services.booking.cancel(view.id, resident)
    await chat.press("Pindah jadwal", card)
    assert "tidak aktif" in api.callback_answers[-1]["text"]


async def test_the_ticket_again(resident, chat, services):
    view = await booked(services, resident)
    await chat.send("/saya")
    messages = await chat.press("Kode, QR dan kalender")
    assert {"photo", "document", "venue"} <= {m.kind for m in messages}
    assert view.code in texts(messages)


async def test_waitlist_entries_can_be_left(resident, chat, services):
    hall = await small_place(services)
    for serial, starts in ((1, time(8)), (2, time(9))):
        slot = await slot_at(services, hall, TUESDAY, starts)
        await services.booking.book(
            slot.slot_id, owner_id=serial, person_name="X Y", nik=nik(serial)
        )
    await services.booking.join_waitlist(resident, hall, TUESDAY)
    messages = await chat.send("/saya")
    assert "Daftar tunggu" in texts(messages) and "urutan ke-1" in texts(messages)
    left = await chat.press("Keluar dari daftar tunggu")
    assert "sudah keluar" in texts(left)
    assert await services.booking.waitlist_for_owner(resident) == []


async def test_reminders_carry_the_same_buttons(services):
    t = services.translator("id")
    buttons = booking_action_buttons(t, 42)
    assert [b.text for b in buttons] == ["🔁 Pindah jadwal", "✖️ Batalkan pendaftaran"]
    assert [b.callback_data for b in buttons] == [BKM.pack(42), MINE.pack("cx", 42)]


async def test_home_visit_requests_are_listed_too(chat, resident, services):
    from tests.visit_helpers import add_visit

    visit = await add_visit(services, resident)
    view = await booked(services, resident, serial=2)
    messages = await chat.send("/saya")
    text = texts(messages)
    assert view.code in text and visit.ticket in text
    assert "(2)" in text


@pytest.mark.parametrize(("typed", "status"), [("ya", "cancelled"), ("tidak", "active")])
async def test_the_cancel_question_can_be_answered_by_typing(chat, services, typed, status):
    """design.md §7 rule 3: every button can be typed, the cancel question's too."""
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await services.booking.book(
        slot.slot_id, owner_id=chat.user["id"], person_name="Siti Aminah", nik=nik(1)
    )
    await chat.send("/saya")
    asked = await chat.press("Batalkan pendaftaran")
    assert view.code in texts(asked)
    answered = texts(await chat.send(typed))
    assert view.code in answered
    assert (await services.booking.booking(view.id)).status == status
