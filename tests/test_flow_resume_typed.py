"""Typing at the "continue where you were, or start again?" question (design.md §7 rule 2).

A resident who comes back to /daftar and is asked whether to continue often just types the answer
they came with: the kecamatan of a fresh start, or the time they were about to pick. Both are
taken; a question is answered and the draft waits; anything else asks again. Nothing typed there
may vanish while the flow is silently set aside.
"""

from __future__ import annotations

from tests.conftest import texts


async def _left_at_time_step(chat) -> None:
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    assert "Pilih jam" in chat.last.plain_text()
    await chat.send("/lokasi")  # another command: the draft waits
    offer = await chat.send("/daftar")
    assert "Lanjutkan" in offer[-1].button_labels[0]


async def test_a_kecamatan_typed_at_the_offer_starts_again_with_it(chat, services):
    await _left_at_time_step(chat)
    answer = texts(await chat.send("ciputat"))
    assert "Langkah 1 dari 4 — di mana? Tempat perekaman di Ciputat" in answer  # its places
    state = await services.flow_states.get(chat.chat_id, "booking")
    assert state is not None and state.active


async def test_a_time_typed_at_the_offer_continues_where_the_resident_was(chat, services):
    await _left_at_time_step(chat)
    answer = texts(await chat.send("jam 10"))
    assert "siapa yang akan merekam" in answer
    state = await services.flow_states.get(chat.chat_id, "booking")
    assert state is not None
    slot = await services.booking.slot_info(state.draft["slot"])
    assert slot is not None and slot.slot.starts.hour == 10


async def test_a_question_at_the_offer_is_answered_then_one_tap_continues(chat, services):
    await _left_at_time_step(chat)
    before = await services.flow_states.get(chat.chat_id, "booking")
    answer = await chat.send("syaratnya apa aja?")
    assert "Kartu Keluarga" in texts(answer)
    after = await services.flow_states.get(chat.chat_id, "booking")
    assert before is not None and after is not None and after.draft == before.draft
    assert "Pilih jam" in texts(await chat.press(answer[-1].button_labels[-1]))


async def test_after_a_question_at_the_offer_the_answer_typed_next_is_taken(chat, services):
    await _left_at_time_step(chat)
    await chat.send("syaratnya apa aja?")
    assert "siapa yang akan merekam" in texts(await chat.send("jam 10"))


async def test_gibberish_at_the_offer_asks_again(chat):
    await _left_at_time_step(chat)
    again = await chat.send("qwrtpz")
    assert "Lanjutkan" in texts(again) and "Mulai dari awal" in again[-1].button_labels[-1]
    assert "Pilih jam" in texts(await chat.send("1"))


async def test_a_question_at_the_offer_of_a_free_text_step_is_not_stored(chat, services):
    await chat.send("/lapor")
    assert "Apa yang terjadi" in chat.last.plain_text()
    await chat.send("Petugas di loket meminta uang lima puluh ribu untuk perekaman")
    await chat.send("/lokasi")
    assert "Lanjutkan" in texts(await chat.send("/lapor"))
    before = await services.flow_states.get(chat.chat_id, "report")
    answer = texts(await chat.send("syaratnya apa aja?"))
    assert "Kartu Keluarga" in answer
    after = await services.flow_states.get(chat.chat_id, "report")
    assert before is not None and after is not None and after.draft == before.draft
