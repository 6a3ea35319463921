"""Residents' subscriptions: /langganan by buttons and by typing, /berhenti, the offer button."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.storage.subscriptions import TOPIC_ALL, kecamatan_topic
from handlers.subscribe import SUB, SUB_OFFER, subscribe_offer_button
from tests.broadcast_helpers import CIPUTAT, PONDOK_AREN
from tests.conftest import RESIDENT_ID, texts


async def topics(services, user_id=RESIDENT_ID):
    return await services.subscriptions.store.topics(user_id)


async def test_subscribe_by_buttons(chat, services):
    view = await chat.send("/langganan")
    assert "Anda belum menerima pengumuman" in texts(view)
    updated = await chat.press("Ciputat")
    assert "Anda menerima pengumuman untuk: Ciputat." in texts(updated)
    assert "Ciputat ✅" in chat.last.button_labels
    await chat.press("▶️")
    await chat.press("Pondok Aren")
    assert await topics(services) == [kecamatan_topic(PONDOK_AREN), kecamatan_topic(CIPUTAT)]
    await chat.press("Pondok Aren ✅")  # a second press stops it
    assert await topics(services) == [kecamatan_topic(CIPUTAT)]
    await chat.press("Semua pengumuman")
    assert TOPIC_ALL in await topics(services)
    assert "Anda menerima <b>semua</b>" in chat.last.text
    done = await chat.press("Selesai")
    assert "Ubah: /langganan" in texts(done)


async def test_subscribe_by_typing(chat, services):
    await chat.send("/langganan")
    typed = await chat.send("pd aren, ciputat")
    assert "Anda akan menerima pengumuman untuk Pondok Aren, Ciputat" in texts(typed)
    assert await topics(services) == [kecamatan_topic(PONDOK_AREN), kecamatan_topic(CIPUTAT)]
    everything = await chat.send("semua")
    assert "semua pengumuman" in texts(everything)
    assert TOPIC_ALL in await topics(services)


async def test_langganan_with_a_kecamatan_subscribes_at_once(chat, services):
    answer = await chat.send("/langganan serpong utara")
    assert "Serpong Utara" in texts(answer)
    assert await topics(services) == [kecamatan_topic("367402")]


async def test_a_question_typed_in_the_view_is_not_taken_for_a_kecamatan(chat, services):
    await chat.send("/langganan")
    await chat.send("bagaimana cara mengurus KTP yang hilang ya kak tolong dijelaskan")
    assert await topics(services) == []


async def test_berhenti_stops_everything_or_one_kecamatan(chat, services):
    await chat.send("/langganan pondok aren, ciputat")
    one = await chat.send("/berhenti ciputat")
    assert "tidak akan lagi menerima pengumuman untuk Ciputat" in texts(one)
    assert await topics(services) == [kecamatan_topic(PONDOK_AREN)]
    everything = await chat.send("/berhenti")
    assert "tidak akan lagi menerima pengumuman" in texts(everything)
    assert await topics(services) == []
    again = await chat.send("/berhenti")
    assert "tidak berlangganan pengumuman apa pun" in texts(again)


async def test_stop_all_and_batal_in_the_view(chat, services):
    await chat.send("/langganan ciputat")
    await chat.send("/langganan")
    left = await chat.send("/batal")
    assert "Ciputat" in texts(left)
    await chat.send("/langganan")
    stopped = await chat.press("Hentikan semua")
    assert "tidak akan lagi menerima" in texts(stopped)
    assert await topics(services) == []


async def test_the_offer_button_subscribes_in_one_press(chat, services, api, app):
    t = services.translator("id")
    offer = subscribe_offer_button(t, PONDOK_AREN)
    assert offer.text == "🔔 Pengumuman untuk Pondok Aren"
    assert offer.callback_data == SUB_OFFER.pack(PONDOK_AREN)
    # Another feature's message carrying the button (a booking confirmation, a jadwal answer).
    await app.bot.send_message(RESIDENT_ID, "Jadwal", reply_markup=InlineKeyboardMarkup([[offer]]))
    answer = await chat.press("Pengumuman untuk Pondok Aren")
    assert "Anda akan menerima pengumuman untuk Pondok Aren" in texts(answer)
    assert await topics(services) == [kecamatan_topic(PONDOK_AREN)]
    again = await chat.press("Pengumuman untuk Pondok Aren", chat.transcript[0])
    assert "sudah menerima pengumuman" in texts(again)
    assert api.sent[RESIDENT_ID][0].plain_text() == "Jadwal"  # the other message is untouched


async def test_a_forged_offer_for_an_unserved_kecamatan_is_refused(chat, services, api):
    await chat.send("/start")
    await chat.press_data(SUB_OFFER.pack("317101"))  # Jakarta: not served
    assert "kecamatan yang kami layani" in api.callback_answers[-1]["text"]
    assert await topics(services) == []


async def test_stop_under_an_announcement_leaves_the_announcement(chat, services, app):
    from handlers.subscribe import stop_button

    await chat.send("/langganan ciputat")
    t = services.translator("id")
    await app.bot.send_message(
        RESIDENT_ID, "Pengumuman", reply_markup=InlineKeyboardMarkup([[stop_button(t)]])
    )
    announcement = chat.last
    answer = await chat.press("Berhenti berlangganan")
    assert "tidak akan lagi menerima pengumuman" in texts(answer)
    assert announcement.plain_text() == "Pengumuman"
    assert await topics(services) == []


async def test_an_older_view_keeps_working_after_done(chat, services):
    await chat.send("/langganan")
    older = chat.last
    await chat.send("/langganan")
    await chat.press("Selesai")
    await chat.press("Ciputat", older)
    assert await topics(services) == [kecamatan_topic(CIPUTAT)]


async def test_english_view(make_chat, services):
    chat = make_chat(language_code="en")
    view = await chat.send("/langganan")
    assert "You do not receive any announcements yet." in texts(view)
    assert "🌐 Everything" in chat.last.button_labels
    assert SUB.pack("all", "x") in [b["callback_data"] for row in chat.last.buttons for b in row]


async def test_booking_ticket_and_schedule_offer_the_kecamatan_announcements(chat, services):
    schedule = await chat.send("/jadwal pondok aren")
    offer = next(label for m in schedule for label in m.button_labels if "Pondok Aren" in label)
    assert offer.startswith("🔔")
    subscribed = await chat.press(offer, message=next(m for m in schedule if m.buttons))
    assert subscribed
    mine = await services.subscriptions.of(chat.user["id"])
    assert "367403" in mine.kecamatan


async def test_typing_after_pressing_keeps_the_view_open(chat, services):
    await chat.send("/langganan")
    await chat.press("Ciputat")
    typed = await chat.send("pondok aren")
    assert "Pondok Aren" in texts(typed)
    assert await topics(services) == [kecamatan_topic(PONDOK_AREN), kecamatan_topic(CIPUTAT)]
    done = await chat.send("selesai")
    assert "Ubah: /langganan" in texts(done)
    assert await services.flow_states.get(RESIDENT_ID, "subscribe") is None


async def test_a_question_in_the_view_is_answered(chat, services):
    await chat.send("/langganan")
    answer = await chat.send("syarat rekam ktp apa aja?")
    assert "Kartu Keluarga" in texts(answer)
    assert await topics(services) == []
