"""WhatsApp through the real Application: webhook-shaped events in, Cloud API payloads out.

What a WhatsApp resident sees is asserted on the payloads the fake Cloud API received: reply
buttons or lists within WhatsApp's limits, WhatsApp formatting instead of HTML, and a new message
wherever Telegram would have edited one."""

from __future__ import annotations

from bot.storage.whatsapp import WA_ID_BASE
from bot.whatsapp.phone import text_message, webhook_post
from tests.answers_helpers import group_messages, staff_says
from tests.booking_helpers import nik
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)


def bodies(outgoing) -> str:
    return "\n".join(o.body for o in outgoing)


def assert_no_html(outgoing) -> None:
    for o in outgoing:
        assert "<b>" not in o.body and "</" not in o.body and "&amp;" not in o.body, o.body


async def test_booking_by_taps_and_typing_ends_with_ticket_map_qr_and_calendar(wa, services):
    phone = wa.phone()
    start = await phone.write("/daftar")
    # The reply keyboard's "send my location" becomes WhatsApp's location request message.
    assert start[0].kind == "location_request_message"
    picker = start[-1]
    assert picker.kind == "list" and "*Langkah 1 dari 4 — di mana?*" in picker.body
    # 36 kecamatan do not fit one list: nine of them and a "Lainnya ▶" row per page.
    assert len(picker.options) == 10 and picker.titles[-1] == "Lainnya ▶"
    days = await phone.write("Pondok Aren")  # typed: the kecamatan matcher
    assert "Kantor Kecamatan Pondok Aren" in bodies(days)
    slots = await phone.press("Sel, 24 Nov")
    assert "08.00–09.00 · sisa 12" in slots[-1].titles
    await phone.press("08.00–09.00")
    await phone.write("Siti Aminah")
    await phone.write(nik(1))
    summary = await phone.write("0812 3456 7890")
    assert "Langkah 4 dari 4" in bodies(summary)
    assert nik(1) in bodies(summary)  # in full on the check screen, to spot a typo
    confirm = summary[-1]
    # Confirm and the change-this buttons: more than three, so a list.
    assert confirm.kind == "list" and "Konfirmasi" in " ".join(confirm.titles)
    done = await phone.press("Konfirmasi")
    kinds = [o.kind for o in done]
    assert {"location", "image", "document"} <= set(kinds)
    booking = (await services.booking.active_for_owner(WA_ID_BASE + 1))[0]
    assert booking.code in bodies(done)
    calendar = next(o for o in done if o.kind == "document")
    filename, content, mime = wa.cloud.media[calendar.message["document"]["id"]]
    # WhatsApp does not take text/calendar: the .ics goes as plain text under its own name.
    assert filename.endswith(".ics") and mime == "text/plain" and b"BEGIN:VCALENDAR" in content
    assert_no_html(phone.inbox)


async def test_every_payload_stays_within_whatsapp_limits_and_no_html(wa):
    phone = wa.phone()
    await phone.write("/start")
    await phone.write("/daftar")
    await phone.write("Pondok Aren")
    # FakeCloudAPI refuses anything past Meta's limits (buttons, rows, titles, bodies).
    assert all(len(t) <= 24 for o in phone.inbox for t in o.titles)
    menu = phone.inbox[0]
    long_row = next(o for o in menu.options if "description" in o)
    # A label too long for a row title is shortened, and whole in the row's description.
    assert long_row["title"].endswith("…") and long_row["description"].startswith(
        long_row["title"][:-1].rstrip()
    )
    assert_no_html(phone.inbox)


async def test_lainnya_shows_the_next_page_and_its_rows_work(wa):
    phone = wa.phone()
    picker = (await phone.write("/daftar"))[-1]
    second = await phone.press("Lainnya ▶", picker)
    assert len(second) == 1 and second[0].kind == "list"
    assert not set(second[0].titles[:-1]) & set(picker.titles[:-1])
    assert second[0].body == picker.body
    row = second[0].titles[0]
    chosen = await phone.press(row, second[0])
    assert f"Kecamatan {row}" in bodies(chosen) or row in bodies(chosen)
    assert "Langkah 2 dari 4" in bodies(chosen)


async def test_an_edit_becomes_a_new_message_and_old_buttons_are_stale(wa):
    phone = wa.phone()
    picker = (await phone.write("/daftar"))[-1]
    chosen = await phone.press("Balaraja", picker)
    # Telegram edits the picker into "Tempat dipilih"; WhatsApp gets that as a new message.
    assert chosen[0].kind == "text" and "Tempat dipilih" in chosen[0].body
    assert "*Kantor Kecamatan Balaraja*" in chosen[0].body
    await phone.write("/batal")
    stale = await phone.press("Cikupa", picker)
    assert stale and "Langkah 2 dari 4" not in bodies(stale)
    assert any(o.kind == "text" for o in stale)


async def test_a_question_is_answered_with_whatsapp_formatting(wa):
    phone = wa.phone()
    answer = await phone.write("berapa biaya rekam ektp?")
    text = bodies(answer)
    assert "gratis" in text and "pungli" in text
    assert "*" in text  # <b> became *bold*
    assert_no_html(answer)
    assert any("Laporkan" in t for o in answer for t in o.titles)


async def test_a_question_for_staff_goes_to_the_telegram_staff_group_and_back(wa):
    phone = wa.phone()
    await phone.write("/tanya kapan ktp saya jadi?")
    sent = await phone.press(1)
    assert "TNY-" in bodies(sent)
    card = group_messages(wa.telegram)[-1]  # staff stay on Telegram
    assert "kapan ktp saya jadi?" in card.plain_text()
    await staff_says(wa.channel.application, wa.telegram, "Minggu depan, Bu.", reply_to=card)
    assert "Minggu depan, Bu." in phone.last.body


