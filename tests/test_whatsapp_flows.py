"""More resident flows on WhatsApp, through the real Application: /saya, cancel and reschedule,
a home visit, subscriptions. Each checks the WhatsApp side of the flow: lists and buttons within
the limits, answers as new messages, no HTML."""

from __future__ import annotations

from bot.storage.whatsapp import WA_ID_BASE
from tests.booking_helpers import TUESDAY, nik, place_id
from tests.test_whatsapp import assert_no_html, bodies
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)


async def test_saya_lists_a_booking_and_cancel_asks_then_frees_the_seat(wa, services):
    phone = wa.phone()
    await phone.write("/start")  # the number becomes a user of the bot
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await services.booking.book(
        slot.slot_id, owner_id=WA_ID_BASE + 1, person_name="Siti Aminah", nik=nik(1)
    )
    listing = await phone.write("/saya")
    card = next(o for o in listing if view.code in o.body)
    # "🎫 Kode, QR dan kalender" is too long for a reply button (20) but fits a list row (24).
    assert card.kind == "list" and "🎫 Kode, QR dan kalender" in card.titles
    question = await phone.press("Batalkan", card)
    assert view.code in bodies(question)
    done = await phone.press("Ya, batalkan")
    assert "sudah dibatalkan" in bodies(done)
    assert (await services.booking.booking(view.id)).status == "cancelled"
    assert (await services.booking.free_slots(office, TUESDAY))[0].seats_left == 12
    assert_no_html(phone.inbox)


async def test_reschedule_keeps_the_code(wa, services):
    phone = wa.phone()
    await phone.write("/start")
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    view = await services.booking.book(
        slot.slot_id, owner_id=WA_ID_BASE + 1, person_name="Siti Aminah", nik=nik(1)
    )
    await phone.write("/saya")
    days = await phone.press("Pindah jadwal")
    assert view.code in bodies(days)
    await phone.press("Rab, 25 Nov")
    summary = await phone.press("10.00–11.00")
    assert "ke: Rabu, 25 November 2026, 10.00–11.00" in bodies(summary)
    done = await phone.press("Konfirmasi")
    assert "Jadwal dipindah" in bodies(done) and view.code in bodies(done)
    moved = await services.booking.booking(view.id)
    assert moved.code == view.code and str(moved.date) == "2026-11-25"


async def test_home_visit_request_typed_on_whatsapp_is_recorded(wa, services):
    phone = wa.phone("Budi")
    await phone.write("/rumah")
    for answer in (
        "Siti Aminah",
        "3674034508500001",
        "sakit stroke, tidak bisa jalan",
        "Jl. Mawar No. 5 RT 02 RW 03, Pondok Kacang Timur",
        "lewati",
        "pd aren",
        "0812 3456 7890",
        "Selasa pagi",
        "Rumah di lantai 2, ada tangga",
    ):
        await phone.write(answer)
    done = await phone.write("ya")
    assert "sudah tercatat" in bodies(done)
    visits = await services.visits.for_owner(WA_ID_BASE + 1)
    assert len(visits) == 1
    assert visits[0].ticket in bodies(done)
    assert_no_html(phone.inbox)


async def test_subscriptions_by_list_rows_and_typing(wa, services):
    phone = wa.phone()
    view = await phone.write("/langganan")
    assert "Anda belum menerima pengumuman" in bodies(view)
    assert view[-1].kind == "list"
    updated = await phone.press("Ciputat")
    assert "Anda menerima pengumuman untuk: *Ciputat*." in bodies(updated)
    typed = await phone.write("pd aren")
    assert "Pondok Aren" in bodies(typed)
    topics = await services.subscriptions.store.topics(WA_ID_BASE + 1)
    assert len(topics) == 2


async def test_a_question_mid_flow_is_answered_then_one_tap_continues(wa, services):
    phone = wa.phone()
    await phone.write("/daftar")
    await phone.write("Pondok Aren")
    await phone.press("Sel, 24 Nov")
    await phone.press("08.00–09.00")
    asked = await phone.write("syaratnya apa aja?")
    assert "Kartu Keluarga" in bodies(asked)
    assert any("Lanjutkan" in t for t in phone.last.titles)
    again = await phone.press("Lanjutkan")
    assert "siapa yang akan merekam" in bodies(again)
    assert "NIK atas nama *Siti Aminah*" in bodies(await phone.write("Siti Aminah"))
