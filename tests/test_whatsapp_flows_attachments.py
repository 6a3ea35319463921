"""What the bot cannot read on WhatsApp (photos, voice notes, stickers, videos, files, contact
cards) is answered as on Telegram, and never stored mid-flow; reactions are no message to answer;
a template's button without a payload is its title typed."""

from __future__ import annotations

import pytest

from bot.whatsapp.phone import webhook_post
from tests.whatsapp_flows_helpers import assert_whatsapp_shaped, bodies
from tests.whatsapp_helpers import wa_fixture  # noqa: F401  (the fixture ``wa``)

ATTACHMENTS = {
    "image": {"type": "image", "image": {"id": "m1", "mime_type": "image/jpeg"}},
    "audio": {"type": "audio", "audio": {"id": "m2", "mime_type": "audio/ogg", "voice": True}},
    "sticker": {"type": "sticker", "sticker": {"id": "m3", "mime_type": "image/webp"}},
    "video": {"type": "video", "video": {"id": "m4", "mime_type": "video/mp4"}},
    "document": {"type": "document", "document": {"id": "m5", "filename": "kk.pdf"}},
    "contacts": {
        "type": "contacts",
        "contacts": [{"name": {"formatted_name": "Budi"}, "phones": [{"phone": "+62 812"}]}],
    },
}


@pytest.mark.parametrize("kind", sorted(ATTACHMENTS))
async def test_an_attachment_is_answered_with_what_the_bot_can_read(wa, kind):
    phone = wa.phone()
    answer = await phone.post(ATTACHMENTS[kind])
    assert "hanya dapat membaca pesan teks" in bodies(answer)
    assert answer[-1].kind == "list"  # the menu, as on Telegram
    assert_whatsapp_shaped(answer)


async def test_a_voice_note_mid_flow_is_not_stored(wa):
    phone = wa.phone()
    await phone.write("/daftar")
    await phone.write("Pondok Aren")
    await phone.press("Sel, 24 Nov")
    await phone.press("08.00–09.00")
    answer = await phone.post(ATTACHMENTS["audio"])
    assert "Mohon jawab dengan teks atau gunakan tombol." in bodies(answer)
    named = await phone.write("Siti Aminah")
    assert "NIK atas nama *Siti Aminah*" in bodies(named)


async def test_a_reaction_gets_no_answer(wa):
    phone = wa.phone()
    await phone.write("/start")
    reaction = {"type": "reaction", "reaction": {"message_id": phone.last.wamid, "emoji": "👍"}}
    assert await wa.channel.receive(webhook_post(phone.wa_id, "Siti", reaction)) == 0


async def test_a_template_button_without_a_payload_reads_as_its_title_typed(wa):
    phone = wa.phone()
    # A reminder template's quick reply, set up in WhatsApp Manager without a payload.
    button = {"type": "button", "button": {"text": "Pendaftaran saya", "payload": ""}}
    answer = await phone.post(button)
    assert "Anda belum punya pendaftaran atau permohonan yang aktif." in bodies(answer)
