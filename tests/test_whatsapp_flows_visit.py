"""The home visit request on WhatsApp by taps: the reasons as list rows, the location step (a
location request, its Skip and Back as buttons of their own), the check screen, through the real
Application and the fake Cloud API. (Typed all the way: tests/test_whatsapp_flows.py.)"""

from __future__ import annotations

from bot.storage.whatsapp import WA_ID_BASE
from tests.whatsapp_flows_helpers import assert_whatsapp_shaped, bodies
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)

NEAR_PONDOK_AREN = (-6.262, 106.712)


async def to_location_step(phone) -> list:
    await phone.write("/start")
    opened = await phone.press("🏠 Perekaman di rumah")
    assert "*Siapa yang perlu dikunjungi?*" in bodies(opened)
    await phone.write("Siti Aminah")
    reasons = (await phone.write("3674034508500001"))[-1]
    assert reasons.kind == "list" and "Orang dengan gangguan…" in reasons.titles
    await phone.press("Sakit atau terbaring", reasons)
    return await phone.write("Jl. Mawar No. 5 RT 02 RW 03, Pondok Kacang Timur")


async def test_the_location_step_offers_skip_and_back_as_buttons(wa):
    phone = wa.phone()
    asked = await to_location_step(phone)
    # WhatsApp's location request carries only its own button: Skip and Back come after it.
    assert [o.kind for o in asked] == ["location_request_message", "button"]
    assert asked[1].body == "Atau:" and asked[1].titles == ["Lewati ➡️", "◀️ Kembali"]
    skipped = await phone.press("Lewati ➡️", asked[1])
    assert "Baik, tanpa lokasi." in bodies(skipped)
    assert "kecamatan apa?" in bodies(skipped)
    back = await phone.press("◀️ Kembali", asked[1])  # a stale button now: nothing breaks
    assert back and "kecamatan apa?" not in bodies(back)
    assert_whatsapp_shaped(phone.inbox)


async def test_back_from_the_location_step_asks_the_address_again(wa):
    phone = wa.phone()
    asked = await to_location_step(phone)
    again = await phone.press("◀️ Kembali", asked[1])
    assert "*Ke mana tim harus datang?*" in bodies(again)


async def test_visit_by_taps_with_a_shared_location_is_recorded(wa, services):
    phone = wa.phone()
    await to_location_step(phone)
    located = await phone.share_location(*NEAR_PONDOK_AREN)
    assert "📍 Lokasi tersimpan." in bodies(located)
    # The kecamatan suggested from the location: one tap.
    suggested = located[-1]
    assert any("Pondok Aren" in t for t in suggested.titles), suggested.titles
    asked = (await phone.press("Pondok Aren", suggested))[-1]
    assert asked.titles[0] == "📱 Pakai nomor ini"  # the number it chats from, one tap
    await phone.press("📱 Pakai nomor ini", asked)
    days = await phone.press("Senin", phone.last_with_options())
    # A ticked box: the list comes again (no edits), ticked.
    assert "✅ Senin" in days[-1].titles
    after = await phone.press("Selesai ➡️", days[-1])
    summary = await phone.press("Tidak ada catatan", after[-1])
    assert "Siti Aminah" in bodies(summary)
    done = await phone.press("✅ Kirim permohonan", summary[-1])
    assert "sudah tercatat" in bodies(done)
    visits = await services.visits.for_owner(WA_ID_BASE + 1)
    assert len(visits) == 1 and visits[0].lat is not None
    assert visits[0].phone == f"+{phone.wa_id}"
    assert visits[0].ticket in bodies(done)
    assert_whatsapp_shaped(phone.inbox)
