"""Staff and school events: who may act, creating / changing / cancelling a recording day in the
chat, the notices to bookers and followers (in their language) that follow at once, and the
figures per event, per school and for the program."""

from datetime import date, datetime, time

import pytest

from bot.errors import NotAllowed
from handlers.flow import FLOW_BUTTON
from tests.conftest import ADMIN_ID, OPERATOR_ID, texts
from tests.school_helpers import TUE, add_user, book, event, school, seen_by, send_outbox

THU = date(2026, 11, 26)


async def _refusals(services) -> list:
    return [e for e in await services.audit.recent(50) if e.action == "refused"]


# --- who may act -----------------------------------------------------------------------------


async def test_residents_are_refused_everything(chat, services, api):
    refused = await chat.send("/acara")
    assert "hanya untuk petugas Disdukcapil" in texts(refused)
    await chat.press_data("ac:prog::abcd")
    assert "hanya untuk petugas" in api.callback_answers[-1]["text"]
    printed = await chat.send("/cetak ABCDEF")
    assert "hanya untuk petugas" in texts(printed)
    assert len(await _refusals(services)) == 3
    sch = await school(services, "sman-6-tangsel")
    with pytest.raises(NotAllowed):
        await services.schools.create_event(
            None, sch.id, day=THU, opens=time(8), closes=time(12), seats=10
        )
    with pytest.raises(NotAllowed):
        await services.schools.program(None)


async def test_an_operator_acts_only_in_their_kecamatan(make_chat, services, api):
    operator = make_chat(OPERATOR_ID)  # Pondok Aren only
    panel = await operator.send("/acara")
    assert "SMA Negeri 4 Kota Tangerang Selatan" in texts(panel)  # their only school
    # A forged button of their own flow (its current token) for another kecamatan's day.
    token = FLOW_BUTTON.unpack(operator.last.buttons[0][0]["callback_data"])["tok"]
    other = await event(services, "sman-6-tangsel", TUE)  # Pamulang
    await operator.press_data(FLOW_BUTTON.pack("acara", token, "ev", other.id))
    assert "di luar kecamatan yang Anda kelola" in api.callback_answers[-1]["text"]
    assert await _refusals(services)
    typed = await operator.send("sman 6 tangsel")
    assert "Tidak ada sekolah di wilayah Anda yang cocok" in texts(typed)
    member = services.staff(OPERATOR_ID)
    with pytest.raises(NotAllowed):
        await services.schools.change_event(member, other.id, {"room": "Aula"})
    with pytest.raises(NotAllowed):
        await services.schools.cancel_event(member, other.id, "tidak jadi")
    # Their summary covers their kecamatan only.
    report = await services.schools.program(member)
    assert [f.school.code for f in report.schools] == ["sman-4-tangsel"]
    assert report.target == 172


# --- creating --------------------------------------------------------------------------------


async def test_a_new_day_is_told_to_followers_in_their_language(make_chat, services, app, api):
    sch = await school(services, "sman-4-tangsel")
    await add_user(services, 700001, "id")
    await add_user(services, 700002, "en")
    await services.schools.follow(700001, sch.id)
    await services.schools.follow(700002, sch.id)
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 4 tangsel")
    await admin.press("Hari perekaman baru")
    hours = await admin.send("3/12")
    assert "Kamis, 3 Desember 2026: jam berapa?" in texts(hours)
    bad = await admin.send("08:00-12:30")
    assert "terbagi habis menjadi sesi 60 menit" in texts(bad)
    await admin.press("08.00-12.00")
    await admin.send("25")
    await admin.send("Aula")
    await admin.press("Ya")  # printed the same day
    await admin.press("Tidak")  # 17 only
    summary = await admin.send("Bawa fotokopi KK dan kartu pelajar.")
    assert "Buat hari perekaman ini?" in texts(summary)
    created = await admin.press("Buat")
    assert "2 pengikut sedang diberi tahu" in texts(created)
    ev = await event(services, "sman-4-tangsel", date(2026, 12, 3))
    assert (ev.room, ev.same_day_print, ev.allow_16, ev.seats_per_slot) == (
        "Aula",
        True,
        False,
        25,
    )
    report = await send_outbox(services, app)
    assert report.sent == 2
    assert "Hari perekaman KTP-el baru di SMA Negeri 4 Kota Tangerang Selatan" in seen_by(
        api, 700001
    )
    english = seen_by(api, 700002)
    assert "New e-KTP recording day at SMA Negeri 4 Kota Tangerang Selatan" in english
    assert "Thursday, 3 December 2026" in english
    assert "born on or before Thursday, 3 December 2009 (17 on the day)" in english
    # A clash with the same day is refused.
    await admin.send("/acara sman 4 tangsel")
    await admin.press("Hari perekaman baru")
    await admin.send("3/12")
    await admin.press("09.00-12.00")
    await admin.send("10")
    await admin.press("Lewati")
    await admin.press("Tidak")
    await admin.press("Ya")
    await admin.press("Lewati")
    clash = await admin.press("Buat")
    assert "bertabrakan" in texts(clash)


