"""The conversation rules of design.md §7, checked alike for every flow on the engine.

Each flow adds one row to ``FLOWS``: how a resident opens it, the answers that lead to a typed
step, that step's question, a valid answer and what is asked next, the draft field the answer
fills, and what leaving says. The rules are then checked generically:

1. a question typed at the step is answered and not stored, and one tap continues;
2. after 30 idle minutes the flow no longer captures messages, and opening it again offers to
   continue with what was filled;
3. typed words stand for buttons ("kembali" for ◀️, "batal" for ✖️);
4. leaving says what stays, and nothing of the flow is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import RESIDENT_ID, texts
from tests.visit_helpers import fresh_intent_cache  # noqa: F401 (an autouse fixture)


@dataclass(frozen=True)
class FlowCase:
    flow: str  # the registered flow name
    entry: str  # what the resident sends to open the flow
    before: tuple[str, ...]  # typed answers that lead to the typed step
    prompt: str  # (part of) the typed step's question
    answer: str  # a valid answer at that step
    next_prompt: str  # (part of) the question after it
    field: str  # the draft field the answer fills
    leave_says: str  # (part of) what leaving says


FLOWS = [
    FlowCase(
        flow="visit",
        entry="/rumah",
        # The step after the name: a request merely opened holds no answer, so it is not
        # offered to continue (rule 2 starts it afresh; tests/test_visit_rules.py).
        before=("Siti Aminah",),
        prompt="16 angka",
        answer="3674034508500001",
        next_prompt="tidak dapat datang",
        field="nik",
        leave_says="Tidak ada yang dikirim",
    ),
    FlowCase(
        flow="report",
        entry="/lapor",
        before=("Petugas di loket minta uang 100 ribu supaya cepat",),
        prompt="2/4",
        answer="Kantor Kecamatan Cikupa",
        next_prompt="3/4",
        field="place",
        leave_says="tidak dikirim",
    ),
]
# Not in the table: /tanya, whose typed step takes questions by design (they are what it sends to
# staff), and /langganan, a view rather than steps; their own tests cover the rules that apply.

QUESTION = "syaratnya apa aja?"


@pytest.fixture(params=FLOWS, ids=lambda case: case.flow)
def case(request) -> FlowCase:
    return request.param


async def _at_typed_step(chat, case: FlowCase) -> None:
    await chat.send(case.entry)
    for answer in case.before:
        await chat.send(answer)


async def _stored(services, case: FlowCase):
    state = await services.flow_states.get(RESIDENT_ID, case.flow)
    return None if state is None else state.draft.get(case.field)


async def test_rule_1_a_question_is_answered_not_stored(chat, services, case):
    await _at_typed_step(chat, case)
    answer = await chat.send(QUESTION)
    assert "Kartu Keluarga" in texts(answer)
    assert case.next_prompt not in texts(answer)
    assert await _stored(services, case) is None
    assert case.prompt in texts(await chat.press(1))  # one tap continues


async def test_rule_2_an_idle_flow_stops_capturing_and_resumes(chat, services, clock, case):
    await _at_typed_step(chat, case)
    clock.advance(minutes=31)
    assert case.next_prompt not in texts(await chat.send(case.answer))
    assert await _stored(services, case) is None
    offer = await chat.send(case.entry)
    assert "Lanjutkan" in offer[-1].button_labels[0]
    assert case.prompt in texts(await chat.send("lanjutkan"))
    assert case.next_prompt in texts(await chat.send(case.answer))


async def test_rule_3_typed_words_stand_for_buttons(chat, services, case):
    await _at_typed_step(chat, case)
    assert case.next_prompt in texts(await chat.send(case.answer))
    assert case.prompt in texts(await chat.send("kembali"))
    assert await _stored(services, case) is not None  # back keeps what was answered


async def test_rule_4_leaving_is_honest_and_keeps_nothing(chat, services, case):
    for leave in ("batal", "/batal"):
        await _at_typed_step(chat, case)
        await chat.send(case.answer)
        assert case.leave_says in texts(await chat.send(leave))
        assert await services.flow_states.get(RESIDENT_ID, case.flow) is None
