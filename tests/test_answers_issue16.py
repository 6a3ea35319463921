"""Issue 16, "Wrong or missing answers": each test fails on the code before the fix."""

from __future__ import annotations

import pytest

from tests.conftest import texts


@pytest.fixture
def en(make_chat):
    return make_chat(language_code="en")


async def test_assalamualaikum_is_answered_with_waalaikumsalam(chat):
    text = texts(await chat.send("assalamualaikum"))
    assert "Waalaikumsalam" in text
    assert "Halo" not in text


@pytest.mark.parametrize(
    ("question", "agency"),
    [
        ("bikin paspor syaratnya apa aja", "Imigrasi"),
        ("buka rekening bank pake ktp bisa online ga", "bank"),
        ("bpjs kesehatan saya nonaktif gimana", "BPJS"),
        ("cara bikin npwp", "DJP"),
        ("registrasi kartu sim pake nik gagal terus", "operator seluler"),
        ("bikin sim a di satpas mana", "Satpas Polri"),
        ("cek dpt pemilu nama saya terdaftar ga", "KPU"),
    ],
)
async def test_other_agencies_are_named(chat, question, agency):
    text = texts(await chat.send(question))
    assert agency in text
    assert "saya hanya dapat membantu" in text  # and what the bot can do


async def test_other_agency_in_english(en):
    assert "Immigration Office" in texts(await en.send("bikin paspor syaratnya apa aja"))


@pytest.mark.parametrize("question", ["sabtu buka gak?", "minggu ada yang buka?"])
async def test_weekend_question_lists_the_places_open_that_day(chat, question):
    messages = await chat.send(question)
    text = texts(messages)
    assert "hari kerja" not in text  # never "offices open only on working days"
    assert "Tempat yang buka pada hari itu" in text
    assert any("Daftar" in label or "📝" in label for label in messages[-1].button_labels)


async def test_jemput_bola_question_gets_the_schedule(chat):
    text = texts(await chat.send("jemput bola kapan"))
    assert "jemput bola" in text.casefold()
    assert "tidak yakin" not in text.casefold()


async def test_queue_length_question_does_not_offer_the_pungli_report(chat):
    messages = await chat.send("antri nya lama ga")
    text = texts(messages)
    assert "pungli" not in text.casefold(), text
    assert not any("Laporkan" in label for label in messages[-1].button_labels), text


async def test_online_recording_question_says_in_person_and_other_documents_online(chat):
    text = texts(await chat.send("rekam ktp bisa online ga"))
    assert "tidak bisa dilakukan secara online" in text
    assert "KK, akta" in text


@pytest.mark.parametrize(
    "complaint",
    ["jadwal di bot bilang buka, sampe sana tutup", "petugasnya kagak sopan ama emak gw"],
)
async def test_complaints_get_the_report_answer(chat, complaint):
    text = texts(await chat.send(complaint))
    assert "lapor" in text.casefold()
    assert "ke rumah" not in text


async def test_thanks_with_an_address_is_thanks(chat):
    assert "Sama-sama" in texts(await chat.send("terima kasih atas bantuannya, Bapak/Ibu"))


async def test_jakarta_resident_is_sent_to_their_own_disdukcapil(chat):
    text = texts(await chat.send("saya tinggal di jakarta selatan kalo mau rekam ktp kemana"))
    assert "DKI Jakarta" in text
    assert "Disdukcapil setempat" in text


async def test_nik_from_outside_banten_is_sent_to_their_own_disdukcapil_and_answered(chat):
    text = texts(await chat.send("nik saya 3171234567890001 syarat rekamnya apa"))
    assert "di luar wilayah layanan" in text
    assert "KK" in text  # the requirements are still answered


async def test_served_kecamatan_wins_over_a_workplace_elsewhere(chat):
    text = texts(await chat.send("kerja di jakarta rumah di cisauk rekam dmn"))
    assert "DKI Jakarta" not in text
    assert "Cisauk" in text


# --- /jadwal (test clock: Monday 23 November 2026, booking horizon 14 days) ----------------------


async def test_jadwal_beyond_the_booking_horizon_says_when_booking_opens(en, services):
    if not hasattr(services, "booking"):
        pytest.skip("booking is not part of this deployment")
    text = texts(await en.send("/jadwal pondok aren 31/12"))
    assert "Booking for Thursday, 31 December 2026 opens on Friday, 18 December 2026." in text
    assert "No free seats" not in text


async def test_jadwal_on_a_holiday_gives_the_reason_not_no_seats(chat):
    text = texts(await chat.send("/jadwal pondok aren 25 desember"))
    assert "Tidak ada kuota tersisa" not in text
    assert "libur" in text.casefold()


async def test_jadwal_next_week_shows_the_whole_week(en):
    text = texts(await en.send("/jadwal pondok aren minggu depan"))
    assert "Mon, 30 Nov – Sun, 6 Dec" in text
    assert "Sat, 5 Dec" in text


async def test_typed_next_week_question_shows_the_whole_week(en):
    text = texts(await en.send("jadwal rekam pondok aren minggu depan"))
    assert "Mon, 30 Nov – Sun, 6 Dec" in text


async def test_jadwal_on_a_date_that_does_not_exist(chat):
    text = texts(await chat.send("/jadwal pondok aren 30 februari"))
    assert "tidak ada di kalender" in text
    assert "Pondok Aren" in text


# --- "kartu saya sudah jadi?" -------------------------------------------------------------------


async def test_card_question_without_a_booking_explains_printing(chat):
    text = texts(await chat.send("Kartu saya sudah jadi?"))
    assert "blangko" in text.casefold()


async def test_card_question_with_a_booking_shows_each_card(chat, services, clock):
    if not hasattr(services, "booking"):
        pytest.skip("booking is not part of this deployment")
    from datetime import date, time

    from tests.booking_helpers import nik, place_id, slot_at

    pid = await place_id(services)
    owner = chat.user["id"]
    slot = await slot_at(services, pid, date(2026, 11, 24), time(9))
    first = await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Siti Aminah", nik=nik(1)
    )
    await services.booking.book(
        slot.slot_id, owner_id=owner, person_name="Budi Santoso", nik=nik(2)
    )
    await services.db.write(
        "UPDATE bookings SET status = 'attended', printed_at = ? WHERE id = ?",
        (clock.epoch(), first.id),
    )
    text = texts(await chat.send("Kartu saya sudah jadi?"))
    assert "dicetak pada Senin, 23 November 2026" in text
    assert "Siti Aminah" not in text  # names masked in a list
    assert "perekaman terjadwal pada Selasa, 24 November 2026" in text


@pytest.mark.parametrize(
    "asked", ["/jadwal pondok aren minggu ini", "/jadwal pondok aren pekan ini"]
)
async def test_jadwal_this_week_shows_the_rest_of_the_week_not_only_sunday(en, asked):
    text = texts(await en.send(asked))  # the test clock: Monday 23 November
    assert "Mon, 23 Nov – Sun, 29 Nov" in text
    assert "Tue, 24 Nov" in text


async def test_jadwal_this_sunday_is_still_a_sunday(en):
    text = texts(await en.send("/jadwal pondok aren hari minggu ini"))
    assert "Sunday, 29 November 2026" in text
