"""Step 1 of the booking flow offers a "send my location" reply-keyboard button (as /lokasi does):
tapping it lists the nearest places and the booking goes on to the ticket; the keyboard is taken
away once a place is chosen (by any means) and when the flow is left. The test clock: Monday 23
November 2026, 09.00 in Jakarta."""

from __future__ import annotations

import io

import pytest

from bot.console import ConsolePrinter, TelegramConsoleChat, handle_line
from tests.booking_helpers import TUESDAY, next_account, nik
from tests.conftest import texts

NEAR_PONDOK_AREN = (-6.262, 106.712)
BUTTON = "📍 Kirim lokasi saya"


@pytest.fixture
def resident() -> int:
    return next_account()


@pytest.fixture
def chat(make_chat, resident):
    return make_chat(resident)


def keyboards_sent(messages) -> list[list[str]]:
    return [[b["text"] for row in m.keyboard for b in row] for m in messages if m.keyboard]


async def test_step_one_offers_the_location_button(chat):
    first = await chat.send("/daftar")
    assert chat.reply_keyboard_labels == [BUTTON]
    assert chat.reply_keyboard[0][0]["request_location"] is True
    text = texts(first)
    assert "Daftar perekaman KTP-el" in text
    assert "tombol “📍 Kirim lokasi saya” di bawah" in text
    assert "Langkah 1 dari 4" in text and "📎" not in text
    # The kecamatan picker is still there, as the last message.
    assert "Ciputat" in chat.last.button_labels
    assert chat.last is chat.last_with_buttons()


async def test_the_location_button_leads_to_the_nearest_place_and_a_ticket(
    chat, resident, services
):
    await chat.send("/daftar")
    nearest = await chat.tap("Kirim lokasi saya", location=NEAR_PONDOK_AREN)
    assert "Tempat terdekat yang masih punya jadwal" in texts(nearest)
    labels = chat.last.button_labels
    assert labels[0].startswith("Kantor Kecamatan Pondok Aren · 0,2 km")
    # Still choosing: the keyboard stays until a place is chosen.
    assert chat.reply_keyboard_labels == [BUTTON]
    days = await chat.press(labels[0])
    assert "✅ Tempat dipilih: Kantor Kecamatan Pondok Aren" in texts(days)
    assert chat.reply_keyboard == []
    assert "Langkah 2 dari 4" in chat.last.plain_text()
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Siti Aminah")
    await chat.send(nik(1))
    await chat.send("0812 3456 7890")
    done = await chat.press("Konfirmasi")
    assert "Berhasil dipesan" in texts(done)
    view = (await services.booking.active_for_owner(resident))[0]
    assert view.place.name == "Kantor Kecamatan Pondok Aren" and view.date == TUESDAY
    assert view.code in texts(done)
    assert chat.reply_keyboard == []
    # No keyboard was put up again on the way.
    assert [m for m in chat.transcript if m.keyboard][1:] == []


async def test_a_typed_kecamatan_takes_the_keyboard_away(chat):
    await chat.send("/daftar")
    days = await chat.send("pd aren")
    assert days[0].removes_keyboard
    assert "✅ Tempat dipilih: Kantor Kecamatan Pondok Aren" in days[0].plain_text()
    assert "Langkah 2 dari 4" in texts(days)
    assert chat.reply_keyboard == []


async def test_the_picker_takes_the_keyboard_away(chat):
    await chat.send("/daftar")
    for _ in range(4):
        if "Setu" in chat.last.button_labels:
            break
        await chat.press("▶️")
    places = await chat.press("Setu")
    # Setu has several places: still choosing, the keyboard stays.
    assert "Tempat perekaman di Setu" in texts(places)
    assert chat.reply_keyboard_labels == [BUTTON]
    days = await chat.send("2")
    assert "✅ Tempat dipilih: Gerai Dukcapil Mal Pelayanan Publik" in texts(days)
    assert chat.reply_keyboard == []


