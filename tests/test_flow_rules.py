"""The conversation rules of design.md §7, checked the same way for every flow on the engine
(handlers/flow): each row of FLOWS names how to reach one of the flow's typed steps, what that
step asks, and what leaving it says. Add a row when a flow moves onto the engine.

1. a question at a typed step is answered, nothing of it is stored, one tap continues;
2. an idle flow lets go of the next message; its entry offers to continue where it was;
3. the buttons' words can be typed ("kembali", "keluar", "batal");
4. leaving says what stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.booking_helpers import next_account
from tests.conftest import texts


@dataclass(frozen=True)
class FlowCase:
    flow: str  # the engine's flow name
    entry: str  # the command that opens it
    reach: tuple[tuple[str, str], ...]  # ("send" | "press", text) up to the typed step
    prompt: str  # what the typed step asks (a fragment)
    before: str  # what the step before it asks (where "kembali" goes)
    left: str  # what leaving says (a fragment)


FLOWS = [
    FlowCase(
        flow="booking",
        entry="/daftar",
        reach=(
            ("send", "/daftar pondok aren"),
            ("press", "Sel, 24 Nov"),
            ("press", "08.00–09.00"),
        ),
        prompt="siapa yang akan merekam",
        before="Pilih jam",
        left="Tidak ada yang didaftarkan",
    ),
]


@pytest.fixture(params=FLOWS, ids=[case.flow for case in FLOWS])
def case(request) -> FlowCase:
    return request.param


@pytest.fixture
def chat(make_chat):
    return make_chat(next_account())


async def reach(chat, case: FlowCase):
    messages = []
    for action, text in case.reach:
        messages = await (chat.send(text) if action == "send" else chat.press(text))
    assert case.prompt in texts(messages)
    return messages


async def test_rule_1_a_question_is_answered_and_not_stored(chat, case, services):
    await reach(chat, case)
    before = await services.flow_states.get(chat.chat_id, case.flow)
    answer = await chat.send("syaratnya apa aja?")
    seen = texts(answer)
    assert "Kartu Keluarga" in seen or "KK" in seen
    assert any("Lanjutkan" in label for label in answer[-1].button_labels)
    after = await services.flow_states.get(chat.chat_id, case.flow)
    assert before is not None and after is not None and after.draft == before.draft
    assert case.prompt in texts(await chat.press("Lanjutkan"))


async def test_rule_2_an_idle_flow_lets_go_and_is_offered_again(chat, case, clock):
    await reach(chat, case)
    clock.advance(minutes=31)
    fresh = await chat.send("syaratnya apa aja?")
    assert not any("Lanjutkan" in label for m in fresh for label in m.button_labels)
    offer = await chat.send(case.entry)
    assert any("Lanjutkan" in label for label in offer[-1].button_labels)
    assert case.prompt in texts(await chat.send("lanjutkan"))


@pytest.mark.parametrize("word", ["keluar", "batal", "Keluar", "/batal"])
async def test_rules_3_and_4_leaving_by_words_says_what_stays(chat, case, services, word):
    await reach(chat, case)
    left = await chat.send(word)
    assert case.left in texts(left)
    assert await services.flow_states.get(chat.chat_id, case.flow) is None


async def test_rule_3_back_by_word_and_by_button(chat, case):
    await reach(chat, case)
    assert case.before in texts(await chat.send("kembali"))
    action, text = case.reach[-1]  # the typed step again, then back by its button
    assert case.prompt in texts(await (chat.send(text) if action == "send" else chat.press(text)))
    assert case.before in texts(await chat.press("Kembali"))


async def test_rule_4_the_leave_button_is_keluar(chat, case, services):
    await reach(chat, case)
    labels = chat.last_with_buttons().button_labels
    assert "✖️ Keluar" in labels and not any(label.endswith("Batal") for label in labels)
    assert case.left in texts(await chat.press("Keluar"))
