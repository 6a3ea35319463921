"""The conversation rules of design.md §7 on flows whose typed step comes after a step of buttons
(tests/test_flow_rules.py covers flows reached by typing), through the real Application. Each
row: how to reach one typed step of the flow, what that step asks, what the step before it asks
(its first button leads to the typed step), the command that comes back to the flow, and what
leaving says. Add your flow's row."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import ADMIN_ID, OPERATOR_ID, RESIDENT_ID, texts


@dataclass(frozen=True)
class Case:
    flow: str
    reach: tuple[tuple[str, str | int], ...]  # ("send", text) or ("press", label or number)
    asks: str  # the typed step's question
    before: str  # the question of the step before it
    again: str  # the command that comes back to the flow
    leaves: str  # what leaving says (rule 4: what stays and what does not)
    title: str  # the flow's title on the "continue" button
    user: int = RESIDENT_ID  # who uses it (staff flows: a staff member)


CASES = [
    Case(
        flow="aturtempat",
        user=OPERATOR_ID,
        reach=(("send", "/aturtempat"), ("press", 1), ("press", "Sen")),
        asks="Jam layanan baru untuk hari",
        before="Tekan nama hari untuk mengubah jam layanannya",
        again="/aturtempat",
        leaves="Tidak ada yang diubah",
        title="pengaturan tempat layanan",
    ),
    Case(
        flow="aturtempat",  # a service day's new hours
        user=OPERATOR_ID,
        reach=(
            ("send", "/aturtempat"),
            ("press", 1),
            ("press", "Ubah atau batalkan hari layanan"),
            ("press", "Sab, 28 Nov"),
            ("press", "Jam"),
        ),
        asks="jam barunya?",
        before="Apa yang ingin Anda ubah?",
        again="/aturtempat",
        leaves="Tidak ada yang diubah",
        title="pengaturan tempat layanan",
    ),
    Case(
        flow="booking",
        reach=(
            ("send", "/daftar pondok aren"),
            ("press", "Sel, 24 Nov"),
            ("press", "08.00–09.00"),
        ),
        asks="siapa yang akan merekam",
        before="Pilih jam",
        again="/daftar",
        leaves="Tidak ada yang didaftarkan",
        title="pendaftaran jadwal perekaman",
    ),
    Case(
        flow="school",
        reach=(("send", "/sekolah sman 6 tangsel"), ("press", "Daftar"), ("press", 1)),
        asks="Nama lengkap siswa",
        before="pukul berapa?",
        again="/sekolah",
        leaves="Tidak ada yang didaftarkan",
        title="acara perekaman di sekolah",
    ),
    Case(
        flow="acara",
        user=ADMIN_ID,
        reach=(("send", "/acara sman 6 tangsel"), ("press", 1), ("press", "Tanggal")),
        asks="Tanggal barunya?",
        before="Status:",
        again="/acara",
        leaves="Yang sudah Anda konfirmasi tetap berlaku",
        title="hari perekaman di sekolah (petugas)",
    ),
]


async def _reach(chat, case: Case) -> None:
    for how, what in case.reach:
        if how == "send":
            await chat.send(what)
        else:
            await chat.press(what)
    assert case.asks in chat.last.plain_text(), case.flow


@pytest.fixture(params=CASES, ids=lambda c: c.flow)
def case(request) -> Case:
    return request.param


async def test_rule_1_a_question_is_answered_not_stored(make_chat, case, services):
    chat = make_chat(case.user)
    await _reach(chat, case)
    before = await services.flow_states.get(chat.chat_id, case.flow)
    answer = await chat.send("syaratnya apa aja?")
    assert "Kartu Keluarga" in texts(answer)
    assert chat.last.button_labels[-1].endswith(": " + case.title)
    after = await services.flow_states.get(chat.chat_id, case.flow)
    assert after is not None and before is not None and after.draft == before.draft
    assert case.asks in texts(await chat.press(chat.last.button_labels[-1]))


async def test_rule_2_idle_flow_lets_go_and_resumes(make_chat, case, clock):
    chat = make_chat(case.user)
    await _reach(chat, case)
    clock.advance(minutes=31)
    fresh = await chat.send("syarat rekam ktp apa aja")
    assert "Kartu Keluarga" in texts(fresh) and case.asks not in texts(fresh)
    offer = await chat.send(case.again)
    assert case.title in texts(offer)
    assert case.asks in texts(await chat.send("lanjutkan"))


async def test_rule_3_typed_equivalents(make_chat, case):
    chat = make_chat(case.user)
    await _reach(chat, case)
    assert case.before in texts(await chat.send("kembali"))
    assert case.asks in texts(await chat.send("1"))
    assert case.before in texts(await chat.send("◀️ Kembali"))


async def test_rule_4_leaving_is_honest_and_unambiguous(make_chat, case):
    chat = make_chat(case.user)
    await _reach(chat, case)
    labels = chat.last.button_labels
    assert "✖️ Keluar" in labels and not any(label.endswith("Batal") for label in labels)
    assert case.leaves in texts(await chat.send("batal"))
