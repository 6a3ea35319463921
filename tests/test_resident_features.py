"""What residents expect of a good appointment service (issue 16): moving a booking to another
place with the same code, booking the next family member in one tap, the history in /saya, a
name asked again for another person's NIK, and the NIK and phone in full on the check screen."""

from __future__ import annotations

import pytest

from bot.services.booking import CLOSED_DETAIL
from handlers.mine import HISTORY_PAGE
from tests.booking_helpers import TUESDAY, WEDNESDAY, next_account, nik, place_id
from tests.conftest import texts


@pytest.fixture
def resident() -> int:
    return next_account()


@pytest.fixture
def chat(make_chat, resident):
    return make_chat(resident)


async def booked(services, owner, serial=1, day=TUESDAY, phone=None, index=0):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, day))[index]
    return await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(serial), phone=phone
    )


async def book_by_chat(chat, *, name="Siti Aminah", serial=1, phone="0812 3456 7890"):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send(name)
    await chat.send(nik(serial))
    await chat.send(phone)
    return await chat.press("Konfirmasi")


# --- reschedule to another place ----------------------------------------------------------------


async def test_reschedule_to_another_place_keeps_the_code(resident, chat, services):
    view = await booked(services, resident)
    await chat.send("/saya")
    await chat.press("Pindah jadwal")
    picker = await chat.press("Lokasi lain")
    assert "Langkah 1 dari 4" in texts(picker)
    places = await chat.send("setu")
    assert "Mal Pelayanan Publik" in texts(places)
    await chat.send("1")  # Kantor Kecamatan Setu
    days = chat.last_with_buttons()
    await chat.press(days.button_labels[0])
    slots = chat.last_with_buttons()
    summary = await chat.press(slots.button_labels[0])
    text = texts(summary)
    assert "dari lokasi: Kantor Kecamatan Pondok Aren" in text
    assert "Setu" in text and view.code in text
    done = await chat.press("Konfirmasi")
    assert "Jadwal dipindah" in texts(done) and view.code in texts(done)
    moved = await services.booking.booking(view.id)
    assert moved.code == view.code and moved.status == "active"
    assert moved.place.id != view.place.id and moved.place.kecamatan_code == "367407"
    # The old seat is free again.
    office = await place_id(services)
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 12


async def test_the_summary_of_a_move_offers_another_place_too(resident, chat, services):
    view = await booked(services, resident)
    await chat.send("/saya")
    await chat.press("Pindah jadwal")
    await chat.press("Rab, 25 Nov")
    summary = await chat.press("10.00–11.00")
    assert "📍 Lokasi lain" in chat.last.button_labels
    assert "dari lokasi" not in texts(summary)  # the same place: only the time changes
    picker = await chat.press("Lokasi lain")
    assert "Langkah 1 dari 4" in texts(picker)
    left = await chat.send("/batal")
    assert view.code in texts(left)  # the booking stays as it was
    assert (await services.booking.booking(view.id)).place.id == view.place.id


# --- the next family member ---------------------------------------------------------------------


async def test_book_another_family_member_reuses_the_phone(resident, chat, services):
    done = await book_by_chat(chat)
    ticket = next(m for m in done if "Kode pendaftaran" in m.plain_text())
    assert "👪 Daftarkan anggota keluarga lain" in ticket.button_labels
    days = await chat.press("Daftarkan anggota keluarga lain", ticket)
    assert "Kantor Kecamatan Pondok Aren" in texts(days)  # the same place
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Budi Santoso")
    summary = await chat.send(nik(2))  # no phone step: the number is already known
    text = texts(summary)
    assert "Langkah 4 dari 4" in text and "Budi Santoso" in text and "+6281234567890" in text
    await chat.press("Konfirmasi")
    views = await services.booking.active_for_owner(resident)
    assert sorted(v.person_name for v in views) == ["Budi Santoso", "Siti Aminah"]
    assert {v.phone for v in views} == {"+6281234567890"}
    assert len({v.nik for v in views}) == 2


async def test_the_family_button_belongs_to_its_account(resident, chat, make_chat, services, api):
    done = await book_by_chat(chat)
    ticket = next(m for m in done if "Kode pendaftaran" in m.plain_text())
    data = next(b["callback_data"] for row in ticket.buttons for b in row if "👪" in b["text"])
    stranger = make_chat(next_account())
    await stranger.send("/start")
    await stranger.press_data(data)
    assert "milik akun lain" in api.callback_answers[-1]["text"]


async def test_a_moved_or_again_ticket_has_no_family_button(resident, chat, services):
    await booked(services, resident)
    await chat.send("/saya")
    again = await chat.press("Kode, QR dan kalender")
    ticket = next(m for m in again if "Kode pendaftaran" in m.plain_text())
    assert not any("keluarga" in label for label in ticket.button_labels)


# --- /saya history ------------------------------------------------------------------------------


