"""The Indonesian a careful Disdukcapil officer writes (issue 16, "Language"): quota in people,
the nearest available schedule, the person being booked for named (not "Anda"), names
capitalised, hours rather than minutes, what to bring said one way, English dates in one order."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translator
from bot.validation import validate_name
from tests.booking_helpers import TUESDAY, next_account, nik, slot_at, small_place
from tests.conftest import texts


@pytest.fixture
def chat(make_chat):
    return make_chat(next_account())


async def test_quota_in_people_and_the_nearest_available_schedule(chat):
    days = await chat.send("/daftar pondok aren")
    assert "Sel, 24 Nov · sisa 96" in chat.last.button_labels
    assert "kursi" not in texts(days)
    await chat.press("Sel, 24 Nov")
    assert "08.00–09.00 · sisa 12" in chat.last.button_labels
    places = texts(await chat.send("/daftar setu"))
    assert "Jadwal tersedia terdekat: " in places and "hari kosong" not in places


async def test_the_child_is_named_when_refused_and_capitalised(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    asked = await chat.send("ani lestari")  # typed in a hurry
    assert "Ketik NIK atas nama Ani Lestari" in texts(asked)
    await chat.send(nik(3, born=date(2011, 6, 1), female=True))
    refused = texts(await chat.press("Tidak"))
    assert "Ani Lestari dapat merekam mulai Selasa, 1 Juni 2027" in refused
    assert "Anda dapat merekam" not in refused


async def test_a_first_timer_is_named_on_the_check_screen(chat):
    await chat.send("/daftar pondok aren")
    await chat.press("Sel, 24 Nov")
    await chat.press("08.00–09.00")
    await chat.send("Rina Wati")
    await chat.send(nik(2, born=date(2010, 3, 1), female=True))
    await chat.press("Tidak")
    summary = texts(await chat.press("Lewati"))
    assert "KTP-el Rina Wati diserahkan saat berusia 17 tahun" in summary
    assert "saat Anda berusia" not in summary


async def test_the_waitlist_keeps_a_seat_for_two_hours_not_120_minutes(chat, services):
    hall = await small_place(services, kecamatan="360301")
    for serial, starts in ((1, time(8)), (2, time(9))):
        slot = await slot_at(services, hall, TUESDAY, starts)
        await services.booking.book(
            slot.slot_id, owner_id=serial, person_name="X Y", nik=nik(serial)
        )
    await chat.send("/daftar balaraja")
    await chat.press("Balai Uji Coba")
    offered = texts(await chat.press("Sel, 24 Nov · penuh"))
    assert "disimpan selama 2 jam" in offered and "120 menit" not in offered
    joined = texts(await chat.press("Kabari saya"))
    assert "selama 2 jam" in joined


def test_names_typed_in_lower_case_are_capitalised_others_kept():
    assert validate_name("budi santoso") == "Budi Santoso"
    assert validate_name("siti-aisyah ma'ruf") == "Siti-Aisyah Ma'ruf"
    assert validate_name("BUDI SANTOSO") == "BUDI SANTOSO"  # as on the KK
    assert validate_name("Ahmad bin Yusuf") == "Ahmad bin Yusuf"


def test_english_dates_in_one_order():
    t = Translator("en", ZoneInfo("Asia/Jakarta"))
    day = date(2026, 11, 28)
    assert t.date(day) == "Saturday, 28 November 2026"
    assert t.date_short(day) == "Sat, 28 Nov"
    assert t.date_medium(day) == "Sat, 28 Nov 2026"