async def test_a_retried_webhook_is_processed_once(wa):
    phone = wa.phone()
    post = webhook_post(phone.wa_id, "Siti", text_message("/start"))
    assert await wa.channel.receive(post) == 1
    count = len(phone.inbox)
    assert await wa.channel.receive(post) == 0
    assert len(phone.inbox) == count


async def test_one_number_is_one_user_in_a_range_telegram_never_uses(wa, services):
    phone, other = wa.phone(), wa.phone("Budi")
    await phone.write("/start")
    await other.write("/start")
    await phone.write("/bantuan")
    first = await wa.store.user_for(phone.wa_id, 0)
    second = await wa.store.user_for(other.wa_id, 0)
    assert first.id == WA_ID_BASE + 1 and second.id == WA_ID_BASE + 2
    assert await services.users.get(first.id) is not None


async def test_delivery_statuses_are_recorded_and_only_move_forward(wa):
    phone = wa.phone()
    await phone.write("/start")
    wamid = phone.last.wamid
    assert (await wa.store.delivery(wamid)).status == "sent"

    def status(state: str) -> dict:
        value = {"statuses": [{"id": wamid, "status": state, "timestamp": "1",
                               "recipient_id": phone.wa_id}]}  # fmt: skip
        change = {"field": "messages", "value": value}
        return {"object": "whatsapp_business_account", "entry": [{"changes": [change]}]}

    await wa.channel.receive(status("read"))
    await wa.channel.receive(status("delivered"))  # late, out of order
    assert (await wa.store.delivery(wamid)).status == "read"


async def test_erasure_on_whatsapp_forgets_the_number_and_a_new_message_is_a_new_user(
    wa, services
):
    phone = wa.phone()
    await phone.write("/tanya kapan ktp saya jadi?")
    await phone.press(1)
    user = await wa.store.user_for(phone.wa_id, 0)
    await phone.write("/hapusdata")
    await phone.press("Hapus data saya")
    done = await phone.press("Ya, hapus semuanya")
    assert "Data Anda sudah dihapus" in bodies(done)  # still told, on WhatsApp
    assert (await wa.store.by_id(user.id)).wa_id == f"erased:{user.id}"
    assert (
        await services.db.fetchall("SELECT 1 FROM wa_users WHERE wa_id = ?", (phone.wa_id,)) == []
    )
    await phone.write("/start")
    # A new user, never the erased one's id again.
    assert (await wa.store.user_for(phone.wa_id, 0)).id > user.id


async def test_a_notice_inside_the_window_is_a_message_outside_it_a_template(wa, clock):
    phone = wa.phone()
    await phone.write("/start")
    user = await wa.store.user_for(phone.wa_id, int(clock.now().timestamp()))
    bot = wa.channel.application.bot
    clock.advance(hours=23)
    await bot.send_message(user.id, "<b>Pengingat</b>\nBesok pukul 08.00, kode 9327TX.")
    assert phone.last.kind == "text" and phone.last.body.startswith("*Pengingat*")
    clock.advance(hours=2)  # 25 hours after the resident's last message
    await bot.send_message(user.id, "<b>Pengingat</b>\nBesok pukul 08.00, kode 9327TX.")
    template = phone.last.message
    assert template["type"] == "template"
    assert template["template"]["name"] == "ektp_notice"
    assert template["template"]["language"] == {"code": "id"}
    [parameter] = template["template"]["components"][0]["parameters"]
    # Meta refuses line breaks in a parameter: the lines are joined.
    assert parameter["text"] == "*Pengingat* · Besok pukul 08.00, kode 9327TX."
    # The resident's reply opens the window again: answers have their buttons back.
    menu = await phone.write("/start")
    assert menu[-1].kind == "list"


async def test_memory_stays_bounded_and_a_forgotten_message_s_button_still_works(wa, monkeypatch):
    import bot.whatsapp.bridge as bridge

    monkeypatch.setattr(bridge, "KEEP_PER_CHAT", 3)
    phone = wa.phone()
    picker = (await phone.write("/daftar"))[-1]
    for _ in range(3):
        await phone.write("/bantuan")
    assert len(wa.bridge.mirror.sent[WA_ID_BASE + 1]) <= 3
    # The flow is still at that step: its button works though the bridge forgot the message
    # (the handler edits a stand-in, which WhatsApp shows as a new message).
    chosen = await phone.press("Balaraja", picker)
    assert "Langkah 2 dari 4" in bodies(chosen)


async def test_seen_message_ids_are_kept_past_metas_retries_then_forgotten(wa, clock):
    phone = wa.phone()
    post = webhook_post(phone.wa_id, "Siti", text_message("/start"))
    await wa.channel.receive(post)
    clock.advance(days=7)  # Meta's last retry
    assert await wa.channel.receive(post) == 0
    clock.advance(days=2)
    await phone.write("/bantuan")  # any post prunes (at most hourly)
    seen = {row[0] for row in await wa.store.db.fetchall("SELECT message_id FROM wa_inbound")}
    old = post["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    assert old not in seen and len(seen) == 1  # only the new message's id


def test_message_ids_after_a_restart_are_above_those_before(monkeypatch):
    """A button of a message sent before a restart (a list's "Lainnya ▶" names its message)
    must not name a message sent after it: each run's ids start above the last run's."""
    from bot.whatsapp import bridge

    monkeypatch.setattr(bridge.time, "time", lambda: 1_796_000_000.0)
    before = bridge._first_message_id()
    monkeypatch.setattr(bridge.time, "time", lambda: 1_796_000_030.0)  # restarted 30 s later
    after = bridge._first_message_id()
    assert after >= before + 30  # a chat would need over a message a second to catch up
    assert after < 2**31
