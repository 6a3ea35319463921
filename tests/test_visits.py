"""Home visits, the family side: the /rumah flow by typing and by buttons, going back, leaving,
one open request per NIK, the list in /saya and cancelling from it."""

from __future__ import annotations

from bot.services.visits import KIND_STAFF_CANCELLED, KIND_STAFF_NEW
from bot.storage.visits import STATUSES
from handlers.visit import mine_entries
from tests.conftest import RESIDENT_ID, STAFF_GROUP, texts
from tests.visit_helpers import (
    NIK_BUDI,
    NIK_SITI,
    PONDOK_AREN,
    add_visit,
    fake_context,
    fresh_intent_cache,  # noqa: F401 (an autouse fixture)
    request_by_typing,
    ticket_in,
)


async def test_a_request_typed_from_start_to_end(chat, services):
    intro = await chat.send("/rumah")
    assert "Perekaman di rumah" in texts(intro)
    assert "gratis" in texts(intro)
    assert "Siapa yang perlu dikunjungi" in texts(intro)
    assert "16 angka" in texts(await chat.send("Siti Aminah"))
    assert "Mengapa Siti Aminah tidak dapat datang" in texts(await chat.send(NIK_SITI))
    assert "Ke mana tim harus datang" in texts(await chat.send("sakit, terbaring sejak stroke"))
    location = await chat.send("Jl. Mawar No. 5 RT 02 RW 03, Pondok Kacang Timur")
    assert "kirim lokasi" in texts(location).lower()
    assert "kecamatan apa" in texts(await chat.send("lewati"))
    assert "Nomor telepon" in texts(await chat.send("pd aren"))
    assert "Hari apa" in texts(await chat.send("0812-3456-7890"))
    assert "Ada yang perlu diketahui tim" in texts(await chat.send("Selasa atau Kamis pagi"))
    summary = texts(await chat.send("Ada tangga, rumah di lantai 2"))
    for expected in (
        "Siti Aminah",
        NIK_SITI,
        "Sakit atau terbaring",
        "Jl. Mawar No. 5",
        "Lokasi di peta: tidak dikirim",
        "Pondok Aren, Kota Tangerang Selatan",
        "+6281234567890",
        "Selasa atau Kamis pagi",
        "Ada tangga",
    ):
        assert expected in summary
    done = await chat.send("ya")
    text = texts(done)
    ticket = ticket_in(done)
    assert "Permohonan Anda sudah tercatat" in text
    assert "Kecamatan Pondok Aren" in text
    # Monday 23 November + 3 working days = Thursday 26 November.
    assert "paling lambat Kamis, 26 November 2026 (dalam 3 hari kerja)" in text
    assert "/saya" in text

    visit = await services.visits.store.by_ticket(ticket)
    assert visit is not None
    assert visit.owner_id == RESIDENT_ID
    assert (visit.person_name, visit.nik, visit.reason) == ("Siti Aminah", NIK_SITI, "sick")
    assert visit.kecamatan_code == PONDOK_AREN
    assert visit.phone == "+6281234567890"
    assert visit.preferred_days == "Selasa atau Kamis pagi"
    assert visit.status == "new"
    history = await services.visits.history(visit.id)
    assert [(h.action, h.status, h.actor_id) for h in history] == [("created", "new", RESIDENT_ID)]
    planned = await services.outbox.store.pending_for("visit", visit.id)
    assert [(p.kind, p.user_id) for p in planned] == [(KIND_STAFF_NEW, STAFF_GROUP)]


