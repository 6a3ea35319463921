"""The home-visit flows keep the conversation rules (design.md §7) in the cases issue 15 found:
a question at the name step is answered and not kept, "selesai" presses Done, a flow left
half-way does not take the next day's message, leaving says what stays, and an address that
names a kecamatan is an address."""

from __future__ import annotations

from tests.conftest import RESIDENT_ID, texts
from tests.visit_helpers import (
    NIK_SITI,
    fresh_intent_cache,  # noqa: F401 (an autouse fixture)
    request_by_typing,
    ticket_in,
)


async def _name_kept(services, user_id: int = RESIDENT_ID):
    state = await services.flow_states.get(user_id, "visit")
    return None if state is None else state.draft.get("name")


async def test_a_report_at_the_english_name_step_is_answered_not_kept(make_chat, services):
    chat = make_chat(500003, language_code="en")
    await chat.send("/rumah")
    answer = await chat.send("someone asked me for money at the office")
    seen = texts(answer)
    assert "16 digits" not in seen  # not taken as the name, so no NIK question
    assert "Continue: home-visit request" in answer[-1].button_labels[0]
    assert await _name_kept(services, 500003) is None
    assert "Who needs the home visit?" in texts(await chat.press(1))
    assert "16 digits" in texts(await chat.send("Siti Aminah"))


async def test_a_question_at_the_name_step_is_answered_not_kept(chat, services):
    await chat.send("/rumah")
    answer = await chat.send("syaratnya apa aja?")
    assert "Kartu Keluarga" in texts(answer)
    assert "16 angka" not in texts(answer)
    assert await _name_kept(services) is None
    # Typing the answer right away works as well as the "Lanjutkan" button.
    assert "16 angka" in texts(await chat.send("Siti Aminah"))
    assert await _name_kept(services) == "Siti Aminah"


async def _to_the_days_step(chat) -> None:
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    await chat.send(NIK_SITI)
    await chat.send("sakit")
    await chat.send("Jl. Mawar No. 5 RT 02 RW 03")
    await chat.send("lewati")
    await chat.send("pondok aren")
    await chat.send("0812 3456 7890")


async def test_typed_done_words_press_done_after_ticking_days(chat, make_chat):
    for word, who in (
        ("selesai", chat),
        ("lanjut", make_chat(500004)),
        ("done", make_chat(500005)),
    ):
        await _to_the_days_step(who)
        await who.press("Selasa")
        assert "Ada yang perlu diketahui tim" in texts(await who.send(word))
        await who.send("-")
        summary = who.last.plain_text()
        assert "Hari yang diinginkan: Selasa" in summary
        assert word not in summary.split("Hari yang diinginkan:")[1].splitlines()[0]


async def test_a_flow_left_half_way_does_not_take_the_next_days_message(chat, clock, services):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")  # now at the NIK step
    clock.advance(hours=20)
    fresh = await chat.send("bawa apa aja kak")
    assert "NIK terdiri dari 16 digit" not in texts(fresh)
    assert "Kartu Keluarga" in texts(fresh)  # answered as the question it is
    offer = await chat.send("/rumah")
    assert "permohonan perekaman di rumah" in texts(offer)
    assert "Lanjutkan" in offer[-1].button_labels[0]
    resumed = await chat.press("Lanjutkan")
    assert "Ketik NIK Siti Aminah" in texts(resumed)


async def test_leaving_says_nothing_was_sent_and_an_open_request_stays(chat):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    left = texts(await chat.send("batal"))
    assert "Tidak ada yang dikirim" in left
    assert "tetap berjalan" not in left  # no request to speak of
    ticket = ticket_in(await request_by_typing(chat))
    await chat.send("/rumah")
    await chat.send("Budi Santoso")
    left = texts(await chat.press("Keluar"))
    assert "Tidak ada yang dikirim" in left
    assert f"{ticket} tetap berjalan" in left


async def test_an_address_naming_a_kecamatan_is_an_address(chat, services):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    await chat.send(NIK_SITI)
    await chat.send("sakit")
    for address in (
        "Jl. Raya Serpong No. 5, Serpong",
        # The NLU takes this one for a report; it looks like an address, so it is one.
        "Komplek Puri Bintaro blok B no 4, samping kantor pos",
    ):
        location = await chat.send(address)
        assert "kirim lokasi" in texts(location).lower()
        state = await services.flow_states.get(RESIDENT_ID, "visit")
        assert state.draft["address"] == address
        await chat.send("kembali")


async def test_a_question_at_the_address_step_is_answered_not_kept(chat, services):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    await chat.send(NIK_SITI)
    await chat.send("sakit")
    answer = await chat.send("syaratnya apa aja?")
    assert "Kartu Keluarga" in texts(answer)
    state = await services.flow_states.get(RESIDENT_ID, "visit")
    assert state.draft.get("address") is None
    assert "kirim lokasi" in texts(await chat.send("Jl. Mawar No. 5 RT 02 RW 03")).lower()


async def test_the_summary_button_is_stale_once_sent(chat):
    await request_by_typing(chat)
    summary = next(m for m in reversed(chat.transcript) if "Mohon periksa" in m.text)
    await chat.press("Kirim permohonan", summary)
    assert "sudah selesai" in chat.api.callback_answers[-1]["text"]
    assert sum("sudah tercatat" in m.text for m in chat.transcript) == 1


async def test_the_story_typed_at_the_name_step_is_not_a_name(chat, services):
    """Families tell what happened first; it is not stored as the name, and the bot says the
    reason comes next instead of answering with the home-visit FAQ inside the request."""
    await chat.send("/rumah")
    answer = texts(await chat.send("Nenek saya sakit stroke, tidak bisa jalan"))
    assert "nama lengkap" in answer and "Lansia, sakit, dan disabilitas" not in answer
    state = await services.flow_states.get(chat.chat_id, "visit")
    assert state is not None and state.draft["name"] is None and state.active
    assert "16 angka" in texts(await chat.send("Siti Aminah"))


async def test_a_request_merely_opened_is_not_offered_to_continue(chat):
    await chat.send("/rumah")
    await chat.send("/lokasi")
    again = await chat.send("/rumah")
    assert "Siapa yang perlu dikunjungi" in texts(again)
    assert not any("Lanjutkan" in label for m in again for label in m.button_labels)
