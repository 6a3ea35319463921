"""The resident's own things on WhatsApp: "my bookings" (the ticket again), subscriptions,
erasure, language, and buttons of a message that an "edit" replaced, through the real Application
and the fake Cloud API."""

from __future__ import annotations

from bot.storage.whatsapp import WA_ID_BASE
from tests.booking_helpers import TUESDAY, nik, place_id
from tests.whatsapp_flows_helpers import assert_whatsapp_shaped, bodies, titles
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)

ME = WA_ID_BASE + 1  # the first WhatsApp number of each test


async def booked(phone, services):
    await phone.write("/start")
    office = await place_id(services)
    slot = (await services.booking.free_slots(office, TUESDAY))[0]
    return await services.booking.book(
        slot.slot_id, owner_id=ME, person_name="Siti Aminah", nik=nik(1), phone="+6281234567890"
    )


async def test_my_bookings_from_the_menu_and_the_ticket_again(wa, services):
    phone = wa.phone()
    view = await booked(phone, services)
    menu = (await phone.write("/start"))[-1]
    mine = await phone.press("📋 Pendaftaran saya", menu)
    card = next(o for o in mine if view.code in o.body)
    assert "NIK 3674••••••••0001" in card.body and nik(1) not in bodies(mine)
    assert card.titles == [
        "🔁 Pindah jadwal",
        "✖️ Batalkan pendaftaran",
        "🎫 Kode, QR dan kalender",
    ]
    ticket = await phone.press("🎫 Kode, QR dan kalender", card)
    image = next(o for o in ticket if o.kind == "image")
    assert view.code in image.body
    _name, content, mime = wa.cloud.media[image.message["image"]["id"]]
    assert mime == "image/png" and content.startswith(b"\x89PNG")
    assert_whatsapp_shaped(phone.inbox)


async def test_cancel_from_my_bookings_asks_with_two_buttons(wa, services):
    phone = wa.phone()
    view = await booked(phone, services)
    await phone.write("/saya")
    asked = (await phone.press("✖️ Batalkan pendaftaran"))[-1]
    # "Tidak, tetap lanjutkan" is too long for a reply button: two rows of a list, whole.
    assert view.code in asked.body and asked.titles == ["Ya, batalkan", "Tidak, tetap lanjutkan"]
    kept = await phone.press("Tidak", asked)
    assert (await services.booking.booking(view.id)).status == "active" and kept
    # Both buttons stay on the phone (no edits), but the question was answered: the other one
    # cancels nothing now; /saya asks again.
    stale = await phone.press("Ya, batalkan", asked)
    assert "sudah selesai" in bodies(stale)
    assert (await services.booking.booking(view.id)).status == "active"
    await phone.write("/saya")
    again = (await phone.press("✖️ Batalkan pendaftaran"))[-1]
    done = await phone.write("ya")  # typed, as on Telegram (design.md §7 rule 3)
    assert view.code in again.body and "sudah dibatalkan" in bodies(done)
    assert (await services.booking.booking(view.id)).status == "cancelled"


async def test_subscribe_then_stop_from_a_later_page(wa, services):
    phone = wa.phone()
    await phone.write("/langganan")
    added = await phone.write("pondok aren")
    assert "Anda akan menerima pengumuman untuk Pondok Aren" in bodies(added)
    page = added[-1]
    # Two pagings: WhatsApp's (nine rows and "Lainnya ▶") inside the picker's own (▶️).
    while not any("Pondok Aren" in t for t in page.titles):
        turn = "Lainnya ▶" if "Lainnya ▶" in page.titles else "▶️"
        page = (await phone.press(turn, page))[-1]
    # The subscribed kecamatan is ticked in its row; tapping it again stops it.
    assert "Pondok Aren ✅" in page.titles
    stopped = await phone.press("Pondok Aren ✅", page)
    assert "Anda belum menerima pengumuman apa pun." in bodies(stopped)
    assert await services.subscriptions.store.topics(ME) == []
    assert_whatsapp_shaped(phone.inbox)


async def test_erasure_forgets_the_booking_and_the_number_offered_as_phone(wa, services):
    phone = wa.phone()
    view = await booked(phone, services)
    assert await services.users.channel_phone(ME) == phone.wa_id
    shown = await phone.write("/hapusdata")
    assert "NIK 3674••••••••0001" in bodies(shown) and nik(1) not in bodies(shown)
    await phone.press("🗑 Hapus data saya")
    done = await phone.press("Ya, hapus semuanya")
    assert "Data Anda sudah dihapus" in bodies(done)
    assert (await services.booking.booking(view.id)).status == "cancelled"
    # The number is gone with the rest: nothing offers it any more.
    assert await services.users.channel_phone(ME) is None
    assert_whatsapp_shaped(phone.inbox)
    # Nor does the bridge keep it, or the chat's messages, in memory once the answer went out.
    assert ME not in wa.bridge.contacts and not wa.bridge.mirror.sent.get(ME)
    assert all(owner != ME for owner, _id in wa.bridge.origins.values())


async def test_bahasa_switches_the_flows_and_the_layouts_own_words(wa):
    phone = wa.phone()
    chosen = await phone.write("/bahasa")
    assert chosen[-1].titles == ["🇮🇩 Bahasa Indonesia", "🇬🇧 English"]
    english = await phone.press("🇬🇧 English")
    assert "Language set to English." in bodies(english)
    picker = (await phone.write("/daftar"))[-1]
    assert "*Step 1 of 4 — where?*" in picker.body
    # The list's own words follow the language too.
    assert picker.message["interactive"]["action"]["button"] == "Choose"
    assert picker.titles[-1] == "More ▶"
    await phone.write("Pondok Aren")
    await phone.press(1)
    await phone.press(1)
    await phone.write("Siti Aminah")
    asked = (await phone.write(nik(1)))[-1]
    assert asked.titles == ["📱 Use this number", "Skip ➡️", "◀️ Back"]
    assert_whatsapp_shaped(phone.inbox)


async def test_a_button_of_a_replaced_message_is_stale_not_replayed(wa, services):
    phone = wa.phone()
    await phone.write("/daftar")
    days = (await phone.write("Pondok Aren"))[-1]
    times = await phone.press("Sel, 24 Nov", days)
    assert "08.00–09.00 · sisa 12" in titles(times)
    # Telegram edited the day list into the times; on WhatsApp the old list is still there.
    again = await phone.press("Rab, 25 Nov", days)
    # Said as a message (WhatsApp has no toasts), and the step stays where it was.
    assert bodies(again) == "Tombol itu dari langkah sebelumnya; mohon jawab pertanyaan terakhir."
    await phone.press("08.00–09.00", times[-1])
    await phone.write("Siti Aminah")
    await phone.write(nik(1))
    summary = await phone.press("Lewati ➡️")
    assert "Selasa, 24 November 2026, 08.00–09.00" in bodies(summary)
    assert "25 November" not in bodies(summary)
    assert await services.booking.active_for_owner(ME) == []  # nothing booked by a stale tap