async def test_batal_takes_the_keyboard_away(chat):
    await chat.send("/daftar")
    await chat.tap("Kirim lokasi saya", location=NEAR_PONDOK_AREN)
    stopped = await chat.send("/batal")
    assert "Tidak ada yang didaftarkan" in stopped[0].plain_text()
    assert stopped[0].removes_keyboard
    assert chat.reply_keyboard == []


@pytest.mark.parametrize("leave", ["✖️ Keluar", "kembali", "batal"])
async def test_leaving_step_one_takes_the_keyboard_away(chat, leave):
    await chat.send("/daftar")
    assert chat.reply_keyboard_labels == [BUTTON]
    if leave.startswith("✖️"):
        left = await chat.press("Keluar")  # the engine's leave button (was "✖️ Batal")
    else:
        left = await chat.send(leave)
    assert "Tidak ada yang didaftarkan" in texts(left)
    assert chat.reply_keyboard == []


async def test_back_keeps_the_keyboard_or_offers_it_again(chat):
    await chat.send("/daftar")
    await chat.tap("Kirim lokasi saya", location=NEAR_PONDOK_AREN)
    # Back from the nearest places to the kecamatan picker: the keyboard is still shown.
    again = await chat.press("Kembali")
    assert "Langkah 1 dari 4" in texts(again)
    assert keyboards_sent(again) == []
    assert chat.reply_keyboard_labels == [BUTTON]
    await chat.send("pondok aren")
    assert chat.reply_keyboard == []
    # Back from step 2 to step 1: the button is offered again.
    back = await chat.press("Kembali")
    assert keyboards_sent(back) == [[BUTTON]]
    assert "Ciputat" in chat.last.button_labels
    nearest = await chat.tap("Kirim lokasi saya", location=NEAR_PONDOK_AREN)
    assert "Tempat terdekat" in texts(nearest)
    await chat.press(1)
    assert chat.reply_keyboard == []
    assert "Langkah 2 dari 4" in chat.last.plain_text()


async def test_the_button_text_without_a_location_is_explained(chat):
    await chat.send("/daftar")
    # A client that cannot share a location sends the button's label as text.
    answer = await chat.send(BUTTON)
    assert "Lokasi tidak terkirim" in texts(answer)
    assert "tidak ditemukan" not in texts(answer)
    assert "Langkah 1 dari 4" in texts(answer)
    assert chat.reply_keyboard_labels == [BUTTON]


async def test_without_step_one_no_keyboard_is_shown(chat):
    messages = await chat.send("/daftar pondok aren")
    assert "Langkah 2 dari 4" in texts(messages)
    assert keyboards_sent(messages) == []
    assert not any(m.removes_keyboard for m in messages)
    assert chat.reply_keyboard == []


async def test_english(make_chat):
    chat = make_chat(next_account(), language_code="en")
    first = await chat.send("/daftar")
    assert chat.reply_keyboard_labels == ["📍 Send my location"]
    assert "the “📍 Send my location” button below" in texts(first)
    await chat.tap("Send my location", location=NEAR_PONDOK_AREN)
    chosen = await chat.press(1)
    assert "✅ Place chosen: Kantor Kecamatan Pondok Aren" in texts(chosen)
    assert chat.reply_keyboard == []


async def test_the_console_shows_the_button_and_how_to_share(chat, api):
    out = io.StringIO()
    api.listeners.append(ConsolePrinter(out, chat.chat_id, 0))
    await chat.send("/daftar")
    assert "⌨️ [📍 Kirim lokasi saya] → !loc LAT LON" in out.getvalue()
    # Typing the button's label in the console: it cannot share a location, it says how.
    await handle_line(TelegramConsoleChat(chat), BUTTON, out)
    assert out.getvalue().rstrip().endswith("!loc LAT LON, e.g. !loc -6.2717 106.7021")
    await handle_line(TelegramConsoleChat(chat), "!loc -6.262 106.712", out)
    assert "Tempat terdekat" in out.getvalue()
