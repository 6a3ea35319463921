"""``python -m bot console --channel whatsapp``: the conversation as WhatsApp shows it."""

from __future__ import annotations

from tests.test_cli import run


def test_whatsapp_console_shows_lists_buttons_and_no_html(tmp_path):
    script = "/start\n2\nPondok Aren\n1\n1\nSiti Aminah\n3674031705900001\n-\nKonfirmasi\n"
    result = run("console", "--channel", "whatsapp", stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "WhatsApp" in out.splitlines()[0]
    assert "☰ Pilih" in out  # a list message
    assert "[2] 📝 Daftar perekaman" in out
    assert "[📍 Kirim lokasi]" in out  # the location request message
    assert "[1] ◀️ Kembali   [2] ✖️ Keluar" in out  # reply buttons
    assert "Lainnya ▶" in out
    assert "*Langkah 1 dari 4 — di mana?*" in out and "<b>" not in out
    assert "[image: " in out and ".png]" in out
    assert "[document: " in out and ".ics]" in out