async def test_a_request_by_buttons_with_a_shared_location(chat, services):
    await chat.send("/start")
    await chat.press("Perekaman di rumah")
    await chat.send("Budi Santoso")
    await chat.send(NIK_BUDI)
    await chat.press("Lanjut usia")
    await chat.send("Perumahan Serpong Park Blok C2 No. 7, Serpong")
    # The nearest recording place to this point is in Pondok Aren.
    shared = await chat.share_location(-6.2717, 106.7021)
    assert "Lokasi tersimpan" in texts(shared)
    assert "Kecamatan <b>Pondok Aren" in chat.last.text
    await chat.press("Ya, Pondok Aren")
    await chat.send("081234567891")
    await chat.press("Selasa")
    await chat.press("Kamis")
    assert "✅ Selasa" in chat.last.button_labels
    await chat.press("Selesai")
    await chat.press("Tidak ada catatan")
    assert "Lokasi di peta: dikirim" in chat.last.plain_text()
    assert "Hari yang diinginkan: Selasa, Kamis" in chat.last.plain_text()
    done = await chat.press("Kirim permohonan")
    visit = await services.visits.store.by_ticket(ticket_in(done))
    assert visit is not None
    assert visit.reason == "elderly"
    assert visit.preferred_days == "tue,thu"
    assert (visit.lat, visit.lon) == (-6.2717, 106.7021)
    assert visit.kecamatan_code == PONDOK_AREN
    assert visit.notes == ""


async def test_the_kecamatan_of_the_nik_is_offered_and_other_needs_a_note(chat, services):
    await chat.send("/rumah")
    await chat.send("Budi Santoso")
    await chat.send(NIK_BUDI)
    note = await chat.press("Lainnya")
    assert "jelaskan singkat" in texts(note)
    await chat.send("Baru pulang operasi, belum boleh keluar rumah")
    await chat.send("Perumahan Serpong Park Blok C2 No. 7")
    await chat.send("skip")
    assert "📌 Serpong (sesuai NIK)" in chat.last.button_labels
    await chat.press("Serpong (sesuai NIK)")
    assert "Nomor telepon" in chat.last.text
    await chat.send("0812 3456 7891")
    await chat.press("Hari apa saja")
    await chat.send("tidak ada")
    summary = chat.last.plain_text()
    assert "Lainnya: Baru pulang operasi" in summary
    assert "Serpong, Kota Tangerang Selatan" in summary
    assert "Hari yang diinginkan: hari apa saja" in summary


async def test_back_goes_one_step_and_keeps_the_answers(chat):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    back = await chat.press("Kembali")
    assert "Siapa yang perlu dikunjungi" in texts(back)
    await chat.send("Siti Aminah")
    await chat.send(NIK_SITI)
    await chat.send("lansia")
    await chat.send("Jl. Mawar No. 5 RT 02 RW 03")
    # The location step is a reply keyboard: its Back is typed text.
    assert "Ke mana tim harus datang" in texts(await chat.send("◀️ Kembali"))
    await chat.send("Jl. Mawar No. 5 RT 02 RW 03")
    await chat.send("Lewati")
    await chat.send("pondok aren")
    assert "kecamatan apa" in texts(await chat.press("Kembali"))
    await chat.send("pondok aren")
    await chat.send("0812 3456 7890")
    await chat.send("kapan saja, pagi")
    await chat.press("Tidak ada catatan")
    assert "Ada yang perlu diketahui" in texts(await chat.press("Kembali"))
    await chat.send("-")
    summary = chat.last.plain_text()
    assert "Lanjut usia" in summary
    assert "Hari yang diinginkan: kapan saja, pagi" in summary


async def test_batal_leaves_the_flow_and_nothing_is_stored(chat, services):
    await chat.send("/rumah")
    nik_prompt = (await chat.send("Siti Aminah"))[-1]
    left = await chat.send("/batal")
    assert "Dihentikan. Tidak ada yang dikirim" in texts(left)
    assert await services.visits.open_for_owner(RESIDENT_ID) == []
    # The old button of the flow is now stale.
    await chat.press("Kembali", nik_prompt)
    assert "sudah selesai" in chat.api.callback_answers[-1]["text"]


async def test_the_cancel_button_leaves_too(chat):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    left = await chat.press("Keluar")
    assert "Dihentikan" in texts(left)


