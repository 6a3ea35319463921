"""Who may record at a school event (by birth date, on the event day), and booking a seat for a
student end to end through the booking engine: ticket, /saya, reschedule, cancel, audience."""

from datetime import date

import pytest

from bot.services import booking as bk
from bot.services.booking import BookingError
from bot.services.schools import born_on_or_before
from tests.conftest import texts
from tests.school_helpers import TUE, book, event, nik, school

# --- eligibility -----------------------------------------------------------------------------


def test_born_on_or_before():
    assert born_on_or_before(date(2026, 11, 24), 17) == date(2009, 11, 24)
    assert born_on_or_before(date(2026, 11, 24), 16) == date(2010, 11, 24)
    # An event on 29 February: 17 years earlier there is no 29 February.
    assert born_on_or_before(date(2028, 2, 29), 17) == date(2011, 2, 28)
    assert born_on_or_before(date(2028, 2, 29), 16) == date(2012, 2, 29)


async def test_sixteen_may_record_where_the_event_allows_it(services):
    ev = await event(services, "sman-6-tangsel", TUE)  # allow_16, printed later
    assert ev.allow_16 and not ev.same_day_print
    schools = services.schools
    on_cutoff = schools.check_child(ev, nik(date(2010, 11, 24)))  # 16 on the event day
    assert on_cutoff.eligibility.ok and on_cutoff.eligibility.age == 16
    assert not on_cutoff.prints_same_day
    a_day_late = schools.check_child(ev, nik(date(2010, 11, 25)))
    assert not a_day_late.eligibility.ok
    assert a_day_late.eligibility.eligible_from == date(2026, 11, 25)  # the 16th birthday
    view = await schools.view(ev)
    assert view.min_age == 16
    assert view.born_by == date(2010, 11, 24)
    assert view.adult_born_by == date(2009, 11, 24)


async def test_seventeen_is_needed_where_sixteen_is_not_allowed(services):
    ev = await event(services, "sman-11-kab-tgr", date(2026, 11, 25))  # not allow_16, prints
    assert not ev.allow_16 and ev.same_day_print
    schools = services.schools
    seventeen = schools.check_child(ev, nik(date(2009, 11, 25), kecamatan="360307"))
    assert seventeen.eligibility.ok and seventeen.prints_same_day
    sixteen = schools.check_child(ev, nik(date(2009, 11, 26), kecamatan="360307", female=True))
    assert not sixteen.eligibility.ok
    assert sixteen.eligibility.eligible_from == date(2026, 11, 26)  # the 17th birthday
    view = await schools.view(ev)
    assert view.min_age == 17 and view.born_by == date(2009, 11, 25)


async def test_the_deployment_can_forbid_sixteen_everywhere(services):
    import dataclasses

    services.config = dataclasses.replace(
        services.config,
        booking=dataclasses.replace(services.config.booking, allow_age_16=False),
    )
    ev = await event(services, "sman-6-tangsel", TUE)
    assert not services.schools.check_child(ev, nik(date(2010, 1, 1))).eligibility.ok
    assert (await services.schools.view(ev)).min_age == 17


async def test_the_engine_refuses_a_too_young_student_too(services):
    ev = await event(services, "sman-6-tangsel", TUE)
    with pytest.raises(BookingError) as refused:
        await book(services, ev, 500001, born=date(2011, 5, 15))
    assert refused.value.code == bk.NOT_ELIGIBLE


# --- the audience ----------------------------------------------------------------------------


