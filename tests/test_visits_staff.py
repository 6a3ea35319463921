"""Home visits, the staff side: the card in the staff group and its buttons, the whole lifecycle
with the family told at each step, /kunjungan, and refusing staff buttons and commands to
non-staff and to operators of another kecamatan."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.services.visits import STAFF
from tests.conftest import ADMIN_ID, OPERATOR_ID, RESIDENT_ID, STAFF_GROUP, texts
from tests.visit_helpers import (
    NIK_ASEP,
    NIK_BUDI,
    PONDOK_AREN,
    SERPONG,
    GroupChat,
    add_visit,
    deliver,
    fresh_intent_cache,  # noqa: F401 (an autouse fixture)
    request_by_typing,
    ticket_in,
)


@pytest.fixture
def admin(app, api) -> GroupChat:
    return GroupChat(app, api, ADMIN_ID, first_name="Dewi")


@pytest.fixture
def operator(app, api) -> GroupChat:
    return GroupChat(app, api, OPERATOR_ID, first_name="Rudi")


def family_notices(chat) -> list[str]:
    return [m.plain_text() for m in chat.transcript]


async def test_the_whole_lifecycle(chat, admin, services, clock, app):
    events: list[tuple[str, int]] = []
    for name in ("visit.created", "visit.scheduled", "visit.changed", "visit.closed"):

        async def record(visit_id: int, _name: str = name) -> None:
            events.append((_name, visit_id))

        services.events.subscribe(name, record)

    ticket = ticket_in(await request_by_typing(chat))
    visit = await services.visits.store.by_ticket(ticket)
    assert visit is not None

    # The staff group gets the card: essentials with personal data masked, the buttons.
    await deliver(services, app)
    card = admin.last_card(ticket)
    text = card.plain_text()
    assert "Permohonan kunjungan rumah baru" in text
    assert "Siti A." in text
    assert "3674••••••••0001" in text
    assert "Sakit atau terbaring" in text
    assert "Alamat: Kelurahan Pondok Kacang Timur" in text
    assert "+62812•••••890" in text
    assert "Pondok Aren, Kota Tangerang Selatan" in text
    assert "dijawab paling lambat Kam, 26 Nov 2026" in text
    assert card.button_labels == [
        "📅 Jadwalkan",
        "❓ Minta keterangan",
        "⛔ Tolak",
        "👤 Tugaskan",
        "📞 Lihat kontak",
    ]

    # Schedule: a date, then a time window.
    await admin.press("Jadwalkan", card)
    dates = admin.last_card(ticket).button_labels
    assert "Rab, 25 Nov" in dates
    assert "Min, 29 Nov" not in dates  # no visits on Sundays
    await admin.press("Rab, 25 Nov", card)
    windows = admin.last_card(ticket).button_labels
    assert windows[:2] == ["08.00–10.00", "10.00–12.00"]
    await admin.press("08.00–10.00", card)
    card = admin.last_card(ticket)
    assert "terjadwal" in card.plain_text()
    assert "Kunjungan: Rabu, 25 November 2026, pukul 08.00–10.00" in card.plain_text()
    assert card.button_labels == [
        "📅 Ubah tanggal",
        "✅ Selesai, sudah direkam",
        "⚠️ Tidak terlaksana",
        "👤 Tugaskan",
        "📞 Lihat kontak",
    ]

    # The family is told at once, in their language, with a way to ask for another date.
    await deliver(services, app)
    notice = chat.last
    assert "Kunjungan rumah " + ticket + " sudah dijadwalkan" in notice.plain_text()
    assert "Rabu, 25 November 2026, pukul 08.00–10.00" in notice.plain_text()
    assert notice.button_labels == ["🔁 Minta tanggal lain"]
    ask = await chat.press("Minta tanggal lain", notice)
    assert "Hari atau jam berapa" in texts(ask)
    sent = await chat.send("Kamis pagi saja, Rabu ada kontrol ke puskesmas")
    assert "Sudah dikirim ke tim" in texts(sent)
    assert "Rabu, 25 November 2026" in texts(sent)
    await deliver(services, app)
    change = admin.last_card(ticket)
    assert "Keluarga meminta tanggal lain" in change.plain_text()
    assert "Kamis pagi saja" in change.plain_text()

    # Another date.
    await admin.press("Ubah tanggal", change)
    await admin.press("Kam, 26 Nov", change)
    await admin.press("10.00–12.00", change)
    await deliver(services, app)
    assert "mendapat jadwal baru" in chat.last.plain_text()
    assert "Kamis, 26 November 2026, pukul 10.00–12.00" in chat.last.plain_text()

    # The day of the visit: recorded.
    clock.set(datetime(2026, 11, 26, 12, 30))
    current = admin.last_card(ticket)
    await admin.press("Selesai, sudah direkam", current)
    assert "✅ selesai, sudah direkam" in current.plain_text()
    # For an hour it can be undone; the family is told after that hour.
    assert current.button_labels == ["↩️ Urungkan “selesai”"]
    assert "Keluarga diberi tahu pukul 13.30" in current.plain_text()
    await deliver(services, app)
    assert "sudah selesai" not in chat.last.plain_text()
    clock.set(datetime(2026, 11, 26, 13, 31))
    await deliver(services, app)
    assert "perekaman KTP-el Siti Aminah sudah selesai" in chat.last.plain_text()

    final = await services.visits.get(visit.id)
    assert final.status == "done"
    history = await services.visits.history(visit.id)
    assert [(h.action, h.status, h.actor_id) for h in history] == [
        ("created", "new", RESIDENT_ID),
        ("scheduled", "scheduled", ADMIN_ID),
        ("change_requested", "scheduled", RESIDENT_ID),
        ("rescheduled", "scheduled", ADMIN_ID),
        ("done", "done", ADMIN_ID),
    ]
    assert all(h.at > 0 for h in history)
    assert [name for name, _ in events] == [
        "visit.created",
        "visit.scheduled",
        "visit.changed",
        "visit.closed",
    ]
    actions = [e.action for e in await services.audit.recent() if e.target_type == "visit"]
    assert {"visit.scheduled", "visit.rescheduled", "visit.done"} <= set(actions)
    # The reminders feature reads the request through visit().
    view = await services.visits.visit(visit.id)
    assert (view.status, view.kecamatan_name, view.owner_id) == (
        "done",
        "Pondok Aren",
        RESIDENT_ID,
    )


async def test_asking_for_information_and_the_family_answering(chat, admin, services, app):
    ticket = ticket_in(await request_by_typing(chat))
    await deliver(services, app)
    card = admin.last_card(ticket)
    prompt = await admin.press("Minta keterangan", card)
    assert "balas pesan ini dengan pertanyaan" in texts(prompt)
    assert api_markup(admin, prompt[-1]) == "force_reply"
    reply = await admin.send(
        "Apakah ibu bisa duduk di kursi? Perekaman butuh foto.", reply_to=prompt[-1]
    )
    assert f"Pertanyaan sudah dikirim ke keluarga ({ticket})" in texts(reply)
    card = admin.last_card(ticket)
    assert "menunggu keterangan" in card.plain_text()
    assert "Pertanyaan untuk keluarga: Apakah ibu bisa duduk" in card.plain_text()

    await deliver(services, app)
    question = chat.last
    assert "Tim memerlukan keterangan tambahan" in question.plain_text()
    assert "Apakah ibu bisa duduk" in question.plain_text()
    await chat.press("Jawab", question)
    answered = await chat.send("Bisa, dengan dibantu duduk di kursi roda.")
    assert "Jawaban Anda sudah dikirim" in texts(answered)
    visit = await services.visits.store.by_ticket(ticket)
    assert visit.status == "new"

    await deliver(services, app)
    card = admin.last_card(ticket)
    assert "Keluarga sudah menjawab" in card.plain_text()
    assert "Jawaban keluarga: Bisa, dengan dibantu" in card.plain_text()
    assert "📅 Jadwalkan" in card.button_labels
    # The answer button of the old question is no longer usable.
    await chat.press_data(f"vf:ans:{visit.id}", question)
    assert "menunggu petugas" in chat.api.callback_answers[-1]["text"]


def api_markup(group: GroupChat, message) -> str:
    for method, params in reversed(group.api.calls):
        if method == "sendMessage" and params.get("text") == message.text:
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                import json

                markup = json.loads(markup)
            return "force_reply" if markup and markup.get("force_reply") else "other"
    return "none"


async def test_rejecting_with_a_reason(chat, admin, services, app):
    ticket = ticket_in(await request_by_typing(chat))
    await deliver(services, app)
    prompt = await admin.press("Tolak", admin.last_card(ticket))
    assert "alasan penolakan" in texts(prompt)
    # /batal leaves the step without changing anything.
    assert "tidak ada yang diubah" in texts(await admin.send("/batal")).lower()
    assert (await services.visits.store.by_ticket(ticket)).status == "new"
    prompt = await admin.press("Tolak", admin.last_card(ticket))
    # Group chatter that is not a reply to the prompt is not taken as the reason.
    await admin.send("Sebentar, saya cek dulu datanya.")
    assert (await services.visits.store.by_ticket(ticket)).status == "new"
    await admin.send("Sudah terekam tahun 2019 di Kecamatan Ciputat.", reply_to=prompt[-1])
    visit = await services.visits.store.by_ticket(ticket)
    assert visit.status == "rejected"
    assert visit.outcome_note == "Sudah terekam tahun 2019 di Kecamatan Ciputat."
    await deliver(services, app)
    assert "tidak dapat diterima" in chat.last.plain_text()
    assert "Sudah terekam tahun 2019" in chat.last.plain_text()
    # A closed request can be made again.
    assert await services.visits.open_for_nik(visit.nik) is None


async def test_not_done_with_a_reason(chat, admin, services, app):
    visit = await add_visit(services, RESIDENT_ID)
    await services.visits.schedule(
        visit.id, services.staff(ADMIN_ID), datetime(2026, 11, 24).date(), *_window(0)
    )
    await deliver(services, app)
    card = (await admin.send("/kunjungan"))[-1]
    await admin.press(visit.ticket, card)
    prompt = await admin.press("Tidak terlaksana", admin.last_card(visit.ticket))
    await admin.send("Rumah kosong, keluarga sedang di rumah sakit.", reply_to=prompt[-1])
    assert (await services.visits.get(visit.id)).status == "not_done"
    await deliver(services, app)
    text = texts(chat.transcript)
    assert "belum dapat dilakukan" in text
    assert "Rumah kosong" in text
    assert "/rumah" in text


def _window(index: int):
    from bot.services.visits import VISIT_WINDOWS

    return VISIT_WINDOWS[index]


async def test_staff_buttons_and_commands_are_refused_to_residents(chat, services, app):
    visit = await add_visit(services, RESIDENT_ID)
    await deliver(services, app)
    # A resident who got hold of a card (forwarded, or forged data) presses every button.
    await app.bot.send_message(RESIDENT_ID, "kartu")
    message = chat.last
    for action, arg in [
        ("sch", ""),
        ("pg", "1"),
        ("day", "20261125"),
        ("win", "20261125-0"),
        ("info", ""),
        ("rej", ""),
        ("done", ""),
        ("nd", ""),
        ("open", ""),
        ("card", ""),
    ]:
        await chat.press_data(STAFF.pack(action, visit.id, arg), message)
        assert (
            chat.api.callback_answers[-1]["text"]
            == "Maaf, fitur ini hanya untuk petugas Disdukcapil."
        )
    refused = await chat.send("/kunjungan")
    assert "hanya untuk petugas" in texts(refused)
    assert (await services.visits.get(visit.id)).status == "new"
    assert [h.action for h in await services.visits.history(visit.id)] == ["created"]
    attempts = [e for e in await services.audit.recent(50) if e.action == "refused"]
    assert len(attempts) == 11
    assert all(e.actor_id == RESIDENT_ID for e in attempts)


async def test_operators_only_for_their_kecamatan(operator, admin, services, app):
    mine = await add_visit(services, 500011)  # Pondok Aren: the operator's
    other = await add_visit(services, 500012, nik=NIK_BUDI, kecamatan=SERPONG, name="Budi")
    await deliver(services, app)
    # The operator's queue shows their kecamatan only.
    listing = texts(await operator.send("/kunjungan"))
    assert mine.ticket in listing
    assert other.ticket not in listing
    refused = await operator.send("/kunjungan serpong")
    assert "hanya operator kecamatan tersebut" in texts(refused)
    # Every button of the other kecamatan's card is refused.
    card = operator.last_card(other.ticket)
    for label in ("Jadwalkan", "Minta keterangan", "Tolak"):
        await operator.press(label, card)
        answer = operator.api.callback_answers[-1]["text"]
        assert "Permohonan ini untuk Kecamatan Serpong" in answer
    await operator.press_data(STAFF.pack("win", other.id, "20261125-0"), card)
    assert "Kecamatan Serpong" in operator.api.callback_answers[-1]["text"]
    assert (await services.visits.get(other.id)).status == "new"
    refusals = [e for e in await services.audit.recent(50) if e.action == "refused"]
    assert refusals and all(e.actor_id == OPERATOR_ID for e in refusals)
    # Their own kecamatan works.
    card = operator.last_card(mine.ticket)
    await operator.press("Jadwalkan", card)
    await operator.press("Rab, 25 Nov", card)
    await operator.press("13.00–15.00", card)
    assert (await services.visits.get(mine.id)).status == "scheduled"
    # Admins everywhere.
    card = admin.last_card(other.ticket)
    await admin.press("Jadwalkan", card)
    await admin.press("Rab, 25 Nov", card)
    await admin.press("08.00–10.00", card)
    assert (await services.visits.get(other.id)).status == "scheduled"


async def test_the_queue_oldest_first_with_age_and_overdue(admin, services, clock, app):
    first = await add_visit(services, 500021)
    clock.set(datetime(2026, 11, 25, 10, 0))
    second = await add_visit(services, 500022, nik=NIK_BUDI, kecamatan=SERPONG, name="Budi")
    clock.set(datetime(2026, 11, 27, 14, 0))
    third = await add_visit(services, 500023, nik=NIK_ASEP, kecamatan="360312", name="Asep")
    await services.visits.schedule(
        third.id, services.staff(ADMIN_ID), datetime(2026, 12, 1).date(), *_window(1)
    )
    # Friday 27 November: the first (due Thursday 26) is overdue, the second (due Monday 30) not.
    messages = await admin.send("/kunjungan")
    listing = messages[-1].plain_text()
    assert listing.index(first.ticket) < listing.index(second.ticket) < listing.index(third.ticket)
    assert "3 permohonan, yang terlama di atas" in listing
    assert "1 permohonan melewati batas waktu" in listing
    first_line = next(line for line in listing.splitlines() if first.ticket in line)
    second_line = next(line for line in listing.splitlines() if second.ticket in line)
    assert first_line.startswith("⚠️")
    assert "4 hari" in first_line
    assert "melewati batas waktu (batas Kam, 26 Nov)" in first_line
    assert "⚠️" not in second_line
    assert "2 hari" in second_line
    assert "Siti A." in first_line  # masked names in the list
    assert messages[-1].button_labels == [first.ticket, second.ticket, third.ticket]

    only_scheduled = (await admin.send("/kunjungan terjadwal"))[-1].plain_text()
    assert third.ticket in only_scheduled and first.ticket not in only_scheduled
    in_serpong = (await admin.send("/kunjungan serpong"))[-1].plain_text()
    assert second.ticket in in_serpong and first.ticket not in in_serpong
    overdue = (await admin.send("/kunjungan terlambat"))[-1].plain_text()
    assert first.ticket in overdue and second.ticket not in overdue
    nothing = (await admin.send("/kunjungan pondok aren selesai"))[-1].plain_text()
    assert "Tidak ada permohonan" in nothing
    unknown = (await admin.send("/kunjungan bandung"))[-1].plain_text()
    assert "tidak dikenal" in unknown

    # Opening one from the list shows its card with the buttons.
    await admin.press(first.ticket, messages[-1])
    assert admin.last_card(first.ticket).button_labels[0] == "📅 Jadwalkan"


async def test_a_stale_card_cannot_undo_another_staff_members_decision(
    chat, admin, operator, services, app
):
    ticket = ticket_in(await request_by_typing(chat))
    await deliver(services, app)
    card = admin.last_card(ticket)
    stale = list(card.buttons)
    await operator.press("Jadwalkan", card)
    await operator.press("Rab, 25 Nov", card)
    await operator.press("08.00–10.00", card)
    # The admin presses Reject on an old copy of the card.
    card.buttons = stale
    await admin.press("Tolak", card)
    assert "terjadwal" in admin.api.callback_answers[-1]["text"]
    assert (await services.visits.store.by_ticket(ticket)).status == "scheduled"


async def test_scheduling_rules(services, clock):
    from datetime import date, time

    from bot.errors import DomainError

    visit = await add_visit(services, 500031)
    admin = services.staff(ADMIN_ID)
    for day, start, code in [
        (date(2026, 11, 22), time(8), "date_past"),  # yesterday
        (date(2026, 11, 23), time(8), "date_past"),  # today 08.00, and it is 09.00
        (date(2026, 11, 29), time(8), "date_closed"),  # a Sunday
        (date(2027, 2, 1), time(8), "date_far"),
    ]:
        with pytest.raises(DomainError) as caught:
            await services.visits.schedule(visit.id, admin, day, start, time(10))
        assert caught.value.code == code
    clock.set(datetime(2026, 12, 10, 9, 0))
    with pytest.raises(DomainError) as caught:  # Christmas
        await services.visits.schedule(visit.id, admin, date(2026, 12, 25), time(8), time(10))
    assert caught.value.code == "date_closed"
    scheduled = await services.visits.schedule(
        visit.id, admin, date(2026, 12, 10), time(13), time(15)
    )
    assert scheduled.status == "scheduled"
    with pytest.raises(DomainError) as caught:
        await services.visits.reject(visit.id, admin, "tidak perlu")
    assert caught.value.code == "status"


def test_working_days_skip_weekends_and_holidays():
    from datetime import date

    from bot.services.visits import add_working_days, visit_days

    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)
    assert add_working_days(date(2026, 11, 27), 3) == date(2026, 12, 2)
    # 24 Dec (cuti bersama) and 25 Dec (Christmas) are not working days.
    assert add_working_days(date(2026, 12, 22), 3) == date(2026, 12, 29)
    days = visit_days(date(2026, 12, 20), 10)
    assert date(2026, 12, 20) not in days  # Sunday
    assert date(2026, 12, 25) not in days
    assert date(2026, 12, 26) in days  # Saturday visits are possible


async def test_kecamatan_from_a_shared_location(services):
    near = await services.visits.kecamatan_near(-6.2717, 106.7021)
    assert near is not None and near[0].code == PONDOK_AREN
    assert await services.visits.kecamatan_near(-6.9175, 107.6191) is None  # Bandung
    assert [d.code for d in services.visits.find_kecamatan("pd aren")] == [PONDOK_AREN]
    assert [d.code for d in services.visits.find_kecamatan("367401")] == [SERPONG]


async def test_staff_group_unset_means_queue_only(services, app):
    import dataclasses

    services.config = dataclasses.replace(
        services.config, staff=dataclasses.replace(services.config.staff, group_chat_id=0)
    )
    visit = await add_visit(services, 500041)
    assert await services.outbox.store.pending_for("visit", visit.id) == []
    assert STAFF_GROUP != 0


async def test_a_long_queue_shows_the_oldest_30_and_the_totals(admin, services, clock):
    from bench.visits import _visit

    for serial in range(35):
        await services.visits.create(_visit(600_000 + serial, serial))
        clock.advance(minutes=1)
    clock.set(datetime(2026, 12, 1, 9, 0))  # Tuesday: everything from Monday 23 is overdue
    listing = await admin.send("/kunjungan")
    text = listing[-1].plain_text()
    assert "35 permohonan, yang terlama di atas" in text
    assert "35 permohonan melewati batas waktu" in text
    # As many as fit in one message (at most 30); the rest is counted.
    shown = len(listing[-1].button_labels)
    assert 20 <= shown <= 30
    assert f"…dan {35 - shown} lainnya" in text
    assert len(listing[-1].text) <= 4096
    overdue = services.visits.overdue_before()
    assert services.clock.local(overdue).date() == datetime(2026, 11, 26).date()
