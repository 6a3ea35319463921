"""The resident's booking flow through the real Application: buttons and typing, carried-over
kecamatan and date, shared location, NIK and eligibility checks, back, cancel, stale buttons, a
seat taken while choosing, the waitlist, the ticket (code, pin, QR, calendar)."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.services.tickets import checkin_link, ticket_png
from tests.booking_helpers import (
    SATURDAY,
    TUESDAY,
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


async def press_kecamatan(chat, name: str):
    """Page through the kecamatan picker until ``name`` shows, then press it."""
    for _ in range(4):
        message = chat.last_with_buttons()
        if any(label == name for label in message.button_labels):
            return await chat.press(name)
        await chat.press("▶️")
    raise AssertionError(f"{name} not in the picker")


async def fill_who(chat, *, name="Siti Aminah", serial=1, phone="0812 3456 7890", **born):
    await chat.send(name)
    await chat.send(nik(serial, **born))
    if phone:
        return await chat.send(phone)
    return await chat.press(1)  # Lewati / Skip


async def test_booking_by_buttons_from_start_to_ticket(resident, chat, services, api):
    first = await chat.send("/daftar")
    assert "Langkah 1 dari 4" in texts(first)
    await press_kecamatan(chat, "Pondok Aren")
    days = chat.last
    assert "Kantor Kecamatan Pondok Aren" in days.plain_text()
    assert "⭐ Sab, 28 Nov: Layanan Sabtu Kecamatan Pondok Aren" in days.plain_text()
    assert "Sel, 24 Nov · sisa 96" in days.button_labels
    slots = await chat.press("Sel, 24 Nov")
    assert "08.00–09.00 · sisa 12" in slots[-1].button_labels
    name_prompt = await chat.press("08.00–09.00")
    assert "siapa yang akan merekam" in texts(name_prompt)
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    summary = await chat.send("0812 3456 7890")
    text = texts(summary)
    assert "Langkah 4 dari 4" in text
    assert "Selasa, 24 November 2026, 08.00–09.00" in text
    # In full on the check screen, to the person who just typed them (masked on the ticket).
    assert nik(1) in text and "+6281234567890" in text
    done = await chat.press("Konfirmasi")
    kinds = [m.kind for m in done]
    assert kinds[:2] == ["text", "text"] or kinds[0] == "text"
    assert {"venue", "photo", "document"} <= set(kinds)
    ticket = next(m for m in done if m.kind == "text" and "Kode pendaftaran" in m.plain_text())
    bookings = await services.booking.active_for_owner(resident)
    assert len(bookings) == 1
    view = bookings[0]
    assert view.code in ticket.plain_text()
    assert "Kartu Keluarga (KK) terbaru, asli atau fotokopi" in ticket.plain_text()
    assert "/lapor" in ticket.plain_text()
    venue = next(m for m in done if m.kind == "venue")
    assert venue.data["latitude"] == -6.2601
    photo = next(m for m in done if m.kind == "photo")
    # The QR code with the code, initials, place, date and time readable under it.
    readable = [view.code, "S. A.", "Kantor Kecamatan Pondok Aren", "Selasa, 24 November 2026"]
    link = checkin_link("ektp_demo_bot", view.code)
    assert photo.file_bytes == ticket_png(link, [*readable, "08.00–09.00"])
    assert photo.file_bytes.startswith(b"\x89PNG")
    calendar = next(m for m in done if m.kind == "document")
    assert calendar.file_name == f"ektp-{view.code}.ics"
    ics = calendar.file_bytes.decode()
    assert "DTSTART:20261124T010000Z" in ics and "DTEND:20261124T020000Z" in ics
    assert f"booking-{view.code}@ektp-bot" in ics
    assert "Perekaman KTP-el – Kantor Kecamatan Pondok Aren" in ics


async def test_a_sentence_carries_kecamatan_and_date(chat):
    messages = await chat.send("mau daftar rekam ktp di pondok aren sabtu ini")
    text = texts(messages)
    assert "Sabtu, 28 November 2026" in text
    assert "08.00–09.00 · sisa 15" in chat.last.button_labels


async def test_daftar_with_arguments(chat):
    messages = await chat.send("/daftar pondok aren")
    assert "Langkah 2 dari 4" in texts(messages)


async def test_typed_answers_all_the_way(resident, chat, services):
    await chat.send("/daftar")
    await chat.send("pd aren")  # abbreviation
    await chat.send("selasa")
    await chat.send("jam 9")
    await fill_who(chat, phone="")
    done = await chat.send("ya")
    assert "Berhasil dipesan" in texts(done)
    view = (await services.booking.active_for_owner(resident))[0]
    assert view.starts == time(9) and view.date == TUESDAY and view.phone is None


async def test_a_kecamatan_with_several_places(chat):
    messages = await chat.send("/daftar setu")
    text = texts(messages)
    assert "Tempat perekaman di Setu" in text
    assert "Kantor Kecamatan Setu" in text and "Mal Pelayanan Publik" in text
    picked = await chat.send("2")
    assert "Langkah 2 dari 4" in texts(picked)
    back = await chat.press("Kembali")
    assert "Tempat perekaman di Setu" in texts(back)


async def test_shared_location_lists_the_nearest_places(chat):
    await chat.send("/daftar")
    messages = await chat.share_location(-6.262, 106.712)  # near Pondok Aren
    text = texts(messages)
    assert "tempat terdekat" in text.lower()
    assert chat.last.button_labels[0].startswith("Kantor Kecamatan Pondok Aren · ")
    assert " km" in chat.last.button_labels[0]
    days = await chat.press(1)
    assert "Langkah 2 dari 4" in texts(days)


async def test_unknown_kecamatan_and_ambiguous_answers(chat):
    await chat.send("/daftar")
    messages = await chat.send("Bandung")
    assert "tidak ditemukan" in texts(messages)


async def test_nik_errors_are_explained_and_asked_again(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    short = await chat.send("12345")
    assert "16 angka" in texts(short) or "16 digit" in texts(short)
    bad_date = await chat.send("3674033213900001")
    assert "7–12" in texts(bad_date)
    ok = await chat.send(nik(1))
    assert "telepon" in texts(ok).lower()


async def test_name_errors_are_explained(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    messages = await chat.send("Siti 123")
    assert "angka" in texts(messages)
    again = await chat.send("Siti Aminah")
    assert "NIK" in texts(again)


async def test_under_seventeen_is_asked_about_marriage(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Dewi Lestari")
    question = await chat.send(nik(3, born=date(2011, 6, 1), female=True))
    assert "menikah" in texts(question) and "15 tahun" in texts(question)
    refused = await chat.press("Tidak")
    text = texts(refused)
    assert "belum dapat merekam" in text
    assert "1 Juni 2027" in text  # 16th birthday: first-time recording from then
    again = await chat.press("Daftarkan orang lain")
    assert "siapa yang akan merekam" in texts(again)


async def test_married_under_seventeen_may_record_and_brings_the_marriage_book(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Dewi Lestari")
    await chat.send(nik(3, born=date(2011, 6, 1), female=True))
    phone = await chat.press("Ya, sudah/pernah menikah")
    assert "telepon" in texts(phone).lower()
    summary = await chat.press("Lewati")
    assert "buku nikah" in texts(summary)
    done = await chat.press("Konfirmasi")
    assert "buku nikah atau akta perkawinan" in texts(done)


async def test_sixteen_year_old_records_as_a_first_timer(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Rina")
    await chat.send(nik(2, born=date(2010, 3, 1), female=True))
    await chat.press("Tidak")
    summary = await chat.press("Lewati")
    assert "perekaman pemula" in texts(summary)


async def test_back_goes_one_step_back(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    back_to_days = await chat.press("Kembali")
    assert "Langkah 2 dari 4" in texts(back_to_days)
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    to_name = await chat.press("Kembali")
    assert "siapa yang akan merekam" in texts(to_name)
    typed_back = await chat.send("kembali")
    assert "Pilih jam" in texts(typed_back)


async def test_batal_leaves_and_old_buttons_are_stale(resident, chat, api, services):
    await chat.send("/daftar pondok aren")
    days = chat.last
    stopped = await chat.send("/batal")
    assert "Tidak ada yang didaftarkan" in texts(stopped)
    await chat.press("Sel, 24 Nov", days)
    assert "sudah selesai" in api.callback_answers[-1]["text"]  # the engine's stale-button text
    assert await services.booking.active_for_owner(resident) == []


async def test_a_button_of_an_earlier_attempt_is_recognised(chat, api):
    await chat.send("/daftar pondok aren")
    old_days = chat.last
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov", old_days)
    # The engine's wording for a button of an earlier step or attempt.
    assert "langkah sebelumnya" in api.callback_answers[-1]["text"]


async def test_a_button_of_an_earlier_step_is_recognised(chat, api):
    await chat.send("/daftar pondok aren")
    await chat.send("selasa")  # typed: the day buttons stay on the earlier message
    days_message = next(m for m in chat.transcript if "Langkah 2 dari 4" in m.plain_text())
    await chat.press("08.00–09.00")
    await chat.press("Sel, 24 Nov", days_message)
    assert "langkah sebelumnya" in api.callback_answers[-1]["text"]


async def test_a_seat_taken_while_choosing_gets_fresh_options(chat, services):
    hall = await small_place(services, kecamatan="360301")  # Balaraja: now two places
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await fill_who(chat)
    eight = await slot_at(services, hall, TUESDAY, time(8))
    await services.booking.book(eight.slot_id, owner_id=42, person_name="Budi", nik=nik(9))
    refused = await chat.press("Konfirmasi")
    text = texts(refused)
    assert "baru saja diambil" in text
    assert chat.last.button_labels[0].startswith("09.00–10.00")
    summary = await chat.press("09.00–10.00")
    assert "Langkah 4 dari 4" in texts(summary)  # the answers about the person are kept
    done = await chat.press("Konfirmasi")
    assert "Berhasil dipesan" in texts(done)


async def test_change_the_name_from_the_summary(resident, chat, services):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await fill_who(chat)
    await chat.press("Ubah")
    await chat.press("Nama")
    summary = await chat.send("Siti Nurhaliza")
    assert "Siti Nurhaliza" in texts(summary) and "Langkah 4 dari 4" in texts(summary)
    await chat.press("Ubah")
    await chat.press("Hari dan jam")
    await chat.press("Rab, 25 Nov")
    summary = await chat.press("10.00–11.00")
    assert "Rabu, 25 November 2026, 10.00–11.00" in texts(summary)
    await chat.press("Konfirmasi")
    view = (await services.booking.active_for_owner(resident))[0]
    assert view.person_name == "Siti Nurhaliza" and view.starts == time(10)


async def test_the_same_nik_twice_is_refused_at_the_nik_step(resident, chat, services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    await services.booking.book(slot.slot_id, owner_id=resident, person_name="Ani", nik=nik(5))
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("09.00–10.00")
    await chat.send("Ani")
    refused = await chat.send(nik(5))
    text = texts(refused)
    assert "sudah punya pendaftaran aktif" in text and "/saya" in text


async def test_a_full_day_offers_the_waitlist(resident, chat, services):
    hall = await small_place(services, kecamatan="360301")
    for serial, starts in ((1, time(8)), (2, time(9))):
        slot = await slot_at(services, hall, TUESDAY, starts)
        await services.booking.book(
            slot.slot_id, owner_id=serial, person_name="X Y", nik=nik(serial)
        )
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    assert "Sel, 24 Nov · penuh 🔔" in chat.last.button_labels
    offer = await chat.press("Sel, 24 Nov · penuh")
    assert "sudah penuh" in texts(offer)
    joined = await chat.press("Kabari saya")
    assert "urutan ke-1" in texts(joined)
    entries = await services.booking.waitlist_for_owner(resident)
    assert [(e.place.id, e.entry.date) for e in entries] == [(hall, TUESDAY)]


async def test_a_typed_closed_day_is_explained(chat):
    messages = await chat.send("/daftar pondok aren minggu")
    text = texts(messages)
    assert "tidak membuka waktu pendaftaran" in text
    assert "Langkah 2 dari 4" in text


async def test_account_limit_is_told_at_the_start(resident, chat, services):
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, SATURDAY))[0]
    for serial in range(1, 5):
        await services.booking.book(
            slot.slot_id, owner_id=resident, person_name="Putri Lestari", nik=nik(serial)
        )
    messages = await chat.send("/daftar")
    assert "4 pendaftaran aktif" in texts(messages)


async def test_english(make_chat, services):
    chat = make_chat(language_code="en")
    first = await chat.send("/daftar pondok aren")
    assert "Step 2 of 4" in texts(first)
    assert "Tue, 24 Nov · 96 left" in chat.last.button_labels
    await chat.press("Tue, 24 Nov")
    await chat.press("08:00–09:00")
    await fill_who(chat, phone="")
    done = await chat.press("Confirm")
    assert "Booked!" in texts(done) and "Tuesday, 24 November 2026" in texts(done)


async def test_menu_button_starts_the_flow(chat):
    await chat.send("/start")
    messages = await chat.press("Daftar")
    assert "Langkah 1 dari 4" in texts(messages)


async def test_change_by_typing(chat, resident, services):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await fill_who(chat)
    await chat.send("ubah")
    await chat.send("nomor hp")
    summary = await chat.send("0813 1111 2222")
    assert "+6281311112222" in texts(summary)  # in full on the check screen
    await chat.send("ya")
    view = (await services.booking.active_for_owner(resident))[0]
    assert view.phone == "+6281311112222"


@pytest.mark.parametrize("typed", ["belum punya hp", "gak punya", "tidak ada", "I don't have"])
async def test_no_phone_said_in_words_skips_the_optional_phone(chat, typed):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    summary = texts(await chat.send(typed))
    assert "Langkah 4 dari 4" in summary and "tanpa nomor" in summary
