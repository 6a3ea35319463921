"""A user's own words quoted back in a reply are cut short and escaped (issue 14): a command with
an argument of thousands of characters gets its usual polite answer, not Telegram's "message is
too long" and the generic apology."""

from __future__ import annotations

import pytest

from handlers.common import ECHO_LIMIT, echo
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts

# Telegram's longest message; markup in it must be shown, not parsed.
LONG = ("<b>Zzqx " + "Qwvx " * 900)[:4000]
SHOWN = "<b>Zzqx Qwvx Qwvx"


def quoted(text: str) -> str:
    """What the reply quotes of the user's words: between “ and ”."""
    start = text.index("“") + 1
    return text[start : text.index("”", start)]


def assert_quoted_short(text: str) -> None:
    words = quoted(text)
    assert words.startswith(SHOWN) and words.endswith("…")
    assert len(words) <= ECHO_LIMIT


@pytest.mark.parametrize(
    ("user", "command", "answer"),
    [
        (ADMIN_ID, "/rekap", "tidak mengenal kecamatan"),
        (ADMIN_ID, "/ekspor bookings", "tidak mengenal kecamatan"),
        (ADMIN_ID, "/ekspor visits 7", "tidak mengenal kecamatan"),
        (ADMIN_ID, "/kunjungan", "tidak dikenal"),
        (OPERATOR_ID, "/daftarhadir", "tidak dikenal"),
        (OPERATOR_ID, "/hadir", "bukan kode pendaftaran"),
        (None, "/lokasi", "tidak menemukan kecamatan"),
        (None, "/jadwal", "tidak menemukan kecamatan"),
        (None, "/sekolah", "tidak menemukan sekolah"),
        (None, "/langganan", "tidak saya kenali"),
    ],
)
async def test_a_long_argument_is_quoted_short(make_chat, user, command, answer):
    chat = make_chat(user) if user else make_chat()
    messages = await chat.send(f"{command} {LONG}")
    text = texts(messages)
    assert answer in text
    assert_quoted_short(text)
    assert "terjadi kesalahan" not in text


async def test_a_long_unknown_command_is_quoted_short(chat):
    text = texts(await chat.send("/" + "x" * 3000))
    assert "tidak mengenal perintah /xxx" in text and "…" in text
    assert "x" * ECHO_LIMIT not in text


async def test_a_long_kecamatan_typed_while_booking(chat):
    await chat.send("/daftar")
    text = texts(await chat.send(LONG))
    assert "tidak ditemukan" in text
    assert_quoted_short(text)


def test_echo_is_one_short_escaped_line():
    assert echo("a\n  <b>") == "a &lt;b&gt;"
    assert echo("x" * 61) == "x" * 59 + "…"
    assert echo("x" * 60) == "x" * 60
    assert echo("a & b", limit=3) == "a…"