async def test_the_notice_of_a_new_day_leads_to_booking(make_chat, services, app, api):
    sch = await school(services, "sman-5-tangsel")
    parent = make_chat(700003)
    await parent.send("/start")
    await services.schools.follow(700003, sch.id)
    await services.schools.create_event(
        services.staff(ADMIN_ID), sch.id, day=THU, opens=time(8), closes=time(10), seats=5
    )
    await send_outbox(services, app)
    notice = parent.last
    assert "Hari perekaman KTP-el baru" in notice.plain_text()
    times = await parent.press("Daftar", message=notice)
    assert "pukul berapa?" in texts(times)
    # A follower who stopped following is not told of the next one.
    await services.schools.unfollow(700003, sch.id)
    await services.schools.create_event(
        services.staff(ADMIN_ID),
        sch.id,
        day=date(2026, 11, 27),
        opens=time(8),
        closes=time(9),
        seats=5,
    )
    before = len(api.sent.get(700003, []))
    await send_outbox(services, app)
    assert len(api.sent.get(700003, [])) == before


# --- changing --------------------------------------------------------------------------------


async def test_moving_a_day_moves_its_bookings_and_tells_everyone(make_chat, services, app, api):
    ev = await event(services, "sman-6-tangsel", TUE)
    await add_user(services, 710001, "id")
    await add_user(services, 710002, "en")
    await add_user(services, 710003, "id")
    first = await book(services, ev, 710001, name="Ani Lestari", slot_index=1)
    second = await book(services, ev, 710001, name="Bayu Lestari", slot_index=1)
    third = await book(services, ev, 710002, name="Citra Dewi", slot_index=0)
    await services.schools.follow(710003, ev.school_id)
    await services.schools.follow(710001, ev.school_id)  # a booker who also follows
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 6 tangsel")
    await admin.press(1)  # the Tuesday
    await admin.press("Tanggal")
    preview = await admin.send("26/11")
    text = texts(preview)
    assert "tanggal: Selasa, 24 November 2026 → Kamis, 26 November 2026" in text
    assert "Pendaftaran aktif: 3 — 0 tetap, 3 pindah ke jam baru, 0 kehilangan kursinya." in text
    assert "3 orang (pendaftar dan pengikut) akan segera diberi tahu" in text
    done = await admin.press("Ubah")
    assert "3 orang sedang diberi tahu" in texts(done)
    # Same codes, same times, the new date.
    for booked, hour in ((first, 9), (second, 9), (third, 8)):
        view = await services.booking.booking(booked.id)
        assert view is not None
        assert (view.status, view.code, view.date, view.starts.hour) == (
            "active",
            booked.code,
            THU,
            hour,
        )
    report = await send_outbox(services, app)
    assert report.failed == 0
    parent = seen_by(api, 710001)
    assert "Perekaman KTP-el di SMA Negeri 6 Kota Tangerang Selatan berubah" in parent
    assert "Sebelumnya: Selasa, 24 November 2026" in parent
    assert f"Pendaftaran {first.code} atas nama Ani Lestari tetap berlaku" in parent
    assert f"Pendaftaran {second.code} atas nama Bayu Lestari tetap berlaku" in parent
    assert parent.count("berubah") == 1  # one notice, though they also follow
    assert "Kamis, 26 November 2026" in parent
    english = seen_by(api, 710002)
    assert "The e-KTP recording at SMA Negeri 6 Kota Tangerang Selatan has changed" in english
    assert f"Booking {third.code} for Citra Dewi stays, now at 08:00–09:00" in english
    follower = seen_by(api, 710003)
    assert "berubah" in follower and "Pendaftaran" not in follower
    # The engine's own "your slot was closed" notice was replaced by ours.
    assert "tidak dapat melayani" not in parent + follower
    # The day-before reminders follow the new date.
    planned = await services.outbox.store.pending_for("booking", first.id)
    assert any(
        r.kind == "reminder_day_before"
        and services.clock.local(r.due_at).date() == date(2026, 11, 25)
        for r in planned
    )


