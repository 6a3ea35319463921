"""Schools on WhatsApp: search a school, its event card, follow it, book for a child (ticket as an
image), through the real Application and the fake Cloud API."""

from __future__ import annotations

from datetime import date

from bot.storage.whatsapp import WA_ID_BASE
from tests.school_helpers import nik, school
from tests.whatsapp_flows_helpers import assert_whatsapp_shaped, bodies, titles
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)


async def test_search_by_typing_shows_the_event_card_as_a_list(wa):
    phone = wa.phone()
    opened = await phone.write("/sekolah")
    assert "Sekolah mana?" in bodies(opened) and opened[-1].kind == "list"
    card = (await phone.write("sman 6 tangsel"))[-1]
    assert "*SMA Negeri 6 Kota Tangerang Selatan*" in card.body
    assert "📅 *Selasa, 24 November 2026*, 08.00–12.00" in card.body
    assert card.kind == "list"
    assert card.titles[:3] == [
        "📝 Daftar · Sel, 24 Nov",
        "🔔 Ikuti sekolah ini",
        "🔎 Sekolah lain",
    ]
    assert_whatsapp_shaped(phone.inbox)


async def test_a_kecamatan_row_with_one_school_opens_its_card(wa):
    phone = wa.phone()
    await phone.write("/sekolah")
    card = (await phone.press("Ciputat"))[-1]
    assert "*SMA Negeri 1 Kota Tangerang Selatan*" in card.body
    assert "Belum ada hari perekaman" in card.body
    assert card.titles[0] == "🔔 Ikuti sekolah ini"
    assert_whatsapp_shaped(phone.inbox)


async def test_follow_then_unfollow_from_the_card(wa, services):
    phone = wa.phone()
    card = (await phone.write("/sekolah sman 6 tangsel"))[-1]
    followed = await phone.press("🔔 Ikuti sekolah ini", card)
    assert "Anda mengikuti SMA Negeri 6 Kota Tangerang Selatan" in bodies(followed)
    # No edits on WhatsApp: the card comes again, its button turned into the opposite.
    assert "🔕 Berhenti mengikuti" in followed[-1].titles
    sch = await school(services, "sman-6-tangsel")
    assert await services.schools.follows(WA_ID_BASE + 1, sch.id)
    stopped = await phone.press("🔕 Berhenti mengikuti", followed[-1])
    assert "tidak lagi mengikuti" in bodies(stopped)
    assert not await services.schools.follows(WA_ID_BASE + 1, sch.id)
    assert_whatsapp_shaped(phone.inbox)


async def test_book_for_a_child_by_taps_and_typing(wa, services):
    phone = wa.phone("Ibu Rina")
    await phone.write("/sekolah sman 6 tangsel")
    times = await phone.press("📝 Daftar · Sel, 24 Nov")
    assert "pukul berapa?" in bodies(times)
    await phone.press("09.00–10.00")
    asked = await phone.write("Budi Santoso")
    assert "NIK Budi Santoso" in bodies(asked)
    student = nik(date(2010, 5, 15))
    asked = await phone.write(student)
    assert "Nomor HP orang tua atau wali" in bodies(asked) and "Lewati" in titles(asked)
    summary = await phone.write("0812 3456 7890")
    assert "*Mohon periksa pendaftaran berikut:*" in bodies(summary)
    assert f"NIK {student}" in bodies(summary)
    done = await phone.press("✅ Konfirmasi")
    assert [o.kind for o in done if o.kind != "list"] == ["location", "image", "document"]
    assert "Terdaftar: perekaman KTP-el di SMA Negeri 6" in bodies(done)
    assert student not in bodies(done)  # masked on the ticket
    mine = await services.booking.active_for_owner(WA_ID_BASE + 1)
    assert len(mine) == 1 and mine[0].person_name == "Budi Santoso"
    assert mine[0].code in bodies(done)
    assert_whatsapp_shaped(phone.inbox)


async def test_the_parents_whatsapp_number_is_one_tap(wa, services):
    phone = wa.phone("Ibu Rina")
    await phone.write("/sekolah sman 6 tangsel")
    await phone.press("📝 Daftar · Sel, 24 Nov")
    await phone.press("09.00–10.00")
    await phone.write("Budi Santoso")
    asked = (await phone.write(nik(date(2010, 5, 15))))[-1]
    assert asked.titles == ["📱 Pakai nomor ini", "Lewati", "◀️ Kembali"]
    summary = await phone.press("📱 Pakai nomor ini", asked)
    assert f"+{phone.wa_id}" in bodies(summary)
    await phone.press("✅ Konfirmasi")
    booking = (await services.booking.active_for_owner(WA_ID_BASE + 1))[0]
    assert booking.phone == f"+{phone.wa_id}"
    assert_whatsapp_shaped(phone.inbox)