async def test_mine_shows_the_history_with_a_rebook_for_closures(resident, chat, services):
    attended = await booked(services, resident, serial=1)
    cancelled = await booked(services, resident, serial=2, index=1)
    closed = await booked(services, resident, serial=3, day=WEDNESDAY)
    await services.booking.cancel(cancelled.id, resident)
    await services.booking.store.cancel(
        closed.id, actor_id=None, now=services.clock.epoch(), detail=CLOSED_DETAIL + ": banjir"
    )
    await services.booking.store.check_in(
        attended.id, actor_id=1, now=services.clock.epoch(), day=attended.date
    )
    messages = await chat.send("/saya")
    history = next(m for m in messages if "Pendaftaran sebelumnya" in m.plain_text())
    text = history.plain_text()
    assert attended.code in text and "hadir" in text
    assert cancelled.code in text and "dibatalkan" in text
    assert closed.code in text and "ditutup oleh kantor" in text
    assert history.button_labels == [f"📝 Daftar ulang {closed.code}"]
    again = await chat.press(f"Daftar ulang {closed.code}", history)
    # The same person and code, at another time (or place: "◀️" goes back to the kecamatan).
    assert "Langkah 2 dari 4" in texts(again)


async def test_the_history_is_paged(resident, chat, services):
    count = HISTORY_PAGE * 2 + 1
    codes = []
    for serial in range(1, count + 1):
        view = await booked(services, resident, serial=serial, index=serial % 6)
        await services.booking.cancel(view.id, resident)
        codes.append(view.code)
    messages = await chat.send("/saya")
    history = next(m for m in messages if "Pendaftaran sebelumnya" in m.plain_text())
    assert f"({count})" in history.plain_text() and "halaman 1 dari 3" in history.plain_text()
    assert history.button_labels == ["▶️"]
    assert len(history.plain_text()) < 4096
    seen = {c for c in codes if c in history.plain_text()}
    assert len(seen) == HISTORY_PAGE
    await chat.press("▶️", history)
    page = history.plain_text()  # the same message, edited in place
    assert "halaman 2 dari 3" in page and history.button_labels == ["◀️", "▶️"]
    assert not seen & {c for c in codes if c in page}


# --- another person's NIK after a refusal -------------------------------------------------------


async def test_another_nik_after_a_refusal_asks_the_name_again(resident, chat, services):
    await booked(services, resident, serial=5)
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("09.00–10.00")
    await chat.send("Siti Aminah")
    refused = await chat.send(nik(5))
    assert "sudah punya pendaftaran aktif" in texts(refused)
    asked = await chat.send(nik(6))
    assert f"pemilik NIK {nik(6)}" in texts(asked)
    await chat.send("Budi Santoso")
    summary = await chat.send("0812 3456 7890")
    assert "Budi Santoso" in texts(summary) and "Siti Aminah" not in texts(summary)
    await chat.press("Konfirmasi")
    new = next(v for v in await services.booking.active_for_owner(resident) if v.nik == nik(6))
    assert new.person_name == "Budi Santoso"


async def test_a_typo_fixed_in_the_nik_keeps_the_name(resident, chat, services):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("09.00–10.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(7))
    await chat.send("0812 3456 7890")
    await chat.press("Ubah")
    await chat.press("NIK")
    summary = await chat.send(nik(8))
    assert "Langkah 4 dari 4" in texts(summary) and "Siti Aminah" in texts(summary)


# --- the check screen ---------------------------------------------------------------------------


async def test_the_check_screen_shows_nik_and_phone_in_full_and_the_ticket_masks(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(9))
    summary = texts(await chat.send("0812 3456 7890"))
    assert nik(9) in summary and "+6281234567890" in summary
    done = texts(await chat.press("Konfirmasi"))
    assert nik(9) not in done and "3674••••••••0009" in done
    assert "+6281234567890" not in done
    mine = texts(await chat.send("/saya"))
    assert nik(9) not in mine and "3674••••••••0009" in mine


# --- the "continue?" question and a message without text ----------------------------------------


async def test_a_sticker_at_the_continue_question_keeps_the_question(chat):
    await chat.send("/daftar")
    asked = await chat.send("/daftar")  # a booking begun: "continue or start again?"
    question = asked[-1]
    sticker = {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1, "type": "regular"}
    sticker |= {"is_animated": False, "is_video": False}
    said = await chat.send("", sticker=sticker)
    assert "jawab dengan teks" in texts(said)
    resumed = await chat.press(1, question)
    assert "Langkah 1 dari 4" in texts(resumed)


async def test_back_after_a_refused_typed_day_shows_the_days(chat):
    # Found by the booking fuzz: times → a typed day that is closed → ◀️ used to show the times of
    # no day at all (an assertion in the handler).
    await chat.send("/daftar gunung kaler")
    await chat.press("Balai Desa Rancagede")
    day = next(label for label in chat.last.button_labels if "Kam, 26 Nov" in label)
    await chat.press(day)
    refused = await chat.send("besok")
    assert "tidak membuka waktu pendaftaran" in texts(refused)
    back = await chat.press("Kembali")
    assert "Langkah 2 dari 4" in texts(back)