async def test_a_change_that_makes_a_student_too_young(make_chat, services, app, api):
    ev = await event(services, "sman-6-tangsel", TUE)  # allows 16-year-olds
    await add_user(services, 720001, "id")
    young = await book(services, ev, 720001, name="Dika Pratama", born=date(2010, 3, 1))
    older = await book(services, ev, 720001, name="Eka Pratama", born=date(2009, 3, 1))
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 6 tangsel")
    await admin.press(1)
    preview = await admin.press("Usia 16 tahun")
    text = texts(preview)
    assert "usia 16 tahun: ya → tidak" in text
    assert "1 tetap, 0 pindah ke jam baru, 1 kehilangan kursinya" in text
    assert "belum cukup umur untuk merekam pada tanggal yang baru: 1" in text
    await admin.press("Ubah")
    assert (await services.booking.booking(young.id)).status == "cancelled"
    assert (await services.booking.booking(older.id)).status == "active"
    await send_outbox(services, app)
    seen = seen_by(api, 720001)
    assert f"Pendaftaran {young.code} atas nama Dika Pratama dibatalkan: belum cukup umur" in seen
    assert f"Pendaftaran {older.code} atas nama Eka Pratama tetap berlaku" in seen
    assert "17 tahun pada hari itu" in seen


async def test_new_hours_keep_what_fits_and_move_the_rest(services):
    ev = await event(services, "sman-6-tangsel", TUE)
    early = await book(services, ev, 730001, slot_index=0)  # 08.00
    late = await book(services, ev, 730001, name="Fajar Nugroho", slot_index=3)  # 11.00
    admin = services.staff(ADMIN_ID)
    preview = await services.schools.preview_change(
        admin, ev.id, {"opens": time(10), "closes": time(12)}
    )
    assert {a.booking_id: (a.outcome, a.starts) for a in preview} == {
        early.id: ("moved", time(10)),
        late.id: ("kept", time(11)),
    }
    result = await services.schools.change_event(
        admin, ev.id, {"opens": time(10), "closes": time(12)}
    )
    assert {a.booking_id: a.outcome for a in result.bookings} == {
        early.id: "moved",
        late.id: "kept",
    }
    assert (await services.booking.booking(early.id)).starts == time(10)
    assert (await services.booking.booking(late.id)).starts == time(11)
    # Nothing to change, and no more changes once the day has begun.
    from bot.services import schools as sc
    from bot.services.schools import SchoolError

    with pytest.raises(SchoolError) as same:
        await services.schools.change_event(admin, ev.id, {"room": ev.room})
    assert same.value.code == sc.NOTHING
    services.clock.set(datetime(2026, 11, 24, 10, 30))
    with pytest.raises(SchoolError) as started:
        await services.schools.change_event(admin, ev.id, {"room": "Aula"})
    assert started.value.code == sc.STARTED


async def test_a_move_beyond_the_booking_window_cancels_and_says_so(services, app, api):
    ev = await event(services, "sman-6-tangsel", TUE)
    await add_user(services, 740001, "id")
    booked = await book(services, ev, 740001)
    result = await services.schools.change_event(
        services.staff(ADMIN_ID), ev.id, {"date": date(2026, 12, 15)}
    )
    assert [(a.outcome, a.reason) for a in result.bookings] == [("lost", "window")]
    assert (await services.booking.booking(booked.id)).status == "cancelled"
    await send_outbox(services, app)
    assert "tanggal baru berada di luar masa pendaftaran" in seen_by(api, 740001)


# --- cancelling ------------------------------------------------------------------------------


async def test_cancelling_a_day_tells_bookers_and_followers(make_chat, services, app, api):
    ev = await event(services, "sman-6-tangsel", TUE)
    await add_user(services, 750001, "id")
    await add_user(services, 750002, "en")
    booked = await book(services, ev, 750001, name="Gita Sari")
    await services.schools.follow(750002, ev.school_id)
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 6 tangsel")
    await admin.press(1)
    await admin.press("Batalkan hari ini")
    confirm = await admin.send("Sekolah dipakai untuk ujian")
    text = texts(confirm)
    assert "Alasan: Sekolah dipakai untuk ujian" in text
    assert "1 pendaftaran aktif akan dibatalkan; 2 orang" in text
    done = await admin.press("Batalkan hari ini")
    assert "1 pendaftaran dibatalkan; 2 orang sedang diberi tahu" in texts(done)
    view = await services.booking.booking(booked.id)
    assert view is not None and view.status == "cancelled"
    cancelled = await services.schools.event(ev.id)
    assert cancelled.status == "cancelled"
    # The day-before reminder of the booking is withdrawn.
    assert not [
        r
        for r in await services.outbox.store.pending_for("booking", booked.id)
        if r.kind.startswith("reminder")
    ]
    await send_outbox(services, app)
    parent = seen_by(api, 750001)
    assert "Dibatalkan: perekaman KTP-el di SMA Negeri 6 Kota Tangerang Selatan" in parent
    assert "Alasan: Sekolah dipakai untuk ujian" in parent
    assert f"Pendaftaran {booked.code} atas nama Gita Sari dibatalkan." in parent
    assert "tidak dapat melayani" not in parent  # the engine's notice was replaced
    english = seen_by(api, 750002)
    assert "Cancelled: the e-KTP recording at SMA Negeri 6 Kota Tangerang Selatan" in english
    assert "Reason: Sekolah dipakai untuk ujian" in english
    # The card no longer lists the day; the staff panel marks it.
    from bot.services import schools as sc
    from bot.services.schools import SchoolError

    assert not await services.schools.upcoming(ev.school_id)
    with pytest.raises(SchoolError) as again:
        await services.schools.cancel_event(services.staff(ADMIN_ID), ev.id, "lagi")
    assert again.value.code == sc.GONE
    history = await services.schools.history(services.staff(ADMIN_ID), ev.id)
    assert [c.action for c in history] == ["cancelled"]


