"""Questions on WhatsApp: the FAQ typed or from the menu, /lokasi with a shared location, /jadwal,
/tanya to the staff (who stay on Telegram), through the real Application and the fake Cloud API.
"""

from __future__ import annotations

from bot.whatsapp.cloud import check_message
from bot.whatsapp.layout import Choice, Words, messages_for
from tests.answers_helpers import group_messages, staff_says
from tests.whatsapp_flows_helpers import assert_whatsapp_shaped, bodies, titles
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)

NEAR_PONDOK_AREN = (-6.262, 106.712)


async def test_faq_typed_and_from_the_menu(wa):
    phone = wa.phone()
    menu = (await phone.write("/start"))[-1]
    assert menu.kind == "list" and "💬 Tanya petugas" in menu.titles
    answer = await phone.write("syarat rekam ktp apa aja")
    assert "*Syarat perekaman e-KTP*" in bodies(answer) and "Kartu Keluarga" in bodies(answer)
    # The answer's next steps are reply buttons: one tap to the places or to booking.
    assert answer[-1].kind == "button" and "📝 Daftar perekaman" in answer[-1].titles
    started = await phone.press("📝 Daftar perekaman", answer[-1])
    assert "Langkah 1 dari 4" in bodies(started)
    hilang = await phone.write("ktp saya hilang gmn")
    assert "kepolisian" in bodies(hilang)
    assert_whatsapp_shaped(phone.inbox)


async def test_lokasi_with_a_shared_location_lists_the_nearest_with_distinct_rows(wa):
    phone = wa.phone()
    asked = await phone.write("/lokasi")
    assert "kirim lokasi Anda" in bodies(asked)
    nearest = await phone.share_location(*NEAR_PONDOK_AREN)
    listing = next(o for o in nearest if o.kind == "list")
    assert "Tempat perekaman terdekat" in listing.body and "0,2 km" in listing.body
    # "📝 Daftar di Kantor Kecamatan …" twice would both read "📝 Daftar di Kantor…": the rows
    # say what differs, the description the whole label.
    assert len(set(listing.titles)) == len(listing.titles)
    row = next(o for o in listing.options if o["title"] == "Pondok Aren")
    assert row["description"] == "📝 Daftar di Kantor Kecamatan Pondok Aren"
    # Each place also as a map pin.
    pins = [o for o in nearest if o.kind == "location"]
    assert "Kantor Kecamatan Pondok Aren" in [p.body for p in pins]
    days = await phone.press("Pondok Aren", listing)
    assert "Kantor Kecamatan Pondok Aren" in bodies(days) and "Langkah 2 dari 4" in bodies(days)
    assert_whatsapp_shaped(phone.inbox)


async def test_jadwal_too_long_for_one_message_keeps_every_line_once(wa):
    phone = wa.phone()
    shown = await phone.write("/jadwal")
    assert [o.kind for o in shown] == ["text", "list"]
    text, picker = shown
    # Past WhatsApp's 1024 characters under a list: the start as text, the list under the end
    # (its last paragraphs, never a lone repeated line).
    assert "Layanan perekaman" in text.body and len(picker.body) <= 1024
    assert picker.body.startswith("*") and picker.body not in text.body
    hours = await phone.press("Ciputat", picker)
    assert "*Jam perekaman di Ciputat*" in bodies(hours)
    assert "📝 Daftar perekaman" in titles(hours)
    assert_whatsapp_shaped(phone.inbox)


async def test_jadwal_next_pages_show_the_same_words_as_the_first(wa):
    phone = wa.phone()
    picker = (await phone.write("/jadwal"))[-1]
    second = await phone.press("Lainnya ▶", picker)
    assert [o.kind for o in second] == ["list"] and second[0].body == picker.body
    assert not set(second[0].titles[:-1]) & set(picker.titles[:-1])


async def test_tanya_typed_then_answered_by_staff_on_telegram(wa):
    phone = wa.phone()
    opened = await phone.write("/tanya")
    assert "*Tanya petugas Disdukcapil*" in bodies(opened)
    check = await phone.write("kapan ktp saya jadi ya?")
    assert "kapan ktp saya jadi ya?" in bodies(check)
    sent = await phone.press("✅ Kirim")
    assert "TNY-" in bodies(sent)
    card = group_messages(wa.telegram)[-1]
    await staff_says(wa.channel.application, wa.telegram, "Minggu depan, Bu.", reply_to=card)
    assert "Minggu depan, Bu." in phone.last.body
    assert_whatsapp_shaped(phone.inbox)


def test_two_buttons_with_one_label_become_list_rows_whatsapp_accepts():
    twice = [Choice("🔕 Berhenti", "stop:1"), Choice("🔕 Berhenti", "stop:2")]
    [message] = messages_for("Sekolah yang Anda ikuti", twice, words=Words())
    check_message(message)  # the fake Cloud API refuses what Meta refuses
    assert message["interactive"]["type"] == "list"
