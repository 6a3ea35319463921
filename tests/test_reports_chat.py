"""Reports of extortion go to their own chat (config ``[staff] reports_chat_id``, e.g. the
inspectorate's), since they may be about the operators in the staff group; questions stay in the
staff group; a reply in the reports chat reaches the resident; the national SP4N-LAPOR! channel is
shown with every report."""

from __future__ import annotations

import dataclasses

import pytest

from bot.config import Config, StaffConfig, load_config
from tests.answers_helpers import fresh_intent_cache, group_messages, staff_says
from tests.conftest import STAFF_GROUP, texts

INSPECTORATE = -1009876543210

pytestmark = pytest.mark.usefixtures("fresh_intent_cache")
__all__ = ["fresh_intent_cache"]


@pytest.fixture
def config(config: Config) -> Config:
    staff = dataclasses.replace(config.staff, reports_chat_id=INSPECTORATE)
    return dataclasses.replace(config, staff=staff)


async def report(chat):
    await chat.send("/lapor")
    await chat.send("Petugas minta uang Rp 50.000 supaya cepat direkam")
    await chat.send("Kantor Kecamatan Cikupa")
    await chat.press("Kemarin")
    await chat.send("0812 3456 7890")
    return await chat.press("Kirim laporan")


async def test_a_report_goes_to_the_reports_chat_not_the_staff_group(chat, app, api, services):
    sent = await report(chat)
    assert "LPR-" in texts(sent)
    cards = [m for m in api.sent.get(INSPECTORATE, []) if not m.deleted]
    assert len(cards) == 1 and "Rp 50.000" in cards[0].plain_text()
    assert not any("Rp 50.000" in m.plain_text() for m in group_messages(api))
    # The inspectorate answers by replying; the resident gets it.
    await staff_says(
        app, api, "Kami tindak lanjuti hari ini.", reply_to=cards[0], chat_id=INSPECTORATE
    )
    assert "Kami tindak lanjuti hari ini." in texts(chat.transcript)


async def test_questions_still_go_to_the_staff_group(chat, api):
    await chat.send("/tanya")
    await chat.send("Apakah KTP saya sudah jadi? Saya rekam bulan lalu di Cikupa.")
    await chat.press("Kirim")
    assert any("Cikupa" in m.plain_text() for m in group_messages(api))
    assert not api.sent.get(INSPECTORATE)


async def test_every_report_shows_the_national_channel(chat):
    start = await chat.send("/lapor")
    assert "SP4N-LAPOR!" in texts(start) and "lapor.go.id" in texts(start)
    await chat.send("/batal")
    sent = await report(chat)
    assert "SP4N-LAPOR!" in texts(sent) and "https://www.lapor.go.id" in texts(sent)


def test_the_reports_chat_defaults_to_the_staff_group(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f"[staff]\ngroup_chat_id = {STAFF_GROUP}\n", encoding="utf-8")
    assert load_config(path, env={}).staff.reports_chat == STAFF_GROUP
    path.write_text(
        f"[staff]\ngroup_chat_id = {STAFF_GROUP}\nreports_chat_id = {INSPECTORATE}\n",
        encoding="utf-8",
    )
    loaded = load_config(path, env={}).staff
    assert loaded.reports_chat == INSPECTORATE
    assert loaded.staff_chats() == {STAFF_GROUP, INSPECTORATE}
    assert StaffConfig().staff_chats() == frozenset()