async def test_a_public_booking_cannot_take_a_school_seat(services):
    ev = await event(services, "sman-6-tangsel", TUE)
    slot = (await services.schools.free_slots(ev))[0]
    with pytest.raises(BookingError) as refused:
        await services.booking.book(
            slot.slot_id, owner_id=500001, person_name="Rina Putri", nik=nik(date(2009, 1, 1))
        )
    assert refused.value.code == bk.WRONG_AUDIENCE
    # Nor can another school's flow.
    other = await school(services, "sman-3-tangsel")
    with pytest.raises(BookingError) as wrong:
        await services.schools.book(
            slot.slot_id,
            school_id=other.id,
            owner_id=500001,
            person_name="Rina Putri",
            nik=nik(date(2009, 1, 1)),
            phone=None,
        )
    assert wrong.value.code == bk.WRONG_AUDIENCE
    # School events are not offered by the public booking flow.
    assert not await services.booking.free_days(ev.place_id, TUE, 1)


async def test_an_event_beyond_the_booking_window_opens_later(services, chat):
    ev = await event(services, "sman-3-kab-tgr", date(2026, 12, 8))
    view = await services.schools.view(ev)
    assert view.bookable_from == date(2026, 11, 25)  # 14 days ahead
    assert view.seats_left == 100 and not view.open_for_booking
    messages = await chat.send("/sekolah sman 3 kab tangerang")
    text = texts(messages)
    assert "pendaftaran dibuka Rabu, 25 November 2026" in text
    assert not any("8 Des" in label for label in chat.last.button_labels)


# --- booking in the chat ---------------------------------------------------------------------


async def test_booking_a_student_end_to_end(chat, services, api):
    await chat.send("/sekolah sman 6 tangsel")
    times = await chat.press("Daftar · Sel, 24 Nov")
    assert "pukul berapa?" in texts(times)
    assert chat.last.button_labels[0] == "08.00–09.00 · sisa 25"
    name = await chat.press("09.00–10.00")
    assert "Nama lengkap siswa" in texts(name)
    asked = await chat.send("Budi Santoso")
    assert "NIK Budi Santoso" in texts(asked)
    # Too young on the event day: the dates say why and from when.
    young = await chat.send(nik(date(2011, 5, 15)))
    text = texts(young)
    assert "lahir pada Minggu, 15 Mei 2011 dan berusia 15 tahun pada Selasa, 24 November" in text
    assert "lahir pada atau sebelum Rabu, 24 November 2010" in text
    assert "dapat merekam mulai Sabtu, 15 Mei 2027" in text
    # A typo is explained specifically.
    typo = await chat.send("367406150510")
    assert "16 digit" in texts(typo)
    student = nik(date(2010, 5, 15))
    phone = await chat.send(student)
    assert "Nomor HP orang tua atau wali" in texts(phone)
    bad = await chat.send("12345")
    assert "Lewati" in chat.last.button_labels
    assert bad
    summary = await chat.send("0812 3456 7890")
    text = texts(summary)
    assert "Mohon periksa pendaftaran" in text
    assert "Selasa, 24 November 2026, 09.00–10.00" in text
    assert "Laboratorium Komputer" in text
    # In full on the check screen, to the parent who just typed them (a typo shows).
    assert f"NIK {student}" in text
    assert "+6281234567890" in text
    assert "16 tahun pada hari itu: perekaman pemula" in text
    assert "adalah siswa SMA Negeri 6 Kota Tangerang Selatan" in text
    ticket = await chat.press("Konfirmasi")
    kinds = [m.kind for m in ticket]
    assert kinds == ["text", "venue", "photo", "document"]
    text = texts(ticket)
    assert "Terdaftar: perekaman KTP-el di SMA Negeri 6 Kota Tangerang Selatan" in text
    assert student not in text and "+6281234567890" not in text
    assert "Ruangan: Laboratorium Komputer" in text
    assert ticket[3].file_name.endswith(".ics")
    mine = await services.booking.active_for_owner(chat.user["id"])
    assert len(mine) == 1 and mine[0].person_name == "Budi Santoso"
    assert mine[0].starts.hour == 9 and mine[0].phone == "+6281234567890"
    assert (
        await services.schools.view(await services.schools.event(ev_id(mine[0])))
    ).seats_left == 99
    # /saya lists it, with cancel; cancelling gives the seat back.
    listed = await chat.send("/saya")
    assert mine[0].code in texts(listed)
    await chat.press("Batal")
    done = await chat.press("Ya, batalkan")
    assert "dibatalkan" in texts(done)
    ev = await services.schools.event(ev_id(mine[0]))
    assert (await services.schools.view(ev)).seats_left == 100


