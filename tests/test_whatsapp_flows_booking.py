"""Booking on WhatsApp, through the real Application and the fake Cloud API: typed all the way,
tapped all the way, and the phone step offering the number the resident chats from."""

from __future__ import annotations

from bot.storage.whatsapp import WA_ID_BASE
from tests.booking_helpers import next_account, nik
from tests.whatsapp_flows_helpers import assert_whatsapp_shaped, bodies, titles
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)


async def to_phone_step(phone, *, typed: bool = False) -> list:
    await phone.write("/daftar")
    await phone.write("Pondok Aren")
    if typed:
        await phone.write("besok")
        await phone.write("jam 9")
    else:
        await phone.press("Sel, 24 Nov")
        await phone.press("08.00–09.00")
    await phone.write("Siti Aminah")
    return await phone.write(nik(1))


async def test_booking_typed_all_the_way_ends_with_the_ticket_as_an_image(wa, services):
    phone = wa.phone()
    asked = await to_phone_step(phone, typed=True)
    assert "nomor telepon" in bodies(asked).lower()
    summary = await phone.write("0813 1111 2222")
    assert "Langkah 4 dari 4" in bodies(summary) and "+6281311112222" in bodies(summary)
    done = await phone.write("konfirmasi")
    booking = (await services.booking.active_for_owner(WA_ID_BASE + 1))[0]
    assert booking.phone == "+6281311112222" and booking.starts.hour == 9
    ticket = next(o for o in done if o.kind == "image")
    _name, content, mime = wa.cloud.media[ticket.message["image"]["id"]]
    assert mime == "image/png" and content.startswith(b"\x89PNG")
    assert booking.code in bodies(done)
    assert_whatsapp_shaped(phone.inbox)


async def test_the_phone_step_offers_the_whatsapp_number_in_one_tap(wa, services):
    phone = wa.phone()
    asked = (await to_phone_step(phone))[-1]
    # Three reply buttons (one tap each), the number masked as residents write it.
    assert asked.kind == "button"
    assert asked.titles == ["📱 Pakai nomor ini", "Lewati ➡️", "◀️ Kembali"]
    masked = "0" + phone.wa_id[2:5] + "•" * (len(phone.wa_id) - 8) + phone.wa_id[-3:]
    assert masked in asked.body and phone.wa_id[5:-3] not in asked.body
    summary = await phone.press("📱 Pakai nomor ini", asked)
    assert f"+{phone.wa_id}" in bodies(summary)  # in full on the check screen
    await phone.press("Konfirmasi")
    booking = (await services.booking.active_for_owner(WA_ID_BASE + 1))[0]
    assert booking.phone == f"+{phone.wa_id}"
    assert_whatsapp_shaped(phone.inbox)


async def test_another_number_can_still_be_typed_or_the_own_number_named(wa, services):
    phone = wa.phone()
    await to_phone_step(phone)
    refused = await phone.write("12345")  # not a number: asked again, nothing stored
    assert "📱 Pakai nomor ini" in titles(refused)
    summary = await phone.write("pakai nomor ini")
    assert f"+{phone.wa_id}" in bodies(summary)
    await phone.press("✏️ Ubah")  # change it from the check screen
    await phone.press("📞 Telepon")
    summary = await phone.write("0856-7777-8888")
    assert "+6285677778888" in bodies(summary) and f"+{phone.wa_id}" not in bodies(summary)


async def test_skip_books_without_a_phone(wa, services):
    phone = wa.phone()
    await to_phone_step(phone)
    await phone.press("Lewati ➡️")
    await phone.press("Konfirmasi")
    booking = (await services.booking.active_for_owner(WA_ID_BASE + 1))[0]
    assert booking.phone is None


async def test_a_foreign_whatsapp_number_is_not_offered(wa):
    phone = wa.phone()
    phone.wa_id = "60123456789"  # Malaysia: the bookings take Indonesian numbers only
    asked = (await to_phone_step(phone))[-1]
    assert "📱 Pakai nomor ini" not in asked.titles and "Lewati ➡️" in asked.titles


async def test_on_telegram_the_phone_step_is_unchanged(make_chat):
    chat = make_chat(next_account())
    await chat.send("/daftar")
    await chat.send("Pondok Aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    asked = chat.last
    assert asked.button_labels == ["Lewati ➡️", "◀️ Kembali", "✖️ Keluar"]
    assert "Pakai nomor ini" not in asked.plain_text()