# --- the figures -----------------------------------------------------------------------------


async def test_figures_per_event_school_and_program(make_chat, services, app, api):
    ev = await event(services, "sman-6-kab-tgr", TUE)  # prints the same day
    adult = await book(services, ev, 760001, name="Hadi Susanto", born=date(2009, 2, 1))
    beginner = await book(services, ev, 760001, name="Intan Susanto", born=date(2010, 2, 1))
    await book(services, ev, 760002, name="Joko Widodo", born=date(2009, 5, 1))
    admin = make_chat(ADMIN_ID)
    early = await admin.send(f"/cetak {adult.code}")
    assert "pada hari perekaman itu sendiri" in texts(early)
    services.clock.set(datetime(2026, 11, 24, 9, 30))
    young = await admin.send(f"/cetak {beginner.code}")
    assert "belum 17 tahun" in texts(young)
    printed = await admin.send(f"/cetak {adult.code}")
    assert "sudah dicetak" in texts(printed)  # checked in on the way
    await services.booking.check_in(beginner.id, ADMIN_ID)
    twice = await admin.send(f"/cetak {adult.code}")
    assert "sudah tercatat dicetak" in texts(twice)
    _view, counts = await services.schools.event_report(services.staff(ADMIN_ID), ev.id)
    assert (counts.booked, counts.attended, counts.active, counts.printed) == (3, 2, 1, 1)
    report = await services.schools.school_report(services.staff(ADMIN_ID), ev.school_id)
    assert report.figures.counts.printed == 1 and report.figures.school.target_students == 201
    program = await services.schools.program(services.staff(ADMIN_ID))
    assert program.target == 7544 and len(program.schools) == 40
    assert (program.counts.booked, program.counts.attended, program.counts.printed) == (3, 2, 1)
    summary = await admin.send("/acara rekap")
    text = texts(summary)
    assert "40 sekolah · target 7.544 siswa" in text
    assert "Terdaftar 3 · hadir 2 · tidak hadir 0 · dicetak di hari yang sama 1" in text
    assert "SMA Negeri 6 Kabupaten Tangerang: 201 · 3 · 2 · 1" in text
    # The natural order: SMA Negeri 2 before SMA Negeri 10.
    assert text.index("SMA Negeri 2 Kabupaten") < text.index("SMA Negeri 10 Kabupaten")
    # The event panel shows the same.
    await admin.send("/acara sman 6 kab tangerang")
    panel = await admin.press(1)
    assert "terdaftar 3 · hadir 2" in texts(panel)
    assert "Target siswa sekolah: 201" in texts(panel)


async def test_more_seats_are_not_announced(make_chat, services, app, api):
    ev = await event(services, "sman-6-tangsel", TUE)
    await add_user(services, 770001, "id")
    await book(services, ev, 770001)
    await services.schools.follow(770001, ev.school_id)
    admin = make_chat(ADMIN_ID)
    await admin.send("/acara sman 6 tangsel")
    await admin.press(1)
    await admin.press("Kursi")
    preview = await admin.send("40")
    assert "kursi per sesi: 25 → 40" in texts(preview)
    assert "Tidak ada yang diberi tahu tentang perubahan jumlah kursi." in texts(preview)
    done = await admin.press("Ubah")
    assert "0 orang sedang diberi tahu" in texts(done)
    assert "Sisa kuota 159 orang" in texts(done)
    before = len(api.sent.get(770001, []))
    await send_outbox(services, app)
    assert len(api.sent.get(770001, [])) == before