def ev_id(view) -> int:
    assert view.service_day_id is not None
    return view.service_day_id


async def test_same_day_printing_is_said_on_the_ticket(chat):
    await chat.send("/sekolah sman 6 kab tangerang")  # Tuesday, prints the same day
    await chat.press("Daftar · Sel, 24 Nov")
    await chat.press(1)
    await chat.send("Rudi Hartono")
    await chat.send(nik(date(2009, 3, 1), kecamatan="360311"))
    summary = await chat.press("Lewati")
    assert "KTP-el langsung dicetak hari itu juga" in texts(summary)
    ticket = await chat.press("Konfirmasi")
    assert "KTP-el langsung dicetak hari itu juga" in texts(ticket)


async def test_back_and_change_steps(chat):
    await chat.send("/sekolah sman 6 tangsel")
    await chat.press("Daftar")
    await chat.press(1)
    await chat.send("Budi Santoso")
    back = await chat.press("Kembali")
    assert "Nama lengkap siswa" in texts(back)
    await chat.send("Budi Setiawan")
    await chat.send(nik(date(2009, 6, 1)))
    await chat.press("Lewati")
    renamed = await chat.press("✏️ Nama")
    assert "Nama lengkap siswa" in texts(renamed)
    await chat.send("Budi Setiawan Putra")
    again = await chat.send(nik(date(2009, 6, 2)))
    assert "Budi Setiawan Putra" in texts(again)
    stopped = await chat.send("/batal")
    assert "Tidak ada yang didaftarkan" in texts(stopped)


async def test_one_active_booking_per_nik(chat, services):
    ev = await event(services, "sman-6-tangsel", TUE)
    existing = await book(services, ev, chat.user["id"], name="Rina Putri")
    await chat.send("/sekolah sman 6 tangsel")
    await chat.press("Daftar")
    await chat.press(1)
    await chat.send("Rina Putri")
    refused = await chat.send(existing.nik)
    assert existing.code in texts(refused)
    # Another child's NIK: that child's name is asked, never paired with Rina's.
    asked = await chat.send(nik(date(2010, 3, 3)))
    assert "Nama lengkap siswa" in texts(asked)
    await chat.send("Dodi Saputra")
    summary = texts(await chat.press("Lewati"))
    assert "Dodi Saputra" in summary and "Rina Putri" not in summary


async def test_a_full_event(chat, services):
    from datetime import time

    from tests.conftest import ADMIN_ID

    sch = await school(services, "sman-5-tangsel")
    ev = await services.schools.create_event(
        services.staff(ADMIN_ID),
        sch.id,
        day=date(2026, 11, 27),
        opens=time(8, 0),
        closes=time(9, 0),
        seats=1,
    )
    await book(services, ev, 600001, name="Siswa Satu")
    assert not await services.schools.free_slots(ev)
    messages = await chat.send("/sekolah sman 5 tangsel")
    assert "Penuh, atau pendaftaran sudah ditutup" in texts(messages)
    assert not any(label.startswith("📝") for label in chat.last.button_labels)


async def test_rescheduling_a_school_booking_stays_at_the_school(chat, services):
    ev = await event(services, "sman-6-tangsel", TUE)
    booked = await book(services, ev, chat.user["id"])
    await chat.send("/saya")
    days = await chat.press("Pindah jadwal")
    assert "Sel, 24 Nov" in " ".join(chat.last.button_labels)
    assert days
    await chat.press(1)
    await chat.press("10.00–11.00")
    moved = await chat.press("Konfirmasi")
    assert booked.code in texts(moved)
    view = await services.booking.booking(booked.id)
    assert view is not None and view.starts.hour == 10 and view.service_day_id == ev.id
