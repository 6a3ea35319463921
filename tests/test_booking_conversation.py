"""The booking flow on the conversation engine (issue 15), through the real Application: a
question asked half-way is answered and nothing of it is stored; an idle flow lets go and is
offered again; leaving a reschedule says the booking stands; "📝 Book at <place>" on /lokasi and
/jadwal lands on that place's day (or time) step; every button can be typed. The test clock:
Monday 23 November 2026, 09.00 in Jakarta."""

from __future__ import annotations

from datetime import time

import pytest

from tests.booking_helpers import TUESDAY, next_account, nik, place_id
from tests.conftest import texts


@pytest.fixture
def resident() -> int:
    return next_account()


@pytest.fixture
def chat(make_chat, resident):
    return make_chat(resident)


async def to_name_step(chat) -> None:
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    name = await chat.press("08.00–09.00")
    assert "siapa yang akan merekam" in texts(name)


async def test_a_question_at_the_name_step_is_answered_and_not_stored(chat, services, resident):
    await to_name_step(chat)
    answer = await chat.send("syaratnya apa aja?")
    seen = texts(answer)
    assert "Mohon hapus" not in seen
    assert "Kartu Keluarga" in seen or "KK" in seen
    assert any("Lanjutkan" in label for label in answer[-1].button_labels)
    state = await services.flow_states.get(resident, "booking")
    assert state is not None and state.draft.get("name") is None
    again = await chat.press("Lanjutkan")
    assert "siapa yang akan merekam" in texts(again)
    assert "Ketik NIK" in texts(await chat.send("Siti Aminah"))


async def test_a_question_at_the_nik_step_is_not_taken_as_a_nik(chat, services, resident):
    await to_name_step(chat)
    await chat.send("Siti Aminah")
    answer = texts(await chat.send("bawa apa aja kak"))
    assert "16 angka" not in answer and "Kartu Keluarga" in answer
    state = await services.flow_states.get(resident, "booking")
    assert state is not None and state.draft.get("nik") is None


async def test_an_idle_flow_lets_go_and_daftar_offers_to_continue(chat, clock):
    await to_name_step(chat)
    await chat.send("Siti Aminah")
    clock.advance(hours=20)  # left half-way yesterday
    fresh = texts(await chat.send("bawa apa aja kak"))
    assert "16 angka" not in fresh  # not read as a NIK
    assert "Kartu Keluarga" in fresh
    offer = await chat.send("/daftar")
    assert "pendaftaran jadwal perekaman" in texts(offer)
    resumed = await chat.press("Lanjutkan")
    assert "NIK" in texts(resumed) and "Siti Aminah" in texts(resumed)
    assert "telepon" in texts(await chat.send(nik(1))).lower()


async def test_leaving_a_reschedule_says_the_booking_stands(chat, services, resident):
    office = await place_id(services)
    free = await services.booking.free_slots(office, TUESDAY)
    slot = next(s for s in free if s.starts == time(8))
    view = await services.booking.book(
        slot.slot_id, owner_id=resident, person_name="Ani", nik=nik(5)
    )
    card = await chat.send("/saya")
    labels = [label for m in card for label in m.button_labels]
    assert "✖️ Batalkan pendaftaran" in labels and "✖️ Batal" not in labels
    days = await chat.press("Pindah jadwal")
    assert "✖️ Keluar" in chat.last.button_labels and "✖️ Batal" not in chat.last.button_labels
    assert view.code in texts(days)
    left = texts(await chat.press("Keluar"))
    assert f"Jadwal Anda tetap: Sel, 24 Nov 08.00, kode {view.code}" in left
    assert "Tidak ada yang didaftarkan" not in left
    assert (await services.booking.booking(view.id)).status == "active"


async def test_book_at_a_place_from_lokasi_lands_on_its_days(chat):
    await chat.send("/lokasi pondok aren")
    days = await chat.press("Daftar di")
    text = texts(days)
    assert "Langkah 2 dari 4" in text and "Kantor Kecamatan Pondok Aren" in text
    assert "Sel, 24 Nov · sisa 96" in chat.last.button_labels


async def test_book_from_jadwal_with_a_date_lands_on_that_days_times(chat, resident, services):
    await chat.send("/jadwal pondok aren selasa")
    slots = await chat.press("Daftar")
    assert "Selasa, 24 November 2026" in texts(slots)
    assert "08.00–09.00 · sisa 12" in chat.last.button_labels
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    await chat.send("tidak ada")  # the skip button, typed
    done = await chat.send("benar")  # the confirm button, typed
    assert "Berhasil dipesan" in texts(done)
    view = (await services.booking.active_for_owner(resident))[0]
    assert view.date == TUESDAY and view.starts == time(8) and view.phone is None


@pytest.mark.parametrize("skip", ["lewati", "skip", "tidak ada"])
async def test_the_phone_step_is_skipped_by_typing(chat, skip):
    await to_name_step(chat)
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    summary = await chat.send(skip)
    assert "Langkah 4 dari 4" in texts(summary) and "tanpa nomor HP" in texts(summary)


@pytest.mark.parametrize("yes", ["ya", "benar", "Konfirmasi"])
async def test_the_summary_is_confirmed_or_changed_by_typing(chat, resident, services, yes):
    await to_name_step(chat)
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    await chat.send("lewati")
    change = await chat.send("ubah")
    assert "Apa yang ingin diubah" in texts(change)
    assert "Ketik NIK" in texts(await chat.send("nik"))
    await chat.send(nik(2))
    done = await chat.send(yes)
    assert "Berhasil dipesan" in texts(done)
    assert (await services.booking.active_for_owner(resident))[0].nik == nik(2)