async def test_wrong_answers_are_explained_and_asked_again(chat):
    await chat.send("/rumah")
    assert "Nama tidak boleh berisi angka" in texts(await chat.send("Siti 123"))
    await chat.send("Siti Aminah")
    assert "NIK terdiri dari 16 digit" in texts(await chat.send("12345"))
    await chat.send(NIK_SITI)
    assert "pilih salah satu alasan" in texts(await chat.send("entahlah"))
    await chat.send("sakit")
    assert "Terlalu pendek" in texts(await chat.send("Jl. A"))
    await chat.send("Jl. Mawar No. 5 RT 02 RW 03")
    assert "kirim lokasi dengan tombol" in texts(await chat.send("di rumah"))
    await chat.send("lewati")
    unknown = await chat.send("Bandung")
    assert "tidak ditemukan" in texts(unknown)
    await chat.press("Pondok Aren")
    assert "kode area" in texts(await chat.send("12345"))
    await chat.send("0812 3456 7890")
    await chat.press("Hari apa saja")
    await chat.send("-")
    assert "Kirim permohonan" in texts(await chat.send("hmm"))


async def test_a_sentence_about_a_home_visit_starts_the_flow(chat):
    messages = await chat.send("nenek saya sudah stroke, bisa rekam ktp di rumah?")
    assert "Perekaman di rumah" in texts(messages)
    assert "Siapa yang perlu dikunjungi" in texts(messages)


async def test_a_rumah_sentence_inside_the_flow_is_an_answer_not_a_restart(chat, services):
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    await chat.send(NIK_SITI)
    await chat.send("sakit")
    address = "Mohon rekam di rumah saja, Jl. Mawar No. 5 RT 02 RW 03 Pondok Aren"
    reply = await chat.send(address)
    assert "kirim lokasi" in texts(reply).lower()
    await chat.send("lewati")
    await chat.send("pondok aren")
    await chat.send("0812 3456 7890")
    await chat.press("Hari apa saja")
    await chat.send("-")
    assert address in chat.last.plain_text()


async def test_one_open_request_per_nik(chat, make_chat, services):
    first = await request_by_typing(chat)
    ticket = ticket_in(first)
    # The same family again: told at the NIK step, with the ticket.
    await chat.send("/rumah")
    await chat.send("Siti Aminah")
    again = await chat.send(NIK_SITI)
    assert "Sudah ada permohonan" in texts(again)
    assert ticket in texts(again)
    # Another account: told, but the ticket is not revealed.
    other = make_chat(500002, first_name="Rina")
    await other.send("/rumah")
    await other.send("Siti Aminah")
    theirs = await other.send(NIK_SITI)
    assert "dibuat dari akun lain" in texts(theirs)
    assert ticket not in texts(theirs)
    # The rule holds in the service and in the database too.
    from bot.errors import DomainError
    from bot.storage.visits import OpenRequestExists
    from tests.visit_helpers import new_visit

    try:
        await services.visits.create(new_visit(500002))
    except DomainError as err:
        assert err.code == "open_exists"
        assert err.params["own"] is False
    else:
        raise AssertionError("a second open request for the NIK was accepted")
    try:
        await services.visits.store.create(new_visit(500002), "RMH-TEST2", 1)
    except OpenRequestExists:
        pass
    else:
        raise AssertionError("the unique index did not hold")
    # Once cancelled, a new request for the NIK is possible.
    visit = await services.visits.store.by_ticket(ticket)
    await services.visits.cancel(visit.id, RESIDENT_ID)
    assert ticket_in(await request_by_typing(chat)) != ticket


