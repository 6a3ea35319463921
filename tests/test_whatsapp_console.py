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


def test_whatsapp_templates_prints_the_definitions_to_submit(tmp_path):
    import json

    result = run("whatsapp-templates", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # The generic notice template here; the others in tests/test_whatsapp_delivery.py.
    found = {t["language"]: t for t in json.loads(result.stdout) if t["name"] == "ektp_notice"}
    assert set(found) == {"id", "en"}
    assert found["id"]["name"] == "ektp_notice" and found["id"]["category"] == "UTILITY"
    body = found["id"]["components"][0]
    assert "{{1}}" in body["text"] and body["text"].startswith("Pemberitahuan")
    assert body["example"]["body_text"][0][0].startswith("Pengingat")