async def test_mine_entries_list_requests_with_status_and_cancel(chat, make_chat, services):
    visit = await add_visit(services, RESIDENT_ID)
    entries = await mine_entries(fake_context(services), RESIDENT_ID)
    assert len(entries) == 1
    text, markup = entries[0]
    assert visit.ticket in text
    assert "menunggu petugas" in text
    assert "Siti A." in text  # the name is masked in a list
    assert "Jawaban paling lambat Kamis, 26 November 2026" in text
    labels = [b.text for row in markup.inline_keyboard for b in row]
    assert labels == ["✖️ Batalkan permohonan"]
    assert await mine_entries(fake_context(services), 777) == []

    # /saya shows the entry; pressing cancel asks first.
    listed = await chat.send("/saya")
    entry = next(m for m in listed if visit.ticket in m.text)
    assert entry.button_labels == ["✖️ Batalkan permohonan"]
    ask = await chat.press("Batalkan permohonan", entry)
    assert f"Batalkan permohonan kunjungan rumah {visit.ticket}" in texts(ask)
    confirm_message = ask[-1]
    kept = await chat.press("Tidak, tetap lanjutkan", confirm_message)
    assert "tetap berjalan" in texts(kept)

    # Someone else pressing the same buttons is refused and nothing changes.
    stranger = make_chat(500009, first_name="Joko")
    await stranger.press_data(f"vf:cxy:{visit.id}", confirm_message)
    assert "dibuat dari akun lain" in services_answer(chat)
    assert (await services.visits.get(visit.id)).status == "new"
    refusals = [e for e in await services.audit.recent() if e.action == "refused"]
    assert refusals and refusals[0].actor_id == 500009

    ask = await chat.press("Batalkan permohonan", entry)
    done = await chat.press("Ya, batalkan", ask[-1])
    assert f"{visit.ticket} sudah dibatalkan" in texts(done)
    cancelled = await services.visits.get(visit.id)
    assert cancelled.status == "cancelled"
    history = await services.visits.history(visit.id)
    assert (history[-1].action, history[-1].actor_id) == ("cancelled", RESIDENT_ID)
    planned = await services.outbox.store.pending_for("visit", visit.id)
    assert KIND_STAFF_CANCELLED in [p.kind for p in planned]
    # The list now shows it as cancelled, without buttons.
    entries = await mine_entries(fake_context(services), RESIDENT_ID)
    assert "dibatalkan" in entries[0][0]
    assert entries[0][1] is None
    # Its old cancel button gets a polite answer.
    await chat.press_data(f"vf:cxy:{visit.id}", confirm_message)
    assert "dibatalkan" in services_answer(chat)


def services_answer(chat) -> str:
    return chat.api.callback_answers[-1].get("text", "")


async def test_an_old_summary_button_after_sending_is_stale(chat, services):
    ticket = ticket_in(await request_by_typing(chat))
    summary = next(m for m in reversed(chat.transcript) if "Mohon periksa" in m.text)
    # The family cancels, so the one-open-request-per-NIK rule would not stop a second request:
    # only the button being stale does.
    visit = await services.visits.store.by_ticket(ticket)
    await services.visits.cancel(visit.id, RESIDENT_ID)
    await chat.press_data("vr:send", summary)
    assert "tidak aktif" in chat.api.callback_answers[-1]["text"]
    assert await services.visits.store.count(statuses=STATUSES) == 1
    assert [v.ticket for v in await services.visits.for_owner(RESIDENT_ID)] == [ticket]


async def test_english_speakers_get_english(make_chat):
    chat = make_chat(500003, language_code="en")
    intro = await chat.send("/rumah")
    assert "Home recording" in texts(intro)
    await chat.send("Siti Aminah")
    await chat.send(NIK_SITI)
    assert "Sick or bedridden" in chat.last.button_labels
    await chat.press("Sick or bedridden")
    await chat.send("Jl. Mawar No. 5 RT 02 RW 03")
    await chat.send("skip")
    await chat.send("pondok aren")
    await chat.send("0812 3456 7890")
    await chat.press("Tuesday")
    await chat.press("Done")
    await chat.press("No notes")
    done = await chat.press("Send the request")
    assert "Your request is registered" in texts(done)
    assert "Thursday, 26 November 2026" in texts(done)
